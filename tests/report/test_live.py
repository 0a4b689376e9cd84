"""`report --live`, `diff --live --format markdown` and `plan --format markdown` against the
simulator: what a running Jenkins holds, read exactly as `diff --live` reads it."""

from __future__ import annotations

import json
import textwrap
from typing import Any, Callable

import pytest

from jcasc_gen.exitcodes import ExitCode
from tests.apply.conftest import Env, assert_no_secret, make_env  # noqa: F401  (fixture)
from tests.apply.test_items import TEAMS, team_spec
from tests.jenkins_sim import DEFAULT_PLUGINS, ITEM_PLUGINS

from .test_html import data_of, parse

TIME = "2026-12-01T09:30:00Z"


@pytest.fixture
def teams(make_env: Callable[..., Env], pomerium_side: Any) -> Env:
    env = make_env(team_spec(pomerium_side.jwks_url), plugins={**DEFAULT_PLUGINS, **ITEM_PLUGINS})
    for team in TEAMS:
        env.sim.items.add_folder(team)
        env.sim.items.add_job(f"{team}/app")
    env.sim.items.add_folder("unlisted", inherit="global", entries=[("GROUP", "ops", "Job/Read")])
    return env


def _cells(data: dict[str, Any], scope_path: str | None, principal: str) -> dict[str, str]:
    controller = data["controllers"][0]
    (scope,) = [s for s in controller["scopes"] if s["path"] == scope_path]
    i = [p[1] for p in controller["principals"]].index(principal)
    row = scope["patterns"][scope["rows"][i]]
    return {pid: data["kinds"][code % 8] for pid, code in zip(scope["perms"], row)}


def test_report_live_shows_what_jenkins_holds(teams: Env) -> None:
    env = teams
    assert env.apply().code == ExitCode.OK
    out_file = env.tmp / "live.html"
    run = env.run("report", str(env.spec), "--live", *env.base(), "-o", str(out_file), "--time", TIME)
    assert run.code == ExitCode.OK, run.err
    assert_no_secret(run, env)
    text = out_file.read_text()
    for s in env.secrets():
        assert s not in text
    data = data_of(parse(text))
    paths = [s["path"] for s in data["controllers"][0]["scopes"]]
    assert paths == [None, *TEAMS, "unlisted"]  # the spec's folders and the one it does not list
    assert _cells(data, None, "alice@example.com")["Overall/Administer"] == "direct"
    assert _cells(data, "team-a", "team-a")["Job/Build"] == "direct"
    assert _cells(data, "team-b", "team-a")["Job/Build"] == "none"  # inherit none
    assert _cells(data, "unlisted", "ops")["Job/Read"] == "direct"  # read from Jenkins, not from the spec
    assert "the live Jenkins at" in text and "lint judges spec files" in text
    # someone changes a folder in the UI: the live report shows it, the spec report does not
    env.sim.items.add_folder("team-c/extra", entries=[("USER", "mallory@example.com", "Job/Configure")])
    run = env.run("report", str(env.spec), "--live", *env.base(), "--format", "csv", "--time", TIME)
    assert run.code == ExitCode.OK, run.err
    # granted Job/Configure on the folder, but without Job/Read on team-c (inherit none) she cannot reach it
    assert '"item","team-c/extra","user","mallory@example.com","no","Job/Configure","yes","direct"' in run.out
    spec_only = env.run("report", str(env.spec), "--format", "csv", "--time", TIME)
    assert "mallory" not in spec_only.out


def test_report_live_unreachable_is_exit_3(make_env: Callable[..., Env]) -> None:
    env = make_env()
    out_file = env.tmp / "live.html"
    env.sim.stop() if hasattr(env.sim, "stop") else None
    run = env.run("report", str(env.spec), "--live", "--url", "http://127.0.0.1:9/", "--user", "admin", "--token", "x",
                  "-o", str(out_file), "--timeout", "2", "--retries", "0")
    assert run.code == ExitCode.UNREACHABLE, run.err
    assert not out_file.exists()
    usage = env.run("report", str(env.spec), "--url", "http://127.0.0.1:9/")
    assert usage.code == ExitCode.USAGE and "--live" in usage.err


def test_plan_and_diff_live_in_markdown(teams: Env) -> None:
    env = teams
    assert env.apply().code == ExitCode.OK
    items = "".join(textwrap.dedent(f"""\
        - path: {team}
          inherit: none
          grants:
            - group: {team}
              permissions: [{"Job/Read, Job/Build" if team == "team-a" else
                             "Job/Read, Job/Build, Job/Cancel, Job/Configure, Job/Workspace, Run/Update"}]
        """) for team in TEAMS) + "- path: team-a\n  grants:\n    - user: carol@example.com\n      permissions: [Job/Configure]\n"
    env.write_spec(team_spec(env.pomerium.jwks_url, items=items.replace("- path: team-a\n  grants:", "- path: team-a/app\n  grants:")))
    plan = env.plan("--format", "markdown")
    assert plan.code == ExitCode.DIFFERENCES, plan.err
    assert_no_secret(plan, env)
    out = plan.out
    assert out.startswith("<!-- jcasc-gen:effective-changes -->\n### Effective permission changes:")
    assert "| group `team-a` | item `team-a` | - Job/Configure, Job/Workspace, Job/Cancel, Run/Update" in out
    assert "| user `carol@example.com` (new) | item `team-a/app` | + Job/Configure" in out
    assert "group `ops`" not in out  # the unlisted folder stays as it is on both sides
    assert "<details><summary>The plan</summary>" in out and "item     team-a: change its matrix" in out
    diff = env.run("diff", str(env.spec), "--live", *env.base(), "--format", "markdown")
    assert diff.code == ExitCode.DIFFERENCES, diff.err
    table = [line for line in diff.out.splitlines() if line.startswith("| ")]
    assert table == [line for line in out.splitlines() if line.startswith("| ")]  # the same computation
    json_plan = env.plan("--format", "json").json
    effective = json.dumps(json_plan["items"])
    assert "user carol@example.com: gains Job/Configure" in effective  # plan's own effect lines agree

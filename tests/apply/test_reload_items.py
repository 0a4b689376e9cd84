"""Folder and job matrices under `apply --via-reload` (and the automatic reload).

No reload and no restart sets an item's matrix: JCasC has no configurator for items (the
simulator's export does not change with them, tests/sim/test_items.py::
test_items_are_not_in_the_jcasc_export). So the reload path writes them itself, through each
config.xml, once the deployed files are live, with the API path's refusals and rollback.
The chart's Jenkins here reads its security from a JCasC folder; a thread plays the sidecar.
"""

from __future__ import annotations

from typing import Any, Callable

from jcasc_gen.exitcodes import ExitCode
from tests.jenkins_sim import DEFAULT_PLUGINS, ITEM_PLUGINS

from .conftest import ADMIN, Env, assert_no_secret
from .test_items import MATRIX, TEAMS, _config, _jwt_get, team_spec
from .test_reload import CHART_SECURITY, FOLDER, POD, _apply, _changing, _sidecar

ITEM_WRITES = "/job/{}/config.xml"


def _chart_teams(make_env: Callable[..., Env], pomerium_side: Any) -> Env:
    env = make_env(team_spec(pomerium_side.jwks_url), plugins={**DEFAULT_PLUGINS, **ITEM_PLUGINS, "jwt-auth": "0.3.0"},
                   env={"CASC_RELOAD_TOKEN": POD},
                   casc_files=[(f"{FOLDER}/jcasc-default-config.yaml", CHART_SECURITY + "  numExecutors: 0\n")])
    for team in TEAMS:
        env.sim.items.add_folder(team)
        env.sim.items.add_job(f"{team}/app")
    return env


def _item_posts(env: Env) -> list[int]:
    """Indexes (in the request log) of the config.xml writes of the team folders."""
    paths = {ITEM_WRITES.format(t) for t in TEAMS}
    return [i for i, r in enumerate(list(env.sim.requests)) if r[0] == "POST" and r[1] in paths]


def _reload_post(env: Env) -> int:
    return next(i for i, r in enumerate(list(env.sim.requests)) if r[1].startswith("/reload-configuration-as-code"))


def test_items_are_written_after_the_reload_then_verified(make_env: Callable[..., Env], pomerium_side: Any) -> None:
    env = _chart_teams(make_env, pomerium_side)
    before = {t: _config(env, t) for t in TEAMS}
    sidecar = _sidecar(env, 0.3)
    run = _apply(env, "--via-reload", "--reload-timeout", "20", "--format", "json")
    sidecar.join()
    assert run.code == ExitCode.OK, run.err
    assert "read 3 items of authorization.items" in run.err
    assert "[2/4] wait: the live Jenkins equals the spec" in run.err
    assert f"[3/4] items: as {ADMIN!r}: no reload sets an item's matrix" in run.err
    assert all(f"[3/4] items: item {t!r}: matrix set and read back" in run.err for t in TEAMS)
    assert "[4/4] verify: passed" in run.err and "item team-a: its matrix equals the spec" in run.err
    # written only after the deployed files were reloaded, and nothing else posted
    writes = _item_posts(env)
    assert len(writes) == 3 and min(writes) > _reload_post(env)
    assert _changing(env) == []
    for team in TEAMS:
        assert MATRIX.sub(b"", _config(env, team)) == before[team] and MATRIX.search(_config(env, team))
        assert _jwt_get(env, f"dev@{team}.example.com", [team], f"job/{team}/api/json") == 200
        assert _jwt_get(env, "nobody@example.com", [], f"job/{team}/api/json") == 404
    assert [s["step"] for s in run.json["steps"]][-3:] == ["wait", "items", "verify"]
    assert {c["path"] for c in run.json["plan"]["items"]} == set(TEAMS)
    assert_no_secret(run, env)
    # run twice: the deployed files are live and the items hold their matrices
    again = _apply(env, "--via-reload", "--reload-timeout", "5")
    assert again.code == ExitCode.OK, again.err
    assert "already holds the spec's matrix" in again.err and len(_item_posts(env)) == 3


def test_the_automatic_choice_writes_the_items_too(make_env: Callable[..., Env], pomerium_side: Any) -> None:
    env = _chart_teams(make_env, pomerium_side)
    sidecar = _sidecar(env, 0.3)
    run = _apply(env, "--reload-timeout", "20")
    sidecar.join()
    assert run.code == ExitCode.OK, run.err
    assert "the item matrices are written once they are live" in run.err
    assert len(_item_posts(env)) == 3 and min(_item_posts(env)) > _reload_post(env)
    assert _changing(env) == []


def test_a_missing_item_is_refused_before_waiting_or_writing(make_env: Callable[..., Env], pomerium_side: Any) -> None:
    env = _chart_teams(make_env, pomerium_side)
    env.sim.items.remove("team-c")
    before = {t: _config(env, t) for t in TEAMS[:2]}
    run = _apply(env, "--via-reload", "--reload-timeout", "20")  # no sidecar: it must not wait at all
    assert run.code == ExitCode.USAGE, run.err
    assert "[1/4] preflight: refused: " in run.err and "team-c" in run.err and "--create-folders" in run.err
    assert "nothing was changed" in run.err and "[2/4] wait" not in run.err
    assert _item_posts(env) == [] and {t: _config(env, t) for t in TEAMS[:2]} == before


def test_a_failed_item_write_puts_back_what_this_run_wrote(make_env: Callable[..., Env], pomerium_side: Any) -> None:
    env = _chart_teams(make_env, pomerium_side)
    before = {t: _config(env, t) for t in TEAMS}
    env.sim.fail_next(ITEM_WRITES.format("team-c"), count=1, status=500, method="POST")
    sidecar = _sidecar(env, 0.2)
    run = _apply(env, "--via-reload", "--reload-timeout", "20")
    sidecar.join()
    assert run.code == ExitCode.ROLLED_BACK, run.err
    assert "[3/4] items: error:" in run.err and "rollback: every item this run wrote is back to its snapshot" in run.err
    assert {t: _config(env, t) for t in TEAMS} == before
    assert "verify" not in run.err.split("[3/4] items: error:")[1]


def test_a_failed_verify_puts_the_items_back(make_env: Callable[..., Env], pomerium_side: Any) -> None:
    env = _chart_teams(make_env, pomerium_side)
    before = {t: _config(env, t) for t in TEAMS}
    # once the files are deployed, anonymous reads the dashboard although the matrix says no
    sidecar = _sidecar(env, 0.1, also=lambda: env.sim.fail_next("/api/json", count=100, status=200))
    run = _apply(env, "--via-reload", "--reload-timeout", "20")
    sidecar.join()
    assert run.code == ExitCode.ROLLED_BACK, run.err
    assert "putting back the item matrices this run wrote" in run.err
    assert {t: _config(env, t) for t in TEAMS} == before
    assert env.sim.casc_files[-1][0] == f"{FOLDER}/jcasc-gen.yaml"  # the deployment's part stays


def test_without_yes_the_items_are_not_written(make_env: Callable[..., Env], pomerium_side: Any) -> None:
    env = _chart_teams(make_env, pomerium_side)
    run = env.run("apply", str(env.spec), *env.base(), "--via-reload", "--reload-timeout", "20", "--timeout", "5")
    assert run.code == ExitCode.USAGE, run.err
    assert "not confirmed; nothing was changed" in run.err and _item_posts(env) == []


def test_an_item_the_reload_itself_set_is_left_alone(make_env: Callable[..., Env], pomerium_side: Any) -> None:
    """A Job DSL script in the deployed file regenerates its folders when JCasC reloads: the
    items are read again once the files are live, so such a folder is neither taken for
    someone else's change (which would stop the run) nor written again."""
    env = _chart_teams(make_env, pomerium_side)
    perms = ("Job/Read", "Job/Build", "Job/Cancel", "Job/Configure", "Job/Workspace", "Run/Update")

    def job_dsl_regenerates_team_a() -> None:
        env.sim.items.remove("team-a")
        env.sim.items.add_folder("team-a", inherit="none", entries=[("GROUP", "team-a", p) for p in perms])
        env.sim.items.add_job("team-a/app")

    sidecar = _sidecar(env, 0.2, also=job_dsl_regenerates_team_a)
    run = _apply(env, "--via-reload", "--reload-timeout", "20")
    sidecar.join()
    assert run.code == ExitCode.OK, run.err
    assert sorted(env.sim.requests[i][1] for i in _item_posts(env)) == ["/job/team-b/config.xml", "/job/team-c/config.xml"]
    assert "item 'team-a'" not in run.err.split("[3/4] items:", 1)[1].split("[4/4]")[0]

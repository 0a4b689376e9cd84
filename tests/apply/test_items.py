"""Folder and job matrices on the simulator: apply, verify, plan, faults, rollback.

The end-to-end case is the issue's "done when": a spec with three team folders is applied to a
Jenkins that has the folders (with other settings on them) and jobs in them; afterwards each
team sees and builds only its own folder (proven over HTTP with Pomerium-minted JWTs), every
other byte of each folder's config.xml is unchanged, `verify` passes with its JWT probes, and
`plan` has nothing to change.
"""

from __future__ import annotations

import re
import textwrap
from typing import Any, Callable

import pytest

from jcasc_gen.exitcodes import ExitCode
from tests.jenkins_sim import DEFAULT_PLUGINS, ITEM_PLUGINS

from .conftest import ADMIN, Env, assert_no_secret, spec_text

TEAMS = ("team-a", "team-b", "team-c")
MATRIX = re.compile(rb"\n *<com\.cloudbees\.hudson\.plugins\.folder\.properties\.AuthorizationMatrixProperty>.*?"
                    rb"</com\.cloudbees\.hudson\.plugins\.folder\.properties\.AuthorizationMatrixProperty>", re.S)
JOB_MATRIX = re.compile(rb"\n *<hudson\.security\.AuthorizationMatrixProperty>.*?</hudson\.security\.AuthorizationMatrixProperty>", re.S)


def team_spec(jwks_url: str, items: str | None = None) -> str:
    grants = textwrap.dedent(f"""\
        - user: {ADMIN}
          permissions: [Overall/Administer]
        - group: authenticated
          permissions: [Overall/Read]
        """)
    items = items or "".join(textwrap.dedent(f"""\
        - path: {team}
          inherit: none
          grants:
            - group: {team}
              permissions: [Job/Read, Job/Build, Job/Cancel, Job/Configure, Job/Workspace, Run/Update]
        """) for team in TEAMS)
    text = spec_text(jwks_url, grants=grants)
    text = text.replace("authorization:\n", "authorization:\n  strategy: project\n", 1)
    return text.replace("plugins:\n", "  items:\n" + textwrap.indent(items, "    ") + "plugins:\n", 1)


@pytest.fixture
def teams(make_env: Callable[..., Env], pomerium_side: Any) -> Env:
    env = make_env(team_spec(pomerium_side.jwks_url), plugins={**DEFAULT_PLUGINS, **ITEM_PLUGINS})
    for team in TEAMS:
        env.sim.items.add_folder(team)
        env.sim.items.add_job(f"{team}/app")
    env.sim.items.add_folder("unlisted", inherit="global", entries=[("GROUP", "ops", "Job/Read")])
    return env


def _config(env: Env, path: str) -> bytes:
    return env.sim.items.config_xml(path).encode("utf-8")


def _jwt_get(env: Env, email: str, groups: list[str], path: str, method: str = "GET") -> int:
    import requests

    token = env.pomerium.mint(email, groups)
    headers = {"X-Pomerium-Jwt-Assertion": token}
    if method == "POST":
        session = requests.Session()
        crumb = session.get(env.sim.url + "crumbIssuer/api/json", headers=headers, timeout=5).json()
        headers[crumb["crumbRequestField"]] = crumb["crumb"]
        return session.post(env.sim.url + path, headers=headers, timeout=5).status_code
    return requests.get(env.sim.url + path, headers=headers, timeout=5).status_code


def test_team_folders_end_to_end(teams: Env) -> None:
    env = teams
    before = {p: _config(env, p) for p in (*TEAMS, *(f"{t}/app" for t in TEAMS), "unlisted")}
    run = env.apply()
    assert run.code == ExitCode.OK, run.err
    assert_no_secret(run, env)
    # every other byte of each folder (description, credentials property, views, health metric) is kept
    for team in TEAMS:
        after = _config(env, team)
        assert MATRIX.search(after) and not MATRIX.search(before[team])
        assert MATRIX.sub(b"", after) == before[team], team
    # jobs and the unlisted folder are not touched at all
    for path in (*(f"{t}/app" for t in TEAMS), "unlisted"):
        assert _config(env, path) == before[path], path
    # each team sees and builds only its own folder
    for team in TEAMS:
        member = f"dev@{team}.example.com"
        for other in TEAMS:
            own = other == team
            assert _jwt_get(env, member, [team], f"job/{other}/api/json") == (200 if own else 404), (team, other)
            assert _jwt_get(env, member, [team], f"job/{other}/job/app/build", "POST") == (201 if own else 404), (team, other)
    # someone in no team sees none of them
    for team in TEAMS:
        assert _jwt_get(env, "nobody@example.com", [], f"job/{team}/api/json") == 404
    # verify proves it with JWTs: members read, outsiders get 404
    verify = env.verify()
    assert verify.code == ExitCode.OK, verify.out + verify.err
    for team in TEAMS:
        assert f"item {team}: its matrix equals the spec" in verify.out
        assert f"item {team}: a member of group '{team}' can read it" in verify.out
        assert f"item {team}: an outsider (signed in, no groups) cannot see it (404)" in verify.out
    # and plan is quiet afterwards (the unlisted folder's matrix is reported, never changed)
    plan = env.plan()
    assert plan.code == ExitCode.OK, plan.out + plan.err
    assert "nothing to change" in plan.out
    assert "not managed: unlisted has its own matrix" in plan.out
    again = env.apply()
    assert again.code == ExitCode.OK and "nothing to change" in again.err


def test_plan_shows_item_changes_per_principal(teams: Env) -> None:
    env = teams
    assert env.apply().code == ExitCode.OK
    env.write_spec(team_spec(env.pomerium.jwks_url, items=textwrap.dedent("""\
        - path: team-a
          inherit: none
          grants:
            - group: team-a
              permissions: [Job/Read]
            - user: carol@example.com
              permissions: [Job/Read, Job/Configure]
        """)))
    plan = env.plan()
    assert plan.code == ExitCode.DIFFERENCES, plan.err
    out = plan.out
    assert "item     team-a: change its matrix" in out
    assert "+ user carol@example.com: Job/Configure, Job/Read" in out
    assert "- group team-a: Job/Build, Job/Cancel, Job/Configure, Job/Workspace, Run/Update" in out
    assert "effective: user carol@example.com: gains Job/Configure, Job/Discover, Job/Read" in out
    assert "effective: any member of team-a: loses Job/Build, Job/Cancel, Job/Configure, Job/Workspace, Run/Update" in out
    assert "not managed: team-b has its own matrix" in out  # no longer listed: reported, never removed
    assert env.apply().code == ExitCode.OK
    assert MATRIX.search(_config(env, "team-b")), "apply removed the matrix of an item the spec no longer lists"


def test_missing_items_are_refused_before_any_change(teams: Env) -> None:
    env = teams
    env.sim.items.remove("team-c/app")
    env.sim.items.remove("team-c")
    before = env.sim.requests[:]
    run = env.apply()
    assert run.code == ExitCode.USAGE, run.err
    assert "'team-c' does not exist" in run.err and "--create-folders" in run.err
    changes = [p for m, p in env.sim.requests[len(before):]
               if m == "POST" and p.endswith(("config.xml", "/apply", "/configure", "createItem", "installNecessaryPlugins"))]
    assert not changes
    assert env.sim.security_realm.class_name == "hudson.security.HudsonPrivateSecurityRealm"


def test_create_folders(teams: Env) -> None:
    env = teams
    env.write_spec(team_spec(env.pomerium.jwks_url, items=textwrap.dedent("""\
        - path: new/nested
          inherit: none
          grants:
            - group: new
              permissions: [Job/Read]
        """)))
    run = env.apply("--create-folders")
    assert run.code == ExitCode.OK, run.err
    assert "creating the empty folder 'new'" in run.err and "creating the empty folder 'new/nested'" in run.err
    assert env.sim.items.get("new/nested") is not None and env.sim.items.get("new/nested").kind.key == "folder"


def test_a_concurrent_change_is_detected_and_nothing_is_lost(teams: Env) -> None:
    """Someone edits team-b between apply's first read and its write: apply stops, rolls back,
    and their edit is still there."""
    env = teams
    def edit(sim: Any) -> None:
        text = sim.items.config_xml("team-b").replace("builds &amp; deploys", "EDITED BY SOMEONE ELSE")
        sim.items.set_config_xml("team-b", text)
    # the 2nd GET of team-b's config.xml is the re-read right before writing
    env.sim.before_next("/job/team-b/config.xml", edit, method="GET", skip=1)
    run = env.apply()
    assert run.code == ExitCode.ROLLED_BACK, run.err
    assert "'team-b' changed in Jenkins after this run read it" in run.err
    assert "EDITED BY SOMEONE ELSE" in env.sim.items.config_xml("team-b")
    for team in TEAMS:
        assert not MATRIX.search(_config(env, team)), team
    assert env.sim.security_realm.class_name == "hudson.security.HudsonPrivateSecurityRealm"


def test_dropped_permission_ids_fail_and_roll_back(teams: Env) -> None:
    """matrix-auth drops a permission that does not apply to a job (Job/Create) with only a
    warning; apply refuses it up front once it knows team-a/app is a job."""
    env = teams
    env.write_spec(team_spec(env.pomerium.jwks_url, items=textwrap.dedent("""\
        - path: team-a/app
          grants:
            - group: team-a
              permissions: [Job/Read, Job/Create]
        """)))
    run = env.apply()
    assert run.code == ExitCode.USAGE, run.err
    assert "'team-a/app' is a job, and matrix-auth keeps Job/Create only on folders" in run.err


def test_diff_live_shows_item_changes_and_unlisted_matrices(teams: Env) -> None:
    env = teams
    assert env.apply().code == ExitCode.OK
    env.write_spec(team_spec(env.pomerium.jwks_url, items=textwrap.dedent("""\
        - path: team-a
          inherit: global
          grants:
            - group: team-a
              permissions: [Job/Read, Job/Build, Job/Cancel, Job/Configure, Job/Workspace, Run/Update]
        """)))
    run = env.run("diff", "--live", str(env.spec), *env.base())
    assert run.code == ExitCode.DIFFERENCES, run.err
    assert "item     team-a: change its matrix (inherit none -> global)" in run.out
    assert "not managed: team-b has its own matrix" in run.out and "not managed: unlisted has its own matrix" in run.out


def test_import_reads_item_matrices_into_the_spec(teams: Env, tmp_path: Any) -> None:
    """import --url walks the folders and writes each matrix into authorization.items; the
    imported spec generates the very matrices Jenkins holds."""
    from jcasc_gen.live.items import targets
    from jcasc_gen.model import load_spec

    env = teams
    assert env.apply().code == ExitCode.OK
    out = tmp_path / "imported.yaml"
    token = env.pomerium.mint(ADMIN, [])
    run = env.run("import", "--url", env.sim.url, "--jwt", token, "--jenkins-url", "https://jenkins.example.com", "-o", str(out))
    assert run.code == ExitCode.OK, run.err
    spec = load_spec(out).spec
    assert spec.authorization.strategy == "project"
    got = {t.path: (t.inherit, {(e.type, e.sid, e.permission) for e in t.entries}) for t in targets(spec)}
    assert set(got) == {*TEAMS, "unlisted"}
    for team in TEAMS:
        assert got[team] == ("none", {("GROUP", team, p) for p in (
            "Job/Read", "Job/Build", "Job/Cancel", "Job/Configure", "Job/Workspace", "Run/Update")})
    assert got["unlisted"] == ("global", {("GROUP", "ops", "Job/Read")})
    assert token not in run.text()


def test_the_walk_finds_matrices_in_nested_folders(teams: Env) -> None:
    """plan walks every folder (api/json at depth 1), so a matrix deep in an unlisted folder,
    or on a job inside a listed one, is reported; apply never touches it."""
    env = teams
    env.sim.items.add_folder("unlisted/deep", inherit="none", entries=[("USER", "eve", "Job/Read")])
    env.sim.items.add_job("team-a/app2", inherit="global", entries=[("GROUP", "qa", "Job/Build")])
    before = (_config(env, "unlisted/deep"), _config(env, "team-a/app2"))
    assert env.apply().code == ExitCode.OK
    plan = env.plan()
    assert "not managed: team-a/app2 has its own matrix (inherit global; group qa: Job/Build)" in plan.out
    assert "not managed: unlisted/deep has its own matrix (inherit none; user eve: Job/Read)" in plan.out
    assert (_config(env, "unlisted/deep"), _config(env, "team-a/app2")) == before


def test_job_dsl_output_is_left_out_of_the_live_check(make_env: Callable[..., Env], pomerium_side: Any) -> None:
    """With output.job_dsl the generated jenkins.yaml ends with a `jobs:` section (for a Job DSL
    deployment); apply checks and applies without it (the simulator, like a JCasC without Job
    DSL's configurator, refuses the key) and sets the matrices through config.xml."""
    spec = team_spec(pomerium_side.jwks_url).replace("output:\n", "output:\n  job_dsl: true\n", 1)
    env = make_env(spec, plugins={**DEFAULT_PLUGINS, **ITEM_PLUGINS, "job-dsl": "3654.vdf58f53e2d15"})
    for team in TEAMS:
        env.sim.items.add_folder(team)
    run = env.apply()
    assert run.code == ExitCode.OK, run.err
    assert "[JG032]" in run.err
    for team in TEAMS:
        assert MATRIX.search(_config(env, team))

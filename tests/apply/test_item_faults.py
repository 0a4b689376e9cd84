"""Faults while apply sets item matrices: every request of a run fails in turn, a write whose
answer is lost, a permission Jenkins drops. Jenkins ends with every listed item as it was or
every listed item as the spec says, never a mix, and every other byte of each folder kept.

The Jenkins here already has the spec's realm and global matrix (applied through its JCasC),
so a run changes only the items and the sweep covers every item request."""

from __future__ import annotations

import textwrap
from typing import Any, Callable

import pytest

from jcasc_gen.exitcodes import ExitCode
from jcasc_gen.model import load_spec_text
from jcasc_gen.render import render, without_job_dsl
from tests.jenkins_sim import DEFAULT_PLUGINS, ITEM_PLUGINS

from .conftest import Env, assert_no_secret
from .test_items import MATRIX, TEAMS, team_spec


def _items(teams: tuple[str, ...]) -> str:
    return "".join(textwrap.dedent(f"""\
        - path: {team}
          inherit: none
          grants:
            - group: {team}
              permissions: [Job/Read, Job/Build, Job/Cancel, Job/Configure, Job/Workspace, Run/Update]
        """) for team in teams)


def _items_env(make_env: Callable[..., Env], pomerium_side: Any, spec: str | None = None, teams: tuple[str, ...] = TEAMS,
               **plugins: str) -> Env:
    text = spec or team_spec(pomerium_side.jwks_url, items=_items(teams))
    env = make_env(text, plugins={**DEFAULT_PLUGINS, **ITEM_PLUGINS, "jwt-auth": "0.3.0", **plugins})
    for team in TEAMS:
        env.sim.items.add_folder(team)
        env.sim.items.add_job(f"{team}/app")
    env.sim.apply(without_job_dsl(render(load_spec_text(text).spec)["jenkins.yaml"]))
    env.originals = {t: env.sim.items.config_xml(t) for t in TEAMS}  # type: ignore[attr-defined]
    env.teams = teams  # type: ignore[attr-defined]
    return env


def _item_state(env: Env) -> str:
    """'before' (no listed item has a matrix), 'after' (all have), or a failure; items the
    spec does not list never change."""
    have = []
    for team in TEAMS:
        if team not in env.teams:  # type: ignore[attr-defined]
            assert env.sim.items.config_xml(team) == env.originals[team], f"{team} is not in the spec but changed"  # type: ignore[attr-defined]
            continue
        text = env.sim.items.config_xml(team).encode()
        original = env.originals[team].encode()  # type: ignore[attr-defined]
        assert MATRIX.sub(b"", text) == original, f"{team}: a byte outside the matrix changed"
        have.append(bool(MATRIX.search(text)))
    assert all(have) or not any(have), f"a mix of items with and without their matrix: {dict(zip(TEAMS, have))}"
    if all(have):
        for team in env.teams:  # type: ignore[attr-defined]
            m = env.sim.items.matrix(team)
            assert m is not None and {(e.type, e.sid, e.short) for e in m.entries} == {
                ("GROUP", team, p) for p in ("Job/Read", "Job/Build", "Job/Cancel", "Job/Configure", "Job/Workspace", "Run/Update")}
    return "after" if all(have) else "before"


def _on_request(env: Env, k: int, kind: str) -> None:
    """The k-th HTTP request of the run gets `kind`."""
    from tests.jenkins_sim.faults import Fault

    faults = env.sim.faults
    original = faults.take
    seen = [0]

    def take(path: str, method: str | None = None) -> Any:
        seen[0] += 1
        if seen[0] == k:
            return Fault(path, 1, kind, status=503 if kind == "status" else 500)
        return original(path, method)

    faults.take = take  # type: ignore[method-assign]


def test_an_items_only_run(make_env: Callable[..., Env], pomerium_side: Any) -> None:
    env = _items_env(make_env, pomerium_side)
    assert _item_state(env) == "before"
    run = env.apply()
    assert run.code == ExitCode.OK, run.err
    assert _item_state(env) == "after"
    assert_no_secret(run, env)


@pytest.mark.slow
def test_any_single_request_failing(make_env: Callable[..., Env], pomerium_side: Any) -> None:
    """Every request of a run that sets two items' matrices, from the first item request on,
    is dropped in turn: a documented exit code, and the items both before or both after, never
    a mix; the third folder, not in the spec, never changes. (The requests before the first item
    request are the preflight of every apply, swept in test_faults.py.)"""
    two = TEAMS[:2]
    probe = _items_env(make_env, pomerium_side, teams=two)
    start = len(probe.sim.requests)
    assert probe.apply().code == ExitCode.OK
    requests = probe.sim.requests[start:]
    first = next(i for i, (_, path) in enumerate(requests, 1) if path.startswith("/job/"))
    seen_codes = set()
    for k in range(first, len(requests) + 1):
        env = _items_env(make_env, pomerium_side, teams=two)
        start = len(env.sim.requests)
        _on_request(env, start + k, "drop")
        run = env.apply("--retry-backoff", "0.01")
        assert run.code in (ExitCode.OK, ExitCode.UNREACHABLE, ExitCode.ROLLED_BACK), (k, run.err)
        end = _item_state(env)
        assert (end == "after") is (run.code == ExitCode.OK), (k, run.code, run.err)
        assert "Traceback" not in run.err
        seen_codes.add(run.code)
    assert ExitCode.ROLLED_BACK in seen_codes  # the sweep reached the item writes


@pytest.mark.parametrize("method,status,code,end", [
    ("GET", 503, ExitCode.OK, "after"),  # a read is retried
    ("POST", 500, ExitCode.ROLLED_BACK, "before"),  # a write is not
    ("POST", 503, ExitCode.ROLLED_BACK, "before"),
])
def test_an_item_request_answered_with_an_error(make_env: Callable[..., Env], pomerium_side: Any, method: str, status: int,
                                                code: int, end: str) -> None:
    env = _items_env(make_env, pomerium_side)
    env.sim.fail_next("/job/team-b/config.xml", status=status, method=method, skip=1 if method == "GET" else 0)
    run = env.apply("--retry-backoff", "0.01")
    assert run.code == code, run.err
    assert _item_state(env) == end


@pytest.mark.parametrize("n", [1, 2, 3])
def test_a_write_whose_answer_is_lost(make_env: Callable[..., Env], pomerium_side: Any, n: int) -> None:
    """The n-th item write lands in Jenkins but its answer never arrives: the run rolls back
    every item it wrote, that one included."""
    env = _items_env(make_env, pomerium_side)
    items = env.sim.items
    original = items.ingest
    calls: list[int] = []

    def ingest(item: Any, text: str, *, at_startup: bool) -> None:
        original(item, text, at_startup=at_startup)
        if not at_startup:
            calls.append(1)
            if len(calls) == n:
                raise ConnectionAbortedError("the test drops the connection after the write")

    items.ingest = ingest  # type: ignore[method-assign]
    run = env.apply("--retry-backoff", "0.01")
    assert run.code == ExitCode.ROLLED_BACK, run.err
    assert _item_state(env) == "before"


def test_a_permission_jenkins_drops_fails_the_run_and_rolls_back(make_env: Callable[..., Env], pomerium_side: Any) -> None:
    """A plugin permission Jenkins does not know (the plugin is installed, the permission is not
    one of its own) is skipped by matrix-auth with a warning only: the read-back catches it."""
    items = "".join(textwrap.dedent(f"""\
        - path: {team}
          inherit: none
          grants:
            - group: {team}
              permissions: [Job/Read, Job/Build, Job/Cancel, Job/Configure, Job/Workspace, Run/Update]
        """) for team in TEAMS) + textwrap.dedent("""\
        - path: team-c/app
          grants:
            - group: team-c
              permissions: [Frob Plugin/Frobnicate]
        """)
    text = team_spec(pomerium_side.jwks_url, items=items).replace(
        "authorization:\n", "authorization:\n  extra_permissions:\n    - {id: Frob Plugin/Frobnicate, plugin: frob}\n", 1)
    env = _items_env(make_env, pomerium_side, text, frob="1.0")
    run = env.apply()
    assert run.code == ExitCode.ROLLED_BACK, run.err
    assert "Jenkins dropped GROUP:Frob Plugin/Frobnicate:team-c" in run.err
    assert _item_state(env) == "before"
    assert env.sim.items.matrix("team-c/app") is None


def test_an_item_rollback_that_fails_is_exit_5_with_the_snapshot(make_env: Callable[..., Env], pomerium_side: Any) -> None:
    """The third item write fails, and Jenkins then refuses every further item write: the
    rollback cannot put the first two back; exit 5 names them and prints their matrix
    properties from before the run (here: none)."""
    env = _items_env(make_env, pomerium_side)
    env.sim.fail_next("/job/*/config.xml", count=50, status=500, method="POST", skip=2)
    run = env.apply("--retry-backoff", "0.01")
    assert run.code == ExitCode.NOT_ROLLED_BACK, run.err
    assert "items not restored" in run.err
    assert "the items' matrix properties before this run" in run.err and "team-a: (no matrix property)" in run.err
    assert "Traceback" not in run.err
    assert_no_secret(run, env)

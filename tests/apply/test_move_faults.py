"""A move to the spec's issuer and audience with a fault at each step (issue 11 item 1, "no
lockout at any failure point"): every request dropped or answered 503 in turn, and each JCasC
document of the move lost before or after Jenkins applied it, or answered late. The run ends
either moved and verified (exit 0) or with the old realm back and the old values' token
administering it (exit 3 before anything changed, 4 rolled back); never in between, never 5."""

from __future__ import annotations

import time
from typing import Any, Callable

import pytest

from jcasc_gen.exitcodes import ExitCode

from .conftest import Env, assert_no_secret
from .move_helpers import OLD_STATES, OldState, end_state, jwt_jenkins
from .test_faults import _drop_request

QUICK = {"restart_notice_seconds": 0.0, "restart_seconds": 0.0}


def _check(env: Env, state: OldState, run: Any, what: str) -> str:
    assert run.code in (ExitCode.OK, ExitCode.UNREACHABLE, ExitCode.ROLLED_BACK), f"{what}: exit {run.code}\n{run.err}"
    end = end_state(env, state)
    assert (end == "moved") is (run.code == ExitCode.OK), f"{what}: exit {run.code} but {end}\n{run.err}"
    assert "Traceback" not in run.err
    return end


def _clean_run(make_env: Callable[..., Env], pomerium: Any, state: OldState) -> list[tuple[str, str]]:
    env = jwt_jenkins(make_env, pomerium, state, **QUICK)
    assert env.apply(*state.flags).code == ExitCode.OK
    return list(env.sim.requests)


def _changes(requests: list[tuple[str, str]]) -> range:
    """The requests from the first change posted (the bridge matrix) to the last (the spec's
    matrix), 1-based: the move itself."""
    posts = [i for i, (m, p) in enumerate(requests, 1) if m == "POST" and p.endswith(("/configure", "/apply"))]
    return range(posts[0], posts[-1] + 1)


@pytest.mark.slow
def test_every_request_of_a_route_host_move_failing_in_turn(make_env: Callable[..., Env], pomerium_side: Any) -> None:
    """The issue's "done when": a new route host, every request of the whole run dropped in
    turn, and every request of the move itself answered 503."""
    state = OLD_STATES["route-host"]
    requests = _clean_run(make_env, pomerium_side, state)
    moves = _changes(requests)
    plan = [(k, "drop") for k in range(1, len(requests) + 1)] + [(k, "status") for k in moves]
    ends = set()
    for k, kind in plan:
        env = jwt_jenkins(make_env, pomerium_side, state, **QUICK)
        _drop_request(env, k, kind)
        run = env.apply(*state.flags, "--retry-backoff", "0.01")
        ends.add(_check(env, state, run, f"request {k} ({requests[k - 1]}) {kind}"))
    assert ends == {"moved", "old"}  # some faults are absorbed (read retries), some roll back


@pytest.mark.parametrize("name", ["authenticate-host", "mixed-list"])
def test_each_request_of_the_move_failing_from_the_other_old_states(make_env: Callable[..., Env], pomerium_side: Any,
                                                                    name: str) -> None:
    state = OLD_STATES[name]
    requests = _clean_run(make_env, pomerium_side, state)
    for i, k in enumerate(_changes(requests)):
        kind = "drop" if i % 2 == 0 else "status"
        env = jwt_jenkins(make_env, pomerium_side, state, **QUICK)
        _drop_request(env, k, kind)
        run = env.apply(*state.flags, "--retry-backoff", "0.01")
        _check(env, state, run, f"request {k} ({requests[k - 1]}) {kind}")


def _disturb(env: Env, n: int, action: str) -> None:
    """The n-th JCasC change of the run (1 bridge matrix, 2 bridge realm, 3 final realm, 4 the
    spec's matrix) is lost before Jenkins applies it, lost after, or answered too late."""
    sim = env.sim
    original = sim.apply
    calls: list[int] = []

    def apply(text: str, source_name: str = "/configuration-as-code/apply") -> None:
        calls.append(1)
        if len(calls) != n:
            return original(text, source_name)
        if action == "drop-before":
            raise ConnectionAbortedError("the test drops the connection")
        if action == "drop-after":
            original(text, source_name)
            raise ConnectionAbortedError("the test drops the connection")
        time.sleep(0.5)  # "slow": the client gives up at 0.3 s; the change lands afterwards
        return original(text, source_name)

    sim.apply = apply  # type: ignore[method-assign]


# a late answer costs three timeouts of watching: one old state is enough for it
DOCUMENT_FAULTS = [(name, action) for name in sorted(OLD_STATES) for action in ("drop-before", "drop-after")] + [
    ("route-host", "slow")]


@pytest.mark.parametrize("name,action", DOCUMENT_FAULTS)
def test_each_document_of_the_move_lost_or_late(make_env: Callable[..., Env], pomerium_side: Any, name: str, action: str) -> None:
    state = OLD_STATES[name]
    for n in (1, 2, 3, 4):
        env = jwt_jenkins(make_env, pomerium_side, state)
        _disturb(env, n, action)
        run = env.apply(*state.flags, *(("--timeout", "0.3") if action == "slow" else ()))
        end = _check(env, state, run, f"document {n} {action}")
        if action == "slow":
            # the change lands while the run watches for it (three timeouts): kept, and the run goes on
            assert end == "moved" and "the change landed late" in run.err, run.err
        else:
            assert end == "old" and run.code == ExitCode.ROLLED_BACK, run.err
            assert "administers Jenkins again" in run.err  # proven with a token for the old values
        assert_no_secret(run, env)

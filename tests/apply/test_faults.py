"""Connection drops, timeouts and 5xx at every step: the documented exit code, and Jenkins
either untouched or fully rolled back, never in between."""

from __future__ import annotations

import time
from typing import Any

import pytest

from jcasc_gen.exitcodes import ExitCode

from .conftest import Env, assert_no_secret

LOCAL = "hudson.security.HudsonPrivateSecurityRealm"
JWT = "io.jenkins.plugins.jwt_auth.JwtAuthSecurityRealm"


def assert_whole_state(env: Env) -> str:
    """The realm/strategy pair is the snapshot's or the spec's, nothing mixed."""
    realm, kind = env.sim.security_realm.class_name, env.sim.authorization.kind
    if realm == LOCAL:
        assert kind == "loggedInUsersCanDoAnything", f"partial state: {realm} with {kind}"
        return "snapshot"
    assert realm == JWT and kind == "globalMatrix", f"partial state: {realm} with {kind}"
    assert not any(sid == "admin" for _, sid in env.sim.authorization.grants), "the bridge grant was left behind"
    return "target"


# (fault, path, count, expected exit codes, expected end state)
HTTP_FAULTS = [
    ("drop", "/", 1, {ExitCode.OK}, "target"),  # reads are retried
    ("drop", "/", 20, {ExitCode.UNREACHABLE}, "snapshot"),
    ("status503", "/whoAmI/api/json", 1, {ExitCode.OK}, "target"),
    ("status500", "/pluginManager/api/json", 1, {ExitCode.UNREACHABLE}, "snapshot"),
    ("drop", "/configuration-as-code/export", 1, {ExitCode.OK}, "target"),
    ("status500", "/configuration-as-code/export", 1, {ExitCode.UNREACHABLE}, "snapshot"),
    ("drop", "/configuration-as-code/check", 20, {ExitCode.UNREACHABLE}, "snapshot"),
    ("status500", "/pluginManager/installNecessaryPlugins", 1, {ExitCode.ROLLED_BACK}, "snapshot"),
    ("drop", "/pluginManager/installNecessaryPlugins", 1, {ExitCode.UNREACHABLE}, "snapshot"),
    ("drop", "/updateCenter/api/json", 1, {ExitCode.OK}, "target"),
    ("status500", "/safeRestart", 1, {ExitCode.ROLLED_BACK}, "snapshot"),
    ("drop", "/configuration-as-code/configure", 1, {ExitCode.ROLLED_BACK}, "snapshot"),
]


@pytest.mark.parametrize("fault,path,count,codes,end", HTTP_FAULTS, ids=[f"{f}-{p}-{c}" for f, p, c, *_ in HTTP_FAULTS])
def test_http_fault(env: Env, fault: str, path: str, count: int, codes: set[int], end: str) -> None:
    if fault == "drop":
        env.sim.drop_next(path, count)
    else:
        env.sim.fail_next(path, count, status=int(fault[-3:]))
    run = env.apply("--retry-backoff", "0.01")
    assert run.code in codes, run.err
    assert assert_whole_state(env) == end
    assert "Traceback" not in run.err
    assert_no_secret(run, env)


def _on_apply_call(env: Env, n: int, action: str) -> None:
    """Disturb the n-th JCasC apply/configure (1 bridge, 2 realm, 3 final matrix, 4+ rollback)."""
    sim = env.sim
    original = sim.apply
    calls: list[int] = []

    def apply(text: str, source_name: str = "/configuration-as-code/apply") -> None:
        calls.append(1)
        if len(calls) != n:
            return original(text, source_name)
        if action == "drop-before":
            raise ConnectionAbortedError("the test drops the connection")  # the handler dies: no answer
        if action == "drop-after":
            original(text, source_name)  # applied, but the answer is lost
            raise ConnectionAbortedError("the test drops the connection")
        if action == "slow":
            time.sleep(0.5)  # the client gives up at 0.3 s; the change lands afterwards
            return original(text, source_name)
        if action == "status503":
            from tests.jenkins_sim import CascError

            raise CascError("Jenkins is restarting")
        raise AssertionError(action)

    sim.apply = apply  # type: ignore[method-assign]


@pytest.mark.parametrize("n", [1, 2, 3])
@pytest.mark.parametrize("action", ["drop-before", "drop-after", "slow"])
def test_fault_during_each_apply_document(env: Env, n: int, action: str) -> None:
    _on_apply_call(env, n, action)
    extra = ("--timeout", "0.3") if action == "slow" else ()
    run = env.apply(*extra)
    if action == "slow":
        # the change lands while the run watches for it (three timeouts): it is kept, and the
        # run goes on (tests/apply/test_late.py has the changes that land later)
        assert run.code == ExitCode.OK, run.err
        assert "the change landed late" in run.err and assert_whole_state(env) == "target"
        return
    assert run.code == ExitCode.ROLLED_BACK, run.err
    assert assert_whole_state(env) == "snapshot"
    assert "Traceback" not in run.err
    assert_no_secret(run, env)


def test_restart_that_never_returns(env: Env) -> None:
    env.sim.restart_never_returns(refuse_connections=True)
    run = env.run("apply", str(env.spec), *env.base(), "--yes", "--poll-interval", "0.05", "--restart-timeout", "0.5",
                  "--timeout", "0.5")
    assert run.code == ExitCode.UNREACHABLE, run.err
    assert "did not come back" in run.err
    assert "security configuration was not touched" in run.err


def test_expired_crumb_is_fetched_again(env: Env) -> None:
    # the API token is crumb-exempt; after the switch the JWT's crumb is bound to its session
    sim: Any = env.sim
    original = sim.apply
    calls: list[int] = []

    def apply(text: str, source_name: str = "/configuration-as-code/apply") -> None:
        calls.append(1)
        original(text, source_name)
        if len(calls) == 2:
            sim.expire_crumbs()

    sim.apply = apply
    run = env.apply()
    assert run.code == ExitCode.OK, run.err


def _drop_request(env: Env, k: int, kind: str) -> None:
    """The k-th HTTP request of the run (1-based, whatever it is) gets `kind`."""
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
    env.sim.fault_seen = seen  # type: ignore[attr-defined]  # read back by the test: the fault did fire


# a restart as short as the simulator allows: this test is about each request, not the wait
QUICK = {"restart_notice_seconds": 0.0, "restart_seconds": 0.0}


def _request_count(make_env: Any) -> int:
    env = make_env(**QUICK)
    assert env.apply().code == ExitCode.OK
    return len(env.sim.requests)


@pytest.mark.parametrize("kind", ["drop", "status"])
def test_any_single_request_failing(make_env: Any, kind: str) -> None:
    """Every request of a whole run, in turn, is dropped (every other one answered 503, which
    the read retries absorb): the run ends in a documented exit code with Jenkins untouched,
    fully applied, or rolled back."""
    total = _request_count(make_env)
    for k in range(1, total + 1, 1 if kind == "drop" else 2):
        env = make_env(**QUICK)
        _drop_request(env, k, kind)
        run = env.apply("--retry-backoff", "0.01")
        # the fault fired, or the run made fewer requests than the counted one (restart polls vary)
        # and got through untouched; a take() the simulator cannot call makes neither true
        assert env.sim.fault_seen[0] >= k or run.code == ExitCode.OK, f"request {k}: the fault did not fire\n{run.err}"
        assert run.code in (ExitCode.OK, ExitCode.UNREACHABLE, ExitCode.ROLLED_BACK), (k, run.err)
        end = assert_whole_state(env)
        assert (end == "target") is (run.code == ExitCode.OK), (k, run.err)
        assert "Traceback" not in run.err


def test_plugin_that_fails_to_install(env: Env) -> None:
    env.sim.fail_plugin_install("jwt-auth")
    run = env.apply()
    assert run.code == ExitCode.ROLLED_BACK, run.err
    assert "installing jwt-auth failed" in run.err and "security configuration was not touched" in run.err
    assert assert_whole_state(env) == "snapshot"


def test_plugin_the_update_center_does_not_offer_when_it_could_not_be_read_first(make_env: Any) -> None:
    # plan and apply read the update centre first (tests/apply/test_plugin_plan.py); when
    # that read fails, the install is tried and its missing job still ends the run cleanly
    env = make_env(available_plugins={})
    env.sim.fail_next("/updateCenter/api/json", count=1, status=500)  # a 500 is not retried
    run = env.apply()
    assert run.code == ExitCode.ROLLED_BACK, run.err
    assert "the update centre could not be read" in run.err
    assert "does not offer" in run.err
    assert assert_whole_state(env) == "snapshot"

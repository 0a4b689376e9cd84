"""A safe restart is asynchronous (Jenkins.java safeRestart): Jenkins quiets down and keeps
answering for as long as builds run, then answers 503 for 10 s, then restarts. `apply`
knows the restart happened only when X-Jenkins-Session changes (tests/sim/test_restart.py
holds the simulator to that)."""

from __future__ import annotations

from typing import Any, Callable

from jcasc_gen.exitcodes import ExitCode
from tests.jenkins_sim import DEFAULT_PLUGINS

from .conftest import Env, assert_no_secret, spec_text

PIN = 'configuration-as-code: "1987.v4ade2e49fb_b_c"\n'


def _upgrade_env(make_env: Callable[..., Env], pomerium_side: Any, **sim: Any) -> Env:
    """jwt-auth already installed; the spec pins matrix-auth 3.2.9 over the installed 3.2.8,
    so the only plugin change is an upgrade, active only after a restart."""
    spec = spec_text(pomerium_side.jwks_url).replace(PIN, PIN + '    matrix-auth: "3.2.9"\n')
    sim.setdefault("restart_notice_seconds", 0.3)
    sim.setdefault("restart_seconds", 0.1)
    return make_env(spec, plugins={**DEFAULT_PLUGINS, "jwt-auth": "0.3.0"}, **sim)


def test_upgrade_is_awaited_until_the_session_changes(make_env: Callable[..., Env], pomerium_side: Any) -> None:
    # before: Jenkins still answered (quieting down) with the old matrix-auth active, apply
    # took that for "back", reported 3.2.8 and exited 4; the restart came moments later
    env = _upgrade_env(make_env, pomerium_side)
    run = env.apply()
    assert run.code == ExitCode.OK, run.err
    assert env.sim.restart_count == 1 and env.sim.plugins["matrix-auth"].version == "3.2.9"
    assert "Jenkins restarted (X-Jenkins-Session changed)" in run.err
    assert_no_secret(run, env)


def test_running_builds_keep_jenkins_quiet_and_apply_says_so(make_env: Callable[..., Env], pomerium_side: Any) -> None:
    env = _upgrade_env(make_env, pomerium_side)
    env.sim.start_build(1.0)
    run = env.apply()
    assert run.code == ExitCode.OK, run.err
    assert "waiting for 1 running build" in run.err
    assert env.sim.plugins["matrix-auth"].version == "3.2.9"


def test_builds_that_outlast_the_restart_timeout(make_env: Callable[..., Env], pomerium_side: Any) -> None:
    env = _upgrade_env(make_env, pomerium_side)
    build = env.sim.start_build()
    run = env.run("apply", str(env.spec), *env.base(), "--yes", "--poll-interval", "0.02", "--restart-timeout", "0.5",
                  "--timeout", "5")
    assert run.code == ExitCode.UNREACHABLE, run.err
    assert "still quieting down" in run.err and "1 running build" in run.err
    assert "security configuration was not touched" in run.err
    assert env.sim.restart_count == 0 and env.sim.security_realm.class_name.endswith("HudsonPrivateSecurityRealm")
    build.finish()  # the restart stays queued: it happens once the build ends
    from tests.sim.helpers import wait_until
    wait_until(lambda: env.sim.restart_count == 1)


def test_a_cancelled_safe_restart_is_reported(make_env: Callable[..., Env], pomerium_side: Any) -> None:
    import requests

    env = _upgrade_env(make_env, pomerium_side)
    build = env.sim.start_build()
    original = env.sim.busy_executors
    seen = [0]

    def busy() -> int:
        seen[0] += 1
        if seen[0] == 3:  # someone cancels the quiet down while apply waits
            requests.post(env.sim.url + "cancelQuietDown", auth=("admin", "canary-api-token-5b1f0c9e7d"), timeout=5)
            build.finish()
        return original()

    env.sim.busy_executors = busy  # type: ignore[method-assign]
    run = env.apply()
    assert run.code == ExitCode.ROLLED_BACK, run.err
    assert "safe restart was cancelled" in run.err
    assert env.sim.restart_count == 0

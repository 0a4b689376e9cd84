"""Failures after the snapshot end in the snapshot state (exit 4), or, when even that is
impossible, in exit 5 with the exact state and the manual recovery steps."""

from __future__ import annotations

from typing import Any

from jcasc_gen.exitcodes import ExitCode
from jcasc_gen.model import load_spec_text
from jcasc_gen.render import render
from tests.jenkins_sim import CascError, DEFAULT_PLUGINS

from .conftest import CANARY_TOKEN, Env, assert_no_secret, spec_text

LOCAL = "hudson.security.HudsonPrivateSecurityRealm"


def fail_apply_calls(env: Env, *calls: int, halfway: bool = False) -> list[str]:
    """Make the listed apply/configure calls (1-based, counting every one) fail. With
    `halfway`, the failing call first sets the authorizationStrategy (JCasC's order)."""
    sim = env.sim
    original = sim.apply
    seen: list[str] = []

    def apply(text: str, source_name: str = "/configuration-as-code/apply") -> None:
        seen.append(text)
        if len(seen) in calls:
            if halfway:
                sim.fail_apply_halfway()
                original(text, source_name)
            raise CascError("injected by the test")
        original(text, source_name)

    sim.apply = apply  # type: ignore[method-assign]
    return seen


def assert_snapshot_state(env: Env) -> None:
    assert env.sim.security_realm.class_name == LOCAL
    assert env.sim.authorization.kind == "loggedInUsersCanDoAnything"
    ident = env.sim.identify({"Authorization": _basic("admin", CANARY_TOKEN)})
    assert not ident.anonymous and env.sim.has_permission(ident, "Overall/Administer")


def _basic(user: str, token: str) -> str:
    import base64

    return "Basic " + base64.b64encode(f"{user}:{token}".encode()).decode()


def test_probe_failing_in_verify_rolls_back(env: Env) -> None:
    sim = env.sim
    original = sim.apply

    def apply(text: str, source_name: str = "/configuration-as-code/apply") -> None:
        # once the change is going in, only verify's probes read /api/json
        original(text, source_name)
        sim.fail_next("/api/json", count=1, status=500)
        sim.apply = original  # type: ignore[method-assign]

    sim.apply = apply  # type: ignore[method-assign]
    run = env.apply()
    assert run.code == ExitCode.ROLLED_BACK, run.err
    assert "FAIL anonymous: cannot read the dashboard API" in run.err
    assert "[8/8] rollback" in run.err and "back to its snapshot" in run.err
    assert_snapshot_state(env)
    assert_no_secret(run, env)


def test_grant_jenkins_silently_dropped_is_caught_by_verify(env: Env) -> None:
    # matrix-auth skips an inapplicable permission with only a log warning (C.1); here the
    # simulated Jenkins drops the devs grant on the final matrix
    sim = env.sim
    original = sim.apply
    calls: list[int] = []

    def apply(text: str, source_name: str = "/configuration-as-code/apply") -> None:
        calls.append(1)
        original(text, source_name)
        if len(calls) == 3:
            sim.authorization.grants.pop(("GROUP", "devs"), None)

    sim.apply = apply  # type: ignore[method-assign]
    run = env.apply()
    assert run.code == ExitCode.ROLLED_BACK, run.err
    assert "FAIL configuration: realm and matrix equal the spec" in run.err
    assert "devs" in run.err
    assert_snapshot_state(env)


def test_failure_between_matrix_and_realm_on_first_switch_does_not_lock_out(env: Env) -> None:
    # Call 1 is the bridge matrix, call 2 the realm. JCasC sets the strategy first; a failure
    # before the realm must leave a working administrator (here: the API token, by the bridge).
    fail_apply_calls(env, 2, halfway=True)
    run = env.apply()
    assert run.code == ExitCode.ROLLED_BACK, run.err
    assert_snapshot_state(env)


def test_half_way_failure_of_the_bridge_rolls_back(env: Env) -> None:
    fail_apply_calls(env, 1, halfway=True)
    run = env.apply()
    assert run.code == ExitCode.ROLLED_BACK, run.err
    assert_snapshot_state(env)


def test_failure_after_the_realm_switch_rolls_back_with_the_jwt(env: Env) -> None:
    posted = fail_apply_calls(env, 3)  # the final matrix, applied with the JWT
    run = env.apply()
    assert run.code == ExitCode.ROLLED_BACK, run.err
    assert "injected by the test" in run.err
    assert_snapshot_state(env)
    # the local realm goes back without its exported users (re-posting them would re-add
    # every exported user property, API-token store included)
    realm_docs = [t for t in posted if "local:" in t]
    assert realm_docs and all("users" not in t for t in realm_docs)


def test_rollback_impossible_exits_5_with_state_and_recovery(env: Env) -> None:
    fail_apply_calls(env, *range(3, 50))  # the final matrix and every rollback document
    run = env.apply()
    assert run.code == ExitCode.NOT_ROLLED_BACK, run.err
    assert "the rollback failed" in run.err
    assert "realm (read from Jenkins now): jwtAuth" in run.err
    assert "API token (admin): treated as anonymous" in run.err
    assert "JWT (alice@example.com): accepted" in run.err
    assert "Manual recovery" in run.err and "CASC_JENKINS_CONFIG" in run.err
    assert "local:" in run.err  # the snapshot is printed for the manual recovery
    assert_no_secret(run, env)


def test_merge_conflict_with_on_disk_file_is_explained(make_env: Any, pomerium_side: Any) -> None:
    # The compose stack mounts the generated jenkins.yaml via CASC_JENKINS_CONFIG; an `apply
    # --via-api` posting the realm again collides with the on-disk scalars ("Found conflicting
    # configuration"). Without --via-api, apply waits for the files instead (test_reload.py).
    text = spec_text(pomerium_side.jwks_url)
    on_disk = render(load_spec_text(text.replace("jwt:\n", "jwt:\n  leeway_seconds: 5\n")).spec)["jenkins.yaml"]
    env = make_env(text, plugins={**DEFAULT_PLUGINS, "jwt-auth": "0.3.0"}, casc_files=[on_disk])
    before = env.sim.export_yaml()
    run = env.apply("--via-api")
    assert run.code == ExitCode.ROLLED_BACK, run.err
    assert "declares securityRealm and authorizationStrategy" in run.err  # said before posting anyway
    assert "conflicting configuration" in run.err
    assert "(this one)" in run.err and "config script) and reload, then `apply --via-reload`" in run.err
    assert "remove securityRealm/authorizationStrategy" in run.err
    assert env.sim.export_yaml() == before

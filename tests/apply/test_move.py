"""Moving a Jenkins on jwt-auth to the spec's issuer and audience (issue 11 item 1): without the
flags every command says which values the token had and which flags to add; with them plan,
verify and diff --live read the live Jenkins, and apply moves it through a bridge realm."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from jcasc_gen.exitcodes import ExitCode

from .conftest import Env, assert_no_secret
from .move_helpers import NEW, OLD_STATES, administers, end_state, jwt_jenkins


@pytest.fixture(params=sorted(OLD_STATES))
def old(request: pytest.FixtureRequest, make_env: Callable[..., Env], pomerium_side: Any) -> tuple[Env, Any]:
    state = OLD_STATES[request.param]
    return jwt_jenkins(make_env, pomerium_side, state), state


def test_apply_moves_the_realm_from_every_old_state(old: tuple[Env, Any]) -> None:
    env, state = old
    run = env.apply(*state.flags)
    assert run.code == ExitCode.OK, run.err
    assert end_state(env, state) == "moved"
    assert "bridge realm jwtAuth accepting" in run.err
    assert "under the bridge realm, the JWT for the current values" in run.err
    assert "under the bridge realm, the JWT for the spec's values administers" in run.err
    assert "a token for the previous values" in run.err  # verify proves the old values are refused now
    assert_no_secret(run, env)
    # the bridge realm really accepted both: the sim saw the realm with both issuers
    # (a second run changes nothing: the flags are not needed any more, and say so)
    again = env.apply(*state.flags)
    assert again.code == ExitCode.OK and "nothing to change" in again.err, again.err
    assert "not needed: the live realm accepts the spec's JWT" in again.err


def test_the_bridge_realm_accepts_both_lists(make_env: Callable[..., Env], pomerium_side: Any) -> None:
    """Between the bridge and the final realm Jenkins accepts the old and the new values."""
    state = OLD_STATES["mixed-list"]
    env = jwt_jenkins(make_env, pomerium_side, state)
    seen: list[tuple[str | None, str | None, bool, bool]] = []
    original = env.sim.apply

    def apply(text: str, source_name: str = "/configuration-as-code/apply") -> None:
        original(text, source_name)
        realm = env.sim.security_realm
        if "securityRealm" in text:
            seen.append((realm.acceptedIssuer, realm.acceptedAudience, administers(env, state.token_iss, state.token_aud),
                         administers(env, NEW, NEW)))

    env.sim.apply = apply  # type: ignore[method-assign]
    run = env.apply(*state.flags)
    assert run.code == ExitCode.OK, run.err
    assert seen == [
        # the spec's values first, then the live list as it was written
        ("jenkins.example.com,authenticate.example.com,jenkins-old.example.com", "jenkins.example.com,jenkins-old.example.com",
         True, True),
        (NEW, NEW, False, True),
    ]


def test_without_the_flags_the_message_says_which_values_and_which_flags(make_env: Callable[..., Env], pomerium_side: Any) -> None:
    state = OLD_STATES["route-host"]
    env = jwt_jenkins(make_env, pomerium_side, state)
    for command in (env.plan, env.apply, env.verify):
        run = command()
        assert run.code == ExitCode.UNREACHABLE, run.err
        said = run.err
        assert f"it had iss '{NEW}' and aud '{NEW}', in header X-Pomerium-Jwt-Assertion" in said, said
        assert "the live realm rejects them" in said
        assert "--current-issuer ISS --current-audience AUD" in said
        assert env.sim.security_realm.acceptedIssuer == state.accepted_issuer
    run = env.run("diff", str(env.spec), "--live", *env.base())
    assert run.code == ExitCode.UNREACHABLE and "--current-issuer ISS" in run.err, run.err


def test_an_upgrade_across_0_21_3_is_found_and_the_exact_flags_are_named(make_env: Callable[..., Env], pomerium_side: Any) -> None:
    """The commonest move: the realm accepts the authenticate host Pomerium < 0.21.3 sent. One
    probe with that issuer finds it, reads the live realm, and the hint names the exact flags."""
    state = OLD_STATES["authenticate-host"]
    env = jwt_jenkins(make_env, pomerium_side, state)
    run = env.plan()
    assert run.code == ExitCode.UNREACHABLE
    assert ("the live realm (from its export, read with a token with iss 'authenticate.example.com' (what Pomerium before "
            "0.21.3 sends)) accepts issuers ['authenticate.example.com'] and audiences ['jenkins.example.com']") in run.err, run.err
    assert "so it rejects the issuer" in run.err
    assert "add --current-issuer authenticate.example.com (what the live realm accepts now)" in run.err
    assert "--current-audience" not in run.err  # the audience did not change
    moved = env.apply("--current-issuer", "authenticate.example.com")
    assert moved.code == ExitCode.OK and end_state(env, state) == "moved", moved.err


def test_plan_verify_and_diff_read_with_the_flags(make_env: Callable[..., Env], pomerium_side: Any) -> None:
    state = OLD_STATES["route-host"]
    env = jwt_jenkins(make_env, pomerium_side, state)
    plan = env.plan(*state.flags)
    assert plan.code == ExitCode.DIFFERENCES, plan.err
    assert "realm    jwtAuth attributes change" in plan.out
    assert ("move     the live realm accepts issuers ['jenkins-old.example.com'] and audiences ['jenkins-old.example.com']; "
            "apply moves it to issuers ['jenkins.example.com'] and audiences ['jenkins.example.com']") in plan.out
    as_json = env.plan(*state.flags, "--format", "json").json
    assert as_json["move"]["from"] == {"issuers": ["jenkins-old.example.com"], "audiences": ["jenkins-old.example.com"],
                                       "header": "X-Pomerium-Jwt-Assertion", "jwks_url": env.pomerium.jwks_url}
    assert as_json["move"]["to"]["issuers"] == [NEW]

    verify = env.verify(*state.flags)
    assert verify.code == ExitCode.DIFFERENCES
    assert "FAIL configuration: realm and matrix equal the spec" in verify.out  # read with the old token: a real diff
    assert "FAIL a token for the previous values (iss 'jenkins-old.example.com', aud 'jenkins-old.example.com') is anonymous" in verify.out

    diff = env.run("diff", str(env.spec), "--live", *env.base(), *state.flags)
    assert diff.code == ExitCode.DIFFERENCES, diff.err
    assert "jenkins-old.example.com" in diff.out and "live Jenkins: differs from the spec" in diff.err

    assert env.sim.security_realm.acceptedIssuer == state.accepted_issuer, "plan, verify and diff changed nothing"
    assert env.apply(*state.flags).code == ExitCode.OK
    after = env.verify(*state.flags)
    assert after.code == ExitCode.OK, after.out + after.err
    assert "ok   a token for the previous values" in after.out
    assert env.run("diff", str(env.spec), "--live", *env.base(), *state.flags).code == ExitCode.OK


def test_the_first_accepted_of_several_values_is_used(make_env: Callable[..., Env], pomerium_side: Any) -> None:
    state = OLD_STATES["route-host"]
    env = jwt_jenkins(make_env, pomerium_side, state)
    run = env.apply("--current-issuer", "nowhere.example.com", "--current-issuer", "jenkins-old.example.com",
                    "--current-audience", "elsewhere.example.com,jenkins-old.example.com")
    assert run.code == ExitCode.OK, run.err
    assert "iss 'jenkins-old.example.com', aud 'jenkins-old.example.com'" in run.err


def test_current_values_the_realm_rejects_too(make_env: Callable[..., Env], pomerium_side: Any) -> None:
    env = jwt_jenkins(make_env, pomerium_side, OLD_STATES["route-host"])
    run = env.apply("--current-issuer", "nowhere.example.com")
    assert run.code == ExitCode.UNREACHABLE
    assert "the JWT for the current values (iss 'nowhere.example.com', aud 'jenkins.example.com') is treated as anonymous too" in run.err


def test_a_move_to_a_jwks_that_does_not_list_the_key_is_refused(make_env: Callable[..., Env], pomerium_side: Any) -> None:
    """The move changes jwks_url too: the new JWKS must publish the key the tool signs with, or
    after the bridge nobody's token verifies."""
    from tests.jenkins_sim import PomeriumSide

    state = OLD_STATES["route-host"]
    env = jwt_jenkins(make_env, pomerium_side, state)
    with PomeriumSide() as other:  # another Pomerium, another key
        env.write_spec(env.spec.read_text().replace(pomerium_side.jwks_url, other.jwks_url))
        run = env.apply(*state.flags)
        assert run.code == ExitCode.USAGE, run.err
        assert "does not list the signing key" in run.err and "nothing was changed" in run.err
        assert end_state(env, state) == "old"
        # both keys published there (Pomerium's signing_key with two PEM blocks publishes both)
        other.published.append(pomerium_side.es256.jwk)
        run = env.apply(*state.flags)
        assert run.code == ExitCode.OK, run.err
        assert env.sim.security_realm.jwksUrl == other.jwks_url and end_state(env, state) == "moved"


def test_a_header_move_with_current_header(make_env: Callable[..., Env], pomerium_side: Any) -> None:
    """jwt-auth reads one header: the tool's token for the old values travels in both."""
    state = OLD_STATES["authenticate-host"]
    env = jwt_jenkins(make_env, pomerium_side, state)
    env.sim.security_realm.headerName = "X-Forwarded-Jwt"
    run = env.plan()
    assert run.code == ExitCode.UNREACHABLE
    # the probe sends the spec's header, so it cannot find out: the hint names the flag
    assert "and --current-header NAME if it reads another header" in run.err, run.err
    run = env.apply("--current-issuer", "authenticate.example.com", "--current-header", "X-Forwarded-Jwt")
    assert run.code == ExitCode.OK, run.err
    assert "header X-Forwarded-Jwt -> X-Pomerium-Jwt-Assertion" in run.err
    assert env.sim.security_realm.headerName == "X-Pomerium-Jwt-Assertion" and end_state(env, state) == "moved"


def test_the_flags_need_the_signing_key(make_env: Callable[..., Env], pomerium_side: Any) -> None:
    env = jwt_jenkins(make_env, pomerium_side, OLD_STATES["route-host"])
    token = pomerium_side.mint("alice@example.com", [], route_host="jenkins-old.example.com")
    run = env.run("plan", str(env.spec), "--url", env.sim.url, "--jwt", token, "--current-issuer", "jenkins-old.example.com")
    assert run.code == ExitCode.USAGE
    assert "--current-issuer: moving a realm needs two tokens" in run.err and "--signing-key-file" in run.err

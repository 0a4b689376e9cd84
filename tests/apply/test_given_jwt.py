"""A JWT we are given (--jwt, JENKINS_JWT, --jwt-file) is checked before it is trusted
(issue 10 class 4): its signature against the JWKS Jenkins will use, its `kid` present and
published there, its alg one Pomerium signs with, its expiry beyond the run, all before
anything changes (exit 2); and the acting credentials are checked again right before the
realm switch."""

from __future__ import annotations

from typing import Any, Callable

import jwt as pyjwt
import pytest

from jcasc_gen.exitcodes import ExitCode
from tests.jenkins_sim import DEFAULT_PLUGINS

from .conftest import ADMIN, CANARY_TOKEN, Env, assert_no_secret

CHANGING = {"/configuration-as-code/apply", "/configuration-as-code/configure", "/pluginManager/installNecessaryPlugins",
            "/safeRestart"}


def _apply_with(env: Env, token: str, *extra: str) -> Any:
    return env.run("apply", str(env.spec), "--url", env.sim.url, "--user", "admin", "--token", CANARY_TOKEN,
                   "--jwt", token, "--yes", "--poll-interval", "0.02", "--restart-timeout", "10", "--timeout", "5", *extra)


def _untouched(env: Env) -> None:
    assert not [r for r in env.sim.requests if r[0] == "POST" and r[1] in CHANGING], "something was changed"
    assert env.sim.security_realm.class_name.endswith("HudsonPrivateSecurityRealm")


def _forged_tokens(side: Any) -> dict[str, str]:
    claims = side.claims(ADMIN, [], expires_in=3600)
    from cryptography.hazmat.primitives.asymmetric import ec

    other = ec.generate_private_key(ec.SECP256R1())
    return {
        # the published kid, someone else's key
        "foreign key": pyjwt.encode(claims, other, algorithm="ES256", headers={"kid": side.es256.kid}),
        # no kid: nothing names the key to check against
        "no kid": pyjwt.encode(claims, side.es256.private, algorithm="ES256"),
        # a kid the JWKS does not publish
        "unknown kid": pyjwt.encode(claims, other, algorithm="ES256", headers={"kid": "f" * 64}),
        # alg none / HS256: not what Pomerium signs with, and not verifiable against a JWKS
        "alg none": pyjwt.encode(claims, None, algorithm="none", headers={"kid": side.es256.kid}),
        "alg HS256": pyjwt.encode(claims, "a-shared-secret-of-enough-length-0123456789", algorithm="HS256",
                                  headers={"kid": side.es256.kid}),
        # signed right, but the payload changed afterwards
        "tampered": _tamper(side.mint(ADMIN, [], expires_in=3600)),
    }


def _tamper(token: str) -> str:
    import base64
    import json

    head, body, sig = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["groups"] = ["jenkins-admins"]
    new = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return ".".join((head, new, sig))


NEEDLES = {
    "foreign key": "does not verify against key",
    "no kid": "has no `kid`",
    "unknown kid": "does not list the signing key",  # the JWKS check names it first
    "alg none": "alg 'none'",
    "alg HS256": "alg 'HS256'",
    "tampered": "does not verify against key",
}


@pytest.mark.parametrize("kind", list(NEEDLES))
def test_a_token_that_does_not_verify_is_refused_before_anything_changes(env: Env, kind: str) -> None:
    token = _forged_tokens(env.pomerium)[kind]
    run = _apply_with(env, token)
    assert run.code == ExitCode.USAGE, run.err
    assert "[2/8] guard: refused" in run.err and NEEDLES[kind] in run.err, run.err
    assert token not in run.text()
    _untouched(env)
    assert_no_secret(run, env)


def test_a_token_expiring_during_the_run_is_refused(env: Env) -> None:
    # jwt-auth must be installed and Jenkins restarted first: that may take --restart-timeout
    token = env.pomerium.mint(ADMIN, [], expires_in=40)
    run = _apply_with(env, token)
    assert run.code == ExitCode.USAGE, run.err
    assert "expires in" in run.err and "before this run can end" in run.err
    assert "--signing-key-file" in run.err
    _untouched(env)


def test_a_good_token_goes_through(make_env: Callable[..., Env]) -> None:
    env = make_env(plugins={**DEFAULT_PLUGINS, "jwt-auth": "0.3.0"})
    token = env.pomerium.mint(ADMIN, [], expires_in=300)
    run = _apply_with(env, token)
    assert run.code == ExitCode.OK, run.err
    assert "the given JWT verifies against" in run.err
    assert env.sim.security_realm.class_name.endswith("JwtAuthSecurityRealm")


def test_the_token_is_checked_again_right_before_the_realm_switch(make_env: Callable[..., Env],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # valid at the guard; by the time the plugins are in and Jenkins restarted it is about to
    # expire: the switch must not start with it
    import time as _time

    from jcasc_gen.live import given_jwt

    env = make_env()
    token = env.pomerium.mint(ADMIN, [], expires_in=200)
    sim: Any = env.sim
    finish = sim._finish_restart

    def restarted() -> None:
        finish()
        monkeypatch.setattr(given_jwt, "_now", lambda: _time.time() + 190)

    sim._finish_restart = restarted
    run = _apply_with(env, token)
    assert run.code == ExitCode.ROLLED_BACK, run.err
    assert "right before the realm switch" in run.err and "expires in" in run.err
    assert not [r for r in env.sim.requests if r[1] == "/configuration-as-code/configure" and r[0] == "POST"][1:], \
        "no security document may be posted"
    assert env.sim.security_realm.class_name.endswith("HudsonPrivateSecurityRealm")
    assert env.sim.authorization.kind == "loggedInUsersCanDoAnything"


def test_the_acting_credential_is_checked_again_right_before_the_realm_switch(env: Env) -> None:
    sim: Any = env.sim
    check = sim.check

    def checked(text: str) -> Any:  # the API token is revoked right after the server-side check
        out = check(text)
        if "jwtAuth" in text:
            sim.users["admin"] = "a-new-token"
        return out

    sim.check = checked
    run = env.apply()
    assert run.code == ExitCode.ROLLED_BACK, run.err
    assert "right before the realm switch" in run.err
    assert env.sim.security_realm.class_name.endswith("HudsonPrivateSecurityRealm")
    assert env.sim.authorization.kind == "loggedInUsersCanDoAnything"


@pytest.mark.parametrize("flag", ["--jwt-file", "--signing-key-file"])
def test_a_credential_file_that_never_ends_is_refused_not_read_whole(env: Env, flag: str) -> None:
    """`/dev/zero` (or a mistyped path to a huge file) as a credential file: exit 2 with the
    flag named, after reading a bounded amount, nothing changed."""
    run = env.run("plan", str(env.spec), "--url", env.sim.url, "--user", "admin", "--token", CANARY_TOKEN,
                  flag, "/dev/zero")
    assert run.code == ExitCode.USAGE, run.err
    assert flag in run.err and "refusing to read it" in run.err
    assert "Traceback" not in run.err
    _untouched(env)


PLAN_NEEDLES = {"foreign key": "does not verify against key", "tampered": "does not verify against key",
                "alg none": "alg 'none'", "unknown kid": "which http", "no kid": "has no `kid`"}


@pytest.mark.parametrize("kind", list(PLAN_NEEDLES))
def test_plan_says_apply_would_refuse_a_given_token_that_does_not_verify(env: Env, kind: str) -> None:
    """Issue 10's leftover: plan checks the given JWT against the JWKS the spec names, as apply's
    guard will, and exits 2 with the reason (nothing is changed either way)."""
    token = _forged_tokens(env.pomerium)[kind]
    run = env.run("plan", str(env.spec), "--url", env.sim.url, "--user", "admin", "--token", CANARY_TOKEN, "--jwt", token)
    assert run.code == ExitCode.USAGE, run.out + run.err
    refused = [line for line in run.out.splitlines() if line.startswith("refused  the given JWT")]
    assert refused and PLAN_NEEDLES[kind] in refused[0], run.out
    assert token not in run.text()
    _untouched(env)
    good = env.run("plan", str(env.spec), "--url", env.sim.url, "--user", "admin", "--token", CANARY_TOKEN,
                   "--jwt", env.pomerium.mint(ADMIN, [], expires_in=300))
    assert good.code == ExitCode.DIFFERENCES and "refused" not in good.out, good.out


def test_verify_checks_a_given_tokens_signature(make_env: Callable[..., Env]) -> None:
    env = make_env(plugins={**DEFAULT_PLUGINS, "jwt-auth": "0.3.0"})
    token = _forged_tokens(env.pomerium)["foreign key"]
    # before the switch the API token reads: the check says the token would not do after it
    before = env.run("verify", str(env.spec), "--url", env.sim.url, "--user", "admin", "--token", CANARY_TOKEN, "--jwt", token)
    assert before.code == ExitCode.DIFFERENCES
    assert "FAIL the given JWT verifies against the JWKS jwt.jwks_url names" in before.out, before.out
    assert "it was not signed by the key Pomerium publishes" in before.out and token not in before.text()
    assert env.apply().code == ExitCode.OK
    good = env.run("verify", str(env.spec), "--url", env.sim.url, "--jwt", env.pomerium.mint(ADMIN, [], expires_in=300))
    assert good.code == ExitCode.OK, good.out
    assert "ok   the given JWT verifies against the JWKS jwt.jwks_url names" in good.out, good.out
    # on jwt-auth the forged token is anonymous: refused credentials (exit 3), and the reason is the signature
    bad = env.run("verify", str(env.spec), "--url", env.sim.url, "--jwt", token)
    assert bad.code == ExitCode.UNREACHABLE
    assert "as anonymous" in bad.err and "it was not signed by the key Pomerium publishes" in bad.err, bad.err
    assert "--current-issuer" not in bad.err and token not in bad.text()

"""Before the realm switch the guard makes sure Jenkins can fetch the JWKS and that it lists
our signing key: otherwise every JWT (and every API token) is anonymous afterwards."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from jcasc_gen.client import Reply, Unreachable
from jcasc_gen.exitcodes import ExitCode
from jcasc_gen.live.jwks import check_jwks, jenkins_script

from .conftest import Env

URL = "https://jenkins.example.com/.well-known/pomerium/jwks.json"
JWKS = Reply(200, '{"keys": [{"kid": "abc123", "kty": "EC"}]}', {})


def _unreachable(url: str) -> Reply:
    raise Unreachable(f"{url}: no answer from here")


@pytest.mark.parametrize("script_out,fetch,refused,needle", [
    ("true\n", _unreachable, False, "Jenkins fetched"),
    ("false\n", lambda u: JWKS, True, "does not list the signing key"),
    ("java.net.ConnectException: Connection refused\n\tat Script1.run(Script1.groovy:1)\n", lambda u: JWKS, True, "Jenkins cannot fetch"),
    ("javax.net.ssl.SSLHandshakeException: PKIX path building failed\n", lambda u: JWKS, True, "Jenkins cannot fetch"),
    ("groovy.lang.MissingPropertyException: nope\n", lambda u: JWKS, False, "checked from here"),
    ("groovy.lang.MissingPropertyException: nope\n", _unreachable, True, "could not be checked"),
    ("groovy.lang.MissingPropertyException: nope\n", lambda u: Reply(200, '{"keys": [{"kid": "other"}]}', {}), True, "does not list"),
    ("groovy.lang.MissingPropertyException: nope\n", lambda u: Reply(404, "", {}), True, "answered 404"),
])
def test_jwks_verdicts(script_out: str, fetch: Any, refused: bool, needle: str) -> None:
    verdict = check_jwks(URL, "abc123", run_script=lambda s: script_out, fetch_here=fetch)
    assert bool(verdict.refusals) is refused
    text = " ".join([r.message for r in verdict.refusals] + verdict.notes)
    assert needle in text


def test_jenkins_script_quotes_its_values() -> None:
    """Single-quoted Groovy strings: a quote cannot end the literal and `${}` is not a GString."""
    script = jenkins_script("https://x/'; System.exit(0); '${evil}", "k")
    assert script == "println(new URL('https://x/\\'; System.exit(0); \\'${evil}').getText().contains('k'))"


def test_signing_key_that_pomerium_does_not_publish_is_refused(env: Env) -> None:
    other = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    env.key.write_bytes(other)
    run = env.apply()
    assert run.code == ExitCode.USAGE, run.err
    assert "does not list the signing key" in run.err
    assert env.sim.security_realm.class_name.endswith("HudsonPrivateSecurityRealm")
    assert "jwt-auth" not in env.sim.plugins


def test_unreachable_jwks_is_refused_before_anything_changes(env: Env) -> None:
    env.pomerium.stop()
    run = env.apply()
    assert run.code == ExitCode.USAGE, run.err
    assert "Jenkins cannot fetch" in run.err and "ConnectException" in run.err
    assert env.sim.security_realm.class_name.endswith("HudsonPrivateSecurityRealm")


def test_without_a_script_console_answer_the_jwks_is_checked_from_here(env: Env) -> None:
    env.pomerium.stop()
    env.sim.fail_next("/scriptText", count=10, status=500)
    run = env.apply()
    assert run.code == ExitCode.USAGE, run.err
    assert "could not be checked, from Jenkins or from here" in run.err
    assert env.sim.security_realm.class_name.endswith("HudsonPrivateSecurityRealm")


def test_without_the_jwks_check_an_unreachable_jwks_locks_jenkins(env: Env) -> None:
    # why the check exists: after the switch no credential works, so no rollback is possible
    env.pomerium.stop()
    run = env.apply("--no-jwks-check")
    assert run.code == ExitCode.NOT_ROLLED_BACK, run.err
    assert "Manual recovery" in run.err

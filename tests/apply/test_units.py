"""Pure parts: minting as Pomerium does, what jwt-auth would accept, redaction, credentials."""

from __future__ import annotations

import argparse
import base64
import time

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from hypothesis import given, settings
from hypothesis import strategies as st

from jcasc_gen import tokens
from jcasc_gen.commands import _live
from jcasc_gen.live import credentials
from jcasc_gen.live.redact import MASK, Redactor
from jcasc_gen.model import load_spec_text

from .conftest import ADMIN, spec_text


def _spec(**kw):  # type: ignore[no-untyped-def]
    return load_spec_text(spec_text("https://jenkins.example.com/.well-known/pomerium/jwks.json", **kw)).spec


def _pem(key) -> bytes:  # type: ignore[no-untyped-def]
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


@pytest.mark.parametrize("version,iss", [("v0.21.0", "authenticate.example.com"), ("0.21.2", "authenticate.example.com"),
                                         ("0.21.3", "jenkins.example.com"), ("v0.22.0", "jenkins.example.com"),
                                         ("0.33", "jenkins.example.com")])
def test_minted_issuer_follows_pomerium_version_not_the_spec(version: str, iss: str) -> None:
    # the spec's issuers are deliberately the other value: minting must not copy them
    other = "jenkins.example.com" if iss != "jenkins.example.com" else "authenticate.example.com"
    spec = _spec(version=version, issuers=[other])
    claims = tokens.pomerium_claims(spec, ADMIN, ["devs"])
    assert claims["iss"] == iss
    assert claims["aud"] == "jenkins.example.com"  # a string, as Pomerium sends it
    assert claims["email"] == ADMIN and claims["groups"] == ["devs"]
    assert claims["exp"] - claims["iat"] <= 300 and "nbf" not in claims
    assert tokens.acceptance_problems(spec.jwt, claims)  # and so the spec is caught


def test_pomerium_028_sends_null_groups_which_jwt_auth_refuses() -> None:
    spec = _spec(version="0.28")
    claims = tokens.pomerium_claims(spec, ADMIN, [])
    assert claims["groups"] is None
    assert any("pomerium#5393" in p for p in tokens.acceptance_problems(spec.jwt, claims))


@pytest.mark.parametrize("kind", ["ec", "rsa", "ec-base64"])
def test_signing_key_forms_and_algorithms(kind: str) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048) if kind == "rsa" else ec.generate_private_key(ec.SECP256R1())
    raw = _pem(key)
    if kind == "ec-base64":
        raw = base64.b64encode(raw)  # Pomerium's signing_key is base64 of the PEM
    sk = tokens.load_signing_key(raw)
    assert sk.alg == ("RS256" if kind == "rsa" else "ES256")
    spec = _spec()
    token = tokens.mint(spec, sk, ADMIN, ["devs"])
    header = pyjwt.get_unverified_header(token)
    assert header == {"alg": sk.alg, "kid": sk.kid, "typ": "JWT"}
    claims = pyjwt.decode(token, key.public_key(), algorithms=[sk.alg], audience="jenkins.example.com")
    assert tokens.acceptance_problems(spec.jwt, claims, alg=header["alg"]) == []
    assert tokens.identity(spec.jwt, claims) == (ADMIN, ("devs",))


def test_kid_is_the_jwk_thumbprint_the_fake_pomerium_publishes(pomerium_side) -> None:  # type: ignore[no-untyped-def]
    sk = tokens.load_signing_key(pomerium_side.private_key_pem.encode())
    assert sk.kid == pomerium_side.es256.kid


@pytest.mark.parametrize("raw", [b"not a key", base64.b64encode(b"still not a key"), b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"])
def test_bad_signing_key_message_has_no_key_material(raw: bytes) -> None:
    with pytest.raises(tokens.TokenError) as info:
        tokens.load_signing_key(raw)
    assert "AAAA" not in str(info.value) and "still" not in str(info.value)


def test_acceptance_problems_mirror_jwt_auth() -> None:
    spec = _spec()
    good = tokens.pomerium_claims(spec, ADMIN, [])
    assert tokens.acceptance_problems(spec.jwt, good) == []
    assert tokens.acceptance_problems(spec.jwt, {**good, "exp": time.time() - 3600})
    assert tokens.acceptance_problems(spec.jwt, {**good, "aud": ["x", "jenkins.example.com"]}) == []
    no_user = dict(good)
    del no_user["email"]
    assert any("username claim" in p for p in tokens.acceptance_problems(spec.jwt, no_user))


def test_groups_string_split_on_a_set_of_characters() -> None:
    spec = _spec()
    assert tokens.identity(spec.jwt, {"email": "a", "groups": "x,y,,z"}) == ("a", ("x", "y", "z"))


# --- redaction ------------------------------------------------------------------------------

def test_redactor_masks_registered_secrets_and_their_pem_forms() -> None:
    r = Redactor()
    key = ec.generate_private_key(ec.SECP256R1())
    pem = _pem(key).decode()
    r.add("canary-token-123456")
    r.add(pem)
    line = pem.splitlines()[1]
    text = f"token canary-token-123456 key-line {line} b64 {base64.b64encode(pem.encode()).decode()} pem {pem}"
    out = r(text)
    assert "canary-token-123456" not in out and line not in out and "BEGIN" not in out.replace("REDACTED KEY", "")
    assert MASK in out


@settings(max_examples=50, deadline=None)
@given(st.text(min_size=0, max_size=40), st.text(min_size=0, max_size=40))
def test_redactor_never_lets_a_registered_secret_through(prefix: str, suffix: str) -> None:
    r = Redactor()
    secret = "s3cr3t-canary-value"
    r.add(secret)
    assert secret not in r(prefix + secret + suffix + secret)


def test_redactor_masks_unknown_jwts() -> None:
    token = pyjwt.encode({"sub": "x"}, "k" * 32, algorithm="HS256")
    assert token not in Redactor()(f"got {token} back")


# --- credentials -----------------------------------------------------------------------------

def _args(**kw: object) -> argparse.Namespace:
    p = argparse.ArgumentParser()
    _live.add_arguments(p)
    ns = p.parse_args([])
    for k, v in kw.items():
        setattr(ns, k, v)
    return ns


@pytest.mark.parametrize("kw,env,needle", [
    ({}, {}, "no Jenkins URL"),
    ({"url": "jenkins:8080"}, {}, "not an http(s) URL"),
    ({"url": "http://j/"}, {"JENKINS_USER_ID": "admin"}, "needs both a user and a token"),
    ({"url": "http://j/"}, {}, "no credentials"),
    ({"url": "http://j/", "as_principal": "bob"}, {"JENKINS_USER_ID": "a", "JENKINS_API_TOKEN": "t"}, "minting needs --signing-key-file"),
    ({"url": "http://j/", "jwt": "garbage"}, {}, "could not be decoded"),
    ({"url": "http://j/", "signing_key_file": "/nonexistent/key.pem"}, {}, "--signing-key-file"),
])
def test_credential_errors_are_usage_errors(kw: dict[str, object], env: dict[str, str], needle: str) -> None:
    with pytest.raises(credentials.CredentialError) as info:
        _live.jenkins_from_args(_args(**kw), env=env)
    assert needle in str(info.value)
    assert info.value.exit_code == 2


def test_environment_credentials_and_flags_win() -> None:
    env = {"JENKINS_URL": "http://env/", "JENKINS_USER_ID": "envuser", "JENKINS_API_TOKEN": "env-token-xyz"}
    jenkins, _ = _live.jenkins_from_args(_args(), env=env)
    creds = credentials.for_spec(jenkins._login, _spec())
    assert creds.conn.url == "http://env/" and creds.pre.user == "envuser" and creds.post is None
    jenkins, _ = _live.jenkins_from_args(_args(url="http://flag/", user="u", token="flag-token-xyz"), env=env)
    creds = credentials.for_spec(jenkins._login, _spec())
    assert creds.conn.url == "http://flag/" and creds.pre.user == "u"
    assert "flag-token-xyz" not in repr(creds.pre) + repr(jenkins)


def test_default_principal_is_first_user_admin() -> None:
    assert credentials.default_principal(_spec()) == ADMIN


def test_log_records_are_redacted(capsys) -> None:  # type: ignore[no-untyped-def]
    import logging

    from jcasc_gen.live.redact import redact_logs, register_secret

    register_secret("log-canary-secret-42")
    redact_logs()
    handler = logging.StreamHandler()
    logging.getLogger().addHandler(handler)
    try:
        redact_logs()
        logging.getLogger("python-jenkins-like").warning("extra headers: %s", ["X-Jwt: log-canary-secret-42"])
    finally:
        logging.getLogger().removeHandler(handler)
    assert "log-canary-secret-42" not in capsys.readouterr().err

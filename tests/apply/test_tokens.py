"""Tokens: what the tool mints in Pomerium's place, and what it predicts jwt-auth does with a
token. A wrong prediction either locks the administrator out (a token Jenkins turns into
anonymous passes the guard) or refuses a good change, so each rule is held here on its own.

Sources: pomerium authorize/evaluator/headers_evaluator_evaluation.go (claims),
pkg/cryptutil/jose.go (kid = RFC 7638 thumbprint, hex); jwt-auth-plugin
JwtAuthSecurityRealm.java (issuer, audience, expiry with leeway, username and groups claims,
commons-lang StringUtils.split for a groups string).
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from typing import Any

import jwt as pyjwt
import pytest
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from jcasc_gen import tokens
from jcasc_gen.model import Spec, load_spec_text

ADMIN = "alice@example.com"
NOW = 1_800_000_000


def spec(*, pomerium: bool = True, version: str = "0.33", **jwt: Any) -> Spec:
    data: dict[str, Any] = {"version": 1, "jenkins": {"url": "https://jenkins.example.com"},
                            "authorization": {"grants": [{"user": ADMIN, "permissions": ["Overall/Administer"]}]}}
    if pomerium:
        data["pomerium"] = {"version": version, "authenticate_url": "https://authenticate.example.com",
                            "idp": {"provider": "google", "client_id": {"env": "ID"}, "client_secret": {"env": "SECRET"}},
                            "signing_key": {"env": "KEY"}}
    else:
        jwt = {"header": "X-Jwt", "issuers": ["https://sso.example.org"], "audiences": ["jenkins"],
               "jwks_url": "https://sso.example.org/certs", **jwt}
    if jwt:
        data["jwt"] = jwt
    loaded = load_spec_text(yaml.safe_dump(data, sort_keys=False))
    assert loaded.spec is not None, [d.format() for d in loaded.diagnostics]
    return loaded.spec


def good_claims(s: Spec, **over: Any) -> dict[str, Any]:
    return {**tokens.pomerium_claims(s, ADMIN, ["devs"], now=NOW), **over}


# --- what Pomerium sends, version by version --------------------------------------------------

@pytest.mark.parametrize("claim", ["email", "sub", "user", "name"])
def test_the_principal_goes_into_the_claim_the_spec_reads(claim: str) -> None:
    s = spec(username_claim=claim)
    claims = tokens.pomerium_claims(s, ADMIN, ["devs"], now=NOW)
    assert claims[claim] == ADMIN
    assert tokens.acceptance_problems(s.jwt, claims, now=NOW) == []
    assert tokens.identity(s.jwt, claims) == (ADMIN, ("devs",))


def test_email_principal_keeps_pomeriums_other_claims() -> None:
    claims = tokens.pomerium_claims(spec(), ADMIN, ["devs"], now=NOW)
    assert claims["email"] == ADMIN
    # Pomerium's sub/user is the IdP's opaque id, not the email; name is the display name
    assert claims["sub"] == claims["user"] != ADMIN and claims["sub"]
    assert claims["name"] == "alice"
    assert tokens.pomerium_claims(spec(), ADMIN, [], now=NOW, name="Alice A.")["name"] == "Alice A."
    assert set(claims) == set(tokens.POMERIUM_BASE_CLAIMS)


@pytest.mark.parametrize("claim", ["sub", "user"])
def test_sub_principal_is_sent_in_both_sub_and_user(claim: str) -> None:
    claims = tokens.pomerium_claims(spec(username_claim=claim), ADMIN, [], now=NOW)
    assert claims["sub"] == claims["user"] == ADMIN
    assert claims["email"] == ""


def test_name_principal_leaves_email_empty() -> None:
    claims = tokens.pomerium_claims(spec(username_claim="name"), ADMIN, [], now=NOW)
    assert claims["name"] == ADMIN and claims["email"] == "" and claims["sub"] != ADMIN


def test_a_username_claim_pomerium_never_sends_stays_absent_and_is_named() -> None:
    s = spec(username_claim="preferred_username")
    claims = tokens.pomerium_claims(s, ADMIN, [], now=NOW)
    assert "preferred_username" not in claims
    problems = tokens.acceptance_problems(s.jwt, claims, now=NOW)
    assert problems == ["the username claim 'preferred_username' is missing or not a string (Pomerium does not send it)"]


@pytest.mark.parametrize("version,jti_is_session", [("0.26", True), ("0.27", False), ("0.33", False)])
def test_jti_was_the_session_id_before_0_27(version: str, jti_is_session: bool) -> None:
    claims = tokens.pomerium_claims(spec(version=version), ADMIN, [], now=NOW)
    uuid.UUID(claims["jti"]) and uuid.UUID(claims["sid"])
    assert (claims["jti"] == claims["sid"]) is jti_is_session
    assert claims["iat"] == NOW


@pytest.mark.parametrize("version,groups", [("0.27", []), ("0.28", None), ("0.29", [])])
def test_only_0_28_sends_null_groups_for_people_without_groups(version: str, groups: list[str] | None) -> None:
    assert tokens.pomerium_claims(spec(version=version), ADMIN, [], now=NOW)["groups"] == groups
    assert tokens.pomerium_claims(spec(version=version), ADMIN, ["a", "b"], now=NOW)["groups"] == ["a", "b"]


@pytest.mark.parametrize("ttl,lifetime", [(60, 60), (300, 300), (3600, 300)])
def test_minted_tokens_never_outlive_pomeriums_five_minutes(ttl: int, lifetime: int) -> None:
    claims = tokens.pomerium_claims(spec(), ADMIN, [], now=NOW + 0.9, ttl=ttl)
    assert claims["iat"] == NOW and claims["exp"] == NOW + lifetime


def test_default_lifetime_is_two_minutes_and_now_is_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tokens.time, "time", lambda: NOW + 0.5)
    claims = tokens.pomerium_claims(spec(), ADMIN, [])
    assert claims["iat"] == NOW and claims["exp"] == NOW + tokens.DEFAULT_TTL == NOW + 120


def test_audience_is_the_route_host_as_a_string() -> None:
    claims = tokens.pomerium_claims(spec(), ADMIN, [], now=NOW)
    assert claims["aud"] == "jenkins.example.com"
    assert claims["iss"] == "jenkins.example.com"


# --- without pomerium: the spec's own settings -------------------------------------------------

def test_without_pomerium_the_token_carries_what_the_spec_accepts() -> None:
    s = spec(pomerium=False, username_claim="preferred_username", groups_claim="roles",
             issuers=["https://sso.example.org", "https://other.example.org"], audiences=["jenkins", "ci"])
    claims = tokens.pomerium_claims(s, ADMIN, ["devs"], now=NOW, ttl=600)
    assert claims["iss"] == "https://sso.example.org" and claims["aud"] == "jenkins"
    assert claims["preferred_username"] == ADMIN and claims["roles"] == ["devs"]
    assert claims["iat"] == NOW and claims["exp"] == NOW + 600  # no Pomerium, no five-minute cap
    uuid.UUID(claims["jti"])
    assert "email" not in claims and "groups" not in claims
    assert tokens.acceptance_problems(s.jwt, claims, now=NOW + 599) == []
    assert tokens.acceptance_problems(s.jwt, claims, now=NOW + 601 + s.jwt.leeway_seconds) == ["the token has expired"]
    assert tokens.identity(s.jwt, claims) == (ADMIN, ("devs",))


# --- what jwt-auth would turn into anonymous ---------------------------------------------------

def test_issuer_must_be_one_of_the_accepted() -> None:
    s = spec(issuers=["a.example.com", "b.example.com"])
    assert tokens.acceptance_problems(s.jwt, good_claims(s, iss="b.example.com"), now=NOW) == []
    assert tokens.acceptance_problems(s.jwt, good_claims(s, iss="c.example.com"), now=NOW) == [
        "iss 'c.example.com' is not among the accepted issuers ['a.example.com', 'b.example.com']"]
    no_iss = good_claims(s)
    del no_iss["iss"]
    assert tokens.acceptance_problems(s.jwt, no_iss, now=NOW) == [
        "iss None is not among the accepted issuers ['a.example.com', 'b.example.com']"]


def test_audience_string_or_list_must_hold_an_accepted_one() -> None:
    s = spec(audiences=["jenkins.example.com", "ci"])
    for aud in ("ci", ["x", "ci"], ["jenkins.example.com"]):
        assert tokens.acceptance_problems(s.jwt, good_claims(s, aud=aud), now=NOW) == [], aud
    assert tokens.acceptance_problems(s.jwt, good_claims(s, aud=["x", "y"]), now=NOW) == [
        "aud ['x', 'y'] is not among the accepted audiences ['jenkins.example.com', 'ci']"]
    assert tokens.acceptance_problems(s.jwt, good_claims(s, aud="x"), now=NOW) == [
        "aud 'x' is not among the accepted audiences ['jenkins.example.com', 'ci']"]


def test_expiry_allows_the_leeway_and_not_a_second_more() -> None:
    s = spec(leeway_seconds=30)
    claims = good_claims(s, exp=NOW)
    assert tokens.acceptance_problems(s.jwt, claims, now=NOW + 30) == []
    assert tokens.acceptance_problems(s.jwt, claims, now=NOW + 31) == ["the token has expired"]
    assert tokens.acceptance_problems(s.jwt, good_claims(s, exp=float(NOW)), now=NOW + 31) == ["the token has expired"]


def test_a_token_minted_now_is_accepted_by_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    s = spec()
    monkeypatch.setattr(tokens.time, "time", lambda: NOW)
    assert tokens.acceptance_problems(s.jwt, good_claims(s)) == []
    monkeypatch.setattr(tokens.time, "time", lambda: NOW + 10_000)
    assert tokens.acceptance_problems(s.jwt, good_claims(s)) == ["the token has expired"]


@pytest.mark.parametrize("value", [None, "", 42, ["alice"]])
def test_username_claim_must_be_a_non_empty_string(value: Any) -> None:
    s = spec()
    assert tokens.acceptance_problems(s.jwt, good_claims(s, email=value), now=NOW) == [
        "the username claim 'email' is missing or not a string"]


def test_missing_groups_claim_is_anonymous_with_the_reason() -> None:
    s = spec()
    claims = good_claims(s)
    del claims["groups"]
    assert tokens.acceptance_problems(s.jwt, claims, now=NOW) == [
        "the groups claim 'groups' is missing or null (Pomerium 0.28.0 sends null for people without groups: pomerium#5393)"]
    other = spec(groups_claim="roles")
    assert tokens.acceptance_problems(other.jwt, good_claims(other), now=NOW) == [
        "the groups claim 'roles' is missing or null (Pomerium sends `groups`)"]
    assert tokens.acceptance_problems(s.jwt, good_claims(s, groups=[]), now=NOW) == []


@pytest.mark.parametrize("alg,refused", [("ES256", False), ("RS256", False), ("HS256", True), ("none", True)])
def test_only_es256_and_rs256_verify_against_a_jwks(alg: str, refused: bool) -> None:
    s = spec()
    problems = tokens.acceptance_problems(s.jwt, good_claims(s), alg=alg, now=NOW)
    assert problems == ([f"alg {alg!r} cannot be verified against a Pomerium JWKS"] if refused else [])


def test_without_jwks_url_the_algorithm_is_not_checked() -> None:
    s = spec(jwks_url=None)
    assert tokens.acceptance_problems(s.jwt, good_claims(s), alg="HS256", now=NOW) == []


def test_every_problem_is_reported_together() -> None:
    s = spec()
    bad = {"iss": "x", "aud": "y", "exp": NOW - 100}
    assert len(tokens.acceptance_problems(s.jwt, bad, alg="HS256", now=NOW)) == 6


# --- identity as jwt-auth reads it -------------------------------------------------------------

def test_groups_list_entries_become_strings() -> None:
    s = spec()
    assert tokens.identity(s.jwt, {"email": ADMIN, "groups": ["a", 7]}) == (ADMIN, ("a", "7"))
    assert tokens.identity(s.jwt, {"email": ADMIN}) == (ADMIN, ())
    assert tokens.identity(s.jwt, {"groups": ["a"]}) == ("", ("a",))
    # a given JWT is read before anything checks it: the name is a string whatever the claim holds
    # (jwt-auth: getClaimValueAsString)
    assert tokens.identity(s.jwt, {"email": 42, "groups": []}) == ("42", ())


def test_groups_string_splits_on_any_separator_character() -> None:
    s = spec(groups_separator=",;")
    assert tokens.identity(s.jwt, {"email": ADMIN, "groups": ";a,b;;c,"}) == (ADMIN, ("a", "b", "c"))
    assert tokens.identity(s.jwt, {"email": ADMIN, "groups": "a b"}) == (ADMIN, ("a b",))
    assert tokens.identity(spec().jwt, {"email": ADMIN, "groups": "a, b"}) == (ADMIN, ("a", " b"))
    assert tokens.identity(s.jwt, {"email": ADMIN, "groups": ""}) == (ADMIN, ())


def test_identity_reads_the_configured_claims() -> None:
    s = spec(username_claim="sub", groups_claim="roles")
    assert tokens.identity(s.jwt, {"sub": "bob", "email": ADMIN, "roles": ["r"], "groups": ["g"]}) == ("bob", ("r",))


# --- keys and signatures -----------------------------------------------------------------------

def _pem(key: Any) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def test_minted_token_is_signed_with_pomeriums_header_and_overrides_win() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    sk = tokens.load_signing_key(_pem(key))
    s = spec()
    token = tokens.mint(s, sk, ADMIN, ["devs"], now=NOW, ttl=60, overrides={"aud": "other"})
    assert pyjwt.get_unverified_header(token) == {"alg": "ES256", "kid": sk.kid, "typ": "JWT"}
    claims = pyjwt.decode(token, key.public_key(), algorithms=["ES256"], audience="other",
                          options={"verify_exp": False, "verify_iat": False})
    assert claims["aud"] == "other" and claims["email"] == ADMIN and claims["groups"] == ["devs"]
    assert (claims["iat"], claims["exp"]) == (NOW, NOW + 60)
    assert tokens.decode_unverified(token) == ({"alg": "ES256", "kid": sk.kid, "typ": "JWT"}, claims)


def test_a_p384_key_still_signs_es256_as_pomerium_does() -> None:
    sk = tokens.load_signing_key(_pem(ec.generate_private_key(ec.SECP384R1())))
    assert sk.alg == "ES256"


def test_base64_signing_key_may_be_wrapped_over_lines() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    b64 = base64.b64encode(_pem(key))
    wrapped = b"\n".join(b64[i:i + 64] for i in range(0, len(b64), 64)) + b"\n"
    assert tokens.load_signing_key(wrapped).kid == tokens.load_signing_key(_pem(key)).kid


def test_base64_with_a_character_outside_the_alphabet_is_refused() -> None:
    # Pomerium decodes with Go's base64.StdEncoding, which rejects it; so does the tool,
    # instead of dropping the character and reading a key Pomerium would not read
    b64 = base64.b64encode(_pem(ec.generate_private_key(ec.SECP256R1())))
    with pytest.raises(tokens.TokenError, match="neither PEM nor base64 of a PEM"):
        tokens.load_signing_key(b64[:40] + b"*" + b64[40:])


@pytest.mark.parametrize("raw,message", [
    (b"%%% not base64 %%%", "neither PEM nor base64 of a PEM"),
    (base64.b64encode(b"plain words"), "neither PEM nor base64 of a PEM"),
    (b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "could not be read as an unencrypted PEM private key"),
])
def test_unusable_signing_keys_say_why(raw: bytes, message: str) -> None:
    with pytest.raises(tokens.TokenError, match=message):
        tokens.load_signing_key(raw)


def test_encrypted_and_non_ec_rsa_keys_are_refused() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    encrypted = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.BestAvailableEncryption(b"pw"))
    with pytest.raises(tokens.TokenError, match="unencrypted PEM"):
        tokens.load_signing_key(encrypted)
    with pytest.raises(tokens.TokenError, match="must be an EC or RSA key"):
        tokens.load_signing_key(_pem(ed25519.Ed25519PrivateKey.generate()))


def test_kid_is_the_rfc7638_thumbprint_in_hex() -> None:
    # RFC 7638 section 3.1: this RSA key's SHA-256 thumbprint, base64url
    n = ("0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV"
         "4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0"
         "zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csF"
         "Cur-kEgU8awapJzKnqDKgw")
    expected = base64.urlsafe_b64decode("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs=").hex()
    assert tokens._thumbprint({"kty": "RSA", "n": n, "e": "AQAB", "alg": "RS256", "kid": "2011-04-29"}) == expected
    ec_jwk = {"kty": "EC", "crv": "P-256", "x": "x-coordinate", "y": "y-coordinate", "use": "sig"}
    canon = '{"crv":"P-256","kty":"EC","x":"x-coordinate","y":"y-coordinate"}'
    assert tokens._thumbprint(ec_jwk) == hashlib.sha256(canon.encode()).hexdigest()


def test_a_garbage_token_is_a_token_error() -> None:
    with pytest.raises(tokens.TokenError, match="could not be decoded"):
        tokens.decode_unverified("not.a.jwt")


def test_a_signing_key_never_shows_its_key_in_a_repr() -> None:
    # reprs end up in logs and tracebacks; the key stays out whatever its type's repr is
    sk = tokens.load_signing_key(_pem(ec.generate_private_key(ec.SECP256R1())))
    assert repr(sk) == f"SigningKey(alg='ES256', kid='{sk.kid}')"


@pytest.mark.parametrize("pomerium", [True, False])
def test_groups_given_as_a_tuple_are_sent_as_a_list(pomerium: bool) -> None:
    # the credential keeps its groups in a tuple; jwt-auth reads a JSON list (or a string)
    s = spec(pomerium=pomerium)
    claims = tokens.pomerium_claims(s, ADMIN, ("devs", "ops"), now=NOW)
    assert claims[s.jwt.groups_claim] == ["devs", "ops"]
    assert tokens.identity(s.jwt, claims) == (ADMIN, ("devs", "ops"))

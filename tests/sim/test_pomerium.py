"""Conformance: the fake Pomerium side (jenkins-facts F.1/F.2).

Sources: pomerium: pkg/endpoints/paths.go, internal/handlers/jwks.go, pkg/cryptutil/jose.go,
authorize/evaluator/headers_evaluator_evaluation.go, authorize/evaluator/opa/policy/headers.rego
(<= v0.27), pomerium/pomerium#5393/#5394.
"""

from __future__ import annotations

import jwt
import pytest
import requests
from jwt.algorithms import ECAlgorithm

from tests.jenkins_sim import PomeriumSide
from tests.jenkins_sim.pomerium import _thumbprint


def test_jwks_endpoint(pomerium_side: PomeriumSide) -> None:
    """/.well-known/pomerium/jwks.json: {"keys":[...]}, Cache-Control max-age=60; ECDSA ->
    ES256, RSA -> RS256; kid = hex SHA-256 thumbprint; use sig."""
    assert pomerium_side.jwks_url.endswith("/.well-known/pomerium/jwks.json")
    r = requests.get(pomerium_side.jwks_url, timeout=5)
    assert r.headers["Cache-Control"] == "max-age=60"
    keys = r.json()["keys"]
    assert [k["alg"] for k in keys] == ["ES256", "RS256"]
    for k in keys:
        assert k["use"] == "sig" and k["kid"] == _thumbprint(k) and len(k["kid"]) == 64


@pytest.mark.parametrize("release", ["0.21.0", "v0.21.1", "0.21.2"])
def test_claims_up_to_v0212_issuer_is_authenticate_host(pomerium_side: PomeriumSide, release: str) -> None:
    """v0.21.0-v0.21.2: iss = data.issuer = authenticateURL.Host, port kept (pomerium@v0.21.2
    authorize/evaluator/evaluator.go:212, opa/policy/headers.rego:89); aud = route host
    (headers.rego:83-84 input.from_audience); jti = session id."""
    c = pomerium_side.claims("a@example.com", ["g"], version=release, authenticate_host="authenticate.example.com:8443")
    assert c["iss"] == "authenticate.example.com:8443" and c["aud"] == "jenkins.example.com" and c["jti"] == c["sid"]


@pytest.mark.parametrize("release", ["0.21.3", "0.21.4", "0.22.0", "0.27.2", "v0.33.1"])
def test_claims_from_v0213_issuer_is_route_host(pomerium_side: PomeriumSide, release: str) -> None:
    """v0.21.3 (commit 3307b9b82, "update issuer for JWT (#4049)"): iss = the route's hostname,
    no port (pomerium@v0.21.3 authorize/evaluator/headers_evaluator.go:38, headers.rego:88-89)."""
    c = pomerium_side.claims("a@example.com", ["g"], version=release, authenticate_host="authenticate.example.com:8443")
    assert c["iss"] == c["aud"] == "jenkins.example.com"


def test_a_release_has_a_patch_number(pomerium_side: PomeriumSide) -> None:
    """The fake is one release; "0.21" would not say which side of v0.21.3 it is on."""
    with pytest.raises(ValueError):
        pomerium_side.claims("a@example.com", version="0.21")


def test_claims_v033_shape(pomerium_side: PomeriumSide) -> None:
    """v0.27: jti random, iat now, exp now+5m; aud a string; no nbf; the eleven base claims
    (pomerium@v0.33.1 authorize/evaluator/headers_evaluator_evaluation.go getJWTPayload)."""
    c = pomerium_side.claims("a@example.com", ["g"], version="0.33.1")
    assert c["iss"] == c["aud"] == "jenkins.example.com" and isinstance(c["aud"], str)
    assert "nbf" not in c and c["jti"] != c["sid"] and c["exp"] - c["iat"] == 300
    assert set(c) == {"iss", "aud", "jti", "iat", "exp", "sub", "user", "email", "groups", "sid", "name"}
    assert c["sub"] == c["user"] and c["groups"] == ["g"]


def test_claims_v0280_groups_null(pomerium_side: PomeriumSide) -> None:
    """v0.28.0 sent `groups: null` for a user without groups; v0.29 (#5394) restored []."""
    assert pomerium_side.claims("a@example.com", [], version="0.28.0")["groups"] is None
    assert pomerium_side.claims("a@example.com", ["x"], version="0.28.0")["groups"] == ["x"]
    assert pomerium_side.claims("a@example.com", [], version="0.29.0")["groups"] == []
    assert pomerium_side.claims("a@example.com", ["x"], groups_null=True)["groups"] is None


def test_minted_token_verifies_against_jwks_and_pem(pomerium_side: PomeriumSide) -> None:
    """The token's header carries kid/typ JWT and verifies with the published key and with
    the private PEM (what the product's --signing-key-file uses)."""
    tok = pomerium_side.mint("a@example.com", ["g"])
    h = jwt.get_unverified_header(tok)
    assert h == {"alg": "ES256", "kid": pomerium_side.es256.kid, "typ": "JWT"}
    key = ECAlgorithm.from_jwk(requests.get(pomerium_side.jwks_url, timeout=5).json()["keys"][0])
    assert jwt.decode(tok, key, algorithms=["ES256"], audience="jenkins.example.com")["email"] == "a@example.com"
    from cryptography.hazmat.primitives.serialization import load_pem_private_key
    priv = load_pem_private_key(pomerium_side.private_key_pem.encode(), None)
    assert jwt.decode(tok, priv.public_key(), algorithms=["ES256"], audience="jenkins.example.com")  # type: ignore[arg-type]


@pytest.mark.parametrize("release,from_url,sent", [
    # up to v0.21.4: the Hostname of the route's `from` as written (v0.21.0/v0.21.3
    # headers_evaluator.go:38), Go's net/url keeping its case; no port, no brackets
    ("0.21.0", "https://Jenkins.Example.com:8443/", "Jenkins.Example.com"),
    ("0.21.4", "https://Jenkins.Example.com", "Jenkins.Example.com"),
    ("0.21.3", "https://[::1]:8443/x", "::1"),
    # from v0.22.0: the request's host name (evaluator.go:167), which a browser lower-cases
    ("0.22.0", "https://Jenkins.Example.com:8443/", "jenkins.example.com"),
    ("0.33.1", "https://JENKINS.example.com/", "jenkins.example.com"),
])
def test_the_route_host_in_aud_and_iss_follows_the_release(pomerium_side: PomeriumSide, release: str, from_url: str,
                                                           sent: str) -> None:
    claims = pomerium_side.claims("a@example.com", version=release, route_from=from_url)
    assert claims["aud"] == sent
    assert claims["iss"] == (sent if release != "0.21.0" else "authenticate.example.com")

"""The lockout guard's rules one by one, as a function: who the new matrix lets administer,
which credential situations are refused, and what each refusal says. The end-to-end tests in
test_guard.py show the same refusals through `apply`; these pin each branch."""

from __future__ import annotations

from typing import Any

import jwt as pyjwt
import pytest
import yaml
from cryptography.hazmat.primitives.asymmetric import ec

from jcasc_gen.live import guard
from jcasc_gen.live.credentials import PostCredential
from jcasc_gen.live.plan import Plan
from jcasc_gen.model import Spec, load_spec_text
from jcasc_gen.permissions import ADMINISTER
from jcasc_gen.tokens import SigningKey

ADMIN = "alice@example.com"
KEY = SigningKey("ES256", "kid", ec.generate_private_key(ec.SECP256R1()))


def spec(grants: list[dict[str, Any]], *, pomerium: bool = True, **jwt: Any) -> Spec:
    data: dict[str, Any] = {"version": 1, "jenkins": {"url": "https://jenkins.example.com"},
                            "authorization": {"grants": grants}}
    if pomerium:
        data["pomerium"] = {"version": "0.33", "authenticate_url": "https://authenticate.example.com",
                            "idp": {"provider": "google", "client_id": {"env": "ID"}, "client_secret": {"env": "SECRET"}},
                            "signing_key": {"env": "KEY"}}
    else:
        jwt = {"header": "X-Jwt", "issuers": ["https://sso.example.org"], "audiences": ["jenkins"],
               "jwks_url": "https://sso.example.org/certs", **jwt}
    if jwt:
        data["jwt"] = jwt
    loaded = load_spec_text(yaml.safe_dump(data, sort_keys=False))
    assert loaded.spec is not None
    return loaded.spec


ADMIN_GRANT = {"user": ADMIN, "permissions": ["Overall/Administer"]}


def plan(*, realm: bool = False, strategy: bool = False) -> Plan:
    return Plan(plugins=(), realm_changes=realm, strategy_changes=strategy, current_realm="jwt" if not realm else "local",
                diff="x" if realm or strategy else "")


def minted(s: Spec, principal: str = ADMIN, groups: tuple[str, ...] = ()) -> PostCredential:
    return PostCredential(s, principal, groups, "signing key", key=KEY)


def given(s: Spec, claims: dict[str, Any], alg: str = "ES256") -> PostCredential:
    token = pyjwt.encode(claims, "k" * 32, algorithm="HS256")
    # the source as credentials.for_spec names a given JWT (--jwt, JENKINS_JWT, --jwt-file, the API's jwt=)
    return PostCredential(s, str(claims.get("email", "")), (), "given JWT", given=token,
                          given_header={"alg": alg, "kid": "kid", "typ": "JWT"}, given_claims=claims)


# --- who the matrix lets in -----------------------------------------------------------------

def test_principal_and_group_names_match_case_insensitively() -> None:
    s = spec([{"user": "Alice@Example.COM", "permissions": ["Overall/Administer"]},
              {"group": "Ops-Team", "permissions": ["Job/Build"]},
              {"user_or_group": "Release", "permissions": ["Job/Delete"]}])
    assert guard.spec_allows(s, "alice@example.com", (), ADMINISTER)
    assert guard.granted_by_spec(s, "bob", ["ops-team"]) >= {"Job/Build"}
    assert guard.granted_by_spec(s, "release", []) >= {"Job/Delete"}
    assert guard.granted_by_spec(s, "bob", ["RELEASE"]) >= {"Job/Delete"}
    lower = spec([{"user": "alice@example.com", "permissions": ["Overall/Administer"]}])
    assert guard.spec_allows(lower, "ALICE@Example.com", (), ADMINISTER)


def test_a_user_grant_does_not_match_a_group_of_that_name_and_back() -> None:
    s = spec([ADMIN_GRANT, {"user": "ops", "permissions": ["Job/Build"]}, {"group": "bob", "permissions": ["Job/Delete"]}])
    assert "Job/Build" not in guard.granted_by_spec(s, "someone", ["ops"])
    assert "Job/Delete" not in guard.granted_by_spec(s, "bob", [])
    assert guard.granted_by_spec(s, "ops", []) >= {"Job/Build"}
    assert guard.granted_by_spec(s, "someone", ["bob"]) >= {"Job/Delete"}


@pytest.mark.parametrize("kind", ["user", "user_or_group"])
def test_anonymous_user_grants_reach_every_principal(kind: str) -> None:
    s = spec([ADMIN_GRANT, {kind: "anonymous", "permissions": ["Job/Read"]}])
    assert guard.granted_by_spec(s, "mallory@example.com", guard.jwt_authorities([])) >= {"Job/Read"}
    # so a post-switch principal holds Administer through anonymous, and the guard must see it
    worst = spec([ADMIN_GRANT, {kind: "Anonymous", "permissions": ["Overall/Administer"]}])
    assert guard.check(worst, plan(realm=True), minted(worst, "mallory@example.com")) == []


def test_every_jwt_principal_is_authenticated() -> None:
    assert guard.jwt_authorities(["devs", "ops"]) == ("authenticated", "devs", "ops")
    s = spec([ADMIN_GRANT, {"group": "authenticated", "permissions": ["Overall/Administer"]}])
    assert guard.spec_allows(s, "anyone", guard.jwt_authorities([]), ADMINISTER)
    assert not guard.spec_allows(s, "anyone", [], ADMINISTER)


def test_implied_permissions_count() -> None:
    s = spec([ADMIN_GRANT, {"group": "devs", "permissions": ["Job/Configure"]}])
    assert guard.spec_allows(s, "bob", ["devs"], "Run/Replay")  # Replay is implied by Job/Configure
    assert not guard.spec_allows(s, "bob", ["devs"], "Job/Delete")


# --- when the guard refuses ------------------------------------------------------------------

def test_a_converged_jenkins_is_never_refused_for_credentials() -> None:
    s = spec([ADMIN_GRANT])
    assert guard.check(s, plan(), None) == []
    assert guard.check(s, plan(), given(s, {"iss": "wrong"})) == []


def test_a_matrix_without_administrator_is_refused_even_when_converged() -> None:
    s = spec([{"group": "authenticated", "permissions": ["Overall/Read"]}])
    refusals = guard.check(s, plan(), None)
    assert [r.message for r in refusals] == ["the new matrix leaves no administrator: no user or group holds Overall/Administer"]
    assert "JG001" in refusals[0].hint


def test_switching_the_realm_without_a_post_switch_credential_is_refused() -> None:
    s = spec([ADMIN_GRANT])
    [refusal] = guard.check(s, plan(realm=True, strategy=True), None)
    assert refusal.message.startswith("the change switches the realm to jwtAuth")
    assert refusal.hint == "pass --signing-key-file (Pomerium's signing key) to mint a short-lived JWT, or --jwt/--jwt-file"


def test_changing_the_matrix_of_a_jwt_jenkins_without_a_jwt_is_refused() -> None:
    s = spec([ADMIN_GRANT])
    [refusal] = guard.check(s, plan(strategy=True), None)
    assert refusal.message == "changing the matrix of a jwtAuth Jenkins needs a JWT to apply and verify with"
    assert refusal.hint == "pass --signing-key-file or --jwt/--jwt-file"
    assert guard.check(s, plan(strategy=True), minted(s)) == []


def test_a_minted_token_jenkins_would_refuse_names_pomerium_in_the_hint() -> None:
    s = spec([ADMIN_GRANT], issuers=["authenticate.example.com"])
    refusals = guard.check(s, plan(strategy=True), minted(s))
    assert [r.message for r in refusals] == [
        "the post-switch JWT (signing key) would be treated as anonymous: "
        "iss 'jenkins.example.com' is not among the accepted issuers ['authenticate.example.com']"]
    assert refusals[0].hint == ("this is the token Pomerium 0.33 would send; fix jwt.issuers/jwt.audiences "
                                "(remove them to use the derived defaults) so Jenkins accepts it")


def test_a_given_token_jenkins_would_refuse_asks_for_another_token() -> None:
    s = spec([ADMIN_GRANT])
    claims = {**minted(s).claims(), "aud": "elsewhere"}
    refusals = guard.check(s, plan(realm=True), given(s, claims))
    assert [r.message for r in refusals] == [
        "the post-switch JWT (given JWT) would be treated as anonymous: "
        "aud 'elsewhere' is not among the accepted audiences ['jenkins.example.com']"]
    assert refusals[0].hint == "give a JWT that the spec's jwt settings accept"


def test_without_pomerium_a_refused_minted_token_asks_for_a_token_the_spec_accepts() -> None:
    s = spec([ADMIN_GRANT], pomerium=False, leeway_seconds=0)
    post = minted(s)
    claims = {**post.claims(), "exp": 1}
    refusals = guard.check(s, plan(realm=True), given(s, claims))
    assert [r.message for r in refusals] == ["the post-switch JWT (given JWT) would be treated as anonymous: the token has expired"]
    assert refusals[0].hint == "give a JWT that the spec's jwt settings accept"
    assert guard.check(s, plan(realm=True), post) == []


def test_a_given_token_signed_with_an_algorithm_the_jwks_cannot_verify_is_refused() -> None:
    s = spec([ADMIN_GRANT])
    claims = minted(s).claims()
    assert guard.check(s, plan(realm=True), given(s, claims, alg="ES256")) == []
    [refusal] = guard.check(s, plan(realm=True), given(s, claims, alg="HS256"))
    assert refusal.message.endswith("alg 'HS256' cannot be verified against a Pomerium JWKS")


def test_every_acceptance_problem_is_its_own_refusal() -> None:
    s = spec([ADMIN_GRANT])
    claims = {**minted(s).claims(), "aud": "elsewhere", "iss": "elsewhere"}
    assert len(guard.check(s, plan(realm=True), given(s, claims))) == 2


def test_a_principal_who_would_not_administer_is_named_with_their_groups() -> None:
    s = spec([ADMIN_GRANT, {"group": "devs", "permissions": ["Overall/Read"]}])
    [refusal] = guard.check(s, plan(realm=True), minted(s, "bob@example.com", ("devs", "ops")))
    assert refusal.message == ("the post-switch JWT is for 'bob@example.com' in groups ['devs', 'ops'], "
                               "who would not hold Overall/Administer under the new matrix")
    assert refusal.hint.startswith("use --as with an administrator of the spec")
    [alone] = guard.check(s, plan(realm=True), minted(s, "bob@example.com"))
    assert alone.message == "the post-switch JWT is for 'bob@example.com', who would not hold Overall/Administer under the new matrix"


def test_an_admin_group_in_the_token_is_enough() -> None:
    s = spec([ADMIN_GRANT, {"group": "Jenkins-Admins", "permissions": ["Overall/Administer"]}])
    assert guard.check(s, plan(realm=True), minted(s, "carol@example.com", ("jenkins-admins",))) == []


def test_a_refusal_prints_its_hint_on_the_next_line() -> None:
    assert str(guard.Refusal("it is refused", "do this")) == "it is refused\n  hint: do this"


def test_a_version_spanning_the_issuer_change_needs_both_issuers() -> None:
    # "0.21" names releases sending the authenticate host (up to 0.21.2) and the route host
    # (0.21.3 on); the minted token is the newest one's, and the guard checks the older too
    pom = {"version": "0.21", "authenticate_url": "https://authenticate.example.com",
           "idp": {"provider": "google", "client_id": {"env": "ID"}, "client_secret": {"env": "SECRET"}},
           "signing_key": {"env": "KEY"}}

    def spanning(issuers: list[str]) -> Spec:
        data = {"version": 1, "jenkins": {"url": "https://jenkins.example.com"}, "pomerium": pom,
                "jwt": {"issuers": issuers}, "authorization": {"grants": [ADMIN_GRANT]}}
        return load_spec_text(yaml.safe_dump(data, sort_keys=False)).spec

    one = spanning(["jenkins.example.com"])
    assert [r.message for r in guard.check(one, plan(realm=True), minted(one))] == [
        "the post-switch JWT (signing key) would be treated as anonymous: iss 'authenticate.example.com' is not among "
        "the accepted issuers ['jenkins.example.com'] (Pomerium 0.21 releases before 0.21.3 send it)"]
    both = spanning(["authenticate.example.com", "jenkins.example.com"])
    assert guard.check(both, plan(realm=True), minted(both)) == []
    # a given token is what it is: only its own issuer counts
    assert guard.check(one, plan(realm=True), given(one, minted(one).claims())) == []

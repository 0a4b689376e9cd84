"""A Jenkins already on jwt-auth whose realm accepts the values an earlier setup sent, for the
tests of moving it to the spec's (tests/apply/test_move*.py).

The spec (conftest.spec_text) is for Pomerium 0.33 at https://jenkins.example.com: its tokens
carry iss = aud = jenkins.example.com. Each old state is a realm a real setup ends up with:
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from .conftest import ADMIN, CANARY_TOKEN, Env

JWT_CLASS = "io.jenkins.plugins.jwt_auth.JwtAuthSecurityRealm"
NEW = "jenkins.example.com"


@dataclass(frozen=True)
class OldState:
    accepted_issuer: str  # the live realm's acceptedIssuer, as written
    accepted_audience: str
    flags: tuple[str, ...]  # what the user passes: --current-issuer/--current-audience
    token_iss: str  # what people's tokens carry today
    token_aud: str


OLD_STATES: dict[str, OldState] = {
    # Pomerium before 0.21.3 sent the authenticate service's host as the issuer
    "authenticate-host": OldState("authenticate.example.com", NEW, ("--current-issuer", "authenticate.example.com"),
                                  "authenticate.example.com", NEW),
    # the route moved: the old route host was both issuer and audience
    "route-host": OldState("jenkins-old.example.com", "jenkins-old.example.com",
                           ("--current-issuer", "jenkins-old.example.com", "--current-audience", "jenkins-old.example.com"),
                           "jenkins-old.example.com", "jenkins-old.example.com"),
    # a realm that already accepted both issuers of a Pomerium "0.21" (spanning 0.21.3), on the
    # old route: the comma list is pasted as it is
    "mixed-list": OldState("authenticate.example.com,jenkins-old.example.com", "jenkins-old.example.com",
                           ("--current-issuer", "authenticate.example.com,jenkins-old.example.com",
                            "--current-audience", "jenkins-old.example.com"),
                           "jenkins-old.example.com", "jenkins-old.example.com"),
}


def jwt_jenkins(make_env: Callable[..., Env], pomerium: Any, state: OldState, **sim_kwargs: Any) -> Env:
    """The spec's realm in every attribute but the issuer and audience, jwt-auth active, and a
    matrix with the spec's administrator (and less than the spec grants: the matrix changes too)."""
    from tests.jenkins_sim import DEFAULT_PLUGINS, JwtRealm, Strategy

    strategy = Strategy(kind="globalMatrix")
    strategy.add("USER", ADMIN, "Overall/Administer")
    strategy.add("GROUP", "authenticated", "Overall/Read")
    realm = JwtRealm(headerName="X-Pomerium-Jwt-Assertion", jwksUrl=pomerium.jwks_url, acceptedIssuer=state.accepted_issuer,
                     acceptedAudience=state.accepted_audience, userClaimName="email", groupsClaimName="groups",
                     groupsClaimSeparator=",", emailClaimName="email", fullNameClaim="name", leewaySeconds=30)
    sim_kwargs.setdefault("users", {"admin": CANARY_TOKEN})
    return make_env(security_realm=realm, authorization=strategy, plugins={**DEFAULT_PLUGINS, "jwt-auth": "0.3.0"},
                    **sim_kwargs)


def administers(env: Env, iss: str, aud: str) -> bool:
    """Does the live Jenkins take a token with these values for an administrator?"""
    token = env.pomerium.mint(ADMIN, [], overrides={"iss": iss, "aud": aud})
    who = env.sim.identify({"X-Pomerium-Jwt-Assertion": token})
    return not who.anonymous and env.sim.has_permission(who, "Overall/Administer")


def end_state(env: Env, state: OldState) -> str:
    """"moved" (the spec's realm and matrix, the new token administers, the old one is
    anonymous), "old" (the old realm as it was, the old token administers), else a failure."""
    realm = env.sim.security_realm
    assert realm.class_name == JWT_CLASS, f"the realm is {realm.class_name}"
    grants = env.sim.authorization.grants
    if (realm.acceptedIssuer, realm.acceptedAudience) == (NEW, NEW):
        assert administers(env, NEW, NEW), "moved, but the new token does not administer"
        assert not administers(env, state.token_iss, state.token_aud), "moved, but the old token still works"
        assert ("GROUP", "devs") in grants and ("USER", "admin") not in grants, f"the matrix is not the spec's: {grants}"
        return "moved"
    assert (realm.acceptedIssuer, realm.acceptedAudience) == (state.accepted_issuer, state.accepted_audience), (
        f"neither old nor new: acceptedIssuer {realm.acceptedIssuer!r}, acceptedAudience {realm.acceptedAudience!r}")
    assert administers(env, state.token_iss, state.token_aud), "the old realm is back, but the old token does not administer"
    assert set(grants) == {("USER", ADMIN), ("GROUP", "authenticated")}, f"the old matrix is not back: {grants}"
    return "old"

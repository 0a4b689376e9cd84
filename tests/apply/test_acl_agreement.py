"""The product's two readings of the spec's matrix (the lockout guard's `spec_allows`, and
`explain`) agree with matrix-auth's ACL as the simulator models it: sid matching, case,
`user: anonymous` for everyone, `group: anonymous` for anonymous requests, `group:
role_everyone`, `authenticated`, implications.

Specs are built with `build_spec` (no validation): the matching rule must agree for every
matrix Jenkins can hold, including forms the validator refuses (`user: authenticated`)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from jcasc_gen.effective import Identity as Requester
from jcasc_gen.effective import entries_from_spec, explain
from jcasc_gen.live.guard import jwt_authorities, spec_allows
from jcasc_gen.model import Spec, build_spec
from tests.jenkins_sim import ANONYMOUS, Identity, Strategy
from tests.jenkins_sim.acl import has_permission

GRANTEES = ["alice@example.com", "Alice@Example.com", "devs", "DEVS", "ops", "anonymous", "Anonymous", "authenticated",
            "role_everyone"]
USERS = ["alice@example.com", "Alice@Example.com", "bob@example.com", "anonymous", "authenticated"]
GROUPS = ["devs", "DEVS", "ops", "anonymous", "authenticated", "role_everyone"]
PERMS = ["Overall/Administer", "Overall/Read", "Job/Read", "Job/Build", "Job/Configure", "Overall/Manage", "Job/Move"]
KINDS = {"user": "USER", "group": "GROUP", "user_or_group": "EITHER"}

grant = st.tuples(st.sampled_from(list(KINDS)), st.sampled_from(GRANTEES),
                  st.lists(st.sampled_from(PERMS), min_size=1, max_size=3, unique=True))
grants_strategy = st.lists(grant, min_size=1, max_size=5, unique_by=lambda g: (g[0], g[1].lower()))
# a signed-in JWT user (name, IdP groups), or an anonymous request (None)
requester = st.one_of(st.none(), st.tuples(st.sampled_from(USERS), st.lists(st.sampled_from(GROUPS), max_size=2)))


def _spec(grants: list[tuple[str, str, list[str]]]) -> Spec:
    data: dict[str, Any] = {
        "version": 1, "jenkins": {"url": "https://jenkins.example.com"},
        "jwt": {"header": "X-Jwt", "issuers": ["i"], "audiences": ["a"], "jwks_url": "https://j/jwks.json"},
        "authorization": {"grants": [{kind: name, "permissions": perms} for kind, name, perms in grants]},
    }
    return build_spec(data)


def _strategy(grants: list[tuple[str, str, list[str]]]) -> Strategy:
    strategy = Strategy(kind="globalMatrix")
    for kind, name, perms in grants:
        for p in perms:
            strategy.add(KINDS[kind], name, p)  # type: ignore[arg-type]
    return strategy


def _jenkins_identity(who: tuple[str, list[str]] | None) -> Identity:
    if who is None:
        return ANONYMOUS
    return Identity(who[0], jwt_authorities(who[1]), False)


@settings(max_examples=150, deadline=None)
@given(grants=grants_strategy, who=requester, perm=st.sampled_from(PERMS))
def test_guard_matches_the_acl(grants: list[tuple[str, str, list[str]]], who: tuple[str, list[str]] | None, perm: str) -> None:
    ident = _jenkins_identity(who)
    assert spec_allows(_spec(grants), ident.name, ident.authorities, perm) == has_permission(_strategy(grants), ident, perm)


@settings(max_examples=150, deadline=None)
@given(grants=grants_strategy, who=requester)
def test_explain_matches_the_acl(grants: list[tuple[str, str, list[str]]], who: tuple[str, list[str]] | None) -> None:
    spec = _spec(grants)
    ident = _jenkins_identity(who)
    requester = Requester(None, (), signed_in=False) if who is None else Requester(who[0], tuple(who[1]))
    allowed = set(explain(entries_from_spec(spec), requester, PERMS).allowed())
    assert allowed == {p for p in PERMS if has_permission(_strategy(grants), ident, p)}

"""The guard's reading of the spec's matrix agrees with matrix-auth's ACL as the simulator
models it (sid matching, case-insensitivity, `user: anonymous` for everyone, implications)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from jcasc_gen.live.guard import jwt_authorities, spec_allows
from jcasc_gen.model import load_spec_text
from tests.jenkins_sim import Identity, Strategy
from tests.jenkins_sim.acl import has_permission

NAMES = ["alice@example.com", "Alice@Example.com", "devs", "DEVS", "ops", "anonymous", "authenticated"]
PERMS = ["Overall/Administer", "Overall/Read", "Job/Read", "Job/Build", "Job/Configure", "Overall/Manage"]
KINDS = {"user": "USER", "group": "GROUP", "user_or_group": "EITHER"}

grant = st.tuples(st.sampled_from(list(KINDS)), st.sampled_from(["alice@example.com", "devs", "ops"]),
                  st.lists(st.sampled_from(PERMS), min_size=1, max_size=3, unique=True))


@settings(max_examples=60, deadline=None)
@given(grants=st.lists(grant, min_size=1, max_size=4, unique_by=lambda g: g[1]),
       who=st.sampled_from(NAMES[:2] + ["bob@example.com"]), groups=st.lists(st.sampled_from(["devs", "DEVS", "ops"]), max_size=2),
       perm=st.sampled_from(PERMS))
def test_guard_matches_the_acl(grants: list[tuple[str, str, list[str]]], who: str, groups: list[str], perm: str) -> None:
    lines = "".join(f"    - {kind}: {name}\n      permissions: [{', '.join(perms)}]\n" for kind, name, perms in grants)
    spec = load_spec_text("version: 1\njenkins:\n  url: https://jenkins.example.com\n"
                          "jwt:\n  header: X-Jwt\n  issuers: [i]\n  audiences: [a]\n  jwks_url: https://j/jwks.json\n"
                          "authorization:\n  grants:\n" + lines).spec
    strategy = Strategy(kind="globalMatrix")
    for kind, name, perms in grants:
        for p in perms:
            strategy.add(KINDS[kind], name, p)  # type: ignore[arg-type]
    authorities = jwt_authorities(groups)
    ident = Identity(who, authorities, False)
    assert spec_allows(spec, who, authorities, perm) == has_permission(strategy, ident, perm)

"""Authorization: does an identity hold a permission under the current strategy?

The permission table and the implication walk are the simulator's own (permissions.py),
written from core's and the plugins' sources, not the product's catalog.
"""

from __future__ import annotations

from . import idstrategy
from . import permissions as P
from .state import Identity, Strategy

ADMINISTER = "Overall/Administer"
READ = "Overall/Read"
DEFAULT_VERSION = "2.516.3"


def _eq(version: str, a: str, b: str) -> bool:
    # matrix-auth AuthorizationContainer.hasPermission(sid, p, principal): the exact entry,
    # then IdStrategy.equals; jenkins: SecurityRealm.getUserIdStrategy/getGroupIdStrategy
    # return CASE_INSENSITIVE and neither realm overrides it (C.2). How CASE_INSENSITIVE
    # compares depends on the core version (idstrategy.py, SECURITY-3924).
    return a == b or idstrategy.equals(version, a, b)


def granted(strategy: Strategy, ident: Identity, version: str = DEFAULT_VERSION) -> set[str]:
    """Every permission id granted directly to any sid the identity carries."""
    if strategy.kind == "unsecured":
        # jenkins: core/src/main/java/hudson/security/AuthorizationStrategy.java Unsecured: UNSECURED_ACL
        return {ADMINISTER}
    if strategy.kind == "loggedInUsersCanDoAnything":
        # jenkins: core/src/main/java/hudson/security/FullControlOnceLoggedInAuthorizationStrategy.java
        # EVERYONE -> ADMINISTER unless anonymous; anonymous -> READ only with allowAnonymousRead
        if not ident.anonymous:
            return {ADMINISTER}
        return {READ} if strategy.allow_anonymous_read else set()
    out: set[str] = set()
    for (kind, sid), perms in strategy.grants.items():
        # matrix-auth-plugin: hudson/security/GlobalMatrixAuthorizationStrategy.java AclImpl:
        # a PrincipalSid matches USER/EITHER entries, a GrantedAuthoritySid GROUP/EITHER ones.
        # jenkins: core/src/main/java/hudson/security/SidACL.java:90-97 also checks AUTOMATIC_SIDS
        # (ACL.java:339-359): ANONYMOUS is PrincipalSid "anonymous", so `user: anonymous` grants
        # apply to everyone; EVERYONE is no PrincipalSid and SidACL.toString names it
        # "role_everyone" (SidACL.java:127-128), so `group: role_everyone` applies to everyone.
        # Anonymous requests carry the authority `anonymous` (Jenkins.ANONYMOUS2, SecurityRealm
        # commonFilters), so `group: anonymous` matches them (and signed-in users only if their
        # IdP sends a group literally named anonymous).
        principal_hit = _eq(version, sid, ident.name) or _eq(version, sid, "anonymous")
        authority_hit = any(_eq(version, sid, a) for a in ident.authorities) or _eq(version, sid, "role_everyone")
        if (kind == "USER" and principal_hit) or (kind == "GROUP" and authority_hit) or (
            kind == "EITHER" and (principal_hit or authority_hit)
        ):
            out |= perms
    return out


def has_permission(strategy: Strategy, ident: Identity, pid: str, enabled: frozenset[str] = frozenset(),
                   version: str = DEFAULT_VERSION) -> bool:
    # matrix-auth AuthorizationContainer.hasPermission: walks p, p.impliedBy, ... skipping
    # disabled permissions (permissions.has_permission)
    return P.has_permission(granted(strategy, ident, version), pid, enabled)

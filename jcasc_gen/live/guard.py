"""The lockout guard: refuse, before anything is touched, a change after which nobody could
administer Jenkins or prove the change worked.

What the spec's matrix grants a principal is decided here with the permission catalog's
own implication walk (`permissions.has_permission`), matching matrix-auth's ACL
(GlobalMatrixAuthorizationStrategy.AclImpl + core SidACL, jenkins-facts C.2).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from .. import names, permissions, pomerium_facts
from ..lint_rules import admins
from ..model import Spec
from .credentials import PostCredential
from .plan import Plan

__all__ = ["Refusal", "granted_by_spec", "spec_allows", "check"]



@dataclass(frozen=True)
class Refusal:
    message: str
    hint: str

    def __str__(self) -> str:
        return self.message + (f"\n  hint: {self.hint}" if self.hint else "")


def granted_by_spec(spec: Spec, name: str, authorities: Iterable[str]) -> set[str]:
    """Permissions the spec's matrix certainly gives an identity with this name and these
    authorities, on every Jenkins version.

    Ids compare with core IdStrategy.CASE_INSENSITIVE, whose rule changed in SECURITY-3924;
    `names.matches_everywhere` counts a grant only when both rules (or an exact match) agree.
    Core SidACL also checks its automatic sids for every request: the principal `anonymous` (so
    `user: anonymous` reaches everyone) and EVERYONE, which matrix-auth sees as the group
    `role_everyone`. An anonymous request carries the authority `anonymous` (so
    `group: anonymous` matches it)."""
    auths = [*authorities, names.EVERYONE]
    out: set[str] = set()
    for g in spec.authorization.grants:
        principal_hit = names.matches_everywhere(g.name, name) or names.matches_everywhere(g.name, names.ANONYMOUS)
        authority_hit = any(names.matches_everywhere(g.name, a) for a in auths)
        if (g.kind == "user" and principal_hit) or (g.kind == "group" and authority_hit) or (
                g.kind == "user_or_group" and (principal_hit or authority_hit)):
            out.update(g.effective)
    return out


def spec_allows(spec: Spec, name: str, authorities: Iterable[str], permission: str) -> bool:
    return permissions.has_permission(granted_by_spec(spec, name, authorities), permission)


def jwt_authorities(groups: Iterable[str]) -> tuple[str, ...]:
    # jwt-auth grants `authenticated` first, then each group verbatim (JwtAuthSecurityRealm.java)
    return ("authenticated", *groups)


def check(spec: Spec, plan: Plan, post: PostCredential | None) -> list[Refusal]:
    """Every reason to refuse; empty means the change may go ahead."""
    from .. import tokens

    out: list[Refusal] = []
    if not admins(spec):
        out.append(Refusal("the new matrix leaves no administrator: no user or group holds Overall/Administer",
                           "grant Overall/Administer to a named user or group of your IdP (lint rule JG001)"))
    if not plan.config_changes:
        return out
    if post is None:
        if plan.realm_changes:
            out.append(Refusal(
                "the change switches the realm to jwtAuth, after which API tokens act as anonymous "
                "(jwt-auth replaces every request's identity), and no post-switch credential was given",
                "pass --signing-key-file (Pomerium's signing key) to mint a short-lived JWT, or --jwt/--jwt-file"))
        else:
            out.append(Refusal("changing the matrix of a jwtAuth Jenkins needs a JWT to apply and verify with",
                               "pass --signing-key-file or --jwt/--jwt-file"))
        return out
    claims = post.claims()
    problems = tokens.acceptance_problems(spec.jwt, claims, alg=post.alg())
    pom = spec.pomerium
    if pom is not None and post.given is None:
        # A version without its patch number may name releases that send another issuer
        # (pomerium_facts.issuers): Jenkins must accept each of them.
        for iss in pomerium_facts.issuers(pom.version, spec.jenkins_url, pom.authenticate_url):
            if iss != claims.get("iss"):
                problems += [p + f" (Pomerium {pom.version_text} releases before 0.21.3 send it)"
                             for p in tokens.acceptance_problems(spec.jwt, {**claims, "iss": iss}) if p.startswith("iss ")]
    if problems:
        hint = ("this is the token Pomerium " + pom.version_text + " would send; fix jwt.issuers/jwt.audiences "
                "(remove them to use the derived defaults) so Jenkins accepts it") if pom is not None and post.given is None else (
                "give a JWT that the spec's jwt settings accept")
        for p in problems:
            out.append(Refusal(f"the post-switch JWT ({post.source}) would be treated as anonymous: {p}", hint))
        return out
    name, groups = tokens.identity(spec.jwt, claims)
    if not spec_allows(spec, name, jwt_authorities(groups), permissions.ADMINISTER):
        out.append(Refusal(
            f"the post-switch JWT is for {name!r}" + (f" in groups {list(groups)}" if groups else "") +
            ", who would not hold Overall/Administer under the new matrix",
            "use --as with an administrator of the spec (or --groups with an admin group), or grant this principal Overall/Administer"))
    return out

"""Lint: principal names whose shape does not fit what the JWT names people and groups by.

With `jwt.username_claim: email` (the default, and what Pomerium's setup uses) jwt-auth names
every signed-in person by the token's `email` claim (jwt-auth JwtAuthSecurityRealm: the user
claim becomes the username), so a `user:` without `@` matches nobody. Groups come from the
`groups` claim: the IdP's group ids and names, never a person's address, so a `group:` that
looks like an e-mail address is usually a person written as a group. Both are warnings: a
directory that names groups by their address exists (accept the finding there, `lint.accept`).
The special principals (`anonymous`, `authenticated`, `role_everyone`) are not names from the
token and are never reported.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Iterator

from . import names
from .diagnostics import PathItem, format_path
from .model import Grant, Spec

__all__ = ["principal_findings", "looks_like_email", "unknown_to_the_token"]

Finding = tuple[str, tuple[PathItem, ...], str, str | None]

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_SPECIAL = frozenset({names.ANONYMOUS, names.AUTHENTICATED, names.EVERYONE})


def looks_like_email(name: str) -> bool:
    return bool(_EMAIL.fullmatch(name.strip()))


def unknown_to_the_token(spec: Spec, kind: str, name: str) -> bool:
    """A `user:` no signed-in person can be: with username_claim: email every person is an
    e-mail address, so a user name without `@` (a local account such as `admin`) matches nobody.
    The special principals are not names from the token and never count."""
    return (spec.jwt.username_claim == "email" and kind == "user" and "@" not in name
            and names.fold(name.strip()) not in _SPECIAL)


def _grants(spec: Spec) -> Iterator[tuple[tuple[PathItem, ...], Grant]]:
    """(path of the grant, grant) for the global matrix and every item's matrix."""
    for g in spec.authorization.grants:
        yield ("authorization", "grants", g.index), g
    for item in spec.authorization.items:
        for g in item.grants:
            yield ("authorization", "items", item.index, "grants", g.index), g


def _domain(spec: Spec) -> str:
    """The domain the spec's people most likely have: the commonest among its users' addresses,
    else the Jenkins host without its first label (jenkins.corp.example.com: corp.example.com)."""
    seen = Counter(g.name.strip().rpartition("@")[2] for _, g in _grants(spec)
                   if g.kind == "user" and looks_like_email(g.name))
    if seen:
        return seen.most_common(1)[0][0]
    labels = spec.jenkins_host.split(".")
    return ".".join(labels[1:]) if len(labels) >= 3 else "example.com"


def principal_findings(spec: Spec) -> Iterator[Finding]:
    if spec.jwt.username_claim != "email":
        return
    domain = None
    for path, g in _grants(spec):
        if names.fold(g.name.strip()) in _SPECIAL:
            continue
        where = path + (g.kind,)
        if unknown_to_the_token(spec, g.kind, g.name):
            domain = domain or _domain(spec)
            local = g.name.strip().replace(" ", ".") or "name"
            yield ("JG017", where, f"user {g.name!r} is not an e-mail address, but with username_claim: email Jenkins knows every "
                   "signed-in person by their e-mail address: this grant matches nobody",
                   f"write the person's address, e.g. `user: {local}@{domain}`; if {g.name!r} is a group of your IdP, "
                   f"write `group: {g.name}`")
        elif g.kind == "group" and looks_like_email(g.name):
            yield ("JG018", where, f"group {g.name!r} looks like an e-mail address: groups come from the token's groups claim "
                   "(the IdP's group names or ids), people by their e-mail address",
                   f"if this is a person, write `user: {g.name.strip()}`; if your directory really names groups by their "
                   f"address, keep it and accept the finding: `lint: {{accept: [{{rule: JG018, reason: ..., where: "
                   f"{format_path(path)}}}]}}`")

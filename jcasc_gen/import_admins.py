"""Who administers Jenkins after an import, and the refusal to write a spec nobody can administer.

A Jenkins on its local realm is administered by local accounts (`admin`). Once the spec
switches it to jwt-auth, a person is whoever the token's username claim names: with
`username_claim: email` (Pomerium's) an e-mail address, so `user: admin` matches nobody
(principal_lint's rule, lint JG017). An imported spec whose every administrator is such a
user, or which has none, would lock everyone out on `apply` (the guard refuses it later;
the import refuses to write it now, located at the administrator's entry in the export).
`--admin user:NAME` / `--admin group:NAME` (repeatable) names who administers after the switch:
each gets Overall/Administer in the spec, and the import checks the rest of the matrix still
gives everyone else exactly what the export did.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Sequence

from . import names, permissions
from .diagnostics import Diagnostic, PathItem
from .effective import EntryKind, MatrixEntry, parse_principal
from .loader import LoadedDocument
from .model import Spec
from .principal_lint import unknown_to_the_token

__all__ = ["parse_admin", "add_admins", "with_admins", "lockout"]

_JCASC_KEY = {"user": "user", "group": "group", "user_or_group": "userOrGroup"}
_LEGACY_TYPE = {"user": "USER", "group": "GROUP", "user_or_group": "EITHER"}
HINT = ("name who administers Jenkins once people sign in through Pomerium: --admin user:you@corp.example.com or "
        "--admin group:jenkins-admins (a group of your IdP); repeat for several")


class AdminError(ValueError):
    """An --admin value that names no principal."""


def parse_admin(text: str) -> tuple[EntryKind, str]:
    """`user:NAME`, `group:NAME`, or a bare e-mail address (a user)."""
    kind, name = parse_principal(text.strip())
    name = name.strip()
    if kind is None:
        if "@" in name and " " not in name:
            return "user", name
        raise AdminError(f"--admin {text!r}: write user:NAME or group:NAME (a bare name is taken only when it is an "
                         "e-mail address)")
    if kind == "user_or_group":
        raise AdminError(f"--admin {text!r}: say whether it is a user or a group (user:NAME or group:NAME)")
    if not name:
        raise AdminError(f"--admin {text!r}: the name is empty")
    if names.fold(name) in (names.ANONYMOUS, names.AUTHENTICATED, names.EVERYONE):
        raise AdminError(f"--admin {text!r}: {name!r} is not a person or an IdP group (it reaches everyone, or every "
                         "request): name a user or group of your IdP")
    return kind, name


def add_admins(grants: list[dict[str, Any]], admins: Sequence[tuple[EntryKind, str]]) -> list[MatrixEntry]:
    """Give each admin Overall/Administer in `grants` (spec data): added to its grant when the
    principal has one, else a grant of its own. Returns the entries added, for the check that
    the import reproduces the export plus them."""
    added = []
    for kind, name in admins:
        same = next((g for g in grants if kind in g and names.fold(str(g[kind])) == names.fold(name)), None)
        if same is None:
            grants.append({kind: name, "permissions": [permissions.ADMINISTER]})
        elif permissions.ADMINISTER not in same.get("permissions", ()):
            same["permissions"] = sorted({*same.get("permissions", ()), permissions.ADMINISTER})
        added.append(MatrixEntry(kind, name, frozenset({permissions.ADMINISTER})))
    return added


def with_admins(entries: Iterable[MatrixEntry], added: Iterable[MatrixEntry]) -> list[MatrixEntry]:
    """The export's matrix as the spec should reproduce it: with the added administrators."""
    merged: dict[tuple[str, str], MatrixEntry] = {}
    for e in [*entries, *added]:
        key = (e.kind, names.fold(e.name))
        old = merged.get(key)
        merged[key] = e if old is None else MatrixEntry(old.kind, old.name, old.permissions | e.permissions)
    return list(merged.values())


def _administers(spec: Spec) -> list[Any]:
    from .lint_rules import admins

    who = set(admins(spec))
    return [g for g in spec.authorization.grants if f"{g.kind}:{g.name}" in who]


def lockout(spec: Spec, export: LoadedDocument | None, strategy: Any) -> Diagnostic | None:
    """Why nobody could administer Jenkins under this spec, located at the administrator's
    entry in the export (its matrix when there is none); None when someone can."""
    holders = _administers(spec)
    if any(not unknown_to_the_token(spec, g.kind, g.name) for g in holders):
        return None
    claim = spec.jwt.username_claim
    if holders:
        shown = ", ".join(f"{g.kind} {g.name!r}" for g in holders)
        one = len(holders) == 1
        message = (f"{shown} {'is the only administrator' if one else 'are the only administrators'}, and under jwt-auth "
                   f"Jenkins knows people by the token's {claim} claim (username_claim: {claim}): "
                   f"{'this account' if one else 'these accounts'} will not exist, and nobody could administer Jenkins "
                   "after the switch (lockout); nothing was written")
        path = _entry_path(strategy, holders[0].kind, holders[0].name)
    else:
        message = "nobody is granted Overall/Administer in the export's matrix: the spec would lock everyone out; nothing was written"
        path = ("jenkins", "authorizationStrategy")
    if export is None:
        return Diagnostic("<export>", 0, 0, ".".join(str(p) for p in path), message, HINT)
    return export.resolve([export.diag(path, message, HINT)])[0]


def _entry_path(strategy: Any, kind: str, name: str) -> tuple[PathItem, ...]:
    """Where the export grants `kind: name` Overall/Administer: its v3 entry's name, or the
    legacy `permissions`/`grantedPermissions` string."""
    base: tuple[PathItem, ...] = ("jenkins", "authorizationStrategy")
    if not isinstance(strategy, Mapping) or len(strategy) != 1:
        return base
    symbol, body = next(iter(strategy.items()))
    base += (symbol,)
    if not isinstance(body, Mapping):
        return base
    folded = names.fold(name)
    for i, entry in enumerate(body.get("entries") or ()):
        inner = entry.get(_JCASC_KEY[kind]) if isinstance(entry, Mapping) else None
        if isinstance(inner, Mapping) and isinstance(inner.get("name"), str) and names.fold(inner["name"]) == folded:
            return base + ("entries", i, _JCASC_KEY[kind], "name")
    found: list[tuple[bool, tuple[PathItem, ...]]] = []
    for attr in ("permissions", "grantedPermissions"):
        for i, line in enumerate(body.get(attr) or ()):
            if not isinstance(line, str):
                continue
            parts = line.split(":")
            typed = parts[0] in _LEGACY_TYPE.values()
            perm, sid = (parts[1], ":".join(parts[2:])) if typed else (parts[0], ":".join(parts[1:]))
            if names.fold(sid) == folded and (not typed or parts[0] == _LEGACY_TYPE[kind]):
                found.append((not perm.endswith("Administer"), base + (attr, i)))
    return min(found)[1] if found else base

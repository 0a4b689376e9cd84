"""Effective permissions: what a user (or a member of a group) can actually do.

Everything here is answered from the permission catalog (`permissions.has_permission`, which
walks Jenkins' implication chain and skips disabled permissions); the matching of matrix
entries to a requester follows matrix-auth and core:

- matrix-auth `AuthorizationContainer.hasPermission(sid, p, principal)` and
  `GlobalMatrixAuthorizationStrategy.AclImpl`: the username matches `user` and `userOrGroup`
  entries; each granted authority matches `group` and `userOrGroup` entries.
- jwt-auth `JwtAuthSecurityRealm` (getAuthFromToken): a signed-in user's authorities are
  `authenticated` followed by the JWT's groups.
- jenkins core `hudson/security/SidACL.java` (AUTOMATIC_SIDS): whatever is granted to the
  principal `anonymous` is checked for every request, signed in or not; so is the group
  `role_everyone` (the sid name SidACL gives ACL.EVERYONE).
- core `Jenkins.ANONYMOUS2` and the anonymous filter of `SecurityRealm`: a request without
  sign-in carries the authority `anonymous`, so `group: anonymous` matches it, and a signed-in
  user only if the IdP sends a group literally named `anonymous`.
- core `SecurityRealm.getUserIdStrategy/getGroupIdStrategy`: jwt-auth keeps the default
  case-insensitive id strategy; names compare through `names.fold` (Java's equalsIgnoreCase).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Iterable, Literal, Mapping, Sequence

from . import names, permissions
from .model import Spec, java_sort_key

if TYPE_CHECKING:
    from .item_acl import ItemExplanation

__all__ = [
    "MatrixEntry", "Identity", "Reason", "Row", "Explanation", "entries_from_spec", "entry_of_grant", "explain", "identity_for",
    "parse_principal", "matrix", "universe_for", "MatrixIndex", "reason", "ANONYMOUS", "AUTHENTICATED",
]

EntryKind = Literal["user", "group", "user_or_group"]
ANONYMOUS = names.ANONYMOUS
AUTHENTICATED = names.AUTHENTICATED
EVERYONE = names.EVERYONE


@dataclass(frozen=True)
class MatrixEntry:
    """One matrix-auth entry, whatever form it was written in."""

    kind: EntryKind
    name: str
    permissions: frozenset[str]
    # Where each permission came from in the spec (matrix-auth knows no roles, so this is for
    # the reader only and never part of equality): the permissions written on the grant, and
    # each role with its permissions. None: not from a spec (a live or exported matrix).
    written: frozenset[str] | None = field(default=None, compare=False)
    roles: tuple[tuple[str, frozenset[str]], ...] = field(default=(), compare=False)

    def roles_of(self, pid: str) -> tuple[str, ...]:
        """The roles that put `pid` on this entry; () when it was written on the grant itself
        (or the entry is not from a spec)."""
        if self.written is None or pid in self.written:
            return ()
        return tuple(r for r, perms in self.roles if pid in perms)

    @property
    def label(self) -> str:
        name = names.fold(self.name)
        if self.kind != "group" and name == ANONYMOUS or self.kind != "user" and name == EVERYONE:
            return f"{self.kind.replace('_', '-')} {self.name} (everyone)"
        if self.kind == "group" and name == ANONYMOUS:
            return f"group {self.name} (requests without sign-in)"
        return f"{self.kind.replace('_', '-')} {self.name}"


@dataclass(frozen=True)
class Identity:
    """A requester: a username (None = any member of `groups`) and the IdP groups it carries."""

    user: str | None
    groups: tuple[str, ...] = ()
    signed_in: bool = True

    @property
    def label(self) -> str:
        if not self.signed_in:
            return "anonymous (not signed in)"
        parts = [f"user {self.user}" if self.user is not None else "any member of"]
        groups = [g for g in self.groups if not names.is_authenticated(g)]
        if groups:
            parts.append(("in groups " if self.user is not None else "") + ", ".join(groups))
        elif self.user is None:
            parts.append("group authenticated (every signed-in user)")
        return " ".join(parts)

    def authorities(self) -> list[str]:
        if not self.signed_in:
            return [ANONYMOUS]
        return [AUTHENTICATED, *self.groups]


def _matches(entry: MatrixEntry, who: Identity) -> bool:
    name = names.fold(entry.name)
    if entry.kind in ("user", "user_or_group"):
        if name == ANONYMOUS:  # AUTOMATIC_SIDS: checked for every request
            return True
        if who.signed_in and who.user is not None and names.fold(who.user) == name:
            return True
    if entry.kind in ("group", "user_or_group"):
        return name == EVERYONE or any(names.fold(a) == name for a in who.authorities())
    return False


@dataclass(frozen=True)
class Row:
    permission: str
    allowed: bool
    via: tuple[str, ...]  # e.g. "group authenticated", "user alice (implied by Overall/Administer)"
    disabled: bool  # Jenkins disables it by default: granting it has no effect
    granted_but_disabled: tuple[str, ...] = ()  # entries that grant it although it is disabled
    note: str = ""
    direct: bool = False  # some matching entry names it (and it is enabled)
    reasons: tuple[Reason, ...] = field(default=(), compare=False)  # `via`, as data

    @property
    def why(self) -> str:
        """The reason in words: the grants that pass it, and what Jenkins disables."""
        why = "; ".join(self.via)
        if self.granted_but_disabled:
            return (why + "; " if why else "") + (f"granted to {', '.join(self.granted_but_disabled)} but disabled in Jenkins "
                                                  f"({self.note or 'no effect'})")
        if self.disabled and not self.allowed:
            return f"disabled in Jenkins ({self.note})" if self.note else "disabled in Jenkins"
        return why

    def to_json(self) -> dict[str, object]:
        return {"permission": self.permission, "allowed": self.allowed, "direct": self.direct, "via": list(self.via), "disabled": self.disabled,
                "granted_but_disabled": list(self.granted_but_disabled), "note": self.note}


@dataclass(frozen=True)
class Explanation:
    identity: Identity
    matching: tuple[MatrixEntry, ...]
    rows: tuple[Row, ...] = field(default=())
    # per folder or job of authorization.items (and the folders above them): filled by the
    # API's explain (item_acl.explain_items); to_json leaves them out, the command adds them
    items: tuple[ItemExplanation, ...] = field(default=())

    def allowed(self) -> list[str]:
        return [r.permission for r in self.rows if r.allowed]

    def to_json(self) -> dict[str, object]:
        who = self.identity
        return {"principal": {"user": who.user, "groups": list(who.groups), "signed_in": who.signed_in, "label": who.label},
                "matching_entries": [{"kind": e.kind, "name": e.name} for e in self.matching],
                "permissions": [r.to_json() for r in self.rows]}


@lru_cache(maxsize=None)
def _reach(pid: str) -> int:
    """How many catalog permissions `pid` passes: smaller = closer in the implication chain."""
    return len(permissions.implied_closure({pid}))


@dataclass(frozen=True)
class Reason:
    """Why one matrix entry passes a permission: it holds `held` (the permission itself, or the
    closest one that implies it), written on the grant or through `roles`."""

    entry: MatrixEntry
    permission: str  # the permission asked about
    held: str  # what the entry holds that passes it

    @property
    def implied(self) -> bool:
        return self.held != self.permission

    @property
    def roles(self) -> tuple[str, ...]:
        return self.entry.roles_of(self.held)

    @property
    def label(self) -> str:
        parts = []
        if self.roles:
            parts.append(("role " if len(self.roles) == 1 else "roles ") + ", ".join(self.roles))
        if self.implied:
            parts.append(f"implied by {self.held}")
        return self.entry.label + (f" ({'; '.join(parts)})" if parts else "")


def reason(entry: MatrixEntry, pid: str) -> Reason | None:
    """Why `entry` passes `pid` (matrix-auth's hasPermission walk over the catalog), or None."""
    held = entry.permissions
    if not permissions.has_permission(held, pid):
        return None
    perm = permissions.lookup(pid)
    if pid in held and (perm is None or perm.enabled):
        return Reason(entry, pid, pid)
    impliers = [q for q in held if q != pid and permissions.has_permission({q}, pid)]
    closest = min(impliers, key=lambda q: (_reach(q), java_sort_key(q)))
    return Reason(entry, pid, closest)


def universe_for(entries: Iterable[MatrixEntry], extra: Iterable[str] = ()) -> list[str]:
    """Catalog permissions in catalog order, then any other permission the entries mention."""
    known = list(permissions.CATALOG)
    others = set(extra) | {p for e in entries for p in e.permissions}
    return known + sorted(others - set(known), key=java_sort_key)


class MatrixIndex:
    """Entries by lower-cased name, so finding a requester's entries does not scan the whole
    matrix (imports and `matrix` probe every principal of organisations with thousands)."""

    def __init__(self, entries: Sequence[MatrixEntry]) -> None:
        self.entries = list(entries)
        self.by_name: dict[str, list[MatrixEntry]] = {}
        self.position = {id(e): i for i, e in enumerate(self.entries)}
        for e in self.entries:
            self.by_name.setdefault(names.fold(e.name), []).append(e)

    def matching(self, who: Identity) -> tuple[MatrixEntry, ...]:
        wanted = [ANONYMOUS, EVERYONE, *([who.user] if who.user is not None and who.signed_in else []), *who.authorities()]
        seen: list[MatrixEntry] = []
        for n in dict.fromkeys(names.fold(n) for n in wanted):
            seen.extend(e for e in self.by_name.get(n, ()) if _matches(e, who) and e not in seen)
        return tuple(sorted(seen, key=lambda e: self.position[id(e)]))


def explain(entries: Sequence[MatrixEntry] | MatrixIndex, who: Identity, universe: Sequence[str] | None = None) -> Explanation:
    index = entries if isinstance(entries, MatrixIndex) else MatrixIndex(entries)
    entries = index.entries
    matching = index.matching(who)
    rows = []
    for pid in universe if universe is not None else universe_for(entries):
        perm = permissions.lookup(pid)
        disabled = perm is not None and not perm.enabled
        reasons = tuple(r for r in (reason(e, pid) for e in matching) if r is not None)
        dead = tuple(e.label for e in matching if disabled and pid in e.permissions)
        note = perm.note if perm is not None and disabled else ""
        direct = not disabled and any(pid in e.permissions for e in matching)
        rows.append(Row(pid, bool(reasons), tuple(r.label for r in reasons), disabled, dead, note, direct, reasons))
    return Explanation(who, matching, tuple(rows))


def entry_of_grant(grant: Any, roles: Mapping[str, Sequence[str]]) -> MatrixEntry:
    """A spec grant (model.Grant) as the matrix entry it generates, knowing its roles."""
    return MatrixEntry(grant.kind, grant.name, frozenset(grant.effective), frozenset(grant.permissions),
                       tuple((r, frozenset(roles.get(r, ()))) for r in grant.roles))


def entries_from_spec(spec: Spec) -> list[MatrixEntry]:
    roles = spec.authorization.roles
    return [entry_of_grant(g, roles) for g in spec.authorization.entries()]


def parse_principal(text: str) -> tuple[EntryKind | None, str]:
    """`user:alice`, `group:devs`, `user_or_group:x` or a bare name (kind decided later)."""
    kind, sep, name = text.partition(":")
    aliases: dict[str, EntryKind] = {"user": "user", "group": "group", "user_or_group": "user_or_group", "userOrGroup": "user_or_group"}
    if sep and kind in aliases and name:
        return aliases[kind], name
    return None, text


def identity_for(kind: EntryKind | None, name: str, groups: Sequence[str], entries: Sequence[MatrixEntry]) -> Identity:
    """The requester a principal argument stands for.

    A bare name is a user unless the entries only know it as a group; `anonymous` (as a user
    or a group: anonymous requests carry the authority `anonymous`) is a request without
    sign-in; `authenticated` is any signed-in user.
    """
    low = names.fold(name)
    if kind is None:
        kinds = {e.kind for e in entries if names.fold(e.name) == low}
        kind = "group" if kinds == {"group"} or (low == AUTHENTICATED and not kinds - {"group"}) else "user"
    if kind in ("user", "group") and low == ANONYMOUS:
        return Identity(None, (), signed_in=False)
    if kind == "group":
        return Identity(None, tuple(dict.fromkeys([*([] if low == AUTHENTICATED else [name]), *groups])), True)
    if kind == "user_or_group":
        return Identity(name, tuple(dict.fromkeys([name, *groups])), True)
    return Identity(name, tuple(groups), True)


def matrix(entries: Sequence[MatrixEntry], universe: Sequence[str] | None = None) -> list[Explanation]:
    """One explanation per principal the entries name, plus `anonymous` (everyone's baseline)."""
    seen: set[tuple[str, str]] = set()
    out = []
    index = MatrixIndex(entries)
    universe = universe if universe is not None else universe_for(entries)
    requesters: set[Identity] = set()
    for e in entries:
        key = (e.kind, names.fold(e.name))
        if key in seen:
            continue
        seen.add(key)
        who = identity_for(e.kind, e.name, (), entries)
        if who not in requesters:  # `user: anonymous` and `group: anonymous` are both the anonymous request
            requesters.add(who)
            out.append(explain(index, who, universe))
    if not any(not x.identity.signed_in for x in out):
        out.append(explain(index, Identity(None, (), signed_in=False), universe))
    return out

"""Who can do what on one controller: its global matrix and item matrices as one state, the
principals they name, each principal's permissions at each scope with the reason, and what
changes from one state to another.

Every answer comes from `explain` (the global matrix) and `item_acl` (folders and jobs): the
access report, the `--format markdown` change table of diff and plan, the items' effect lines of
plan, and import's equivalence check all compare effective permissions through `allowed_at`
and `effective_changes` here, and nowhere else.

A state is read from a spec, from a JCasC document (the output folder's jenkins.yaml, or a live
export) plus item matrices (items.yaml, or the live config.xml files). Under `globalMatrix`
Jenkins ignores item matrices (matrix-auth ProjectMatrixAuthorizationStrategy.java:36-80 is the
only strategy that reads them), so a state keeps them only under `projectMatrix`. Any other
strategy (unsecured, loggedInUsersCanDoAnything, ...) is not a matrix: its effective permissions
are not computed (`known` is False) and the changes say so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Literal, Mapping, Sequence

from . import item_paths, names
from .effective import (ANONYMOUS, AUTHENTICATED, EVERYONE, Identity, MatrixEntry, MatrixIndex, Reason, entries_from_spec,
                      entry_of_grant, explain, identity_for, universe_for)
from .item_acl import ITEM_PERMISSIONS, ItemAcl, ItemNode, all_paths, item_universe
from .model import java_sort_key

__all__ = ["AccessState", "Principal", "Cell", "CellKind", "ScopeChange", "PrincipalChange", "state_from_spec",
           "state_from_document", "state_from_output", "live_states", "nodes_from_items_document", "principals", "scopes", "cells", "allowed_at",
           "effective_changes", "MATRIX_STRATEGIES", "principal_of"]

MATRIX_STRATEGIES = ("globalMatrix", "projectMatrix")

CellKind = Literal["direct", "role", "implied", "authenticated", "anonymous", "inherited", "disabled", "none"]


@dataclass(frozen=True)
class AccessState:
    """A controller's matrices. `strategy` is the JCasC symbol (None: the document declares
    none, so nothing is granted to anyone by a matrix)."""

    strategy: str | None
    entries: tuple[MatrixEntry, ...] = ()
    items: tuple[ItemNode, ...] = ()  # kept only under projectMatrix
    extra_permissions: tuple[str, ...] = ()
    item_permissions: tuple[str, ...] = tuple(p for p in ITEM_PERMISSIONS)
    problems: tuple[str, ...] = ()  # parts that could not be read

    @property
    def known(self) -> bool:
        """Can its effective permissions be computed (a matrix, or nothing at all)?"""
        return (self.strategy is None or self.strategy in MATRIX_STRATEGIES) and not self.problems

    @property
    def universe(self) -> list[str]:
        return universe_for(self.entries, self.extra_permissions)

    def acl(self) -> ItemAcl:
        return ItemAcl(self.entries, self.items)


def state_from_spec(spec: Any) -> AccessState:
    """The spec's matrices, with the roles behind each grant (for the reasons)."""
    authz = spec.authorization
    items: tuple[ItemNode, ...] = ()
    if authz.symbol == "projectMatrix":
        items = tuple(ItemNode(m.path, m.inherit, tuple(entry_of_grant(g, authz.roles) for g in m.entries())) for m in authz.items)
    return AccessState(authz.symbol, tuple(entries_from_spec(spec)), items, authz.extra_permissions, item_universe(spec))


def nodes_from_items_document(document: Any) -> tuple[list[ItemNode], list[str]]:
    """items.yaml (items.items_document) as item matrices, and what could not be read."""
    from .importer import ImportError_, parse_strategy

    problems: list[str] = []
    nodes: list[ItemNode] = []
    listed = document.get("items") if isinstance(document, Mapping) else None
    if not isinstance(listed, list):
        return [], ([] if document is None else ["items.yaml: expected a list under `items`"])
    for i, item in enumerate(listed):
        if not isinstance(item, Mapping) or not isinstance(item.get("path"), str):
            problems.append(f"items.yaml: items[{i}]: expected a mapping with a path")
            continue
        inherit = item.get("inherit", "parent")
        if inherit not in ("parent", "global", "none"):
            problems.append(f"items.yaml: items[{i}].inherit: {inherit!r} is not parent, global or none")
            continue
        try:  # the entries have the global matrix's form: one reader for both
            parsed = parse_strategy({"projectMatrix": {"entries": item.get("entries") or []}})
        except ImportError_ as exc:
            problems.append(f"items.yaml: items[{i}]: {exc}")
            continue
        nodes.append(ItemNode(item["path"], inherit, tuple(parsed.entries)))
    return nodes, problems


def state_from_document(document: Mapping[str, Any] | None, items: Iterable[ItemNode] = (), *,
                        extra_permissions: Sequence[str] = (), item_permissions: Sequence[str] | None = None,
                        problems: Sequence[str] = ()) -> AccessState:
    """A JCasC document's matrix (every matrix-auth form, through import's reader) and the item
    matrices Jenkins holds beside it."""
    from .importer import ImportError_, parse_strategy

    jenkins = (document or {}).get("jenkins") if isinstance(document, Mapping) else None
    strategy = jenkins.get("authorizationStrategy") if isinstance(jenkins, Mapping) else None
    found = list(problems)
    if strategy is None:
        return AccessState(None, (), (), tuple(extra_permissions), tuple(item_permissions or ITEM_PERMISSIONS), tuple(found))
    if isinstance(strategy, str):
        return AccessState(strategy, problems=tuple(found))
    if not isinstance(strategy, Mapping) or len(strategy) != 1:
        return AccessState("?", problems=(*found, "authorizationStrategy: expected one strategy"))
    symbol = str(next(iter(strategy)))
    if symbol not in MATRIX_STRATEGIES:
        return AccessState(symbol, problems=tuple(found))
    try:
        entries = tuple(parse_strategy(strategy).entries)
    except ImportError_ as exc:
        return AccessState(symbol, problems=(*found, str(exc)))
    kept = tuple(items) if symbol == "projectMatrix" else ()
    return AccessState(symbol, entries, kept, tuple(extra_permissions), tuple(item_permissions or ITEM_PERMISSIONS), tuple(found))


def _read_yaml(root: str, rel: str, problems: list[str]) -> Any:
    """A generated YAML file of the output folder as data; None when it is not there."""
    import yaml

    from .fsio import read_output_file
    from .render import RenderError, parse_yaml

    got = read_output_file(root, rel)
    if got.problem is not None:
        problems.append(got.problem)
        return None
    if got.data is None:
        return None
    try:
        return parse_yaml(got.data.decode("utf-8"))
    except (UnicodeDecodeError, RenderError, yaml.YAMLError) as exc:
        problems.append(f"{rel}: cannot be read ({exc})")
        return None


def state_from_output(root: str, spec: Any) -> AccessState:
    """What an output folder's jenkins.yaml and items.yaml grant (what `generate` wrote from
    some earlier spec): the `before` of `diff`. A folder without jenkins.yaml grants nothing."""
    problems: list[str] = []
    document = _read_yaml(root, "jenkins.yaml", problems)
    items_doc = _read_yaml(root, "items.yaml", problems)
    nodes, item_problems = nodes_from_items_document(items_doc)
    return state_from_document(document if isinstance(document, Mapping) else None, nodes,
                               extra_permissions=spec.authorization.extra_permissions, item_permissions=item_universe(spec),
                               problems=problems + item_problems)


def live_states(spec: Any, document: Any, changes: Sequence[Any], unmanaged: Sequence[tuple[str, Any]]) -> tuple[AccessState, AccessState]:
    """(before, after) of applying the spec to a live Jenkins, from what `diff --live` and
    `plan` read (live/items.read_live_items): the export, each listed item's live matrix, and the
    matrices of items the spec does not list, which apply leaves as they are."""
    from .live.items import matrix_entries

    def node(path: str, matrix: Any) -> ItemNode:
        return ItemNode(path, matrix.inherit or "parent", matrix_entries(matrix))

    kept = [node(p, m) for p, m in unmanaged]
    listed = [node(c.path, c.live.matrix) for c in changes if c.live.matrix is not None]
    before = state_from_document(document, [*listed, *kept], extra_permissions=spec.authorization.extra_permissions,
                                 item_permissions=item_universe(spec))
    target = state_from_spec(spec)
    after = AccessState(target.strategy, target.entries, (*target.items, *kept) if target.strategy == "projectMatrix" else (),
                        target.extra_permissions, target.item_permissions)
    return before, after


# --- principals -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Principal:
    """A requester the matrices name: `kind` user, group, user_or_group, or the two built-in
    ones, `anonymous` (a request without sign-in) and `authenticated` (any signed-in user)."""

    kind: str
    name: str
    identity: Identity = field(compare=False)

    @property
    def label(self) -> str:
        return self.identity.label

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, names.fold(self.name))


_RANK = {"anonymous": 0, "authenticated": 1, "group": 2, "user_or_group": 3, "user": 4}
_ANONYMOUS = Principal("anonymous", ANONYMOUS, Identity(None, (), signed_in=False))
_AUTHENTICATED = Principal("authenticated", AUTHENTICATED, Identity(None, (), True))


def principal_of(entry: MatrixEntry, every: Sequence[MatrixEntry]) -> Principal:
    """The requester an entry stands for (effective.identity_for), named for people."""
    who = identity_for(entry.kind, entry.name, (), every)
    if not who.signed_in:
        return _ANONYMOUS
    if who.user is None and not who.groups:
        return _AUTHENTICATED
    return Principal(entry.kind, entry.name, who)


def principals(*states: AccessState) -> list[Principal]:
    """Everyone the states' matrices name (global and items), once each, plus `anonymous`
    and `authenticated`: the two built-ins first, then groups, then users, each by name as
    Jenkins compares names."""
    every = [e for s in states for e in (*s.entries, *(e for n in s.items for e in n.entries))]
    found: dict[tuple[str, str], Principal] = {_ANONYMOUS.key: _ANONYMOUS, _AUTHENTICATED.key: _AUTHENTICATED}
    seen: set[tuple[str, str]] = set()
    for e in every:
        k = (e.kind, names.fold(e.name))
        if k in seen:
            continue
        seen.add(k)
        p = principal_of(e, every)
        found.setdefault(p.key, p)
    return sorted(found.values(), key=lambda p: (_RANK[p.kind], names.fold(p.name), java_sort_key(p.name)))


def scopes(state: AccessState) -> list[str | None]:
    """None (Jenkins itself: the global matrix), then every item with a matrix and the folders
    above them, in Jenkins' order."""
    return [None, *all_paths([n.path for n in state.items])]


# --- cells ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    allowed: bool
    kind: CellKind
    reason: str  # explain's words


def _reason_kind(r: Reason) -> CellKind:
    name = names.fold(r.entry.name)
    if r.entry.kind != "group" and name == ANONYMOUS or r.entry.kind != "user" and name == EVERYONE:
        return "anonymous"
    if r.entry.kind == "group" and name == ANONYMOUS:
        return "anonymous"
    if r.entry.kind != "user" and name == AUTHENTICATED:
        return "authenticated"
    if r.implied:
        return "implied"
    return "role" if r.roles else "direct"


_PREFERENCE: tuple[CellKind, ...] = ("direct", "role", "implied", "authenticated", "anonymous")


def _kind_of(reasons: Sequence[Reason]) -> CellKind:
    kinds = {_reason_kind(r) for r in reasons}
    return next(k for k in _PREFERENCE if k in kinds)


def cells(state: AccessState, who: Sequence[Principal], scope: str | None, permissions: Sequence[str],
          acl: ItemAcl | None = None, index: MatrixIndex | None = None) -> list[list[Cell]]:
    """Each principal's cell for each permission at `scope`, with explain's reason."""
    out: list[list[Cell]] = []
    if scope is None:
        index = index or MatrixIndex(state.entries)
        for p in who:
            rows = {r.permission: r for r in explain(index, p.identity, permissions).rows}
            line = []
            for pid in permissions:
                r = rows[pid]
                if r.allowed:
                    line.append(Cell(True, _kind_of(r.reasons), r.why))
                else:
                    line.append(Cell(False, "disabled" if r.granted_but_disabled else "none", r.why))
            out.append(line)
        return out
    acl = acl or state.acl()
    for p in who:
        line = []
        for pid in permissions:
            d = acl.decide(scope, p.identity, pid)
            if not d.allowed:
                line.append(Cell(False, "none", d.why))
            elif d.source is not None and d.reason is not None and item_paths.item_key(d.source) == item_paths.item_key(scope):
                line.append(Cell(True, _kind_of([d.reason]), d.why))
            else:
                line.append(Cell(True, "inherited", d.why))
        out.append(line)
    return out


def allowed_at(state: AccessState, who: Identity, scope: str | None, *, acl: ItemAcl | None = None,
               index: MatrixIndex | None = None, universe: Sequence[str] | None = None) -> frozenset[str]:
    """The permissions `who` passes at `scope` (None: Jenkins itself), as explain answers."""
    if scope is None:
        return frozenset(explain(index or MatrixIndex(state.entries), who, universe if universe is not None else state.universe).allowed())
    acl = acl or state.acl()
    perms = universe if universe is not None else state.item_permissions
    return frozenset(p for p in perms if acl.decide(scope, who, p).allowed)


# --- changes --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScopeChange:
    scope: str | None  # None: Jenkins itself
    gained: tuple[str, ...]
    lost: tuple[str, ...]
    after: tuple[str, ...]  # everything allowed afterwards (what is shown when `before` is unknown)


@dataclass(frozen=True)
class PrincipalChange:
    principal: Principal
    scopes: tuple[ScopeChange, ...]  # only the scopes where something changes (every scope when `before` is unknown)

    def at(self, scope: str | None) -> ScopeChange | None:
        return next((s for s in self.scopes if s.scope == scope), None)


def effective_changes(before: AccessState, after: AccessState, *, who: Sequence[Principal] | None = None,
                      at: Sequence[str | None] | None = None) -> list[PrincipalChange]:
    """Per principal (both states' unless `who`), per scope (Jenkins itself and every item of
    either state unless `at`): the permissions gained and lost, after roles, implications and
    inheritance. When `before` is not known (not a matrix) every scope reports what is allowed
    afterwards, and nothing counts as gained or lost."""
    who = principals(before, after) if who is None else who
    if at is None:
        at = [None, *all_paths([n.path for n in (*before.items, *after.items)])]
    global_universe = universe_for([*before.entries, *after.entries], [*before.extra_permissions, *after.extra_permissions])
    item_universe_ = [p for p in dict.fromkeys([*after.item_permissions, *before.item_permissions])]
    b_acl, a_acl = before.acl(), after.acl()
    b_index, a_index = MatrixIndex(before.entries), MatrixIndex(after.entries)
    out = []
    for p in who:
        found = []
        for scope in at:
            universe = global_universe if scope is None else item_universe_
            now = allowed_at(after, p.identity, scope, acl=a_acl, index=a_index, universe=universe)
            if not before.known:
                found.append(ScopeChange(scope, (), (), _ordered(now)))
                continue
            was = allowed_at(before, p.identity, scope, acl=b_acl, index=b_index, universe=universe)
            if now != was:
                found.append(ScopeChange(scope, _ordered(now - was), _ordered(was - now), _ordered(now)))
        if found:
            out.append(PrincipalChange(p, tuple(found)))
    return out


def _ordered(perms: Iterable[str]) -> tuple[str, ...]:
    """Catalog order (Overall, Job, Run, ...), then others by Java's order."""
    from . import permissions

    rank = {pid: i for i, pid in enumerate(permissions.CATALOG)}
    return tuple(sorted(perms, key=lambda p: (rank.get(p, len(rank)), java_sort_key(p))))

"""Effective permissions on folders and jobs under the project matrix, with the reason.

A second reading of matrix-auth's item ACL, for `explain` and lint (the simulator has its own,
and tests compare the two on random trees). Sources, matrix-auth-plugin@matrix-auth-3.2.8:

- ProjectMatrixAuthorizationStrategy.java:36-80: a job with a matrix property, or a folder
  with one, gets `inheritanceStrategy.getEffectiveACL(property ACL, item)`; an item without one
  gets its parent folder's ACL, and at the top the root (global) ACL.
- inheritance/InheritanceStrategy.java:48-70: the effective ACL asks the strategy with the
  property's own ACL (child), the parent *item*'s effective ACL (null at the top level: Jenkins
  is no item) and the root ACL.
- InheritParentStrategy.java:45-66: Job/Read and Job/Discover below a folder come from the
  parent alone (a grant on the child does not matter); everything else is parent (or, at the
  top, root) OR child.
- InheritGlobalStrategy.java:45-72: child OR root; below a folder Read/Discover also need the
  parent (SECURITY-2180).
- NonInheritingStrategy.java:45-67: global Overall/Administer passes every permission whose
  implication chain ends at Administer; otherwise only the child's grants, Read/Discover below
  a folder also needing the parent.
  (`checkParentPermissions` is the default, InheritanceStrategy.java:44-47.)
- The child and root ACLs match entries like the global matrix does (jcasc_gen/effective.py).

Items the spec does not list are taken to have no matrix of their own (plan reports those
that do).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from . import item_paths, permissions
from .effective import Identity, MatrixEntry, MatrixIndex, Reason, reason

__all__ = ["ItemNode", "Decision", "ItemAcl", "READ", "DISCOVER", "ITEM_PERMISSIONS", "from_spec", "all_paths", "item_universe",
           "ItemExplanation", "explain_items"]

READ = "Job/Read"
DISCOVER = "Job/Discover"
_READS = (READ, DISCOVER)


@dataclass(frozen=True)
class ItemNode:
    """One item matrix: its path, inheritance and entries."""

    path: str
    inherit: str  # parent | global | none
    entries: tuple[MatrixEntry, ...]


@dataclass(frozen=True)
class Decision:
    allowed: bool
    why: str
    # The entry that allowed it (effective.Reason) and the matrix that holds that entry: "" the
    # global one, else the item's path (the item itself, or the folder it is inherited from).
    reason: Reason | None = None
    source: str | None = None


class _Matrix:
    def __init__(self, entries: Sequence[MatrixEntry]) -> None:
        self.index = MatrixIndex(entries)
        self._matching: dict[Identity, tuple[MatrixEntry, ...]] = {}  # a report asks each requester dozens of times

    def decide(self, who: Identity, pid: str) -> Reason | None:
        """Why the first matching entry that passes `pid` does (effective.reason)."""
        matching = self._matching.get(who)
        if matching is None:
            matching = self._matching[who] = self.index.matching(who)
        for e in matching:
            found = reason(e, pid)
            if found is not None:
                return found
        return None


ITEM_PERMISSIONS: tuple[str, ...] = tuple(p for p in permissions.CATALOG if permissions.allowed_on(p, permissions.FOLDER_SCOPE))


def item_universe(spec: Any) -> tuple[str, ...]:
    """The item permissions worth showing for this spec: enabled by default, and core's or of
    a plugin in the spec's plugin lists (the others do not exist in that Jenkins)."""
    listed = {p.name for p in spec.plugins}
    out = []
    for pid in ITEM_PERMISSIONS:
        perm = permissions.CATALOG[pid]
        if perm.enabled and (perm.plugin is None or perm.plugin in listed):
            out.append(pid)
    return tuple(out)


class ItemAcl:
    """The global matrix plus item matrices; `decide(path, who, pid)` as Jenkins would."""

    def __init__(self, global_entries: Sequence[MatrixEntry], items: Iterable[ItemNode]) -> None:
        self.root = _Matrix(global_entries)
        self.items: dict[str, tuple[ItemNode, _Matrix]] = {item_paths.item_key(n.path): (n, _Matrix(n.entries)) for n in items}
        self._memo: dict[tuple[str, Identity, str], Decision] = {}
        self._keys: dict[str, str] = {}

    def root_decision(self, who: Identity, pid: str) -> Decision:
        key = ("", who, pid)  # "" is no item's key: item_paths refuses an empty path
        hit = self._memo.get(key)
        if hit is None:
            via = self.root.decide(who, pid)
            hit = self._memo[key] = (Decision(True, f"global matrix: {via.label}", via, "") if via
                                     else Decision(False, "not in the global matrix"))
        return hit

    def _key(self, path: str) -> str:
        found = self._keys.get(path)
        if found is None:
            found = self._keys[path] = item_paths.item_key(path)
        return found

    def decide(self, path: str, who: Identity, pid: str) -> Decision:
        key = (self._key(path), who, pid)
        hit = self._memo.get(key)
        if hit is None:
            hit = self._memo[key] = self._decide(path, who, pid)
        return hit

    def _decide(self, path: str, who: Identity, pid: str) -> Decision:
        found = self.items.get(self._key(path))
        par = item_paths.parent(path)
        if found is None:
            if par is None:
                return self.root_decision(who, pid)
            return self.decide(par, who, pid)
        node, matrix = found
        via = matrix.decide(who, pid)
        child = (Decision(True, f"granted on {node.path}: {via.label}", via, node.path) if via
                 else Decision(False, f"not granted on {node.path}"))

        def parent() -> Decision:
            assert par is not None
            return self.decide(par, who, pid)

        if node.inherit == "parent":
            if par is not None and pid in _READS:
                up = parent()
                return Decision(up.allowed, f"{pid} below a folder comes from the folder only ({par}): {up.why}", up.reason, up.source)
            above = self.root_decision(who, pid) if par is None else parent()
            if above.allowed:
                return Decision(True, (f"inherited from {par}: {above.why}" if par is not None else f"inherited: {above.why}"),
                                above.reason, above.source)
            return child if child.allowed else Decision(False, f"{child.why}; {above.why}")
        if node.inherit == "global":
            root = self.root_decision(who, pid)
            own = child if child.allowed else root
            if par is not None and pid in _READS:
                up = parent()
                if not up.allowed:
                    return Decision(False, f"{pid} also needs {pid} on {par} (inherit: global): {up.why}")
            if own.allowed:
                return own if own is child else Decision(True, f"inherited (global): {root.why}", root.reason, root.source)
            return Decision(False, f"{child.why}; {root.why}")
        # none
        if permissions.ultimately_implied_by_administer(pid):
            admin = self.root.decide(who, permissions.ADMINISTER)
            if admin:
                return Decision(True, f"global administrator ({admin.label}); {node.path} does not inherit, but Administer passes",
                                admin, "")
        if par is not None and pid in _READS and child.allowed:
            up = parent()
            if not up.allowed:
                return Decision(False, f"{pid} also needs {pid} on {par} (inherit: none): {up.why}")
        return child if child.allowed else Decision(False, f"{child.why} ({node.path} does not inherit)")

    def visible(self, path: str, who: Identity) -> bool:
        """Can `who` reach the item at all: Overall/Read, and Job/Read on it and on every
        folder above (core Jenkins.getItem / cloudbees-folder AbstractFolder.getItem answer
        null, a 404, for an item without Read)."""
        if not self.root_decision(who, permissions.READ).allowed:
            return False
        return all(self.decide(p, who, READ).allowed for p in [path, *item_paths.ancestors(path)])


def from_spec(spec: Any) -> ItemAcl:
    """The spec's global matrix and item matrices."""
    from .effective import entries_from_spec, entry_of_grant

    authz = spec.authorization
    nodes = [ItemNode(m.path, m.inherit, tuple(entry_of_grant(g, authz.roles) for g in m.entries())) for m in authz.items]
    return ItemAcl(entries_from_spec(spec), nodes)


def all_paths(items: Mapping[str, object] | Iterable[str]) -> list[str]:
    """Every listed path and the folders above them, parents first."""
    seen: dict[str, str] = {}
    for path in items:
        for p in [*reversed(list(item_paths.ancestors(path))), path]:
            seen.setdefault(item_paths.item_key(p), p)
    return sorted(seen.values(), key=item_paths.sort_key)


@dataclass(frozen=True)
class ItemExplanation:
    path: str
    inherit: str | None  # None: the spec does not list it (a folder above a listed item)
    visible: bool
    rows: tuple[tuple[str, Decision], ...]

    def to_json(self) -> dict[str, object]:
        return {"path": self.path, "inherit": self.inherit, "visible": self.visible,
                "permissions": [{"permission": p, "allowed": d.allowed, "why": d.why} for p, d in self.rows]}


def explain_items(spec: Any, who: Identity) -> list[ItemExplanation]:
    """Effective item permissions of `who` on every listed item and the folders above them,
    in Jenkins' order, each with the reason (inheritance included)."""
    acl = from_spec(spec)
    listed = {item_paths.item_key(m.path): m.inherit for m in spec.authorization.items}
    universe = item_universe(spec)
    out = []
    for path in all_paths([m.path for m in spec.authorization.items]):
        rows = tuple((p, acl.decide(path, who, p)) for p in universe)
        out.append(ItemExplanation(path, listed.get(item_paths.item_key(path)), acl.visible(path, who), rows))
    return out

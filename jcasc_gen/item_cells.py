"""Item cells for thousands of principals, computed once per kind of grant.

The access report asks the item ACL for every principal, item and item permission: 10,000
principals and 10 folders are 1.6 million decisions. Most principals are named only in the
global matrix, and two of them whose one entry holds the same permissions through the same
roles, at the same place among the entries everyone matches (`anonymous`, `authenticated`,
`role_everyone`), get the same decisions on every item, in words that differ only by the
entry's own label (matrix-auth's item ACL sees a requester only through the entries it
matches; item_acl.py).

So each such group is decided once, for a stand-in: a copy of the entry under a name no real
name can have (it holds NUL, which principal names and item paths never contain; if one does,
nothing is shared), placed where the group's entry is. The stand-in's words become a principal's
by replacing the stand-in's label with the principal's entry's label. Everyone else (named in an
item matrix, or by several entries) is decided directly. A test compares both ways on random
matrices.
"""

from __future__ import annotations

from typing import Sequence

from . import names
from .access import AccessState, Cell, Principal, cells, principal_of
from .effective import ANONYMOUS, AUTHENTICATED, EVERYONE, MatrixEntry, MatrixIndex
from .item_acl import ItemAcl

__all__ = ["item_cells"]


def _for_everyone(e: MatrixEntry) -> bool:
    """Does the entry match every signed-in requester (whatever its name)?"""
    name = names.fold(e.name)
    return (e.kind != "group" and name == ANONYMOUS) or (e.kind != "user" and name in (EVERYONE, AUTHENTICATED))


def item_cells(state: AccessState, people: Sequence[Principal], paths: Sequence[str], permissions: Sequence[str],
               *, share: bool = True) -> dict[str, tuple[list[list[Cell]], list[bool]]]:
    """Per item path: each principal's cells for `permissions`, and whether it can see the item."""
    acl = state.acl()
    item_entries = [e for n in state.items for e in n.entries]
    every = [*state.entries, *item_entries]
    if share and (any("\x00" in e.name for e in every) or any("\x00" in p for p in paths)):
        share = False
    root = MatrixIndex(state.entries)
    item_indexes = [MatrixIndex(n.entries) for n in state.items]
    groups: dict[tuple[object, ...], list[int]] = {}
    own_entry: dict[int, MatrixEntry] = {}
    direct: list[int] = []
    for i, p in enumerate(people):
        if not share or p.kind in ("anonymous", "authenticated"):
            direct.append(i)
            continue
        matching = root.matching(p.identity)
        own = [e for e in matching if not _for_everyone(e)]
        if len(own) != 1 or any(not _for_everyone(e) for ix in item_indexes for e in ix.matching(p.identity)):
            direct.append(i)
            continue
        mine = own[0]
        before = tuple(id(e) for e in matching[:matching.index(mine)])
        key = (p.kind, mine.kind, mine.permissions, mine.written, mine.roles, before)
        groups.setdefault(key, []).append(i)
        own_entry[i] = mine
    out: dict[str, tuple[list[list[Cell]], list[bool]]] = {path: ([], []) for path in paths}
    rows: dict[int, dict[str, tuple[list[Cell], bool]]] = {}
    for i in direct:
        rows[i] = _decide(state, acl, people[i], paths, permissions)
    if groups:
        # one stand-in entry per group, where the group's first entry stands
        stand_in: dict[int, MatrixEntry] = {}
        first_of = {members[0]: n for n, members in enumerate(groups.values())}
        for i, n in first_of.items():
            e = own_entry[i]
            stand_in[id(e)] = MatrixEntry(e.kind, f"\x00{n}\x00", e.permissions, e.written, e.roles)
        entries = [x for e in state.entries for x in ((e, stand_in[id(e)]) if id(e) in stand_in else (e,))]
        wide = AccessState(state.strategy, tuple(entries), state.items, state.extra_permissions, state.item_permissions)
        wide_acl = ItemAcl(wide.entries, wide.items)
        for n, members in enumerate(groups.values()):
            e = own_entry[members[0]]
            proxy_entry = stand_in[id(e)]
            proxy = principal_of(proxy_entry, entries)
            shared = _decide(wide, wide_acl, proxy, paths, permissions)
            label = proxy_entry.label
            named = {path: [label in c.reason for c in line] for path, (line, _) in shared.items()}  # the rest is shared as is
            for i in members:
                real = own_entry[i].label
                rows[i] = {path: ([Cell(c.allowed, c.kind, c.reason.replace(label, real)) if m else c
                                   for c, m in zip(line, named[path])], seen)
                           for path, (line, seen) in shared.items()}
    for i in range(len(people)):
        for path in paths:
            line, seen = rows[i][path]
            out[path][0].append(line)
            out[path][1].append(seen)
    return out


def _decide(state: AccessState, acl: ItemAcl, p: Principal, paths: Sequence[str],
            permissions: Sequence[str]) -> dict[str, tuple[list[Cell], bool]]:
    return {path: (cells(state, [p], path, permissions, acl=acl)[0], acl.visible(path, p.identity)) for path in paths}

"""Lint findings about folder and job matrices (`authorization.items`).

Each finding is decided with the item ACL model (`item_acl`), so it says what Jenkins would do,
inheritance and implications included. The rules themselves (ids, severities, the why) are in
`lint.RULES` with every other rule.
"""

from __future__ import annotations

from typing import Any, Iterator

from . import item_paths, permissions
from .diagnostics import PathItem
from .effective import Identity, identity_for, entries_from_spec
from .item_acl import READ, ItemAcl, from_spec

__all__ = ["item_findings"]

Finding = tuple[str, tuple[PathItem, ...], str, str | None]


def _who(grant: Any, entries: Any) -> Identity:
    return identity_for(grant.kind, grant.name, (), entries)


def _is_admin(acl: ItemAcl, who: Identity) -> bool:
    return acl.root_decision(who, permissions.ADMINISTER).allowed


def item_findings(spec: Any) -> Iterator[Finding]:
    authz = spec.authorization
    if not authz.items:
        return
    acl = from_spec(spec)
    entries = entries_from_spec(spec)
    for item in authz.items:
        where: tuple[PathItem, ...] = ("authorization", "items", item.index)
        par = item_paths.parent(item.path)
        readers = []
        for g in item.grants:
            who = _who(g, entries)
            gpath = where + ("grants", g.index)
            label = f"{g.kind.replace('_', '-')} {g.name}"
            if not acl.visible(item.path, who):
                yield ("JG033", gpath, f"{label} is granted {', '.join(g.effective)} on {item.path} but cannot see it",
                       _unseen_hint(acl, item.path, who))
            elif not _is_admin(acl, who):
                readers.append(label)
            if item.inherit == "none":
                continue
            if all(_given_above(acl, item.path, item.inherit, who, pid) for pid in g.effective):
                source = "the global matrix" if item.inherit == "global" or par is None else par
                yield ("JG031", gpath, f"the grant to {label} on {item.path} adds nothing: {source} already gives "
                       f"{', '.join(g.effective)} (inherit: {item.inherit})", "remove it, or set `inherit: none` if it should be the only grant")
        if item.inherit == "none" and not readers:
            yield ("JG030", where + ("inherit",),
                   f"nobody but global administrators can read {item.path}: it does not inherit and no grant of its own lets a "
                   "principal read it", "grant Job/Read on it (and on the folders above) to who should see it, or inherit")
    if spec.output.job_dsl:
        paths = ", ".join(m.path for m in authz.items)
        yield ("JG032", ("output", "job_dsl"), f"Job DSL declares {paths} as folders and replaces the whole configuration of each "
               "one (views, other properties, description) every time the seed runs",
               "use job_dsl only for folders the spec fully owns; `apply` edits only the matrix property instead")


def _given_above(acl: ItemAcl, path: str, inherit: str, who: Identity, pid: str) -> bool:
    """Would `who` hold `pid` on the item without its own grants?"""
    par = item_paths.parent(path)
    if inherit == "global" or par is None:
        return acl.root_decision(who, pid).allowed
    return acl.decide(par, who, pid).allowed


def _unseen_hint(acl: ItemAcl, path: str, who: Identity) -> str:
    if not acl.root_decision(who, permissions.READ).allowed:
        return "it lacks Overall/Read in the global matrix; grant that there"
    for p in [*reversed(list(item_paths.ancestors(path))), path]:
        d = acl.decide(p, who, READ)
        if not d.allowed:
            return f"it cannot read {p}: {d.why}; grant Job/Read on {p}"
    return "grant Job/Read on the item and the folders above it"

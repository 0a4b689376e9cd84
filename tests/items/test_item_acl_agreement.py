"""The product's item ACL (jcasc_gen/item_acl.py, what `explain` and lint use) against the
simulator's (tests/jenkins_sim/item_acl.py): two readings of matrix-auth's project matrix, written
independently from the same sources, must agree for random trees of folders and jobs, random
inheritance strategies (or no matrix at all), random item and global grants and requesters.
Also the permission scopes each side uses."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings, strategies as st

from jcasc_gen import item_paths, permissions
from jcasc_gen.effective import Identity as Requester
from jcasc_gen.effective import MatrixEntry
from jcasc_gen.item_acl import ItemAcl, ItemNode
from tests.jenkins_sim import ANONYMOUS, DEFAULT_PLUGINS, ITEM_PLUGINS, Identity, JenkinsSim, Strategy
from tests.jenkins_sim.item_acl import SCOPES, contained_by

NAMES = ["alice", "Alice", "bob", "devs", "DEVS", "ops", "anonymous", "authenticated", "role_everyone"]
TYPES = {"user": "USER", "group": "GROUP", "user_or_group": "EITHER"}
ITEM_PERMS = ["Job/Read", "Job/Discover", "Job/Build", "Job/Configure", "Job/Delete", "Run/Update", "Job/Workspace"]
GLOBAL_PERMS = ["Overall/Administer", "Overall/Read", *ITEM_PERMS]
INHERITS = {"parent": "inheriting", "global": "inheritingGlobal", "none": "nonInheriting"}

entry = st.tuples(st.sampled_from(list(TYPES)), st.sampled_from(NAMES))
entries = st.lists(st.tuples(entry, st.lists(st.sampled_from(ITEM_PERMS), min_size=1, max_size=3, unique=True)),
                   max_size=3, unique_by=lambda e: (e[0][0], e[0][1].lower()))
global_entries = st.lists(st.tuples(entry, st.lists(st.sampled_from(GLOBAL_PERMS), min_size=1, max_size=3, unique=True)),
                          min_size=1, max_size=4, unique_by=lambda e: (e[0][0], e[0][1].lower()))
# a tree: each item is (parent index or None, is a folder, inherit or None for no matrix, entries)
node = st.tuples(st.sampled_from(["parent", "global", "none", None]), entries, st.booleans())


@st.composite
def trees(draw: Any) -> list[tuple[str, bool, str | None, list[Any]]]:
    out: list[tuple[str, bool, str | None, list[Any]]] = []
    for i in range(draw(st.integers(1, 6))):
        folders = [p for p, is_folder, _, _ in out if is_folder]
        parent = draw(st.sampled_from([None, *folders]))
        inherit, ents, is_folder = draw(node)
        name = f"i{i}"
        out.append((name if parent is None else f"{parent}/{name}", is_folder or i == 0, inherit, ents))
    return out


requesters = st.one_of(st.none(), st.tuples(st.sampled_from(["alice", "ALICE", "bob", "carol"]),
                                            st.lists(st.sampled_from(["devs", "ops", "Devs"]), max_size=2, unique=True)))


def _sim(tree: list[Any], grants: list[Any]) -> JenkinsSim:
    strategy = Strategy(kind="projectMatrix")
    for (kind, name), perms in grants:
        for p in perms:
            strategy.add(TYPES[kind], name, p)  # type: ignore[arg-type]
    sim = JenkinsSim(plugins={**DEFAULT_PLUGINS, **ITEM_PLUGINS}, authorization=strategy)
    for path, is_folder, inherit, ents in tree:
        matrix = {} if inherit is None else {
            "inherit": inherit, "entries": [(TYPES[k], n, p) for (k, n), perms in ents for p in perms]}
        if is_folder:
            sim.items.add_folder(path, **matrix)  # type: ignore[arg-type]
        else:
            sim.items.add_job(path, **matrix)  # type: ignore[arg-type]
    return sim


def _acl(tree: list[Any], grants: list[Any]) -> ItemAcl:
    def entries(ents: list[Any]) -> tuple[MatrixEntry, ...]:
        return tuple(MatrixEntry(k, n, frozenset(perms)) for (k, n), perms in ents)

    nodes = [ItemNode(path, inherit, entries(ents)) for path, _, inherit, ents in tree if inherit is not None]
    return ItemAcl(list(entries(grants)), nodes)


@settings(max_examples=120, deadline=None)
@given(tree=trees(), grants=global_entries, who=requesters)
def test_explain_matches_the_simulators_item_acl(tree: list[Any], grants: list[Any], who: Any) -> None:
    sim = _sim(tree, grants)
    acl = _acl(tree, grants)
    if who is None:
        ident, requester = ANONYMOUS, Requester(None, (), signed_in=False)
    else:
        ident = Identity(who[0], ("authenticated", *who[1]), False)
        requester = Requester(who[0], tuple(who[1]))
    for path, *_ in tree:
        for perm in ITEM_PERMS:
            ours = acl.decide(path, requester, perm).allowed
            theirs = sim.has_item_permission(ident, path, perm)
            assert ours == theirs, (path, perm, acl.decide(path, requester, perm).why)
        visible = all(sim.has_item_permission(ident, p, "Job/Read") for p in [path, *item_paths.ancestors(path)]) and \
            sim.has_item_permission(ident, "", "Overall/Read")
        assert acl.visible(path, requester) == visible


@pytest.mark.parametrize("pid", list(permissions.CATALOG))
def test_permission_scopes_agree(pid: str) -> None:
    java = permissions.java_id(pid)
    assert java in SCOPES, pid
    for scope in (permissions.FOLDER_SCOPE, permissions.JOB_SCOPE):
        assert permissions.allowed_on(pid, scope) == contained_by(java, scope), (pid, scope)
    assert set(permissions.scopes(pid) or ()) == set(SCOPES[java]), pid

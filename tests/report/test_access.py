"""access.py: the report's cells and the pull-request changes are explain's computation."""

from __future__ import annotations

import json
import pathlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jcasc_gen.access import (AccessState, allowed_at, effective_changes, principals, state_from_document, state_from_spec)
from jcasc_gen.effective import MatrixEntry
from jcasc_gen.item_acl import ItemNode
from jcasc_gen.model import load_spec
from jcasc_gen.access_report import controller_from_spec

from .conftest import SMALL

REPO = pathlib.Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("spec", [SMALL, REPO / "samples" / "team-folders.yaml", REPO / "samples" / "large-org.yaml"],
                         ids=lambda p: p.name)
def test_every_cell_is_what_explain_says(spec: pathlib.Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    """For each principal of the report: `explain SPEC kind:name --format json` gives the same
    allowed/not and the same words, on Jenkins and on every item, and the same visibility."""
    controller = controller_from_spec(load_spec(spec))
    checked = 0
    every = list(enumerate(controller.principals))
    step = max(1, len(every) // 8)  # large-org has 400 principals: a spread of them (explain loads the spec each time)
    for n, p in every[:3] + every[3::step]:
        arg = {"anonymous": "anonymous", "authenticated": "group:authenticated"}.get(p.kind, f"{p.kind}:{p.name}")
        code, out, err = run_cli("explain", str(spec), arg, "--format", "json")
        assert code == 0, err
        told = json.loads(out)
        top = {r["permission"]: r for r in told["permissions"]}
        scope = controller.scopes[0]
        for pid, cell in zip(scope.permissions, scope.cells[n]):
            assert cell.allowed == top[pid]["allowed"], (p, pid)
            assert cell.reason == "; ".join(top[pid]["via"]) or not cell.allowed, (p, pid, cell.reason)
            checked += 1
        items = {i["path"]: i for i in told["items"]}
        for scope in controller.scopes[1:]:
            assert scope.path is not None
            rows = {r["permission"]: r for r in items[scope.path]["permissions"]}
            assert scope.visible[n] == items[scope.path]["visible"], (p, scope.path)
            for pid, cell in zip(scope.permissions, scope.cells[n]):
                assert (cell.allowed, cell.reason) == (rows[pid]["allowed"], rows[pid]["why"]), (p, scope.path, pid)
                checked += 1
    assert checked > 100


def test_administrators_of_the_controller() -> None:
    c = controller_from_spec(load_spec(REPO / "samples" / "team-folders.yaml"))
    assert [(p.kind, p.name) for p in c.administrators] == [("group", "jenkins-admins")]
    c = controller_from_spec(load_spec(SMALL))
    assert [(p.kind, p.name) for p in c.administrators] == [("user", "alice@example.com")]


def test_principals_are_named_once_builtins_first() -> None:
    state = AccessState("projectMatrix", (MatrixEntry("user", "Bob", frozenset({"Overall/Read"})),
                                          MatrixEntry("group", "devs", frozenset({"Job/Read"})),
                                          MatrixEntry("user", "anonymous", frozenset({"Job/Discover"})),
                                          MatrixEntry("group", "authenticated", frozenset({"Overall/Read"}))),
                        (ItemNode("f", "parent", (MatrixEntry("user", "bob", frozenset({"Job/Build"})),
                                                  MatrixEntry("user", "carol", frozenset({"Job/Build"})))),))
    assert [(p.kind, p.name) for p in principals(state)] == [
        ("anonymous", "anonymous"), ("authenticated", "authenticated"), ("group", "devs"), ("user", "Bob"), ("user", "carol")]


def test_a_document_reads_like_the_spec_it_came_from(run_cli, tmp_path: pathlib.Path) -> None:  # type: ignore[no-untyped-def]
    """generate's jenkins.yaml and items.yaml, read back, grant what the spec grants."""
    from jcasc_gen.access import state_from_output

    loaded = load_spec(SMALL)
    assert run_cli("generate", str(SMALL), "-o", str(tmp_path))[0] == 0
    assert effective_changes(state_from_output(str(tmp_path), loaded.spec), state_from_spec(loaded.spec)) == []


def test_the_legacy_permissions_form_is_the_same_matrix() -> None:
    entries = state_from_document({"jenkins": {"authorizationStrategy": {"globalMatrix": {"entries": [
        {"user": {"name": "alice", "permissions": ["Overall/Administer"]}}, {"group": {"name": "devs", "permissions": ["Job/Read"]}}]}}}})
    legacy = state_from_document({"jenkins": {"authorizationStrategy": {"globalMatrix": {"permissions": [
        "USER:Overall/Administer:alice", "GROUP:Job/Read:devs"]}}}})
    assert effective_changes(entries, legacy) == [] and entries.known and legacy.known
    other = state_from_document({"jenkins": {"authorizationStrategy": "unsecured"}})
    assert not other.known and other.strategy == "unsecured"
    nothing = state_from_document(None)
    assert nothing.known and nothing.strategy is None and nothing.entries == ()
    # under the global matrix, item matrices have no effect, so the state keeps none
    assert state_from_document({"jenkins": {"authorizationStrategy": {"globalMatrix": {"entries": []}}}},
                               [ItemNode("f", "none", ())]).items == ()


NAMES = st.sampled_from(["alice", "Alice", "devs", "authenticated", "anonymous", "ops"])
KINDS = st.sampled_from(["user", "group", "user_or_group"])
PERMS = st.sampled_from(["Overall/Administer", "Overall/Read", "Job/Read", "Job/Build", "Job/Configure", "Job/Discover",
                         "Run/Delete", "Job/Create"])
ENTRIES = st.lists(st.builds(lambda k, n, ps: MatrixEntry(k, n, frozenset(ps)), KINDS, NAMES, st.sets(PERMS, min_size=1, max_size=3)),
                   max_size=4)
ITEM_PERMS = st.sampled_from(["Job/Read", "Job/Build", "Job/Configure", "Job/Discover", "Run/Delete", "Job/Create"])
ITEM_ENTRIES = st.lists(st.builds(lambda k, n, ps: MatrixEntry(k, n, frozenset(ps)), KINDS, NAMES,
                                  st.sets(ITEM_PERMS, min_size=1, max_size=3)), max_size=3)
NODES = st.lists(st.builds(ItemNode, st.sampled_from(["a", "a/b", "c"]), st.sampled_from(["parent", "global", "none"]), ITEM_ENTRIES
                           .map(tuple)), max_size=3, unique_by=lambda n: n.path)
STATES = st.builds(lambda e, n: AccessState("projectMatrix", tuple(e), tuple(n)), ENTRIES, NODES)


@settings(max_examples=60, deadline=None)
@given(STATES, STATES)
def test_changes_are_the_difference_of_what_explain_allows(before: AccessState, after: AccessState) -> None:
    """Gained is what is allowed after and not before, lost the other way round, per principal
    and scope; swapping the states swaps them; a state compared with itself changes nothing."""
    forward = {(c.principal.key, s.scope): s for c in effective_changes(before, after) for s in c.scopes}
    backward = {(c.principal.key, s.scope): s for c in effective_changes(after, before) for s in c.scopes}
    assert forward.keys() == backward.keys()
    for key, s in forward.items():
        assert set(s.gained) == set(backward[key].lost) and set(s.lost) == set(backward[key].gained)
        assert s.gained or s.lost
    for p in principals(before, after):
        for scope in [None, "a", "a/b", "c"]:
            was = allowed_at(before, p.identity, scope)
            now = allowed_at(after, p.identity, scope)
            s = forward.get((p.key, scope))
            if scope is None or scope in ("a", "a/b", "c") and any(n.path == scope or n.path.startswith(scope + "/")
                                                                   for n in (*before.items, *after.items)):
                assert set(s.gained if s else ()) == now - was and set(s.lost if s else ()) == was - now, (p, scope)
    assert effective_changes(after, after) == []


SHARED_NAMES = st.sampled_from(["alice", "Alice", "bob", "carol", "devs", "authenticated", "anonymous", "role_everyone", "zed"])
ROLE_SETS = st.sampled_from([(), (("dev", frozenset({"Job/Read", "Job/Build"})),), (("admin", frozenset({"Overall/Administer"})),)])
GLOBAL = st.lists(st.builds(lambda k, n, ps, roles: MatrixEntry(k, n, frozenset(ps) | {p for _, r in roles for p in r},
                                                                frozenset(ps), roles),
                            KINDS, SHARED_NAMES, st.sets(PERMS, max_size=2), ROLE_SETS), max_size=8)
SHARED_STATES = st.builds(lambda e, n: AccessState("projectMatrix", tuple(e), tuple(n)), GLOBAL, NODES)


@settings(max_examples=80, deadline=None)
@given(SHARED_STATES)
def test_item_cells_shared_per_kind_of_grant_are_the_direct_ones(state: AccessState) -> None:
    """item_cells decides a group of look-alike principals once, through a stand-in: every cell
    (allowed, kind, words) and every visibility equals deciding each principal on its own."""
    from jcasc_gen.access import scopes
    from jcasc_gen.item_cells import item_cells

    people = principals(state)
    paths = [s for s in scopes(state) if s is not None]
    perms = list(state.item_permissions)
    assert item_cells(state, people, paths, perms) == item_cells(state, people, paths, perms, share=False)


def test_item_cells_share_across_look_alike_users() -> None:
    """Users before and after `user anonymous` in the matrix's order (explain names the first
    entry that passes), with the same grant or through the same role: shared, and exact."""
    from jcasc_gen.access import scopes
    from jcasc_gen.item_cells import item_cells

    entries = [{"user": {"name": "anonymous", "permissions": ["Job/Read"]}},
               {"group": {"name": "authenticated", "permissions": ["Overall/Read", "Job/Build"]}}]
    entries += [{"user": {"name": n, "permissions": ["Overall/Read", "Job/Read", "Job/Build", "Job/Cancel"]}}
                for n in ("aaron", "abe", "zoe", "zack", "Anna")]
    entries += [{"group": {"name": f"team-{i}", "permissions": ["Job/Configure"]}} for i in range(3)]
    items = [ItemNode("f", "parent", (MatrixEntry("group", "team-1", frozenset({"Job/Delete"})),)),
             ItemNode("f/g", "none", (MatrixEntry("user", "zoe", frozenset({"Job/Read"})),)),
             ItemNode("h", "global", ())]
    state = state_from_document({"jenkins": {"authorizationStrategy": {"projectMatrix": {"entries": entries}}}}, items)
    people = principals(state)
    paths = [s for s in scopes(state) if s is not None]
    shared = item_cells(state, people, paths, list(state.item_permissions))
    assert shared == item_cells(state, people, paths, list(state.item_permissions), share=False)
    rows = {p.name: n for n, p in enumerate(people)}
    reasons = {c.reason for c in shared["f"][0][rows["zack"]]}
    assert any("user zack" in r for r in reasons) and not any("\x00" in r for path in paths for row in shared[path][0]
                                                              for r in (c.reason for c in row))


def test_reasons_name_the_roles_that_gave_a_permission() -> None:
    """explain's words: a permission written on the grant is the grant's own; one from roles names
    them; an implied one names what implies it and where that came from."""
    from jcasc_gen.effective import entries_from_spec, explain, identity_for
    from jcasc_gen.model import load_spec_text

    text = SMALL.read_text().replace("      roles: [developer]\n      permissions: [Overall/Read, Job/Configure]\n",
                                     "      roles: [developer, reader]\n      permissions: [Overall/Read, Job/Read]\n", 1)
    text = text.replace("    developer: [Job/Read, Job/Build, Job/Cancel]\n",
                        "    developer: [Job/Read, Job/Build, Job/Cancel]\n    reader: [Job/Build]\n", 1)
    entries = entries_from_spec(load_spec_text(text).spec)
    rows = {r.permission: r for r in explain(entries, identity_for("group", "devs", (), entries)).rows}
    assert rows["Job/Read"].via[0] == "group devs"  # written on the grant (also in a role): the grant's own
    assert rows["Job/Build"].via[0] == "group devs (roles developer, reader)"
    assert rows["Job/Cancel"].via[0] == "group devs (role developer)"
    assert rows["Job/Discover"].via[0] == "group devs (implied by Job/Read)"
    assert rows["Credentials/UseOwn"].via[0] == "group devs (roles developer, reader; implied by Job/Build)"

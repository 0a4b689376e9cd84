"""Conformance: item ACLs under matrix-auth's project matrix (issue 12).

Sources (jenkinsci/matrix-auth-plugin@matrix-auth-3.2.8 unless named):
ProjectMatrixAuthorizationStrategy.java:52-96, inheritance/{InheritParentStrategy,
InheritGlobalStrategy,NonInheritingStrategy,InheritanceStrategy}.java,
AbstractAuthorizationPropertyConverter.java:58-91, AbstractAuthorizationContainerConverter.java:76-89,
AuthorizationContainer.java:186-232; jenkinsci/jenkins@jenkins-2.568.2
AuthorizationStrategy.java:91-93,127-129, PermissionScope.java:80-116.
"""

from __future__ import annotations

from typing import Callable

import pytest

from tests.jenkins_sim import Identity, JenkinsSim
from tests.jenkins_sim import item_acl
from tests.jenkins_sim import permissions as P

from .helpers import item_sim

ALICE = Identity("alice", ("authenticated", "team-a"), False)
BOB = Identity("bob", ("authenticated", "team-b"), False)
ADMIN = Identity("admin", ("authenticated",), False)
Factory = Callable[..., JenkinsSim]


def can(sim: JenkinsSim, who: Identity, item: str, pid: str) -> bool:
    return sim.has_item_permission(who, item, pid)


def test_global_matrix_ignores_item_properties(jenkins_sim_factory: Factory) -> None:
    """Only ProjectMatrixAuthorizationStrategy overrides getACL(Job/AbstractItem); the global
    matrix answers with the root ACL (core AuthorizationStrategy.java:91-93, 127-129)."""
    sim = item_sim(jenkins_sim_factory, kind="globalMatrix")
    sim.items.add_folder("team-a", inherit="none", entries=[("USER", "alice", "Job/Read")])
    assert not can(sim, ALICE, "team-a", "Job/Read")
    sim.authorization.add("USER", "bob", "Job/Read")
    assert can(sim, BOB, "team-a", "Job/Read")  # non-inheriting, yet the global grant counts


def test_inherit_parent_at_the_top_level(jenkins_sim_factory: Factory) -> None:
    """InheritParentStrategy without an item parent: root ACL or the item's own (:62-69)."""
    sim = item_sim(jenkins_sim_factory, ("GROUP", "authenticated", "Job/Build"))
    sim.items.add_folder("team-a", inherit="parent", entries=[("GROUP", "team-a", "Job/Read")])
    assert can(sim, ALICE, "team-a", "Job/Read") and not can(sim, BOB, "team-a", "Job/Read")
    assert can(sim, BOB, "team-a", "Job/Build")  # from the global matrix


def test_inherit_parent_nested_read_comes_from_the_parent_only(jenkins_sim_factory: Factory) -> None:
    """SECURITY-2180: nested under an item, Read/Discover is exactly the parent's; the child's
    own Read entry does not matter (InheritParentStrategy.java:53-61); other permissions are
    the parent's or the child's own (:70-73)."""
    sim = item_sim(jenkins_sim_factory)
    sim.items.add_folder("team-a", inherit="none", entries=[("GROUP", "team-a", "Job/Read")])
    sim.items.add_job("team-a/app", inherit="parent",
                      entries=[("USER", "bob", "Job/Read"), ("USER", "bob", "Job/Build")])
    assert can(sim, ALICE, "team-a/app", "Job/Read")
    assert not can(sim, BOB, "team-a/app", "Job/Read")  # granted on the job, not on the folder
    assert can(sim, BOB, "team-a/app", "Job/Build")  # other permissions: the job's own count
    assert not can(sim, ALICE, "team-a/app", "Job/Build")


def test_inherit_global_nested(jenkins_sim_factory: Factory) -> None:
    """InheritGlobalStrategy: own or global, never the parent's (:70); Read/Discover nested
    additionally need the parent's (:50-69)."""
    sim = item_sim(jenkins_sim_factory, ("GROUP", "authenticated", "Job/Cancel"))
    sim.items.add_folder("team-a", inherit="none",
                         entries=[("GROUP", "team-a", "Job/Read"), ("GROUP", "team-a", "Job/Build")])
    sim.items.add_job("team-a/app", inherit="global", entries=[("USER", "alice", "Job/Read"), ("USER", "bob", "Job/Read")])
    assert can(sim, ALICE, "team-a/app", "Job/Read")
    assert not can(sim, BOB, "team-a/app", "Job/Read")  # the folder does not give bob Read
    assert not can(sim, ALICE, "team-a/app", "Job/Build")  # the folder's Build is not inherited
    assert can(sim, ALICE, "team-a/app", "Job/Cancel")  # the global one is


def test_non_inheriting_keeps_global_administer(jenkins_sim_factory: Factory) -> None:
    """NonInheritingStrategy: only the item's own entries, except that global Administer still
    passes for every permission ultimately implied by Administer (:50-61, :76-81); Read nested
    needs the parent's too (:62-69)."""
    sim = item_sim(jenkins_sim_factory, ("GROUP", "authenticated", "Job/Read"))
    sim.items.add_folder("secret", inherit="none", entries=[("USER", "alice", "Job/Configure")])
    assert not can(sim, ALICE, "secret", "Job/Read") and not can(sim, BOB, "secret", "Job/Read")
    assert can(sim, ALICE, "secret", "Job/Configure")
    for pid in ("Job/Read", "Job/Configure", "Job/Delete", "Run/Delete", "SCM/Tag"):
        assert can(sim, ADMIN, "secret", pid), pid
    sim.items.add_job("secret/app", inherit="none", entries=[("USER", "bob", "Job/Read")])
    assert not can(sim, BOB, "secret/app", "Job/Read")  # the folder hides it from bob
    assert can(sim, ADMIN, "secret/app", "Job/Read")


def test_administer_exception_only_for_permissions_rooted_in_administer() -> None:
    """isUltimatelyImpliedByAdminister walks impliedBy to its end (:76-81): WipeOut and
    Run/Artifacts have no impliedBy, so they are not rooted in Administer."""
    for pid in ("Job/Read", "Job/Build", "Job/ExtendedRead", "Run/Replay", "Credentials/View", "Overall/Administer"):
        assert item_acl.ultimately_implied_by_administer(pid), pid
    for pid in ("Job/WipeOut", "Run/Artifacts"):
        assert not item_acl.ultimately_implied_by_administer(pid), pid


def test_items_without_a_property_use_their_parents_acl(jenkins_sim_factory: Factory) -> None:
    """getACL(Job) without the property is getACL(parent) (:54-60); a folder without one the
    same (:83-95); at the top, the root ACL."""
    sim = item_sim(jenkins_sim_factory)
    sim.items.add_folder("team-a", inherit="none", entries=[("GROUP", "team-a", "Job/Read"), ("GROUP", "team-a", "Job/Build")])
    sim.items.add_folder("team-a/sub")
    sim.items.add_job("team-a/sub/app")
    assert can(sim, ALICE, "team-a/sub/app", "Job/Build") and not can(sim, BOB, "team-a/sub/app", "Job/Read")
    sim.items.add_job("loose")
    assert not can(sim, ALICE, "loose", "Job/Read")
    sim.authorization.add("GROUP", "authenticated", "Job/Read")
    assert can(sim, BOB, "loose", "Job/Read")


def test_legacy_blocks_inheritance(jenkins_sim_factory: Factory) -> None:
    """`<blocksInheritance>true</blocksInheritance>` reads as NonInheritingStrategy, `false`
    keeps the default InheritParentStrategy (AbstractAuthorizationPropertyConverter.java:68-75);
    written back as `<inheritanceStrategy>` (:45-56)."""
    sim = item_sim(jenkins_sim_factory, ("GROUP", "authenticated", "Job/Read"))
    prop = "com.cloudbees.hudson.plugins.folder.properties.AuthorizationMatrixProperty"
    for name, flag in (("blocked", "true"), ("open", "false")):
        sim.items.add_folder(name)
        xml = sim.items.config_xml(name).replace(
            "  </properties>", f"    <{prop}>\n      <blocksInheritance>{flag}</blocksInheritance>\n"
            f"      <permission>hudson.model.Item.Configure:alice</permission>\n    </{prop}>\n  </properties>")
        sim.items.set_config_xml(name, xml)
    assert not can(sim, BOB, "blocked", "Job/Read") and can(sim, BOB, "open", "Job/Read")
    assert "NonInheritingStrategy" in sim.items.config_xml("blocked")
    assert "<blocksInheritance>" not in sim.items.config_xml("blocked")
    assert "InheritParentStrategy" in sim.items.config_xml("open")


def test_strategy_element_after_blocks_inheritance_drops_the_property(jenkins_sim_factory: Factory) -> None:
    """The converter peeks only at the first child: after `blocksInheritance`, an
    `inheritanceStrategy` element falls into the permission loop, `add("")` throws
    StringIndexOutOfBoundsException (not an IllegalArgumentException), XStream wraps it
    (XStream 1.4.21 TreeUnmarshaller.java:71-86) and the property list skips the element
    (core CopyOnWriteList.java ConverterImpl.unmarshal): the folder has no matrix at all."""
    sim = item_sim(jenkins_sim_factory, ("GROUP", "authenticated", "Job/Read"))
    prop = "com.cloudbees.hudson.plugins.folder.properties.AuthorizationMatrixProperty"
    sim.items.add_folder("f")
    xml = sim.items.config_xml("f").replace(
        "  </properties>", f"    <{prop}>\n      <blocksInheritance>true</blocksInheritance>\n"
        '      <inheritanceStrategy class="org.jenkinsci.plugins.matrixauth.inheritance.NonInheritingStrategy"/>\n'
        f"    </{prop}>\n  </properties>")
    sim.items.set_config_xml("f", xml)
    assert sim.items.matrix("f") is None and prop not in sim.items.config_xml("f")
    assert can(sim, BOB, "f", "Job/Read")  # inherits from the root again
    assert any("StringIndexOutOfBoundsException" in line for line in sim.log)


def test_untyped_entries_match_users_and_groups_and_are_ambiguous(jenkins_sim_factory: Factory) -> None:
    """`PERMISSION:sid` without a type is EITHER (AuthorizationContainer.java:199-210): it
    matches a user or a group of that name; the AmbiguityMonitor lists the item
    (AmbiguityMonitor.java:237-242, FolderContributor.java:57-68). Loaded at startup, matrix-auth
    logs each legacy line at WARNING."""
    sim = item_sim(jenkins_sim_factory)
    sim.items.add_folder("f", inherit="none", entries=[("", "team-a", "hudson.model.Item.Read"),
                                                       ("", "bob", "hudson.model.Item.Read")])
    assert can(sim, ALICE, "f", "Job/Read") and can(sim, BOB, "f", "Job/Read")
    assert sim.items.ambiguous() == ["f"]
    assert "<permission>hudson.model.Item.Read:bob</permission>" in sim.items.config_xml("f")
    assert any("legacy format (without explicit TYPE prefix): hudson.model.Item.Read:team-a" in line for line in sim.log)


def test_unknown_permission_ids_are_skipped_with_a_warning(jenkins_sim_factory: Factory) -> None:
    """parsePermission throws IllegalArgumentException, which unmarshalContainer catches: the
    entry is skipped, the rest of the property loads, a WARNING is logged
    (AbstractAuthorizationContainerConverter.java:78-88, AuthorizationContainer.java:221-232)."""
    sim = item_sim(jenkins_sim_factory)
    sim.items.add_folder("f", inherit="none", entries=[("USER", "alice", "hudson.model.Item.Raed"),
                                                       ("USER", "alice", "Job/Build")])
    m = sim.items.matrix("f")
    assert m is not None and [e.short for e in m.entries] == ["Job/Build"]
    assert "Item.Raed" not in sim.items.config_xml("f")
    assert any("Skipping a non-existent permission" in line and "'hudson.model.Item.Raed'" in line for line in sim.log)


def test_plugin_permission_only_while_its_plugin_is_active(jenkins_sim_factory: Factory) -> None:
    """Permission.fromId finds a plugin's permission only when the plugin is loaded:
    Run/Replay (workflow-cps) is an unknown id without it."""
    sim = item_sim(jenkins_sim_factory)
    sim.items.add_folder("f", inherit="none", entries=[("USER", "alice", "hudson.model.Run.Replay"),
                                                       ("USER", "alice", "hudson.model.Item.Move")])
    m = sim.items.matrix("f")
    assert m is not None and [e.short for e in m.entries] == ["Job/Move"]  # cloudbees-folder is active


@pytest.mark.parametrize("where,pid,kept", [
    ("folder", "Overall/Read", False),  # JENKINS scope: not in ITEM_GROUP
    ("folder", "Agent/Build", False),  # COMPUTER
    ("folder", "Job/Create", True),  # ITEM_GROUP
    ("folder", "View/Read", True),
    ("folder", "Run/Delete", True),  # RUN is in ITEM, in ITEM_GROUP
    ("job", "Job/Create", False),  # ITEM_GROUP is not in ITEM
    ("job", "View/Configure", False),
    ("job", "Job/Build", True),
    ("job", "SCM/Tag", True),
])
def test_inapplicable_permissions_are_skipped(jenkins_sim_factory: Factory, where: str, pid: str, kept: bool) -> None:
    """AuthorizationContainer.add skips a permission not contained by the property's scope
    (:211-217): folders ITEM_GROUP (folder AuthorizationMatrixProperty.java:164-167), jobs
    ITEM (AuthorizationMatrixProperty.java:202-205); core PermissionScope.java:80-116."""
    sim = item_sim(jenkins_sim_factory)
    if where == "folder":
        sim.items.add_folder("x", inherit="parent", entries=[("USER", "alice", pid)])
    else:
        sim.items.add_job("x", inherit="parent", entries=[("USER", "alice", pid)])
    m = sim.items.matrix("x")
    assert m is not None and bool(m.entries) == kept
    assert kept or any("inapplicable permission" in line for line in sim.log)


def test_every_permission_of_the_table_has_a_scope() -> None:
    """The scope table covers the permission table (a permission added to one without the
    other would silently default to JENKINS)."""
    assert {p.id for p in P.PERMISSIONS} <= set(item_acl.SCOPES)


def test_matrix_entries_match_like_the_global_matrix(jenkins_sim_factory: Factory) -> None:
    """The property's ACL is a SidACL (folder AuthorizationMatrixProperty.java:185-192): the
    principal, then each authority, then the automatic sids (`user: anonymous` reaches
    everyone); ids compared ignoring case; the implication walk (Job/Read implies Discover)."""
    sim = item_sim(jenkins_sim_factory)
    sim.items.add_folder("f", inherit="none", entries=[("GROUP", "TEAM-A", "Job/Read"), ("USER", "anonymous", "Job/Build")])
    assert can(sim, ALICE, "f", "Job/Read") and can(sim, ALICE, "f", "Job/Discover")
    assert can(sim, BOB, "f", "Job/Build") and not can(sim, BOB, "f", "Job/Read")


def test_entries_of_a_missing_plugin_return_after_restart_unless_saved(jenkins_sim_factory: Factory) -> None:
    """Loading skips Run/Replay while workflow-cps is not loaded, but only in memory: the file
    keeps the line until the item is saved (updateByXml writes from memory, AbstractItem.java:945-948).
    A restart with the plugin loads it again from the file."""
    from .helpers import wait_until
    sim = item_sim(jenkins_sim_factory, restart_seconds=0.01)
    sim.items.add_folder("kept", inherit="none", entries=[("USER", "alice", "Run/Replay")])
    sim.items.add_folder("saved", inherit="none", entries=[("USER", "alice", "Run/Replay")])
    assert "Run.Replay" not in sim.items.config_xml("kept")
    sim.items.set_config_xml("saved", sim.items.config_xml("saved"))  # a client's GET + POST
    sim.install_plugin_now("workflow-cps", "4350.vcc65d4958821")
    sim.begin_restart()
    wait_until(lambda: sim.restart_count == 1 and not sim.restarting)
    assert "USER:hudson.model.Run.Replay:alice" in sim.items.config_xml("kept")
    assert can(sim, ALICE, "kept", "Run/Replay")
    assert "Run.Replay" not in sim.items.config_xml("saved")

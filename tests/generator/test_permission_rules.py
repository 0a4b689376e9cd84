"""The permission catalog's functions (jcasc_gen/permissions.py): the implication walk with
disabled permissions, what a plugin's own permission implies, id conversions and the
did-you-mean hint. The table itself is compared entry by entry with the simulator's
independent table in tests/test_permission_catalog.py."""

from __future__ import annotations

import pytest

from jcasc_gen import permissions as P
from tests.jenkins_sim import permissions as sim


def test_administer_passes_every_check_but_the_two_implied_by_nothing() -> None:
    # a disabled permission is skipped in the walk, so its impliedBy decides; Job/WipeOut and
    # Run/Artifacts are impliedBy null (Item.java, Run.java): only a grant of their own passes
    assert P.implied_closure({P.ADMINISTER}) == set(P.CATALOG) - {"Job/WipeOut", "Run/Artifacts"}
    assert P.implied_closure({"Overall/Read"}) == {"Overall/Read"}


def test_a_disabled_permission_in_the_walk_neither_grants_nor_blocks() -> None:
    # Job/ExtendedRead is off by default and implied by Job/Configure (matrix-auth skips it)
    assert P.has_permission({"Job/Configure"}, "Job/ExtendedRead")
    assert not P.has_permission({"Job/ExtendedRead"}, "Job/ExtendedRead")
    # ... unless the Jenkins runs with it turned on
    on = frozenset({"Job/ExtendedRead"})
    assert P.has_permission({"Job/ExtendedRead"}, "Job/ExtendedRead", enabled_overrides=on)
    assert "Job/ExtendedRead" in P.implied_closure({"Job/ExtendedRead"}, enabled_overrides=on)
    assert P.implied_closure({"Job/ExtendedRead"}) == frozenset()


def test_a_permission_implied_by_nothing_needs_granting_itself() -> None:
    # Job/WipeOut: disabled by default, impliedBy null
    assert not P.has_permission({P.ADMINISTER}, "Job/WipeOut")
    assert not P.has_permission({P.ADMINISTER}, "Job/WipeOut", enabled_overrides=frozenset({"Job/WipeOut"}))
    assert P.has_permission({"Job/WipeOut"}, "Job/WipeOut", enabled_overrides=frozenset({"Job/WipeOut"}))


@pytest.mark.parametrize("held,checked,expected", [
    ("Job/Configure", "Run/Replay", True),  # workflow-cps: Replay impliedBy Item.CONFIGURE
    ("Job/Read", "Job/Discover", True),
    ("Job/Discover", "Job/Read", False),
    ("Agent/Disconnect", "Agent/Connect", True),
    ("Job/Build", "Credentials/UseOwn", True),  # disabled by default: the walk goes on to Job/Build
    ("Job/Read", "Credentials/UseOwn", False),
    ("Overall/Read", "Job/Read", False),
    ("Overall/Manage", P.ADMINISTER, False),
])
def test_single_implications(held: str, checked: str, expected: bool) -> None:
    assert P.has_permission({held}, checked) is expected
    assert P.has_permission([held], checked) is expected  # any iterable of ids


def test_plugin_permissions_outside_the_catalog_imply_only_themselves() -> None:
    extra = "Gerrit/ManualTrigger"
    assert P.implied_closure({P.ADMINISTER}, universe=[extra, "Job/Read"]) == {"Job/Read"}
    assert P.implied_closure({extra}, universe=[extra]) == {extra}
    assert P.has_permission({extra}, extra) and not P.has_permission({P.ADMINISTER}, extra)


def test_id_conversions() -> None:
    assert P.java_id("Job/Read") == "hudson.model.Item.Read"
    assert P.from_java_id("hudson.model.Item.Read") == "Job/Read"
    assert P.lookup("Job/Read") is P.CATALOG["Job/Read"]
    assert P.java_id("Job/Nope") is None and P.from_java_id("hudson.model.Item.Nope") is None and P.lookup("x") is None
    assert P.CATALOG["Credentials/View"].group == "Credentials"
    assert P.CATALOG["Overall/Administer"].group == "Overall"


@pytest.mark.parametrize("value,expected", [
    ("com.cloudbees.hudson.plugins.folder.relocate.RelocationAction.Move", "Job/Move"),
    ("hudson.slaves.Cloud.Provision", "Agent/Provision"),
    ("org.jenkinsci.plugins.workflow.cps.replay.ReplayAction.Replay", "Run/Replay"),
    ("hudson.model.Item.Move", None),  # a real Java id
    ("Move", None),  # not Java-looking
    (".Move", None),
    ("x.y.Delete", None),  # Job/Delete, Run/Delete, View/Delete...: which one is not known
    ("x.y.Nope", None),
])
def test_java_id_of_declaring_class(value: str, expected: str | None) -> None:
    assert P.java_id_of_declaring_class(value) == expected


@pytest.mark.parametrize("value,expected", [
    ("job/read", "Job/Read"),  # case
    ("JOB/READ", "Job/Read"),  # too far from any id for difflib: only case folding finds it
    ("Administer", "Overall/Administer"),  # the name alone, when one group has it
    ("ADMINISTER", "Overall/Administer"),
    ("com.cloudbees.hudson.plugins.folder.relocate.RelocationAction.Move", "Job/Move"),
    ("Job/Raed", "Job/Read"),  # a typo
    ("zzzzzzzz", None),
])
def test_suggestions(value: str, expected: str | None) -> None:
    assert P.suggest(value) == expected


def test_suggestions_from_given_candidates() -> None:
    assert P.suggest("gerrit/manualtrigger", ["Gerrit/ManualTrigger"]) == "Gerrit/ManualTrigger"
    assert P.suggest("ManualTrigger", ["Gerrit/ManualTrigger", "Job/Read"]) == "Gerrit/ManualTrigger"
    assert P.suggest("Read", ["Job/Read", "View/Read"]) in ("Job/Read", "View/Read")  # no unique name: closest
    # a misplaced Java id suggests the catalog id only among the candidates
    assert P.suggest("com.cloudbees.hudson.plugins.folder.relocate.RelocationAction.Move", ["Job/Read"]) is None


def test_a_disabled_permission_says_which_system_property_turns_it_on() -> None:
    # the note is what validation and `explain` show for a grant that has no effect; the
    # property is compared with the simulator's own transcription of the sources
    theirs = {sim.short_form(p): p for p in sim.PERMISSIONS}
    disabled = [p for p in P.CATALOG.values() if not p.enabled]
    assert disabled
    for p in disabled:
        prop = theirs[p.id].enabling_property
        assert prop and f"-D{prop}=true" in p.note, p.id

"""Conformance: which permissions exist, how matrix-auth parses their names, and what happens
when a matrix names a permission whose plugin is not active.

Sources (the simulator's table cites a line per permission, tests/jenkins_sim/permissions.py):
- jenkinsci/jenkins@jenkins-2.568.2 core/src/main/java/hudson/security/Permission.java:154 (id =
  group owner + '.' + name), :240-253 (fromId), PermissionGroup.java:63-79 (id = English title);
  hudson/slaves/Cloud.java:279 (Provision is in Computer.PERMISSIONS).
- jenkinsci/cloudbees-folder-plugin@6.1100.ve9eed61d16c4 .../folder/relocate/RelocationAction.java:55
  (Move in Item.PERMISSIONS); jenkinsci/workflow-cps-plugin@4350.vcc65d4958821
  .../cps/replay/ReplayAction.java:467 (Replay in Run.PERMISSIONS; ReplayActionTest.java:232-238
  asserts the id `hudson.model.Run.Replay`); jenkinsci/credentials-plugin@1502.v5c95e620ddfe
  .../credentials/CredentialsProvider.java:125 (its own group, owner CredentialsProvider).
- jenkinsci/matrix-auth-plugin@matrix-auth-3.2.8 .../matrixauth/AuthorizationContainer.java:222-232
  (parsePermission: fromId, then PermissionFinder, else "Failed to parse '<p>' --- no such
  permission"), .../integrations/PermissionFinder.java:44-79 (exact group title; the generic
  group skipped).
- jenkinsci/configuration-as-code-plugin@2115.vf6de120eef70 .../casc/ConfigurationAsCode.java:386-393
  (a ConfiguratorException at startup is ConfigurationAsCodeBootFailure),
  ConfigurationAsCodeBootFailure.java:15-18 (503 + error.jelly "Error loading configuration");
  core hudson/WebAppMain.java:265-277 (the BootFailure becomes the app).
"""

from __future__ import annotations

import pytest
import requests

from tests.jenkins_sim import DEFAULT_PLUGINS, CascError, Identity, JenkinsSim
from tests.jenkins_sim.acl import has_permission

from .helpers import matrix, wait_until

AUTH = ("admin", "admin-token")
WITH_PLUGINS = {**DEFAULT_PLUGINS, "cloudbees-folder": "6.1100.ve9eed61d16c4", "workflow-cps": "4350.vcc65d4958821",
                "credentials": "1502.v5c95e620ddfe"}
ALICE = Identity("alice", ("authenticated",), False)


def _grant(*perms: str) -> str:
    return ("jenkins:\n  authorizationStrategy:\n    globalMatrix:\n      entries:\n"
            "      - user: {name: admin, permissions: [Overall/Administer]}\n"
            f"      - user: {{name: alice, permissions: [{', '.join(perms)}]}}\n")


def _post(sim: JenkinsSim, action: str, body: str) -> requests.Response:
    return requests.post(f"{sim.url}configuration-as-code/{action}", data=body.encode(), auth=AUTH,
                         headers={"Content-Type": "application/x-yaml"}, timeout=5)


@pytest.mark.parametrize("java_id, short", [
    ("hudson.model.Item.Move", "Job/Move"),
    ("hudson.model.Run.Replay", "Run/Replay"),
    ("hudson.model.Computer.Provision", "Agent/Provision"),
    ("com.cloudbees.plugins.credentials.CredentialsProvider.View", "Credentials/View"),
    ("hudson.model.Hudson.Administer", "Overall/Administer"),
])
def test_java_ids_come_from_the_group_owner(jenkins_sim_factory, java_id: str, short: str) -> None:  # type: ignore[no-untyped-def]
    """Permission.java:154: id = group.owner + '.' + name; matrix-auth accepts it (fromId) and
    stores the permission, shown as `Title/Name` (PermissionDefinition.toString)."""
    sim = jenkins_sim_factory(plugins=WITH_PLUGINS)
    sim.apply(_grant(java_id))
    assert sim.authorization.grants[("USER", "alice")] == {short}


@pytest.mark.parametrize("wrong", [
    "com.cloudbees.hudson.plugins.folder.relocate.RelocationAction.Move",  # the declaring class, not the owner
    "org.jenkinsci.plugins.workflow.cps.replay.ReplayAction.Replay",
    "hudson.slaves.Cloud.Provision",
    "jenkins.model.Jenkins.Administer",  # the group's owner is hudson.model.Hudson
    "job/read",  # PermissionFinder compares the title exactly
    "Permission/GenericRead",  # the generic group is skipped, and its title is N/A
])
def test_ids_of_the_declaring_class_are_no_such_permission(jenkins_sim_factory, wrong: str) -> None:  # type: ignore[no-untyped-def]
    """fromId finds the group by the class before the last '.': a declaring class that owns no
    group (RelocationAction, ReplayAction, Cloud) gives null, so parsePermission fails."""
    sim = jenkins_sim_factory(plugins=WITH_PLUGINS)
    with pytest.raises(CascError, match=f"Failed to parse '{wrong}' --- no such permission"):
        sim.check(_grant(wrong))


def test_generic_permissions_by_java_id(jenkins_sim_factory) -> None:  # type: ignore[no-untyped-def]
    """fromId("hudson.security.Permission.GenericRead") finds the generic group's permission;
    granting it passes every check it implies (Overall/Read, Job/Read, View/Read)."""
    sim = jenkins_sim_factory()
    sim.apply(_grant("hudson.security.Permission.GenericRead"))
    st = sim.authorization
    assert all(has_permission(st, ALICE, p) for p in ("Overall/Read", "Job/Read", "View/Read"))
    assert not has_permission(st, ALICE, "Job/Build")


@pytest.mark.parametrize("perm, plugin", [
    ("Job/Move", "cloudbees-folder"), ("hudson.model.Item.Move", "cloudbees-folder"),
    ("Run/Replay", "workflow-cps"), ("Credentials/View", "credentials"), ("Credentials/UseOwn", "credentials"),
])
def test_plugin_permission_without_its_plugin_fails_check_apply_and_configure(jenkins_sim_factory, perm: str, plugin: str) -> None:  # type: ignore[no-untyped-def]
    """The permission is declared by a plugin class; without the plugin it does not exist
    (even a disabled one such as Credentials/UseOwn), so parsePermission fails: check 400 with
    the message, apply 500 (message hidden), configure 400; nothing changes."""
    sim = jenkins_sim_factory()
    msg = f"Failed to parse '{perm}' --- no such permission"
    r = _post(sim, "check", _grant(perm))
    assert r.status_code == 400 and msg in r.json()[0]["message"]
    before = sim.export_yaml()
    assert _post(sim, "apply", _grant(perm)).status_code == 500
    r = _post(sim, "configure", _grant(perm))
    assert r.status_code == 400 and msg in r.json()[0]["message"]
    assert sim.export_yaml() == before
    sim.install_plugin_now(plugin, "1.0")
    assert _post(sim, "check", _grant(perm)).status_code == 200


def test_plugin_permission_in_casc_files_fails_the_boot(jenkins_sim_factory) -> None:  # type: ignore[no-untyped-def]
    """At startup JCasC applies the files on disk; the parse failure is a ConfiguratorException,
    which init() turns into ConfigurationAsCodeBootFailure: Jenkins does not start, every path
    answers 503 "Error loading configuration" with the message, without X-Jenkins headers."""
    sim = jenkins_sim_factory()
    sim.casc_files.append(("/var/jenkins_home/casc_configs/jenkins.yaml", _grant("Job/Move")))
    sim.begin_restart()
    wait_until(lambda: sim.restart_count == 1 and not sim.restarting)
    assert sim.boot_error is not None and "Failed to parse 'Job/Move' --- no such permission" in sim.boot_error
    for path in ("", "whoAmI/api/json", "configuration-as-code/check"):
        r = requests.get(sim.url + path, auth=AUTH, timeout=5)
        assert r.status_code == 503 and "Error loading configuration" in r.text and "Job/Move" in r.text
        assert "X-Jenkins" not in r.headers


def test_plugin_permission_with_its_plugin_is_implied_like_core(jenkins_sim_factory) -> None:  # type: ignore[no-untyped-def]
    """Move: impliedBy Permission.CREATE (GenericCreate <- GenericWrite <- Administer);
    Replay: impliedBy Item.CONFIGURE; Provision: impliedBy Jenkins.ADMINISTER."""
    admin = matrix(("USER", "alice", "Overall/Administer"))
    assert has_permission(admin, ALICE, "Job/Move") and has_permission(admin, ALICE, "Agent/Provision")
    assert has_permission(matrix(("USER", "alice", "Job/Configure")), ALICE, "Run/Replay")
    assert not has_permission(matrix(("USER", "alice", "Job/Create")), ALICE, "Job/Move")


def test_extra_plugin_permissions_exist_only_with_their_plugin(jenkins_sim_factory) -> None:  # type: ignore[no-untyped-def]
    """A plugin's own permission group (as lockable-resources declares one) is registered when
    the plugin loads; before that the short form finds no group."""
    sim = jenkins_sim_factory(extra_permissions={"Lockable Resources/Reserve": "lockable-resources"})
    with pytest.raises(CascError, match="Failed to parse 'Lockable Resources/Reserve' --- no such permission"):
        sim.check(_grant("Lockable Resources/Reserve"))
    sim.install_plugin_now("lockable-resources", "1.0")
    sim.apply(_grant("Lockable Resources/Reserve"))
    assert sim.authorization.grants[("USER", "alice")] == {"Lockable Resources/Reserve"}

"""Conformance: matrix-auth semantics.

Sources: matrix-auth-plugin:src/main/java/hudson/security/GlobalMatrixAuthorizationStrategy.java
(AclImpl), .../matrixauth/AuthorizationContainer.java, .../integrations/casc/*.java;
jenkins: core/src/main/java/hudson/security/SidACL.java; jenkins-facts C.1-C.3.
"""

from __future__ import annotations

from tests.jenkins_sim import ANONYMOUS, Identity, JenkinsSim
from tests.jenkins_sim.acl import has_permission

from .helpers import matrix

ALICE = Identity("alice", ("authenticated", "devs"), False)


def _apply(sim: JenkinsSim, entries_yaml: str) -> None:
    sim.apply("jenkins:\n  authorizationStrategy:\n    globalMatrix:\n" + entries_yaml)


def test_typed_entries(jenkins_sim: JenkinsSim) -> None:
    """user matches the principal only, group the authorities only, userOrGroup both."""
    _apply(jenkins_sim, "      entries:\n"
           "      - user: {name: devs, permissions: [Job/Build]}\n"
           "      - group: {name: alice, permissions: [Job/Delete]}\n"
           "      - group: {name: devs, permissions: [Job/Read]}\n"
           "      - userOrGroup: {name: alice, permissions: [View/Read]}\n")
    st = jenkins_sim.authorization
    assert has_permission(st, ALICE, "Job/Read") and has_permission(st, ALICE, "View/Read")
    assert not has_permission(st, ALICE, "Job/Build") and not has_permission(st, ALICE, "Job/Delete")


def test_legacy_permissions_strings(jenkins_sim: JenkinsSim) -> None:
    """AuthorizationContainer.add(String): `USER:`/`GROUP:` prefixes, untyped lines are EITHER;
    `grantedPermissions` lines are EITHER too (v1/v2 fixtures)."""
    _apply(jenkins_sim, "      permissions:\n      - USER:Overall/Read:alice\n      - GROUP:Job/Build:devs\n"
           "      - Job/Read:alice\n      grantedPermissions:\n      - View/Read:devs\n")
    g = jenkins_sim.authorization.grants
    assert g[("USER", "alice")] == {"Overall/Read"} and g[("GROUP", "devs")] == {"Job/Build"}
    assert g[("EITHER", "alice")] == {"Job/Read"} and g[("EITHER", "devs")] == {"View/Read"}


def test_anonymous_grants_apply_to_everyone() -> None:
    """SidACL AUTOMATIC_SIDS include ANONYMOUS: `user: anonymous` grants reach every user."""
    st = matrix(("USER", "anonymous", "Overall/Administer"))
    assert has_permission(st, ALICE, "Overall/Administer") and has_permission(st, ANONYMOUS, "Overall/Read")


def test_group_anonymous_matches_anonymous_requests_only() -> None:
    """jenkins@jenkins-2.568.2 Jenkins.java:5908-5912 ANONYMOUS2 and SecurityRealm.java:688 (the
    anonymous filter) give anonymous requests the authority `anonymous`; matrix-auth matches
    GROUP entries against authorities (AclImpl, AuthorizationContainer.hasPermission). A
    signed-in user (jwt-auth: `authenticated` + the JWT's groups) does not carry it, unless
    the IdP sends a group literally named anonymous."""
    st = matrix(("GROUP", "anonymous", "Overall/Read"))
    assert has_permission(st, ANONYMOUS, "Overall/Read")
    assert not has_permission(st, ALICE, "Overall/Read")
    assert has_permission(st, Identity("bob", ("authenticated", "Anonymous"), False), "Overall/Read")
    assert not has_permission(matrix(("USER", "anonymous", "Overall/Read")), Identity("x", (), False), "Job/Read")


def test_group_role_everyone_applies_to_everyone() -> None:
    """SidACL._hasPermission checks AUTOMATIC_SIDS last (SidACL.java:90-97); EVERYONE is not a
    PrincipalSid and SidACL.toString(EVERYONE) is "role_everyone" (SidACL.java:127-128), so
    matrix-auth looks it up among GROUP/EITHER entries (AclImpl passes principal=false)."""
    for kind in ("GROUP", "EITHER"):
        st = matrix((kind, "role_everyone", "Job/Read"))
        assert has_permission(st, ANONYMOUS, "Job/Read") and has_permission(st, ALICE, "Job/Read")
    assert not has_permission(matrix(("USER", "role_everyone", "Job/Read")), ALICE, "Job/Read")


def test_user_authenticated_is_not_group_authenticated() -> None:
    """`user: authenticated` does not grant logged-in users; `group: authenticated` does (C.2)."""
    assert not has_permission(matrix(("USER", "authenticated", "Overall/Read")), ALICE, "Overall/Read")
    assert has_permission(matrix(("GROUP", "authenticated", "Overall/Read")), ALICE, "Overall/Read")
    assert not has_permission(matrix(("GROUP", "authenticated", "Overall/Read")), ANONYMOUS, "Overall/Read")


def test_implications() -> None:
    """Permission.impliedBy walk: Administer implies almost everything (not WipeOut /
    Run/Artifacts), Job/Read implies Job/Discover, Overall/Read does not imply Job/Read."""
    admin = matrix(("USER", "alice", "Overall/Administer"))
    assert has_permission(admin, ALICE, "Job/Configure") and has_permission(admin, ALICE, "Agent/Connect")
    assert not has_permission(admin, ALICE, "Job/WipeOut")
    assert has_permission(matrix(("USER", "alice", "Job/Read")), ALICE, "Job/Discover")
    assert not has_permission(matrix(("USER", "alice", "Overall/Read")), ALICE, "Job/Read")


def test_disabled_permissions_have_no_effect() -> None:
    """hasPermission skips disabled permissions: a SystemRead grant gives nothing, and the
    SystemRead check falls through to Administer."""
    sr = matrix(("USER", "alice", "Overall/SystemRead"), ("USER", "alice", "Overall/Read"))
    assert not has_permission(sr, ALICE, "Overall/SystemRead")
    assert has_permission(matrix(("USER", "alice", "Overall/Administer")), ALICE, "Overall/SystemRead")


def test_disabled_permission_grant_does_not_open_plugin_manager(jenkins_sim_factory) -> None:  # type: ignore[no-untyped-def]
    """hudson/PluginManager.java getApi(): SYSTEM_READ — a SystemRead grant is ineffective."""
    import requests
    sim = jenkins_sim_factory(users={"admin": "a", "ro": "r"}, authorization=matrix(
        ("USER", "admin", "Overall/Administer"), ("USER", "ro", "Overall/Read"), ("USER", "ro", "Overall/SystemRead")))
    assert requests.get(sim.url + "pluginManager/api/json", auth=("ro", "r"), timeout=5).status_code == 403


def test_unknown_permission_errors(jenkins_sim: JenkinsSim) -> None:
    """AuthorizationContainer.parsePermission: `Failed to parse 'X' --- no such permission`;
    java ids accepted; extra plugin permissions only when the state knows them."""
    import pytest
    from tests.jenkins_sim import CascError
    with pytest.raises(CascError, match="Failed to parse 'Overall/Nope' --- no such permission"):
        jenkins_sim.check("jenkins:\n  authorizationStrategy:\n    globalMatrix:\n      entries:\n"
                          "      - user: {name: a, permissions: [Overall/Nope]}\n")
    jenkins_sim.check("jenkins:\n  authorizationStrategy:\n    globalMatrix:\n      entries:\n"
                      "      - user: {name: a, permissions: [hudson.model.Item.Read]}\n")
    with pytest.raises(CascError, match="no such permission"):
        jenkins_sim.check("jenkins:\n  authorizationStrategy:\n    globalMatrix:\n      entries:\n"
                          "      - user: {name: a, permissions: [Lockable Resources/Reserve]}\n")
    jenkins_sim.extra_permissions["Lockable Resources/Reserve"] = None
    jenkins_sim.check("jenkins:\n  authorizationStrategy:\n    globalMatrix:\n      entries:\n"
                      "      - user: {name: a, permissions: [Lockable Resources/Reserve]}\n")


def test_can_only_configure_one_of(jenkins_sim: JenkinsSim) -> None:
    """DefinitionEntry.java: IllegalStateException "Can only configure one of: ..."."""
    import pytest
    from tests.jenkins_sim import CascError
    with pytest.raises(CascError) as e:
        jenkins_sim.check("jenkins:\n  authorizationStrategy:\n    globalMatrix:\n      entries:\n"
                          "      - user: {name: a, permissions: [Overall/Read]}\n"
                          "        group: {name: b, permissions: [Overall/Read]}\n")
    assert e.value.message == ("Can only configure one of: 'user', 'group', 'userOrGroup', but attempted to redefine "
                               "to 'user' with name 'a' after 'group' was already set to 'b'")


def test_apply_replaces_whole_strategy(jenkins_sim: JenkinsSim) -> None:
    """GlobalMatrixAuthorizationStrategyConfigurator.instance(): a new strategy, nothing merged (C.1)."""
    _apply(jenkins_sim, "      entries:\n      - user: {name: admin, permissions: [Overall/Administer]}\n"
           "      - user: {name: x, permissions: [Overall/Read]}\n")
    _apply(jenkins_sim, "      entries:\n      - user: {name: admin, permissions: [Overall/Administer]}\n")
    assert ("USER", "x") not in jenkins_sim.authorization.grants


def test_project_matrix_symbol(jenkins_sim: JenkinsSim) -> None:
    """`projectMatrix` is the ProjectMatrixAuthorizationStrategy symbol."""
    jenkins_sim.apply("jenkins:\n  authorizationStrategy:\n    projectMatrix:\n      entries:\n"
                      "      - user: {name: admin, permissions: [Overall/Administer]}\n")
    assert jenkins_sim.authorization.class_name == "hudson.security.ProjectMatrixAuthorizationStrategy"


def test_unsecured_and_logged_in_strategies(jenkins_sim_factory) -> None:  # type: ignore[no-untyped-def]
    """jenkins: hudson/security/AuthorizationStrategy.java (Unsecured: everyone everything) and
    FullControlOnceLoggedInAuthorizationStrategy.java (anonymous read only with allowAnonymousRead)."""
    import requests
    open_sim = jenkins_sim_factory(authorization="unsecured")
    assert requests.get(open_sim.url + "pluginManager/api/json", timeout=5).status_code == 200
    ro = jenkins_sim_factory(allow_anonymous_read=True)
    assert requests.get(ro.url + "api/json", timeout=5).status_code == 200
    assert requests.get(ro.url + "pluginManager/api/json", timeout=5).status_code == 403
    ro.apply("jenkins:\n  authorizationStrategy:\n    loggedInUsersCanDoAnything:\n      allowAnonymousRead: false\n")
    assert requests.get(ro.url + "api/json", timeout=5).status_code == 403
    ro.apply("jenkins:\n  authorizationStrategy: unsecured\n")
    assert ro.authorization.kind == "unsecured"


def test_local_realm_via_casc(jenkins_sim: JenkinsSim) -> None:
    """jenkins: hudson/security/HudsonPrivateSecurityRealm.java (`local`, allowsSignup, users)."""
    jenkins_sim.apply("jenkins:\n  securityRealm:\n    local:\n      allowsSignup: false\n      users:\n"
                      "      - id: ops\n        password: x\n")
    assert jenkins_sim.security_realm.class_name == "hudson.security.HudsonPrivateSecurityRealm"
    assert "ops" in jenkins_sim.export_yaml()


def test_ids_compare_like_equals_ignore_case_before_security_3924() -> None:
    """IdStrategy.CASE_INSENSITIVE up to 2.575 / LTS 2.568.1 is String.equalsIgnoreCase: a
    long s is an s, a dotless i an i, so `userOrGroup: anonymouſ` reaches every request."""
    st = matrix(("EITHER", "anonymouſ", "Overall/Administer"), ("USER", "admın", "Job/Build"))
    assert has_permission(st, ANONYMOUS, "Overall/Administer", version="2.568.1")
    assert has_permission(st, Identity("ADMIN", ("authenticated",), False), "Job/Build", version="2.575")


def test_ids_compare_lower_cased_from_security_3924() -> None:
    """From 2.576 / LTS 2.568.2 ids compare as toLowerCase(Locale.ENGLISH): the long s stays
    itself, the Kelvin sign still lower-cases to k."""
    st = matrix(("EITHER", "anonymouſ", "Overall/Administer"), ("USER", "\u212aate", "Job/Build"))
    assert not has_permission(st, ANONYMOUS, "Overall/Administer", version="2.568.2")
    assert not has_permission(st, ANONYMOUS, "Overall/Administer", version="2.576")
    assert has_permission(st, Identity("kate", ("authenticated",), False), "Job/Build", version="2.576")


def test_group_role_everyone_reaches_every_request() -> None:
    """SidACL.toString(EVERYONE) is "role_everyone", checked as a group sid for every request."""
    st = matrix(("GROUP", "ROLE_EVERYONE", "Overall/Read"))
    assert has_permission(st, ANONYMOUS, "Overall/Read") and has_permission(st, ALICE, "Overall/Read")
    assert not has_permission(matrix(("USER", "role_everyone", "Overall/Read")), ANONYMOUS, "Overall/Read")


def test_anonymous_lookalike_over_http(jenkins_sim_factory) -> None:  # type: ignore[no-untyped-def]
    """End to end on the default (pre-SECURITY-3924) simulator: an anonymous request to a
    Jenkins whose matrix grants `userOrGroup: anonymouſ` Overall/Administer may administer."""
    import requests

    sim = jenkins_sim_factory(authorization=matrix(("EITHER", "anonymouſ", "Overall/Administer")))
    assert requests.get(sim.url + "pluginManager/api/json", timeout=5, allow_redirects=False).status_code == 200
    newer = jenkins_sim_factory(version="2.568.2", authorization=matrix(("EITHER", "anonymouſ", "Overall/Administer")))
    assert requests.get(newer.url + "pluginManager/api/json", timeout=5, allow_redirects=False).status_code == 403

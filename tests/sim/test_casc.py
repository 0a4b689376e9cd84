"""Conformance: the JCasC HTTP API, merge, interpolation, validation messages and export.

Source for all unless stated: configuration-as-code-plugin:plugin/src/main/java/io/jenkins/
plugins/casc/ConfigurationAsCode.java (jenkins-facts A).
"""

from __future__ import annotations

import json

import pytest
import requests
import yaml

from tests.jenkins_sim import DEFAULT_PLUGINS, CascError, JenkinsSim

from .helpers import JWT_YAML

AUTH = ("admin", "admin-token")
MATRIX = ("jenkins:\n  authorizationStrategy:\n    globalMatrix:\n      entries:\n"
          "      - user: {name: admin, permissions: [Overall/Administer]}\n")


def post(sim: JenkinsSim, action: str, body: str = "", prefix: str = "") -> requests.Response:
    return requests.post(f"{sim.url}{prefix}configuration-as-code/{action}", data=body.encode(), auth=AUTH,
                         headers={"Content-Type": "application/x-yaml"}, timeout=5, allow_redirects=False)


def test_endpoints_also_under_manage(jenkins_sim: JenkinsSim) -> None:
    """ManagementLink urlName `configuration-as-code`, also resolved under /manage/ (A.1)."""
    assert post(jenkins_sim, "check", "jenkins: {}\n", prefix="manage/").status_code == 200
    r = requests.get(jenkins_sim.url + "manage/configuration-as-code/schema", auth=AUTH, timeout=5)
    assert r.status_code == 200 and r.json()["$schema"].startswith("http://json-schema.org/draft-07")


def test_require_post_gives_405(jenkins_sim: JenkinsSim) -> None:
    """@RequirePOST answers a GET with 405 (testDoConfigure_RequiresPost)."""
    for action in ("apply", "check", "configure", "export", "reload"):
        assert requests.get(jenkins_sim.url + "configuration-as-code/" + action, auth=AUTH, timeout=5).status_code == 405


def test_check_json_list_and_400(jenkins_sim: JenkinsSim) -> None:
    """check since PR #2648: 200 JSON list of {line,message}; any error 400 with line -1 (A.3)."""
    r = post(jenkins_sim, "check", MATRIX)
    assert r.status_code == 200 and r.json() == [] and r.headers["Content-Type"].startswith("application/json")
    r = post(jenkins_sim, "check", "jenkins:\n  securityRealm:\n    jwtAuth: {}\n")
    assert r.status_code == 400
    assert r.json() == [{"line": -1, "message": "securityRealm: No hudson.security.SecurityRealm implementation found for jwtAuth"}]


def test_check_does_not_merge_or_change(jenkins_sim_factory) -> None:  # type: ignore[no-untyped-def]
    """check validates only the posted document (PR #1518) and changes nothing."""
    sim = jenkins_sim_factory(casc_files=["jenkins:\n  systemMessage: on disk\n"])
    assert post(sim, "check", "jenkins:\n  systemMessage: posted\n").status_code == 200
    assert sim.system_message == "on disk"


def test_old_casc_check_500_and_no_configure(jenkins_sim_factory) -> None:  # type: ignore[no-untyped-def]
    """Before PR #2648 errors were 500 HTML and warnings used key `warning`; `configure`
    exists only since PR #2815."""
    sim = jenkins_sim_factory(casc_has_configure=False, casc_json_check=False)
    assert post(sim, "check", "jenkins:\n  securityRealm:\n    jwtAuth: {}\n").status_code == 500
    assert post(sim, "check", MATRIX).json() == []
    assert post(sim, "configure", MATRIX).status_code == 404


def test_apply_200_empty_or_500_hiding_message(jenkins_sim: JenkinsSim) -> None:
    """apply: 200 with an empty body; failure escapes -> 500 error page without the message."""
    r = post(jenkins_sim, "apply", MATRIX)
    assert r.status_code == 200 and r.text == ""
    r = post(jenkins_sim, "apply", "jenkins:\n  securityRealm:\n    jwtAuth: {}\n")
    assert r.status_code == 500 and "implementation found" not in r.text


def test_configure_json_errors(jenkins_sim: JenkinsSim) -> None:
    """configure (PR #2815): 200 text/plain `Configuration successfully applied.`; 400 JSON
    errors; empty body `Request body cannot be empty.`"""
    r = post(jenkins_sim, "configure", MATRIX)
    assert r.status_code == 200 and r.text == "Configuration successfully applied."
    r = post(jenkins_sim, "configure", "")
    assert r.status_code == 400 and r.json() == [{"line": -1, "message": "Request body cannot be empty."}]
    r = post(jenkins_sim, "configure", "jenkins:\n  securityRealm:\n    jwtAuth: {}\n")
    assert r.status_code == 400 and "implementation found for jwtAuth" in r.json()[0]["message"]


def test_casc_permissions(jenkins_sim_factory) -> None:  # type: ignore[no-untyped-def]
    """apply/check/configure need ADMINISTER (configure: `Requires ADMINISTER permission`),
    export SYSTEM_READ, reload MANAGE; each sends a plain 403."""
    from .helpers import matrix
    sim = jenkins_sim_factory(users={"admin": "admin-token", "ro": "r"},
                              authorization=matrix(("USER", "admin", "Overall/Administer"), ("USER", "ro", "Overall/Read")))
    for action in ("apply", "check", "configure", "export", "reload"):
        r = requests.post(sim.url + "configuration-as-code/" + action, data=MATRIX, auth=("ro", "r"), timeout=5)
        assert r.status_code == 403, action
    r = requests.post(sim.url + "configuration-as-code/configure", data=MATRIX, auth=("ro", "r"), timeout=5)
    assert "Requires ADMINISTER permission" in r.text


def test_unknown_attribute_message(jenkins_sim_factory) -> None:  # type: ignore[no-untyped-def]
    """BaseConfigurator.handleUnknown: sorted `Available attributes`, configurator-name prefix (A.4)."""
    sim = jenkins_sim_factory(plugins={**DEFAULT_PLUGINS, "jwt-auth": "0.3.0"})
    r = post(sim, "check", "jenkins:\n  securityRealm:\n    jwtAuth:\n      foo: 1\n")
    assert r.json()[0]["message"] == (
        "jwtAuth: Invalid configuration elements for type: class io.jenkins.plugins.jwt_auth.JwtAuthSecurityRealm : foo.\n"
        "Available attributes : acceptedAudience, acceptedIssuer, allowVerificationFailures, emailClaimName, "
        "fullNameClaim, groupsClaimName, groupsClaimSeparator, headerName, jwksUrl, leewaySeconds, userClaimName")


def test_attribute_keys_case_insensitive(jenkins_sim_factory) -> None:  # type: ignore[no-untyped-def]
    """BaseConfigurator: keys matched with removeIgnoreCase."""
    sim = jenkins_sim_factory(plugins={**DEFAULT_PLUGINS, "jwt-auth": "0.3.0"})
    sim.apply("jenkins:\n  securityRealm:\n    jwtAuth:\n      HEADERNAME: X-A\n")
    assert sim.security_realm.headerName == "X-A"  # type: ignore[union-attr]


def test_unknown_symbol_until_jwt_auth_active(jenkins_sim: JenkinsSim) -> None:
    """HeteroDescribableConfigurator: `No hudson.security.SecurityRealm implementation found for
    jwtAuth` until jwt-auth is installed *and active* (inactive after install until restart)."""
    doc = JWT_YAML.format(jwks="http://127.0.0.1:9/jwks.json")
    with pytest.raises(CascError, match="No hudson.security.SecurityRealm implementation found for jwtAuth"):
        jenkins_sim.check(doc)
    jenkins_sim.install_plugin_now("jwt-auth", "0.3.0", active=False)
    with pytest.raises(CascError, match="implementation found for jwtAuth"):
        jenkins_sim.check(doc)
    jenkins_sim.install_plugin_now("jwt-auth", "0.3.0", active=True)
    jenkins_sim.check(doc)


def test_unknown_root_element(jenkins_sim_factory) -> None:  # type: ignore[no-untyped-def]
    """Unknown root: new text (PR #2875) vs old `No configurator for the following root
    elements:foo`; `x-` roots are ignored."""
    new = jenkins_sim_factory()
    with pytest.raises(CascError, match="No configurator found for the following root element: foo"):
        new.check("foo: 1\n")
    old = jenkins_sim_factory(casc_has_configure=False)
    with pytest.raises(CascError, match="No configurator for the following root elements:foo"):
        old.check("foo: 1\n")
    new.check("x-anchors: &a 1\njenkins: {}\n")


def test_yaml_syntax_error_is_400(jenkins_sim: JenkinsSim) -> None:
    """SnakeYAML errors: check gives 400 with line -1 (A.4)."""
    r = post(jenkins_sim, "check", "jenkins: [\n")
    assert r.status_code == 400 and r.json()[0]["line"] == -1


def test_apply_merges_with_files_on_disk(jenkins_sim_factory) -> None:  # type: ignore[no-untyped-def]
    """configureWith: standard sources (CASC_JENKINS_CONFIG) + posted YAML, merged by
    ErrorOnConflictMergeStrategy: mappings merged, sequences concatenated."""
    disk = ("jenkins:\n  systemMessage: from disk\n  authorizationStrategy:\n    globalMatrix:\n      entries:\n"
            "      - user: {name: admin, permissions: [Overall/Administer]}\n")
    sim = jenkins_sim_factory(casc_files=[disk])
    r = post(sim, "apply", "jenkins:\n  authorizationStrategy:\n    globalMatrix:\n      entries:\n"
             "      - group: {name: authenticated, permissions: [Overall/Read]}\n")
    assert r.status_code == 200
    assert sim.authorization.grants == {("USER", "admin"): {"Overall/Administer"}, ("GROUP", "authenticated"): {"Overall/Read"}}
    assert sim.system_message == "from disk"


def test_merge_conflict_on_any_shared_scalar(jenkins_sim_factory) -> None:  # type: ignore[no-untyped-def]
    """ErrorOnConflictMergeStrategy: a scalar in both sources fails even when equal:
    `Found conflicting configuration at YamlSource: ... line N, column M`."""
    sim = jenkins_sim_factory(casc_files=["jenkins:\n  systemMessage: same\n"])
    with pytest.raises(CascError) as e:
        sim.apply("jenkins:\n  systemMessage: same\n")
    assert e.value.message.startswith("Found conflicting configuration at YamlSource: /configuration-as-code/apply")
    assert "line 2, column 18" in e.value.message
    r = post(sim, "configure", "jenkins:\n  systemMessage: same\n")
    assert r.status_code == 400 and "Found conflicting configuration" in r.json()[0]["message"]


def test_merge_incompatible_kinds(jenkins_sim_factory) -> None:  # type: ignore[no-untyped-def]
    """Mismatched node kinds: `Found incompatible configuration elements`."""
    sim = jenkins_sim_factory(casc_files=["jenkins:\n  systemMessage: a\n"])
    with pytest.raises(CascError, match="Found incompatible configuration elements"):
        sim.apply("jenkins:\n  systemMessage: [a]\n")


def test_failed_validation_changes_nothing(jenkins_sim: JenkinsSim) -> None:
    """apply validates the merged document on a copy (checkWith) before configuring."""
    before = jenkins_sim.export_yaml()
    r = post(jenkins_sim, "apply", MATRIX.replace("Overall/Administer", "Overall/Nope") + "  systemMessage: x\n")
    assert r.status_code == 500 and jenkins_sim.export_yaml() == before


def test_interpolation_env_secrets_default_and_escape(jenkins_sim_factory) -> None:  # type: ignore[no-untyped-def]
    """SecretSourceResolver: env, /run/secrets/NAME (trimmed), `:-default`, `^${` escape,
    unresolved -> "" with a WARNING (A.5)."""
    sim = jenkins_sim_factory(env={"ROUTE": "jenkins.example.com"}, secrets={"ISS": " iss.example.com\n"})
    sim.apply('jenkins:\n  systemMessage: "${ROUTE}|${ISS}|${NOPE:-dflt}|^${ROUTE}|${MISSING}|${base64:ab}"\n')
    assert sim.system_message == "jenkins.example.com|iss.example.com|dflt|${ROUTE}||YWI="
    assert any("Found unresolved variable 'MISSING'" in w for w in sim.casc_log)


def test_reload_reapplies_files(jenkins_sim_factory) -> None:  # type: ignore[no-untyped-def]
    """reload (MANAGE): re-applies the standard sources, redirects; error -> error page, 200."""
    sim = jenkins_sim_factory(casc_files=["jenkins:\n  systemMessage: one\n"])
    sim.casc_files[0] = (sim.casc_files[0][0], "jenkins:\n  systemMessage: two\n")
    r = post(sim, "reload")
    assert r.status_code == 302 and sim.system_message == "two"
    sim.casc_files[0] = (sim.casc_files[0][0], "jenkins:\n  nope: 1\n")
    r = post(sim, "reload")
    assert r.status_code == 200 and "Invalid configuration elements" in r.text


def test_token_reload(jenkins_sim_factory) -> None:  # type: ignore[no-untyped-def]
    """TokenReloadAction: no token configured 404, wrong token 401, otherwise reload."""
    sim = jenkins_sim_factory(casc_files=["jenkins:\n  systemMessage: one\n"])
    assert requests.post(sim.url + "reload-configuration-as-code/?casc-reload-token=x", timeout=5).status_code == 404
    sim.env["CASC_RELOAD_TOKEN"] = "sekrit"
    assert requests.post(sim.url + "reload-configuration-as-code/?casc-reload-token=x", timeout=5).status_code == 401
    assert requests.post(sim.url + "reload-configuration-as-code/?casc-reload-token=sekrit", timeout=5).status_code == 200


def test_export_format(jenkins_sim_factory, pomerium_side) -> None:  # type: ignore[no-untyped-def]
    """Export (A.6): keys sorted, strings double-quoted, ints/bools plain, every non-null
    jwtAuth constructor field, matrix entries userOrGroup/group/user then by name, permissions
    sorted; `${` exported as `^${`; POST with application/x-yaml + attachment."""
    sim = jenkins_sim_factory(plugins={**DEFAULT_PLUGINS, "jwt-auth": "0.3.0"})
    sim.apply(JWT_YAML.format(jwks=pomerium_side.jwks_url).replace("      - user:\n", "      - userOrGroup:\n"
              "          name: zed\n          permissions: [Job/Read, Agent/Build]\n      - user:\n")
              + '  systemMessage: "^${KEEP}"\n')
    text = sim.export_yaml()  # API tokens no longer work under jwtAuth; HTTP export tested below
    assert f"""\
  authorizationStrategy:
    globalMatrix:
      entries:
      - userOrGroup:
          name: "zed"
          permissions:
          - "Agent/Build"
          - "Job/Read"
      - group:
          name: "authenticated"
          permissions:
          - "Overall/Read"
      - user:
          name: "admin@example.com"
          permissions:
          - "Overall/Administer"
""" in text
    assert f"""\
  securityRealm:
    jwtAuth:
      acceptedAudience: "jenkins.example.com"
      acceptedIssuer: "jenkins.example.com"
      allowVerificationFailures: false
      groupsClaimName: "groups"
      headerName: "X-Pomerium-Jwt-Assertion"
      jwksUrl: "{pomerium_side.jwks_url}"
      leewaySeconds: 5
      userClaimName: "email"
  systemMessage: "^${{KEEP}}"
""" in text
    assert "groupsClaimSeparator" not in text  # null strings omitted
    # the export round-trips through apply (on a fresh controller)
    fresh = jenkins_sim_factory(plugins={**DEFAULT_PLUGINS, "jwt-auth": "0.3.0"})
    fresh.apply(text)
    assert fresh.export_yaml() == sim.export_yaml()
    assert yaml.safe_load(text)["jenkins"]["numExecutors"] == 2


def test_export_local_and_logged_in(jenkins_sim: JenkinsSim) -> None:
    """Local realm and loggedInUsersCanDoAnything in export form; POST export answers
    application/x-yaml as an attachment."""
    r = post(jenkins_sim, "export")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/x-yaml; charset=utf-8"
    assert r.headers["Content-Disposition"] == "attachment; filename=jenkins.yaml"
    assert r.text == jenkins_sim.export_yaml()
    doc = yaml.safe_load(r.text)
    assert doc["jenkins"]["securityRealm"] == {"local": {"allowsSignup": False, "users": [{"id": "admin"}]}}
    assert doc["jenkins"]["authorizationStrategy"] == {"loggedInUsersCanDoAnything": {"allowAnonymousRead": False}}


def test_authorization_before_realm_and_halfway_failure(jenkins_sim_factory, pomerium_side) -> None:  # type: ignore[no-untyped-def]
    """A failure during the configure phase leaves a partial change: JCasC configures
    authorizationStrategy before securityRealm (fault: fail_apply_halfway)."""
    sim = jenkins_sim_factory(plugins={**DEFAULT_PLUGINS, "jwt-auth": "0.3.0"})
    sim.fail_apply_halfway()
    r = post(sim, "apply", JWT_YAML.format(jwks=pomerium_side.jwks_url))
    assert r.status_code == 500
    assert sim.authorization.kind == "globalMatrix"
    assert sim.security_realm.class_name == "hudson.security.HudsonPrivateSecurityRealm"
    r = post(sim, "check", "jenkins: {}\n")
    assert r.status_code == 403  # admin lost Administer: the half-applied matrix has no `admin`
    assert json.loads(requests.get(sim.url + "whoAmI/api/json", auth=AUTH, timeout=5).text)["name"] == "admin"


SOURCES = "println(groovy.json.JsonOutput.toJson(io.jenkins.plugins.casc.ConfigurationAsCode.get().getSources()))"


def _sources(sim: JenkinsSim) -> str:
    return requests.post(sim.url + "scriptText", data={"script": SOURCES}, auth=AUTH, timeout=5).text


def test_sources_are_what_jcasc_configured_from(jenkins_sim_factory) -> None:  # type: ignore[no-untyped-def]
    """ConfigurationAsCode.getSources(): CASC_JENKINS_CONFIG split on commas and trimmed
    (getStandardConfig, inputToCandidateSources: ConfigurationAsCode.java:413-459); none without
    it (and without $JENKINS_HOME/jenkins.yaml). The simulator's files stand for the variable
    by their folders (the Helm chart names the sidecar's folder)."""
    assert _sources(jenkins_sim_factory()) == "[]\n"
    sim = jenkins_sim_factory(casc_files=[("/var/jenkins_home/casc_configs/a.yaml", "jenkins: {}\n"),
                                          ("/var/jenkins_home/casc_configs/b.yaml", "jenkins: {}\n")])
    assert json.loads(_sources(sim)) == ["/var/jenkins_home/casc_configs"]
    sim = jenkins_sim_factory(casc_files=["jenkins: {}\n"], env={"CASC_JENKINS_CONFIG": " /etc/casc/jenkins.yaml, https://x/j.yaml ,"})
    assert json.loads(_sources(sim)) == ["/etc/casc/jenkins.yaml", "https://x/j.yaml"]


def test_sources_script_without_the_plugin_fails_like_groovy(jenkins_sim_factory) -> None:  # type: ignore[no-untyped-def]
    plugins = {k: v for k, v in DEFAULT_PLUGINS.items() if k != "configuration-as-code"}
    out = _sources(jenkins_sim_factory(plugins=plugins))
    assert out.startswith("groovy.lang.MissingPropertyException") and "\tat Script1" in out
def test_script_console_walk_of_the_jcasc_sources(jenkins_sim_factory) -> None:  # type: ignore[no-untyped-def]
    """The script console answers a walk of ConfigurationAsCode.get().getSources()
    (configuration-as-code-plugin@2115.vf6de120eef70 ConfigurationAsCode.java:165-167, expanded
    with configs(), :800-822) as Groovy would: per file, which listed `jenkins` keys it has."""
    import requests

    from jcasc_gen.live.disk import SECTIONS_SCRIPT as SCRIPT  # the shape of script this answers; the answer comes from casc_files

    sim = jenkins_sim_factory(casc_files=[("/casc/a.yaml", "jenkins:\n  securityRealm:\n    local: {}\n  systemMessage: x\n")])
    sim.casc_files.append(("/casc/b.yaml", "jenkins: [\n"))  # broken since the start
    r = requests.post(sim.url + "scriptText", data={"script": SCRIPT}, auth=("admin", "admin-token"), timeout=5)
    assert r.status_code == 200
    assert r.text.splitlines() == [
        'jcasc-gen-source {"source":"/casc/a.yaml","sections":["securityRealm"]}',
        'jcasc-gen-source {"source":"/casc/b.yaml","error":"org.yaml.snakeyaml.scanner.ScannerException"}',
        "jcasc-gen-sources-end",
    ]

"""Conformance: plugin manager, update center installation and restart.

Sources: jenkins: core/src/main/java/hudson/PluginManager.java, hudson/PluginWrapper.java,
hudson/model/UpdateCenter.java, hudson/util/HudsonIsLoading.java, jenkins/model/Jenkins.java
(doSafeRestart); jenkins-facts D.4/D.5.
"""

from __future__ import annotations

import requests

from tests.jenkins_sim import CascError, JenkinsSim

from .helpers import JWT_YAML, Client, wait_until

AUTH = ("admin", "admin-token")
XML = '<jenkins><install plugin="jwt-auth@0.3.0"/></jenkins>'


def _uc(sim: JenkinsSim, depth: int = 1) -> dict:  # type: ignore[type-arg]
    return requests.get(sim.url + f"updateCenter/api/json?depth={depth}", auth=AUTH, timeout=5).json()


def test_plugin_manager_depth(jenkins_sim: JenkinsSim) -> None:
    """PluginWrapper @Exported fields; depth=0 gives near-empty plugin objects (D.4)."""
    d0 = requests.get(jenkins_sim.url + "pluginManager/api/json?depth=0", auth=AUTH, timeout=5).json()
    assert d0["plugins"] == [{}, {}]
    d2 = requests.get(jenkins_sim.url + "pluginManager/api/json?depth=2", auth=AUTH, timeout=5).json()
    casc = next(p for p in d2["plugins"] if p["shortName"] == "configuration-as-code")
    assert casc["active"] is True and casc["enabled"] is True and casc["longName"] == "Configuration as Code Plugin"
    assert {"active", "enabled", "shortName", "longName", "version", "hasUpdate", "supportsDynamicLoad"} <= set(casc)


def test_plugin_manager_needs_system_read(jenkins_sim_factory) -> None:  # type: ignore[no-untyped-def]
    """PluginManager.getApi(): SYSTEM_READ (disabled by default, so Administer)."""
    from .helpers import matrix
    sim = jenkins_sim_factory(users={"admin": "admin-token", "ro": "r"},
                              authorization=matrix(("USER", "admin", "Overall/Administer"), ("USER", "ro", "Overall/Read")))
    assert requests.get(sim.url + "pluginManager/api/json", auth=("ro", "r"), timeout=5).status_code == 403


def test_install_necessary_plugins_and_update_center_jobs(jenkins_sim: JenkinsSim) -> None:
    """doInstallNecessaryPlugins: POST XML `<install plugin="name@version"/>` (ADMINISTER),
    redirect; UpdateCenter jobs: InstallationJob with status.type Pending/Installing/
    SuccessButRequiresRestart; the plugin is installed but inactive until restart."""
    r = requests.post(jenkins_sim.url + "pluginManager/installNecessaryPlugins", data=XML, auth=AUTH,
                      headers={"Content-Type": "text/xml"}, timeout=5, allow_redirects=False)
    assert r.status_code == 302 and r.headers["Location"].endswith("pluginManager/updates/")
    jobs = _uc(jenkins_sim)["jobs"]
    assert len(jobs) == 1 and jobs[0]["type"] == "InstallationJob" and jobs[0]["name"] == "jwt-auth"
    assert jobs[0]["status"]["type"] in ("Pending", "Installing", "SuccessButRequiresRestart")
    wait_until(lambda: _uc(jenkins_sim)["jobs"][0]["status"]["type"] == "SuccessButRequiresRestart")
    uc = _uc(jenkins_sim)
    assert uc["restartRequiredForCompletion"] is True
    assert uc["jobs"][0]["status"]["_class"] == "hudson.model.UpdateCenter$DownloadJob$SuccessButRequiresRestart"
    assert uc["jobs"][0]["status"]["success"] is True
    assert _uc(jenkins_sim, depth=0)["jobs"] == [{"_class": "hudson.model.UpdateCenter$InstallationJob"}]
    p = jenkins_sim.plugins["jwt-auth"]
    assert p.version == "0.3.0" and p.active is False


def test_install_get_is_405_and_needs_admin(jenkins_sim: JenkinsSim) -> None:
    """@RequirePOST; prevalidateConfig checks ADMINISTER."""
    r = requests.get(jenkins_sim.url + "pluginManager/installNecessaryPlugins", auth=AUTH, timeout=5)
    assert r.status_code == 405


def test_already_installed_or_unknown_plugin_gets_no_job(jenkins_sim: JenkinsSim) -> None:
    """prevalidateConfig: nothing to do if installed at >= the version; unknown to the update
    center: skipped with a log warning."""
    body = '<jenkins><install plugin="matrix-auth@1.0"/><install plugin="nosuch@1.0"/></jenkins>'
    requests.post(jenkins_sim.url + "pluginManager/installNecessaryPlugins", data=body, auth=AUTH, timeout=5)
    assert _uc(jenkins_sim)["jobs"] == []


def test_failed_install_job(jenkins_sim: JenkinsSim) -> None:
    """DownloadJob.Failure status."""
    jenkins_sim.fail_plugin_install("jwt-auth")
    requests.post(jenkins_sim.url + "pluginManager/installNecessaryPlugins", data=XML, auth=AUTH, timeout=5)
    wait_until(lambda: _uc(jenkins_sim)["jobs"][0]["status"]["type"] == "Failure")
    assert _uc(jenkins_sim)["jobs"][0]["status"]["success"] is False


def test_safe_restart_activates_plugins(jenkins_sim_factory, pomerium_side) -> None:  # type: ignore[no-untyped-def]
    """POST /safeRestart (Manage) redirects; while starting every request is 503
    (HudsonIsLoading); afterwards new plugins are active, so `jwtAuth` becomes a known symbol."""
    sim = jenkins_sim_factory(restart_seconds=0.15)
    requests.post(sim.url + "pluginManager/installNecessaryPlugins", data=XML, auth=AUTH, timeout=5)
    wait_until(lambda: sim.plugins.get("jwt-auth") is not None and sim.plugin_manager.restart_required())
    doc = JWT_YAML.format(jwks=pomerium_side.jwks_url)
    try:
        sim.check(doc)
        raise AssertionError("jwtAuth should be unknown before restart")
    except CascError:
        pass
    r = requests.post(sim.url + "safeRestart", auth=AUTH, timeout=5, allow_redirects=False)
    assert r.status_code == 302
    wait_until(lambda: requests.get(sim.url + "api/json", auth=AUTH, timeout=5).status_code == 503)
    wait_until(lambda: requests.get(sim.url + "api/json", auth=AUTH, timeout=5).status_code == 200)
    assert sim.plugins["jwt-auth"].active is True and sim.restart_count == 1
    sim.check(doc)


def test_safe_restart_get_and_permission(jenkins_sim_factory) -> None:  # type: ignore[no-untyped-def]
    """GET shows the confirmation page (since 2.414); POST needs Overall/Manage."""
    from .helpers import matrix
    sim = jenkins_sim_factory(users={"admin": "admin-token", "ro": "r"},
                              authorization=matrix(("USER", "admin", "Overall/Administer"), ("USER", "ro", "Overall/Read")))
    assert requests.get(sim.url + "safeRestart", auth=AUTH, timeout=5).status_code == 200
    assert requests.post(sim.url + "safeRestart", auth=("ro", "r"), timeout=5).status_code == 403
    assert sim.restart_count == 0 and not sim.restarting


def test_restart_invalidates_sessions_and_crumbs(jenkins_sim_factory, pomerium_side) -> None:  # type: ignore[no-untyped-def]
    """Sessions do not survive a restart, so a session-bound crumb stops working (E: python-
    jenkins must reset `crumb`); JCasC re-applies the files on disk at startup."""
    from .helpers import ADMIN, HDR, jwt_sim
    sim = jwt_sim(jenkins_sim_factory, pomerium_side)
    sim.casc_files.append(("/casc/a.yaml", "jenkins:\n  systemMessage: from disk\n"))
    c = Client(sim.url, headers={HDR: pomerium_side.mint(ADMIN, [])})
    c.fetch_crumb()
    assert c.post("configuration-as-code/check", data="jenkins: {}\n").status_code == 200
    realm = sim.security_realm
    assert c.post("safeRestart").status_code == 302
    wait_until(lambda: sim.restart_count == 1)
    assert c.post("configuration-as-code/check", data="jenkins: {}\n").status_code == 403
    c.fetch_crumb()
    assert c.post("configuration-as-code/check", data="jenkins: {}\n").status_code == 200
    assert sim.system_message == "from disk"
    assert sim.security_realm is not realm  # new realm instance: new JWKS resolver


def test_restart_refusing_connections(jenkins_sim_factory) -> None:  # type: ignore[no-untyped-def]
    """While the JVM is down the port refuses connections (restart_refuses_connections)."""
    sim = jenkins_sim_factory(restart_seconds=0.15, restart_refuses_connections=True)
    # not following the redirect: under load its GET can land once the port is already closed
    requests.post(sim.url + "safeRestart", auth=AUTH, timeout=5, allow_redirects=False)

    def refused() -> bool:
        try:
            requests.get(sim.url + "whoAmI/api/json", timeout=1)
            return False
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError):
            # a GET answered while the port closes is cut mid-body: the connection went away too
            return True

    wait_until(refused)
    wait_until(lambda: not refused())
    assert sim.restart_count == 1


def _restart(sim: JenkinsSim) -> None:
    n = sim.restart_count
    requests.post(sim.url + "safeRestart", auth=AUTH, timeout=5)
    wait_until(lambda: sim.restart_count == n + 1)


def test_a_restart_does_not_enable_a_disabled_plugin(jenkins_sim: JenkinsSim) -> None:
    """jenkinsci/jenkins@jenkins-2.568.2 core/src/main/java/hudson/PluginWrapper.java:516
    (`active = !disableFile.exists()` at start) and :925-927 (isEnabled); doMakeEnabled
    (:1346-1350, ADMINISTER) removes the disable file, effective at the next start."""
    jenkins_sim.disable_plugin("matrix-auth")
    _restart(jenkins_sim)
    p = jenkins_sim.plugins["matrix-auth"]
    assert (p.enabled, p.active) == (False, False)
    _restart(jenkins_sim)
    assert jenkins_sim.plugins["matrix-auth"].active is False  # still: no restart enables it
    r = requests.post(jenkins_sim.url + "pluginManager/plugin/matrix-auth/makeEnabled", auth=AUTH, timeout=5)
    assert r.status_code == 200
    assert (p.enabled, p.active) == (True, False)  # enabled now, loaded at the next start
    _restart(jenkins_sim)
    assert p.active is True


def test_install_skips_a_version_the_update_center_does_not_offer(jenkins_sim: JenkinsSim) -> None:
    """PluginManager.java:2215-2234 prevalidateConfig: UpdateCenter.getPlugin(name, requested)
    (UpdateCenter.java:735-746, 779-782) is null when the site offers only an older version:
    the plugin is skipped, no job, a WARNING in the log."""
    xml = '<jenkins><install plugin="jwt-auth@0.4.0"/><install plugin="matrix-auth@9.9"/></jenkins>'
    r = requests.post(jenkins_sim.url + "pluginManager/installNecessaryPlugins", data=xml, auth=AUTH,
                      headers={"Content-Type": "text/xml"}, timeout=5, allow_redirects=False)
    assert r.status_code == 302
    assert _uc(jenkins_sim)["jobs"] == [] and "jwt-auth" not in jenkins_sim.plugins
    assert jenkins_sim.plugins["matrix-auth"].version == "3.2.8"
    assert jenkins_sim.plugin_manager.log == ["No such plugin jwt-auth to install", "No such plugin matrix-auth to upgrade"]


def test_a_plugin_attribute_without_version_is_malformed(jenkins_sim: JenkinsSim) -> None:
    """PluginManager.java:2310-2312: `[^@]+@[^@]+` or SAXException("Malformed plugin attribute")."""
    r = requests.post(jenkins_sim.url + "pluginManager/installNecessaryPlugins", data='<jenkins><install plugin="jwt-auth"/></jenkins>',
                      auth=AUTH, headers={"Content-Type": "text/xml"}, timeout=5, allow_redirects=False)
    assert r.status_code == 500 and _uc(jenkins_sim)["jobs"] == []


def test_update_center_lists_what_it_offers(jenkins_sim: JenkinsSim) -> None:
    """UpdateSite @Exported availables (not installed, UpdateSite.java:429) and updates
    (installed, newer offered: PluginWrapper.getUpdateInfo, PluginWrapper.java:1054-1059)."""
    r = requests.get(jenkins_sim.url + "updateCenter/api/json",
                     params={"tree": "sites[id,availables[name,version],updates[name,version]]"}, auth=AUTH, timeout=5)
    site = r.json()["sites"][0]
    assert site["id"] == "default"
    offered = {p["name"]: p["version"] for p in site["availables"] + site["updates"]}
    assert offered["jwt-auth"] == "0.3.0" and offered["matrix-auth"] == "3.2.9"
    assert "configuration-as-code" in {p["name"] for p in site["updates"]}
    assert "jwt-auth" not in {p["name"] for p in site["updates"]}

"""Conformance: the whole apply/verify path a deployment tool walks, with python-jenkins 1.8.3.

Each step follows a behaviour tested on its own elsewhere: installNecessaryPlugins + update
center jobs (hudson/PluginManager.java, hudson/model/UpdateCenter.java), safeRestart and the
503 while starting (hudson/util/HudsonIsLoading.java), JCasC check/apply
(configuration-as-code-plugin ConfigurationAsCode.java), API tokens dying under jwt-auth and
verification with a JWT (jwt-auth-plugin JwtAuthSecurityRealm.java, jenkins-facts B.3).
"""

from __future__ import annotations

import time

import jenkins
import pytest
import requests

from tests.jenkins_sim import JenkinsSim, PomeriumSide

from .helpers import ADMIN, HDR, JWT_YAML, wait_until


def _wait_up(url: str) -> None:
    def up() -> bool:
        try:
            return requests.get(url + "whoAmI/api/json", timeout=1).status_code == 200
        except requests.ConnectionError:
            return False

    wait_until(up)


def test_install_restart_apply_verify(jenkins_sim: JenkinsSim, pomerium_side: PomeriumSide) -> None:
    """Install jwt-auth, restart, check + apply the JCasC (the last API-token call), then verify
    with a Pomerium assertion: the JWT user is admin, the API token is now anonymous."""
    url = jenkins_sim.url
    s = jenkins.Jenkins(url, "admin", "admin-token")
    assert s.get_whoami()["id"] == "admin"
    s.jenkins_open(requests.Request("POST", url + "pluginManager/installNecessaryPlugins",
                                    data=b'<jenkins><install plugin="jwt-auth@0.3.0"/></jenkins>',
                                    headers={"Content-Type": "text/xml"}))
    wait_until(lambda: jenkins_sim.plugin_manager.restart_required())
    s.jenkins_open(requests.Request("POST", url + "safeRestart"))
    wait_until(lambda: jenkins_sim.restart_count == 1)
    _wait_up(url)
    s.crumb = None  # python-jenkins never refreshes its crumb by itself (E)
    doc = JWT_YAML.format(jwks=pomerium_side.jwks_url).encode()
    hdrs = {"Content-Type": "application/x-yaml"}
    assert s.jenkins_request(requests.Request("POST", url + "configuration-as-code/check", data=doc, headers=hdrs)).json() == []
    assert s.jenkins_open(requests.Request("POST", url + "configuration-as-code/apply", data=doc, headers=hdrs)) == ""
    with pytest.raises(jenkins.JenkinsException, match=r"\[403\]"):
        s.get_whoami()  # the API token is anonymous now
    v = jenkins.Jenkins(url)
    v._session.headers[HDR] = pomerium_side.mint(ADMIN, ["jenkins-admins"])
    assert v.get_whoami()["id"] == ADMIN
    assert v.get_plugins()["jwt-auth"]["active"] is True
    assert v.jenkins_request(requests.Request("POST", url + "configuration-as-code/check", data=doc, headers=hdrs)).json() == []


def test_wait_for_normal_op_connection_error_escapes(jenkins_sim_factory) -> None:  # type: ignore[no-untyped-def]
    """python-jenkins wait_for_normal_op catches only (KeyError, JenkinsException): a refused
    connection while Jenkins is down escapes (jenkins-facts E)."""
    sim = jenkins_sim_factory(restart_seconds=0.3, restart_refuses_connections=True)
    s = jenkins.Jenkins(sim.url, "admin", "admin-token")
    s.get_whoami()
    s.jenkins_open(requests.Request("POST", sim.url + "safeRestart"))
    wait_until(lambda: sim.restart_phase == "down")
    with pytest.raises(requests.ConnectionError):
        s.wait_for_normal_op(1)
    _wait_up(sim.url)


def test_casc_endpoints_absent_without_plugin(jenkins_sim_factory) -> None:  # type: ignore[no-untyped-def]
    """The JCasC ManagementLink only exists with configuration-as-code active."""
    sim = jenkins_sim_factory(plugins={"matrix-auth": "3.2.8"})
    r = requests.post(sim.url + "configuration-as-code/check", data="a: 1", auth=("admin", "admin-token"), timeout=5)
    assert r.status_code == 404

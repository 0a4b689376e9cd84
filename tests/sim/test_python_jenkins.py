"""Conformance: python-jenkins 1.8.3 sees the same exceptions as against real Jenkins
(jenkins-facts E: jenkins/__init__.py jenkins_request error mapping)."""

from __future__ import annotations

import jenkins
import pytest
import requests

from tests.jenkins_sim import JenkinsSim

from .helpers import ADMIN, HDR, jwt_sim, wait_until

MATRIX = ("jenkins:\n  authorizationStrategy:\n    globalMatrix:\n      entries:\n"
          "      - user: {name: admin, permissions: [Overall/Administer]}\n")


def _post(server: jenkins.Jenkins, path: str, body: str) -> requests.Response:
    return server.jenkins_request(requests.Request("POST", server._build_url(path), data=body.encode(),
                                                   headers={"Content-Type": "application/x-yaml"}))


def test_401_is_jenkins_exception(jenkins_sim: JenkinsSim) -> None:
    """401 -> JenkinsException('Error in request. Possibly authentication failed [401]...')."""
    with pytest.raises(jenkins.JenkinsException, match=r"\[401\]"):
        jenkins.Jenkins(jenkins_sim.url, "admin", "wrong").get_whoami()


def test_403_anonymous_me_is_jenkins_exception(jenkins_sim: JenkinsSim) -> None:
    """get_whoami() is GET me/api/json; anonymous -> 403 -> JenkinsException."""
    with pytest.raises(jenkins.JenkinsException, match=r"\[403\]"):
        jenkins.Jenkins(jenkins_sim.url).get_whoami()


def test_get_version_without_auth_resolution(jenkins_sim: JenkinsSim) -> None:
    """get_version() calls _request directly (no auth resolution): on a fresh client the
    anonymous 403 becomes BadHTTPException; after another call it returns X-Jenkins."""
    s = jenkins.Jenkins(jenkins_sim.url, "admin", "admin-token")
    with pytest.raises(jenkins.BadHTTPException):
        s.get_version()
    s.get_whoami()
    assert s.get_version() == "2.516.3"


def test_500_is_jenkins_exception(jenkins_sim: JenkinsSim) -> None:
    """JCasC apply failure -> 500 -> JenkinsException."""
    s = jenkins.Jenkins(jenkins_sim.url, "admin", "admin-token")
    with pytest.raises(jenkins.JenkinsException, match=r"\[500\]"):
        _post(s, "configuration-as-code/apply", "jenkins:\n  securityRealm:\n    jwtAuth: {}\n")
    assert _post(s, "configuration-as-code/apply", MATRIX).text == ""


def test_404_is_not_found_exception(jenkins_sim: JenkinsSim) -> None:
    """404 -> NotFoundException."""
    s = jenkins.Jenkins(jenkins_sim.url, "admin", "admin-token")
    with pytest.raises(jenkins.NotFoundException):
        s.jenkins_open(requests.Request("GET", s._build_url("nosuch/api/json")))


def test_400_is_raw_http_error(jenkins_sim: JenkinsSim) -> None:
    """400 (JCasC check error) re-raises the raw requests HTTPError; the JSON is in e.response."""
    s = jenkins.Jenkins(jenkins_sim.url, "admin", "admin-token")
    with pytest.raises(requests.HTTPError) as e:
        _post(s, "configuration-as-code/check", "jenkins:\n  securityRealm:\n    jwtAuth: {}\n")
    assert not isinstance(e.value, jenkins.JenkinsException)
    assert "implementation found for jwtAuth" in e.value.response.json()[0]["message"]


def test_connection_error_unwrapped(jenkins_sim: JenkinsSim) -> None:
    """requests.ConnectionError is not wrapped."""
    s = jenkins.Jenkins(jenkins_sim.url, "admin", "admin-token")
    s.get_whoami()
    jenkins_sim.drop_next("/me/api/json")
    with pytest.raises(requests.ConnectionError):
        s.get_whoami()


def test_503_while_restarting_is_raw_http_error(jenkins_sim: JenkinsSim) -> None:
    """503 is not in the 401/403/500 list: raw HTTPError from jenkins_open; get_whoami wraps
    HTTPError into BadHTTPException."""
    s = jenkins.Jenkins(jenkins_sim.url, "admin", "admin-token")
    s.get_whoami()
    jenkins_sim.restart_never_returns()
    s.jenkins_open(requests.Request("POST", s._build_url("safeRestart")))
    wait_until(lambda: jenkins_sim.restarting)
    with pytest.raises(requests.HTTPError) as e:
        s.jenkins_open(requests.Request("GET", s._build_url("api/json")))
    assert e.value.response.status_code == 503
    assert not isinstance(e.value, jenkins.JenkinsException)
    with pytest.raises(jenkins.BadHTTPException):
        s.get_whoami()


def test_get_plugins_keys(jenkins_sim: JenkinsSim) -> None:
    """get_plugins(depth=2) keys entries by (shortName, longName)."""
    s = jenkins.Jenkins(jenkins_sim.url, "admin", "admin-token")
    plugins = s.get_plugins()
    assert plugins["matrix-auth"]["version"] == "3.2.8"
    assert plugins["Configuration as Code Plugin"]["active"] is True


def test_jwt_client_with_crumb_and_cookies(jenkins_sim_factory, pomerium_side) -> None:  # type: ignore[no-untyped-def]
    """A JWT through _session.headers: python-jenkins fetches the crumb once, sends it on every
    request and keeps the session cookie, so POSTs pass the CSRF check (E, D.5)."""
    sim = jwt_sim(jenkins_sim_factory, pomerium_side)
    s = jenkins.Jenkins(sim.url)
    s._session.headers[HDR] = pomerium_side.mint(ADMIN, ["admins"])
    assert s.get_whoami()["id"] == ADMIN
    assert _post(s, "configuration-as-code/check", "jenkins: {}\n").json() == []
    assert s.run_script("println(Jenkins.instance.securityRealm.class.name)") == "io.jenkins.plugins.jwt_auth.JwtAuthSecurityRealm"
    # run_script appends print(")]}.") so a bare last expression prints no `Result:` line
    assert s.run_script("Jenkins.instance.securityRealm.class.name") == ")]}"


def test_install_plugin_index_error(jenkins_sim: JenkinsSim) -> None:
    """python-jenkins install_plugin parses `Result:` that never comes (print is last): IndexError
    (jenkins-facts E) — the scriptText output rule reproduces it."""
    import time
    s = jenkins.Jenkins(jenkins_sim.url, "admin", "admin-token")
    orig = time.sleep
    time.sleep = lambda *_: None  # install_plugin sleeps 2 s
    try:
        with pytest.raises(IndexError):
            s.install_plugin("jwt-auth")
    finally:
        time.sleep = orig
    assert "jwt-auth" in [j.plugin for j in jenkins_sim.plugin_manager.jobs]

"""Conformance: lifecycle and the request pipeline (Basic -> JWT -> Overall/Read -> crumb -> endpoint)."""

from __future__ import annotations

from typing import Any

import subprocess
import sys

import requests

from tests.jenkins_sim import JenkinsSim

from .helpers import ADMIN, HDR, Client, jwt_sim, matrix, whoami


def test_fixture_starts_on_random_port_and_tears_down() -> None:
    """Lifecycle (issue 3): start() binds 127.0.0.1 on a free port, URL ends with `/`,
    stop() closes the socket."""
    sim = JenkinsSim()
    url = sim.start()
    assert url.startswith("http://127.0.0.1:") and url.endswith("/")
    assert requests.get(url + "whoAmI/api/json", timeout=5).status_code == 200
    sim.stop()
    try:
        requests.get(url + "whoAmI/api/json", timeout=1)
        raise AssertionError("still serving")
    except requests.ConnectionError:
        pass


def test_command_prints_url() -> None:
    """`python -m tests.jenkins_sim --port N` prints its URL and serves until stopped."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    p = subprocess.Popen([sys.executable, "-m", "tests.jenkins_sim", "--port", str(port), "--user", "bob:tok"],
                         stdout=subprocess.PIPE, text=True)
    try:
        line = p.stdout.readline()  # type: ignore[union-attr]
        assert f"http://127.0.0.1:{port}/" in line
        assert whoami(f"http://127.0.0.1:{port}/", auth=("bob", "tok"))["name"] == "bob"
    finally:
        p.terminate()
        p.wait(5)


def test_basic_bad_api_token_is_401(jenkins_sim: JenkinsSim) -> None:
    """jenkins: core/src/main/java/jenkins/security/BasicHeaderProcessor.java — invalid
    credentials: 401 with `WWW-Authenticate: Basic realm="Jenkins"`, even on unprotected URLs."""
    r = requests.get(jenkins_sim.url + "whoAmI/api/json", auth=("admin", "wrong"), timeout=5)
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == 'Basic realm="Jenkins"'
    assert "Invalid password/token for user: admin" in r.text


def test_basic_api_token_authenticates_case_insensitively(jenkins_sim: JenkinsSim) -> None:
    """BasicHeaderApiTokenAuthenticator; users resolved through IdStrategy.CASE_INSENSITIVE."""
    me = whoami(jenkins_sim.url, auth=("ADMIN", "admin-token"))
    assert me == {"_class": "hudson.security.WhoAmI", "anonymous": False, "authenticated": True,
                  "authorities": ["authenticated"], "name": "admin"}


def test_whoami_anonymous_is_authenticated_true(jenkins_sim: JenkinsSim) -> None:
    """jenkins: core/src/main/java/hudson/security/WhoAmI.java — UnprotectedRootAction;
    anonymous shows authenticated:true (AnonymousAuthenticationToken), jenkins-facts D.1."""
    assert whoami(jenkins_sim.url) == {"_class": "hudson.security.WhoAmI", "anonymous": True,
                                       "authenticated": True, "authorities": ["anonymous"], "name": "anonymous"}


def test_anonymous_denial_is_403_with_headers(jenkins_sim: JenkinsSim) -> None:
    """jenkins: core/src/main/java/hudson/security/HudsonAuthenticationEntryPoint.java — 403 (not
    401) "Authentication required", X-You-Are-Authenticated-As and the X-Jenkins headers (D.3/D.6)."""
    for path in ("", "api/json", "crumbIssuer/api/json", "me/api/json", "configuration-as-code/export", "nosuch"):
        r = requests.get(jenkins_sim.url + path, timeout=5)
        assert r.status_code == 403, path
        assert r.headers["X-You-Are-Authenticated-As"] == "anonymous"
        assert r.headers["X-Required-Permission"] == "hudson.model.Hudson.Read"
        assert r.headers["X-Jenkins"] == "2.516.3"
        assert "Authentication required" in r.text


def test_authenticated_without_permission_is_access_denied(jenkins_sim_factory) -> None:  # type: ignore[no-untyped-def]
    """hudson/security/AccessDeniedHandlerImpl.java: 403 naming the user and the permission."""
    sim = jenkins_sim_factory(users={"admin": "t1", "bob": "t2"},
                              authorization=matrix(("USER", "admin", "Overall/Administer")))
    r = requests.get(sim.url + "api/json", auth=("bob", "t2"), timeout=5)
    assert r.status_code == 403
    assert r.headers["X-You-Are-Authenticated-As"] == "bob"
    assert "bob is missing the Overall/Read permission" in r.text


def test_root_and_api_json_carry_version_headers(jenkins_sim: JenkinsSim) -> None:
    """hudson/Functions.advertiseHeaders + hudson/model/Api.setHeaders (D.3)."""
    c = Client(jenkins_sim.url, auth=("admin", "admin-token"))
    r = c.get("")
    assert r.status_code == 200 and r.headers["X-Jenkins"] == "2.516.3" and r.headers["X-Hudson"] == "1.395"
    j = c.get("api/json")
    assert j.headers["X-Content-Type-Options"] == "nosniff"
    assert j.json()["_class"] == "hudson.model.Hudson" and j.json()["useCrumbs"] is True


def test_me_api_json(jenkins_sim: JenkinsSim) -> None:
    """jenkins/model/Jenkins.java getMe(): the User bean; anonymous is denied (D.6)."""
    c = Client(jenkins_sim.url, auth=("admin", "admin-token"))
    me = c.get("me/api/json").json()
    assert me["_class"] == "hudson.model.User" and me["id"] == "admin"
    assert requests.get(jenkins_sim.url + "me/api/json", timeout=5).status_code == 403


def test_crumb_issuer_body(jenkins_sim: JenkinsSim) -> None:
    """hudson/security/csrf/DefaultCrumbIssuer.java — body as jenkins-facts D.2; issuing a
    crumb creates a session (JSESSIONID cookie)."""
    c = Client(jenkins_sim.url, auth=("admin", "admin-token"))
    r = c.get("crumbIssuer/api/json")
    body = r.json()
    assert set(body) == {"_class", "crumb", "crumbRequestField"}
    assert body["_class"] == "hudson.security.csrf.DefaultCrumbIssuer"
    assert body["crumbRequestField"] == "Jenkins-Crumb"
    assert "JSESSIONID" in r.cookies


def test_api_token_post_is_crumb_exempt(jenkins_sim: JenkinsSim) -> None:
    """jenkins: jenkins/security/ApiCrumbExclusion.java — API-token requests need no crumb."""
    r = requests.post(jenkins_sim.url + "configuration-as-code/check", data="jenkins: {}\n",
                      auth=("admin", "admin-token"), timeout=5)
    assert r.status_code == 200, r.text


def test_jwt_post_needs_crumb_bound_to_user_and_session(jenkins_sim_factory, pomerium_side) -> None:  # type: ignore[no-untyped-def]
    """hudson/security/csrf/CrumbFilter.java + DefaultCrumbIssuer.java: a JWT request is not
    exempt; the crumb is bound to the user name and the session cookie (D.2, D.5)."""
    sim = jwt_sim(jenkins_sim_factory, pomerium_side)
    tok = pomerium_side.mint(ADMIN, ["admins"])
    c = Client(sim.url, headers={HDR: tok})
    r = c.post("configuration-as-code/check", data="jenkins: {}\n")
    assert r.status_code == 403 and "No valid crumb was included in the request" in r.text
    crumb = c.fetch_crumb()
    assert c.post("configuration-as-code/check", data="jenkins: {}\n").status_code == 200
    # the same crumb without the session cookie is rejected
    other = Client(sim.url, headers={HDR: tok, "Jenkins-Crumb": crumb})
    assert other.post("configuration-as-code/check", data="jenkins: {}\n").status_code == 403
    # ... and so is the same session used by another user
    c.s.headers[HDR] = pomerium_side.mint("bob@example.com", ["admins"])
    sim.authorization.add("USER", "bob@example.com", "Overall/Administer")
    assert c.post("configuration-as-code/check", data="jenkins: {}\n").status_code == 403


def test_crumb_in_form_field(jenkins_sim_factory, pomerium_side) -> None:  # type: ignore[no-untyped-def]
    """CrumbFilter.java: the crumb may also come as a form parameter (which consumes a form body)."""
    sim = jwt_sim(jenkins_sim_factory, pomerium_side)
    c = Client(sim.url, headers={HDR: pomerium_side.mint(ADMIN, [])})
    crumb = c.fetch_crumb()
    del c.s.headers["Jenkins-Crumb"]
    r = c.post("scriptText", data={"script": 'println "hi"', "Jenkins-Crumb": crumb})
    assert r.status_code == 200 and r.text == "hi\n"


def test_endpoint_permission_after_read(jenkins_sim_factory) -> None:  # type: ignore[no-untyped-def]
    """The endpoint's own permission: /scriptText needs Administer (Jenkins._doScript, D.5)."""
    sim = jenkins_sim_factory(users={"admin": "t1", "bob": "t2"}, authorization=matrix(
        ("USER", "admin", "Overall/Administer"), ("USER", "bob", "Overall/Read")))
    r = requests.post(sim.url + "scriptText", data={"script": "println 1"}, auth=("bob", "t2"), timeout=5)
    assert r.status_code == 403 and r.headers["X-Required-Permission"] == "hudson.model.Hudson.Administer"


def test_script_text_output_rule(jenkins_sim: JenkinsSim) -> None:
    """hudson/util/RemotingDiagnostics.java Script.call: printed output, then `Result: x` only
    for a non-null last expression; a GET with `script` is 405; errors are 200 stack traces."""
    auth = ("admin", "admin-token")
    post = lambda s: requests.post(jenkins_sim.url + "scriptText", data={"script": s}, auth=auth, timeout=5)  # noqa: E731
    assert post("Jenkins.instance.securityRealm.class.name").text == "Result: hudson.security.HudsonPrivateSecurityRealm\n"
    assert post('println("x")').text == "x\n"
    bad = post("Jenkins.instance.doSomethingUnknown()")
    assert bad.status_code == 200 and "Exception" in bad.text
    assert requests.get(jenkins_sim.url + "scriptText", params={"script": "1"}, auth=auth, timeout=5).status_code == 405


def test_script_url_fetch_is_real_and_fails_like_the_jdk(jenkins_sim: JenkinsSim, pomerium_side: Any) -> None:
    """`new URL(u).getText()` fetches from the controller (JDK sun/net/www/protocol/http/
    HttpURLConnection.java: 404 -> FileNotFoundException, unreachable -> ConnectException),
    the probe apply's guard uses to ask whether Jenkins itself reaches the JWKS."""
    auth = ("admin", "admin-token")
    post = lambda s: requests.post(jenkins_sim.url + "scriptText", data={"script": s}, auth=auth, timeout=10).text  # noqa: E731
    kid = pomerium_side.jwks()["keys"][0]["kid"]
    assert post(f"println(new URL('{pomerium_side.jwks_url}').getText().contains('{kid}'))") == "true\n"
    assert post(f"println(new URL('{pomerium_side.jwks_url}').getText().contains('no-such-kid'))") == "false\n"
    assert post(f"println(new URL('{pomerium_side.jwks_url}x').getText().contains('{kid}'))").startswith("java.io.FileNotFoundException: ")
    assert post("println(new URL('http://127.0.0.1:1/jwks').getText().contains('k'))").startswith("java.net.ConnectException")


def test_unknown_url_404_after_read(jenkins_sim: JenkinsSim) -> None:
    """Stapler: no such object -> 404 (for a user with Overall/Read)."""
    assert requests.get(jenkins_sim.url + "nosuch/thing", auth=("admin", "admin-token"), timeout=5).status_code == 404


def test_crumb_filter_runs_before_overall_read(jenkins_sim_factory, pomerium_side) -> None:  # type: ignore[no-untyped-def]
    """jenkinsci/jenkins@jenkins-2.568.2 core/src/main/resources/META-INF/web-fragment.xml:159-169:
    the authentication filter, then the CSRF filter (CrumbFilter.java:124-156), both before
    Stapler dispatches to Jenkins.getTarget() (Jenkins.java:5217, the Overall/Read check).
    So a POST whose JWT was rejected (an anonymous request, which cannot fetch a crumb) gets
    "No valid crumb", not "Authentication required"; a GET still gets the Read denial."""
    from .helpers import HDR, jwt_sim

    sim = jwt_sim(jenkins_sim_factory, pomerium_side)
    forged = pomerium_side.mint_with_foreign_key("admin@example.com", [])
    c = Client(sim.url, headers={HDR: forged})
    assert c.get("crumbIssuer/api/json").status_code == 403  # anonymous: no Overall/Read, no crumb
    r = c.post("configuration-as-code/check", data="jenkins: {}\n")
    assert r.status_code == 403 and "No valid crumb was included in the request" in r.text
    assert "X-You-Are-Authenticated-As" not in r.headers
    g = c.get("api/json")
    assert g.status_code == 403 and g.headers["X-You-Are-Authenticated-As"] == "anonymous"

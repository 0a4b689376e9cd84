"""The client against hostile or surprising HTTP: a refused JWT meeting the CSRF filter,
redirects to another origin, oversized and trickling answers, credentials in URLs."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from jcasc_gen.client import Auth, Connection, Denied, JenkinsClient
from tests.jenkins_sim import JenkinsSim, PomeriumSide
from tests.sim.helpers import HDR, jwt_sim


def test_refused_jwt_post_is_blamed_on_the_jwt_not_the_crumb(jenkins_sim_factory: Callable[..., JenkinsSim],
                                                             pomerium_side: PomeriumSide) -> None:
    # the CSRF filter runs before the Overall/Read check, so a POST whose JWT Jenkins rejected
    # is answered "No valid crumb"; the client asks /whoAmI before it blames the crumb
    sim = jwt_sim(jenkins_sim_factory, pomerium_side)
    forged = pomerium_side.mint_with_foreign_key("admin@example.com", [])
    client = JenkinsClient(Connection(sim.url, timeout=5, retries=0), Auth.jwt(HDR, forged, "admin@example.com"))
    with pytest.raises(Denied) as caught:
        client.casc_export()
    text = str(caught.value)
    assert "treated as anonymous" in text and "crumb" not in text.split("hint:")[0], text
    assert "issuer, audience and expiry" in text


def test_a_real_crumb_refusal_is_still_called_one(jenkins_sim_factory: Callable[..., JenkinsSim],
                                                 pomerium_side: PomeriumSide) -> None:
    sim = jwt_sim(jenkins_sim_factory, pomerium_side)
    client = JenkinsClient(Connection(sim.url, timeout=5, retries=0),
                           Auth.jwt(HDR, pomerium_side.mint("admin@example.com", [], expires_in=600), "admin@example.com"))
    import uuid

    sim.crumb_for = lambda name, sid: uuid.uuid4().hex  # type: ignore[method-assign]  # no crumb ever validates
    with pytest.raises(Denied) as caught:
        client.casc_export()
    assert "the CSRF crumb was refused" in str(caught.value)


# ------------------------------------------------------------------------------------------
# Redirects: credentials never follow one to another origin (issue 10 class 5)

TOKEN = ("admin", "admin-token")


def _clients(sim: JenkinsSim, side: PomeriumSide) -> dict[str, JenkinsClient]:
    conn = Connection(sim.url, timeout=5, retries=0)
    return {
        "token": JenkinsClient(conn, Auth.api_token(*TOKEN)),
        "jwt": JenkinsClient(conn, Auth.jwt(HDR, side.mint("admin@example.com", [], expires_in=600), "admin@example.com")),
    }


CALLS: dict[str, Callable[[JenkinsClient], Any]] = {
    "GET /": lambda c: c.version(),
    "GET /whoAmI/api/json": lambda c: c.whoami(),
    "POST /configuration-as-code/export": lambda c: c.casc_export(),
    "POST /configuration-as-code/configure": lambda c: c.casc_apply("jenkins: {}\n", use_configure=True),
    "GET /crumbIssuer/api/json": lambda c: c.casc_apply("jenkins: {}\n", use_configure=True),  # the crumb fetch
}


@pytest.mark.parametrize("kind", ["token", "jwt"])
@pytest.mark.parametrize("call", list(CALLS))
@pytest.mark.parametrize("target", ["recorder", "recorder-307", "localhost-alias"])
def test_no_credential_follows_a_redirect_to_another_origin(jenkins_sim_factory: Callable[..., JenkinsSim],
                                                           pomerium_side: PomeriumSide, header_recorder: Any,
                                                           kind: str, call: str, target: str) -> None:
    sim = jwt_sim(jenkins_sim_factory, pomerium_side) if kind == "jwt" else jenkins_sim_factory()
    client = _clients(sim, pomerium_side)[kind]
    path = call.split(" ", 1)[1]
    # another port on the same host, and the same port under another host name: both are
    # other origins
    location = {"recorder": header_recorder.url + "stolen", "recorder-307": header_recorder.url + "stolen",
                "localhost-alias": f"http://localhost:{header_recorder.url.rsplit(':', 1)[1]}stolen"}[target]
    sim.redirect_next(path, location, count=5, status=307 if target == "recorder-307" else 302)
    try:
        CALLS[call](client)
    except Exception as exc:  # the call may fail (it must not leak); what it says is checked below
        if path != "/crumbIssuer/api/json":
            assert "another origin" in str(exc) and "127.0.0.1" in str(exc) or "localhost" in str(exc), str(exc)
    assert header_recorder.requests == [], "a request followed the redirect to another origin"


def test_same_origin_redirects_are_still_followed(jenkins_sim: JenkinsSim) -> None:
    client = JenkinsClient(Connection(jenkins_sim.url, timeout=5, retries=0), Auth.api_token(*TOKEN))
    jenkins_sim.redirect_next("/whoAmI/api/json", jenkins_sim.url.replace("127.0.0.1", "127.0.0.1") + "whoAmI/api/json?again=1")
    assert client.whoami().name == "admin"


def test_a_redirect_to_https_on_the_same_host_is_another_origin(jenkins_sim: JenkinsSim) -> None:
    client = JenkinsClient(Connection(jenkins_sim.url, timeout=5, retries=0), Auth.api_token(*TOKEN))
    jenkins_sim.redirect_next("/whoAmI/api/json", jenkins_sim.url.replace("http://", "https://") + "whoAmI/api/json")
    with pytest.raises(Exception) as caught:
        client.whoami()
    assert "redirected to another origin (https://127.0.0.1:" in str(caught.value)
    assert "pass the address Jenkins answers on directly as --url" in str(caught.value)


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from jcasc_gen import transport  # noqa: E402

_SCHEMES = st.sampled_from(["http", "https", "HTTP", "Https"])
_HOSTS = st.sampled_from(["jenkins.example.com", "JENKINS.example.com", "jenkins.example.com.evil.test", "127.0.0.1",
                          "localhost", "[::1]", "xn--jnkins-bva.example.com", "jenkins.example.co"])
_PORTS = st.sampled_from([None, 80, 443, 8080, 8443])
_USERINFO = st.sampled_from(["", "user@", "user:pass@", "jenkins.example.com@"])
_PATHS = st.sampled_from(["/", "/login", "//evil.test/x", "/a?b=c#d", ""])


def _effective(scheme: str, host: str, port: int | None) -> tuple[str, str, int]:
    scheme = scheme.lower()
    return scheme, host.lower().strip("[]"), port if port is not None else {"http": 80, "https": 443}[scheme]


@settings(max_examples=300, deadline=None)
@given(_SCHEMES, _HOSTS, _PORTS, _SCHEMES, _HOSTS, _PORTS, _USERINFO, _PATHS)
def test_same_origin_is_scheme_host_and_effective_port(s1: str, h1: str, p1: int | None, s2: str, h2: str, p2: int | None,
                                                       userinfo: str, path: str) -> None:
    a = f"{s1}://{h1}" + (f":{p1}" if p1 else "") + "/"
    b = f"{s2}://{userinfo}{h2}" + (f":{p2}" if p2 else "") + path
    assert transport.same_origin(a, b) == (_effective(s1, h1, p1) == _effective(s2, h2, p2))


# ------------------------------------------------------------------------------------------
# Bounded answers (issue 10 class 8): a whole request within --timeout, a capped body


@pytest.mark.parametrize("head", [False, True])
def test_a_trickling_answer_cannot_hold_a_request_past_the_timeout(jenkins_sim: JenkinsSim, head: bool) -> None:
    # every byte arrives well within the timeout; only the whole exchange is slow
    client = JenkinsClient(Connection(jenkins_sim.url, timeout=0.4, retries=0), Auth.api_token(*TOKEN))
    jenkins_sim.trickle_next("/api/json", seconds=4.0, head=head)
    from jcasc_gen.client import Unreachable

    with pytest.raises(Unreachable) as caught:
        client.call("GET", "api/json", what="reading")
    assert caught.value.timed_out and "no complete answer to GET /api/json within 0.4s" in str(caught.value)


@pytest.mark.parametrize("declared", [False, True])
def test_an_oversized_answer_is_an_error_not_a_memory_exhaustion(jenkins_sim: JenkinsSim, declared: bool) -> None:
    from jcasc_gen.client import ServerError

    client = JenkinsClient(Connection(jenkins_sim.url, timeout=30, retries=0), Auth.api_token(*TOKEN))
    # an endless body, or one that declares 10 GiB up front
    jenkins_sim.oversize_next("/api/json", size=10 * 2**30 if declared else None, declared=declared)
    with pytest.raises(ServerError) as caught:
        client.call("GET", "api/json", what="reading")
    assert "larger than 64 MiB; it was not read" in str(caught.value)
    assert client.whoami().name == "admin"  # and the client goes on working


def test_the_documented_bounds_are_the_codes() -> None:
    # docs/apply.md "Guarantees" states these numbers; keep them in step with the code
    import pathlib

    from jcasc_gen.client import Connection
    from jcasc_gen.live.steps.context import ApplyOptions, ApplyRun

    doc = (pathlib.Path(__file__).resolve().parents[2] / "docs" / "apply.md").read_text(encoding="utf-8")
    assert f"every answer body by {transport.MAX_RESPONSE_BYTES // 2**20} MiB" in doc
    assert f"(at most {transport.MAX_REDIRECTS} hops)" in doc
    run = ApplyRun.__new__(ApplyRun)
    run.creds = type("C", (), {"conn": Connection("http://x/", timeout=7.0)})()  # type: ignore[assignment]
    run.opts = ApplyOptions()
    assert run.settle_window == 3 * 7.0 and "by three `--timeout`s" in doc

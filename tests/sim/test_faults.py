"""Conformance: fault injection controlled from tests (issue 3, "Fault injection")."""

from __future__ import annotations

import time

import pytest
import requests

from tests.jenkins_sim import JenkinsSim

from .helpers import Client

AUTH = ("admin", "admin-token")


def test_fail_next_status_count(jenkins_sim: JenkinsSim) -> None:
    """The next N requests to a path fail with the status, then the path works again."""
    jenkins_sim.fail_next("/api/json", count=2, status=503)
    codes = [requests.get(jenkins_sim.url + "api/json", auth=AUTH, timeout=5).status_code for _ in range(3)]
    assert codes == [503, 503, 200]


def test_fail_next_prefix(jenkins_sim: JenkinsSim) -> None:
    """A rule path ending in `*` matches by prefix."""
    jenkins_sim.fail_next("/configuration-as-code/*", status=500)
    assert requests.post(jenkins_sim.url + "configuration-as-code/check", data="a: 1", auth=AUTH, timeout=5).status_code == 500
    assert requests.get(jenkins_sim.url + "api/json", auth=AUTH, timeout=5).status_code == 200


def test_hang_next_past_timeout(jenkins_sim: JenkinsSim) -> None:
    """A hang longer than the client's timeout gives requests.Timeout."""
    jenkins_sim.hang_next("/api/json", seconds=0.3)
    with pytest.raises(requests.Timeout):
        requests.get(jenkins_sim.url + "api/json", auth=AUTH, timeout=0.05)
    assert requests.get(jenkins_sim.url + "api/json", auth=AUTH, timeout=5).status_code == 200


def test_drop_next_connection(jenkins_sim: JenkinsSim) -> None:
    """A dropped connection is a ConnectionError for the client."""
    jenkins_sim.drop_next("/api/json")
    with pytest.raises(requests.ConnectionError):
        requests.get(jenkins_sim.url + "api/json", auth=AUTH, timeout=5)


def test_restart_never_returns(jenkins_sim: JenkinsSim) -> None:
    """A restart that never comes back: 503 (HudsonIsLoading) forever."""
    jenkins_sim.restart_never_returns()
    assert requests.post(jenkins_sim.url + "safeRestart", auth=AUTH, timeout=5).status_code == 200  # redirect to /
    time.sleep(0.15)
    assert jenkins_sim.restarting
    assert requests.get(jenkins_sim.url + "api/json", auth=AUTH, timeout=5).status_code == 503
    assert jenkins_sim.restart_count == 0


def test_expire_crumbs(jenkins_sim_factory, pomerium_side) -> None:  # type: ignore[no-untyped-def]
    """A crumb that expires: the issued crumb stops validating; a fresh one works."""
    from .helpers import ADMIN, HDR, jwt_sim
    sim = jwt_sim(jenkins_sim_factory, pomerium_side)
    c = Client(sim.url, headers={HDR: pomerium_side.mint(ADMIN, [])})
    c.fetch_crumb()
    sim.expire_crumbs()
    assert c.post("configuration-as-code/check", data="jenkins: {}\n").status_code == 403
    c.fetch_crumb()
    assert c.post("configuration-as-code/check", data="jenkins: {}\n").status_code == 200


def test_a_delayed_change_lands_after_the_client_gave_up(jenkins_sim: JenkinsSim) -> None:
    """delay_changes: the configure request runs on after its client timed out (Jetty does
    not stop a running request when the client disconnects), so the change lands late."""
    import requests

    jenkins_sim.delay_changes(0.6)
    try:
        requests.post(jenkins_sim.url + "configuration-as-code/configure", data="jenkins:\n  systemMessage: late\n",
                      auth=("admin", "admin-token"), headers={"Content-Type": "application/x-yaml"}, timeout=0.2)
        raise AssertionError("the answer should have been late")
    except requests.Timeout:
        pass
    assert jenkins_sim.system_message is None
    from .helpers import wait_until

    wait_until(lambda: jenkins_sim.system_message == "late")

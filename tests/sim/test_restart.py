"""Conformance: a safe restart is asynchronous and a restart is visible as a new
X-Jenkins-Session.

Sources (jenkinsci/jenkins@jenkins-2.568.2):
- core/src/main/java/jenkins/model/Jenkins.java:4670-4697 safeRestart: quietDownInfo is set
  before the response; the "safe-restart thread" runs doQuietDown(block=true, timeout=0)
  (4142-4160: polls RestartListener.isAllReady every second, for as long as it takes), gives
  up when the quiet down was cancelled, else serves HudsonIsRestarting for 10 s and restarts.
- core/src/main/java/hudson/model/RestartListener.java:51-65: ready when no executor is busy.
- core/src/main/java/hudson/util/HudsonIsRestarting.java:58-61: 503 for every request.
- core/src/main/java/jenkins/model/Jenkins.java:5625 SESSION_HASH (per JVM start), sent as
  X-Jenkins-Session by hudson/model/Api.java:310 and hudson/Functions.java:2553.
- core/src/main/java/hudson/model/ComputerSet.java:202-216 @Exported busyExecutors.
"""

from __future__ import annotations

from typing import Any, Callable

import requests

from tests.jenkins_sim import JenkinsSim

from .helpers import wait_until

AUTH = ("admin", "admin-token")


def _get(sim: JenkinsSim, path: str) -> requests.Response:
    return requests.get(sim.url + path, auth=AUTH, timeout=5)


def test_session_header_on_api_and_on_anonymous_denial(jenkins_sim: JenkinsSim) -> None:
    api = _get(jenkins_sim, "api/json")
    denied = requests.get(jenkins_sim.url + "api/json", timeout=5)
    assert api.status_code == 200 and denied.status_code == 403
    assert api.headers["X-Jenkins-Session"] == denied.headers["X-Jenkins-Session"]


def test_safe_restart_waits_for_running_builds_then_503_then_new_session(
        jenkins_sim_factory: Callable[..., JenkinsSim]) -> None:
    sim = jenkins_sim_factory(restart_notice_seconds=0.3, restart_seconds=0.1)
    before = _get(sim, "api/json").headers["X-Jenkins-Session"]
    build = sim.start_build()
    assert requests.post(sim.url + "safeRestart", auth=AUTH, timeout=5, allow_redirects=False).status_code == 302
    # quieting down: Jenkins answers normally, for as long as the build runs
    for _ in range(5):
        r = _get(sim, "api/json?tree=quietingDown")
        assert r.status_code == 200 and r.json() == {"_class": "hudson.model.Hudson", "quietingDown": True}
        assert r.headers["X-Jenkins-Session"] == before
        assert _get(sim, "computer/api/json").json()["busyExecutors"] == 1
    build.finish()
    wait_until(lambda: _get(sim, "api/json").status_code == 503)
    assert "Restarting" in _get(sim, "api/json").text  # HudsonIsRestarting, not HudsonIsLoading
    wait_until(lambda: _get(sim, "api/json").status_code == 200)
    after = _get(sim, "api/json")
    assert after.headers["X-Jenkins-Session"] != before and after.json()["quietingDown"] is False
    assert sim.restart_count == 1


def test_cancelled_quiet_down_cancels_the_safe_restart(jenkins_sim_factory: Callable[..., Any]) -> None:
    sim = jenkins_sim_factory()
    before = _get(sim, "api/json").headers["X-Jenkins-Session"]
    build = sim.start_build()
    requests.post(sim.url + "safeRestart", auth=AUTH, timeout=5, allow_redirects=False)
    assert _get(sim, "api/json").json()["quietingDown"] is True
    requests.post(sim.url + "cancelQuietDown", auth=AUTH, timeout=5, allow_redirects=False)
    build.finish()
    wait_until(lambda: sim.restart_phase is None)
    r = _get(sim, "api/json")
    assert r.status_code == 200 and r.headers["X-Jenkins-Session"] == before and sim.restart_count == 0


def test_tree_parameter_prunes_the_answer(jenkins_sim: JenkinsSim) -> None:
    """Stapler's `tree`: only the named properties (nested with [...]), plus `_class`."""
    r = _get(jenkins_sim, "api/json?tree=quietingDown,primaryView[name]")
    assert r.json() == {"_class": "hudson.model.Hudson", "quietingDown": False,
                        "primaryView": {"_class": "hudson.model.AllView", "name": "all"}}

"""The simulator's request gauge (a test instrument, not a Jenkins behaviour): it counts the
requests being answered, across every simulator that shares it."""

from __future__ import annotations

import threading
from typing import Any, Callable

import requests

from tests.jenkins_sim import JenkinsSim
from tests.jenkins_sim.gauge import Gauge

AUTH = ("admin", "admin-token")


def test_a_shared_gauge_counts_requests_in_flight_across_simulators(jenkins_sim_factory: Callable[..., JenkinsSim]) -> None:
    shared = Gauge()
    sims = [jenkins_sim_factory(gauge=shared) for _ in range(3)]
    # each answer waits until all three requests are in: they overlap for certain
    arrived = threading.Barrier(3, timeout=5)
    for sim in sims:
        sim.before_next("/api/json", lambda _sim: arrived.wait())
    codes: list[int] = []

    def get(sim: Any) -> None:
        codes.append(requests.get(sim.url + "api/json", auth=AUTH, timeout=10).status_code)

    threads = [threading.Thread(target=get, args=(s,)) for s in sims]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert codes == [200, 200, 200] and shared.settle()
    assert (shared.peak, shared.current, shared.total) == (3, 0, 3)
    requests.get(sims[0].url + "api/json", auth=AUTH, timeout=10)
    assert (shared.peak, shared.total) == (3, 4)  # one at a time adds to the total, not the peak


def test_each_simulator_has_its_own_gauge_by_default(jenkins_sim_factory: Callable[..., JenkinsSim]) -> None:
    a, b = jenkins_sim_factory(), jenkins_sim_factory()
    requests.get(a.url + "api/json", auth=AUTH, timeout=10)
    assert a.gauge.settle()
    assert (a.gauge.total, b.gauge.total, a.gauge.peak) == (1, 0, 1)
    a.gauge.reset()
    assert (a.gauge.total, a.gauge.peak) == (0, 0)

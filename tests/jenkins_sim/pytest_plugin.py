"""pytest fixtures: `jenkins_sim`, `jenkins_sim_factory`, `pomerium_side`, `header_recorder`.

Register with `pytest_plugins = ["tests.jenkins_sim.pytest_plugin"]` in tests/conftest.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Iterator

import pytest

from .pomerium import PomeriumSide
from .server import JenkinsSim

if TYPE_CHECKING:
    from .recorder import HeaderRecorder


@pytest.fixture
def jenkins_sim_factory() -> Iterator[Callable[..., JenkinsSim]]:
    """Call with JenkinsSim kwargs; returns a started simulator, stopped after the test."""
    made: list[JenkinsSim] = []

    def make(**kwargs: Any) -> JenkinsSim:
        sim = JenkinsSim(**kwargs)
        sim.start()
        made.append(sim)
        return sim

    yield make
    for sim in made:
        sim.stop()


@pytest.fixture
def jenkins_sim(jenkins_sim_factory: Callable[..., JenkinsSim]) -> JenkinsSim:
    """A started JenkinsSim with defaults (admin/admin-token, local realm,
    loggedInUsersCanDoAnything, JCasC + matrix-auth installed, jwt-auth available)."""
    return jenkins_sim_factory()


@pytest.fixture
def pomerium_side() -> Iterator[PomeriumSide]:
    """A started fake Pomerium JWKS server with an ES256 and an RS256 key."""
    side = PomeriumSide(rsa_key=True)
    side.start()
    yield side
    side.stop()


@pytest.fixture
def header_recorder() -> Iterator["HeaderRecorder"]:
    """A started second listener (another port) that records the headers it receives."""
    from .recorder import HeaderRecorder

    rec = HeaderRecorder()
    rec.start()
    yield rec
    rec.stop()

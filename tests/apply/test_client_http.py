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

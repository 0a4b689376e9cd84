"""Moving a Jenkins on jwt-auth to the spec's issuer and audience from Python (issue 11 item
1): `Jenkins(current_issuers=..., current_audiences=...)`, the plan's `move`, an apply that
moves the realm, and the input errors, as the command line has them."""

from __future__ import annotations

from typing import Any

import pytest

import jcasc_gen

from .conftest import ADMIN, CANARY_TOKEN, Site

OLD = "jenkins-old.example.com"
NEW = "jenkins.example.com"


def _old_route(make_site: Any) -> Site:
    from tests.jenkins_sim import DEFAULT_PLUGINS, JwtRealm, Strategy

    strategy = Strategy(kind="globalMatrix")
    strategy.add("USER", ADMIN, "Overall/Administer")
    site = make_site(authorization=strategy, plugins={**DEFAULT_PLUGINS, "jwt-auth": "0.3.0"})
    site.sim.security_realm = JwtRealm(headerName="X-Pomerium-Jwt-Assertion", jwksUrl=site.pomerium.jwks_url,
                                       acceptedIssuer=OLD, acceptedAudience=OLD, userClaimName="email",
                                       groupsClaimName="groups", groupsClaimSeparator=",", emailClaimName="email",
                                       fullNameClaim="name", leewaySeconds=30)
    return site


def test_plan_and_apply_move_the_realm(make_site: Any) -> None:
    site = _old_route(make_site)
    spec = jcasc_gen.load(site.spec_path)
    stuck = jcasc_gen.Jenkins(site.sim.url, signing_key=site.key_pem, timeout=5).plan(spec)
    assert stuck.exit_code == 3 and stuck.error is not None
    assert f"it had iss '{NEW}' and aud '{NEW}'" in stuck.error and "the live realm rejects them" in stuck.error
    assert stuck.hint is not None and "--current-issuer" in stuck.hint  # the flags; the API's names are in docs/api.md

    events: list[str] = []
    jenkins = jcasc_gen.Jenkins(site.sim.url, signing_key=site.key_pem, timeout=5, current_issuers=[OLD],
                                current_audiences=[OLD], on_event=events.append)
    plan = jenkins.plan(spec)
    assert plan.exit_code == 1 and plan.realm_changes
    assert plan.move is not None and plan.move["from"]["issuers"] == [OLD] and plan.move["to"]["audiences"] == [NEW]
    assert plan.to_json()["move"] == plan.move
    applied = jenkins.apply(spec, poll_interval=0.02)
    assert applied.ok, applied.to_json()
    assert (site.sim.security_realm.acceptedIssuer, site.sim.security_realm.acceptedAudience) == (NEW, NEW)
    assert any("under the bridge realm" in e for e in events)
    assert jenkins.verify(spec).ok
    after = jenkins.plan(spec)
    assert after.ok and after.move is None
    site.assert_hidden("\n".join(events) + repr(jenkins))


@pytest.mark.parametrize("kw, needle", [
    ({"current_issuers": ["a.example.com,b.example.com"]}, "current_issuers: 'a.example.com,b.example.com': one non-empty value per item"),
    ({"current_audiences": [""]}, "current_audiences: '': one non-empty value per item"),
    ({"current_issuers": [OLD], "signing_key": None, "user": "admin", "token": CANARY_TOKEN},
     "current_issuers: moving a realm needs two tokens"),
])
def test_unusable_current_values_are_a_jcasc_gen_error(site: Site, kw: dict[str, Any], needle: str) -> None:
    args: dict[str, Any] = {"signing_key": site.key_pem, **kw}
    with pytest.raises(jcasc_gen.JcascGenError) as info:
        jcasc_gen.Jenkins(site.sim.url, **args)
    assert needle in str(info.value) and info.value.exit_code == 2, str(info.value)
    assert site.sim.requests == []


def test_one_string_is_not_a_list_of_values(site: Site) -> None:
    with pytest.raises(TypeError):
        jcasc_gen.Jenkins(site.sim.url, signing_key=site.key_pem, current_issuers=OLD)  # type: ignore[arg-type]

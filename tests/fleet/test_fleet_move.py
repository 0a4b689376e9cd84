"""Moving controllers on jwt-auth to the spec's issuer and audience across a fleet (issue 11
item 1 with issue 14's --all): the issuer Pomerium sent before 0.21.3 is one host for every
controller behind it, so `--current-issuer` is shared; an audience is one controller's route
host, so `--current-audience` is refused with several controllers and each moving controller
gets its own values from JCASC_GEN_<NAME>_CURRENT_ISSUER / _CURRENT_AUDIENCE."""

from __future__ import annotations

from typing import Any, Callable

from jcasc_gen.exitcodes import ExitCode
from jcasc_gen.overlay import env_prefix
from tests.apply.conftest import ADMIN

from .conftest import Fleet
from .test_live_fleet import assert_clean_output, table

OLD_ISSUER = "authenticate.example.com"  # what Pomerium before 0.21.3 sent, for every route


def route(name: str) -> str:
    return f"jenkins-{name}.example.com"  # the fleet spec's jenkins.url host: iss and aud since 0.21.3


def jwt_fleet(make_fleet: Callable[..., Fleet], names: list[str]) -> Fleet:
    from tests.jenkins_sim import DEFAULT_PLUGINS

    return make_fleet(names, plugins={**DEFAULT_PLUGINS, "jwt-auth": "0.3.0"})


def on_jwt_auth(f: Fleet, accepted: dict[str, tuple[str, str]]) -> None:
    """Each named controller on jwt-auth, its realm accepting (issuer, audience) and its matrix
    less than the spec's (so the matrix changes too)."""
    from tests.jenkins_sim import JwtRealm, Strategy

    for name, (issuer, audience) in accepted.items():
        sim = f.sims[name]
        strategy = Strategy(kind="globalMatrix")
        strategy.add("USER", ADMIN, "Overall/Administer")
        sim.authorization = strategy
        sim.security_realm = JwtRealm(headerName="X-Pomerium-Jwt-Assertion", jwksUrl=f.pomerium.jwks_url,
                                      acceptedIssuer=issuer, acceptedAudience=audience, userClaimName="email",
                                      groupsClaimName="groups", groupsClaimSeparator=",", emailClaimName="email",
                                      fullNameClaim="name", leewaySeconds=30)


def accepts(f: Fleet, name: str, iss: str, aud: str) -> bool:
    token = f.pomerium.mint(ADMIN, [], overrides={"iss": iss, "aud": aud})
    return not f.sims[name].identify({"X-Pomerium-Jwt-Assertion": token}).anonymous


def test_a_pomerium_upgrade_moves_every_controller_with_one_shared_issuer(make_fleet: Callable[..., Fleet]) -> None:
    f = jwt_fleet(make_fleet, ["alpha", "beta"])
    on_jwt_auth(f, {n: (OLD_ISSUER, route(n)) for n in ("alpha", "beta")})
    stuck = f.live("plan", "--all")
    assert stuck.code == ExitCode.UNREACHABLE
    assert "add --current-issuer authenticate.example.com" in stuck.err, stuck.err
    r = f.live("apply", "--all", "--current-issuer", OLD_ISSUER)
    assert r.code == ExitCode.OK, r.err
    for n in ("alpha", "beta"):
        assert f.sims[n].security_realm.acceptedIssuer == route(n)
        assert accepts(f, n, route(n), route(n)) and not accepts(f, n, OLD_ISSUER, route(n))
    assert_clean_output(f, r.out + r.err)


def test_each_controller_moves_from_its_own_route_with_its_own_variables(make_fleet: Callable[..., Fleet],
                                                                          monkeypatch: Any) -> None:
    f = jwt_fleet(make_fleet, ["alpha", "beta"])
    old = "jenkins-alpha-old.example.com"
    on_jwt_auth(f, {"alpha": (old, old), "beta": (route("beta"), route("beta"))})
    monkeypatch.setenv(env_prefix("alpha") + "CURRENT_ISSUER", old)
    monkeypatch.setenv(env_prefix("alpha") + "CURRENT_AUDIENCE", old)
    plan = f.live("plan", "--all")
    assert plan.code == ExitCode.DIFFERENCES, plan.err
    assert f"alpha: move     the live realm accepts issuers ['{old}'] and audiences ['{old}']" in plan.out
    assert "beta: move" not in plan.out  # beta's realm accepts the spec's values already
    r = f.live("apply", "--all")
    assert r.code == ExitCode.OK, r.err
    assert table(r.out)[1:] == ["alpha       applied  0     2", "beta        applied  0     1"]
    assert accepts(f, "alpha", route("alpha"), route("alpha")) and not accepts(f, "alpha", old, old)
    assert accepts(f, "beta", route("beta"), route("beta"))


def test_a_shared_audience_is_refused_before_any_controller_is_touched(make_fleet: Callable[..., Fleet]) -> None:
    f = make_fleet(["alpha", "beta"])
    r = f.live("plan", "--all", "--current-audience", "jenkins-alpha-old.example.com")
    assert r.code == ExitCode.USAGE
    assert "error: --current-audience names one controller's audience, but 2 controllers are chosen" in r.err
    assert "JCASC_GEN_<NAME>_CURRENT_AUDIENCE" in r.err
    assert all(s.requests == [] for s in f.sims.values())
    # one controller chosen: its audience is meant
    one = f.live("plan", "--controller", "alpha", "--current-audience", "jenkins-alpha-old.example.com")
    assert one.code == ExitCode.DIFFERENCES, one.err

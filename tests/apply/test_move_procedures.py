"""The procedures docs/apply.md ("Moving a running setup") gives for each kind of move, run as
written on the simulator: a new route host with people never locked out, a Pomerium upgrade
across 0.21.3, a new JWKS URL of the same Pomerium, a new signing key, and a live list the
bridge realm cannot widen."""

from __future__ import annotations

from typing import Any, Callable

from jcasc_gen.exitcodes import ExitCode

from .conftest import ADMIN, Env, assert_no_secret, spec_text
from .move_helpers import NEW, OLD_STATES, jwt_jenkins

OLD = "jenkins-old.example.com"
AUTH = "authenticate.example.com"


def administers(env: Env, iss: str, aud: str, pomerium: Any = None) -> bool:
    token = (pomerium or env.pomerium).mint(ADMIN, [], overrides={"iss": iss, "aud": aud})
    who = env.sim.identify({"X-Pomerium-Jwt-Assertion": token})
    return not who.anonymous and env.sim.has_permission(who, "Overall/Administer")


def test_a_new_route_host_without_locking_people_out(make_env: Callable[..., Env], pomerium_side: Any) -> None:
    state = OLD_STATES["route-host"]
    env = jwt_jenkins(make_env, pomerium_side, state)
    # 1. the spec names the new route and, for the transition, both values
    env.write_spec(spec_text(pomerium_side.jwks_url, issuers=[NEW, OLD], extra_jwt=f"  audiences: [{NEW}, {OLD}]\n"))
    # 2. apply with what the realm accepts now: afterwards it accepts both
    run = env.apply(*state.flags)
    assert run.code == ExitCode.OK, run.err
    assert administers(env, OLD, OLD) and administers(env, NEW, NEW)  # people on either side of the Pomerium change
    assert "the bridge realm is the spec's (it accepts the live values too): nothing more to post" in run.err
    assert "realm jwtAuth (the spec's values only)" not in run.err  # one realm posted: the bridge
    assert (f"skip a token for the previous values (iss '{OLD}', aud '{OLD}') is anonymous: the spec's realm still "
            "accepts them") in run.err
    # 3. (Pomerium deployed with the new route) 4. the explicit lists go: apply without flags
    env.write_spec(spec_text(pomerium_side.jwks_url))
    run = env.apply()
    assert run.code == ExitCode.OK, run.err
    assert administers(env, NEW, NEW) and not administers(env, OLD, OLD)
    assert (env.sim.security_realm.acceptedIssuer, env.sim.security_realm.acceptedAudience) == (NEW, NEW)
    assert_no_secret(run, env)


def test_a_pomerium_upgrade_across_0_21_3_through_the_spanning_version(make_env: Callable[..., Env], pomerium_side: Any) -> None:
    state = OLD_STATES["authenticate-host"]
    env = jwt_jenkins(make_env, pomerium_side, state)
    env.write_spec(spec_text(pomerium_side.jwks_url, version="0.21"))  # both issuers (lint JG020)
    run = env.apply("--current-issuer", AUTH)
    assert run.code == ExitCode.OK, run.err
    assert administers(env, AUTH, NEW) and administers(env, NEW, NEW)  # before and after the upgrade
    env.write_spec(spec_text(pomerium_side.jwks_url, version="0.33"))  # Pomerium upgraded
    run = env.apply()
    assert run.code == ExitCode.OK, run.err
    assert env.sim.security_realm.acceptedIssuer == NEW and not administers(env, AUTH, NEW)


def test_the_same_pomerium_at_another_jwks_address_is_a_plain_apply(make_env: Callable[..., Env], pomerium_side: Any) -> None:
    """The realm already accepts the spec's values: no flags, the guard reads the new JWKS."""
    from tests.jenkins_sim import DEFAULT_PLUGINS, JwtRealm, Strategy

    other_address = pomerium_side.jwks_url.replace("127.0.0.1", "localhost")
    strategy = Strategy(kind="globalMatrix")
    strategy.add("USER", ADMIN, "Overall/Administer")
    realm = JwtRealm(headerName="X-Pomerium-Jwt-Assertion", jwksUrl=other_address, acceptedIssuer=NEW, acceptedAudience=NEW,
                     userClaimName="email", groupsClaimName="groups", groupsClaimSeparator=",", emailClaimName="email",
                     fullNameClaim="name", leewaySeconds=30)
    env = make_env(security_realm=realm, authorization=strategy, plugins={**DEFAULT_PLUGINS, "jwt-auth": "0.3.0"})
    plan = env.plan()
    assert plan.code == ExitCode.DIFFERENCES and "move" not in plan.out, plan.out + plan.err
    run = env.apply()
    assert run.code == ExitCode.OK, run.err
    assert env.sim.security_realm.jwksUrl == pomerium_side.jwks_url and administers(env, NEW, NEW)


def test_a_new_signing_key_works_once_pomerium_publishes_it(make_env: Callable[..., Env], pomerium_side: Any) -> None:
    from tests.jenkins_sim import PomeriumSide

    env = make_env()
    assert env.apply().code == ExitCode.OK  # on jwt-auth, with the old key
    new = PomeriumSide()  # the new key (never served: the one Pomerium publishes both)
    env.key.write_text(new.private_key_pem)
    early = env.plan()  # the new key given before Pomerium publishes it
    assert early.code == ExitCode.UNREACHABLE
    assert "does not list the key the token is signed with" in early.err, early.err
    # Pomerium's signing_key: the new key first (it signs with it), the old one second (published too)
    pomerium_side.published.insert(0, new.es256.jwk)
    assert env.plan().code == ExitCode.OK
    assert env.verify().code == ExitCode.OK
    assert administers(env, NEW, NEW, new) and administers(env, NEW, NEW)  # old tokens until they expire
    pomerium_side.published.remove(pomerium_side.es256.jwk)  # the old key dropped later
    assert env.verify().code == ExitCode.OK


def test_a_live_list_the_bridge_cannot_widen_is_refused_before_anything_changes(make_env: Callable[..., Env],
                                                                                pomerium_side: Any) -> None:
    """A value with a comma, quoted in the live setting, would read as two once the bridge joins
    the lists: refused (exit 2) instead of posting a realm that accepts something else."""
    state = OLD_STATES["route-host"]
    env = jwt_jenkins(make_env, pomerium_side, state)
    env.sim.security_realm.acceptedIssuer = f"{OLD},'odd,value'"
    run = env.apply(*state.flags)
    assert run.code == ExitCode.USAGE, run.err
    assert "the bridge realm cannot be written" in run.err and "nothing was changed" in run.err
    assert env.sim.security_realm.acceptedIssuer == f"{OLD},'odd,value'" and administers(env, OLD, OLD)

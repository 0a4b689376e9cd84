"""The lockout guard refuses, before anything is touched (exit 2), every change after which
nobody could administer Jenkins or prove the change worked."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from jcasc_gen.exitcodes import ExitCode
from jcasc_gen.live import guard
from jcasc_gen.live.credentials import PostCredential
from jcasc_gen.live.plan import Plan
from jcasc_gen.model import load_spec_text

from .conftest import ADMIN, Env, assert_no_secret, spec_text

MUTATING = {"/configuration-as-code/configure", "/configuration-as-code/apply", "/pluginManager/installNecessaryPlugins",
            "/safeRestart"}


def assert_untouched(env: Env) -> None:
    assert not [r for r in env.sim.requests if r[0] == "POST" and r[1] in MUTATING and r[1] != "/configuration-as-code/configure"]
    # a `configure` POST with an empty body (the capability probe) changes nothing; no other
    assert env.sim.security_realm.class_name == "hudson.security.HudsonPrivateSecurityRealm"
    assert env.sim.authorization.kind == "loggedInUsersCanDoAnything"
    assert "jwt-auth" not in env.sim.plugins


def test_switch_to_jwt_without_post_switch_credential_is_refused(env: Env) -> None:
    run = env.apply(key=False)
    assert run.code == ExitCode.USAGE
    assert "no post-switch credential" in run.err
    assert "--signing-key-file" in run.err
    assert_untouched(env)
    assert_no_secret(run, env)


def test_post_switch_principal_who_would_not_administer_is_refused(env: Env) -> None:
    run = env.apply("--as", "mallory@example.com")
    assert run.code == ExitCode.USAGE
    assert "would not hold Overall/Administer" in run.err
    assert_untouched(env)


def test_admin_through_a_group_is_accepted_by_the_guard(make_env, pomerium_side) -> None:  # type: ignore[no-untyped-def]
    grants = textwrap.dedent("""\
        - group: jenkins-admins
          permissions: [Overall/Administer]
        - user: bob@example.com
          permissions: [Overall/Read]
        """)
    env = make_env(spec_text(pomerium_side.jwks_url, grants=grants))
    # the default principal is the first *user* admin; there is none, so say who
    run = env.apply("--as", "carol@example.com", "--groups", "jenkins-admins")
    assert run.code == ExitCode.OK, run.err
    # without the group carol administers nothing: no credential works (exit 3), nothing changes
    before = env.sim.export_yaml()
    refused = env.apply("--as", "carol@example.com")
    assert refused.code == ExitCode.UNREACHABLE
    assert "no credential administers Jenkins" in refused.err
    assert env.sim.export_yaml() == before


def test_spec_issuer_that_pomerium_does_not_send_is_refused(make_env, pomerium_side) -> None:  # type: ignore[no-untyped-def]
    # The guide's issuer (the authenticate host) is what Pomerium <= 0.21 sent; 0.33 sends the
    # route host. The lint catches it first (JG008), before any request.
    env = make_env(spec_text(pomerium_side.jwks_url, issuers=["authenticate.example.com"]))
    run = env.apply()
    assert run.code == ExitCode.USAGE
    assert "authenticate.example.com" in run.err and "jenkins.example.com" in run.err
    assert env.sim.requests == []


def test_given_jwt_with_wrong_audience_is_refused(env: Env) -> None:
    token = env.pomerium.mint(ADMIN, [], route_host="jenkins.example.com", overrides={"aud": "other.example.com"})
    run = env.run("apply", str(env.spec), "--url", env.sim.url, "--user", "admin", "--token", "canary-api-token-5b1f0c9e7d",
                  "--jwt", token, "--yes")
    assert run.code == ExitCode.USAGE
    assert "would be treated as anonymous" in run.err and "other.example.com" in run.err
    assert token not in run.text()
    assert_untouched(env)


# --- the guard as a function (cases the lint would stop earlier on the command line) -------

def _spec(grants: str, **kw: Any):  # type: ignore[no-untyped-def]
    return load_spec_text(spec_text("https://jenkins.example.com/.well-known/pomerium/jwks.json", grants=grants, **kw)).spec


SWITCH = Plan(plugins=(), realm_changes=True, strategy_changes=True, current_realm="local", diff="x")


def test_guard_refuses_a_matrix_without_administrator() -> None:
    spec = _spec("- group: authenticated\n  permissions: [Overall/Read]\n")
    refusals = guard.check(spec, SWITCH, None)
    assert any("no administrator" in r.message for r in refusals)


@pytest.mark.parametrize("version,iss_ok", [("0.21.2", False), ("v0.21.0", False), ("0.21", False), ("0.21.3", True),
                                             ("0.21.4", True), ("0.33", True)])
def test_guard_checks_minted_claims_against_the_spec(version: str, iss_ok: bool) -> None:
    # issuers pinned to the route host: right from 0.21.3 (pomerium 3307b9b82), wrong up to
    # 0.21.2 (authenticate host) and for "0.21", which names releases on both sides
    spec = _spec(f"- user: {ADMIN}\n  permissions: [Overall/Administer]\n", version=version, issuers=["jenkins.example.com"])
    from cryptography.hazmat.primitives.asymmetric import ec

    from jcasc_gen.tokens import SigningKey

    post = PostCredential(spec, ADMIN, (), "signing key", key=SigningKey("ES256", "kid", ec.generate_private_key(ec.SECP256R1())))
    refusals = guard.check(spec, SWITCH, post)
    assert (not refusals) is iss_ok
    if not iss_ok:
        assert "authenticate.example.com" in refusals[0].message


def test_given_jwt_from_an_older_pomerium_is_refused(env: Env) -> None:
    # Pomerium 0.21 put the authenticate host in iss; the spec (0.33) accepts the route host
    token = env.pomerium.mint(ADMIN, [], version="0.21.2")
    run = env.run("apply", str(env.spec), "--url", env.sim.url, "--user", "admin", "--token", "canary-api-token-5b1f0c9e7d",
                  "--jwt", token, "--yes")
    assert run.code == ExitCode.USAGE
    assert "iss 'authenticate.example.com' is not among the accepted issuers ['jenkins.example.com']" in run.err
    assert_untouched(env)


@pytest.mark.parametrize("name", ["anonymou\u017f", "ANONYMOU\u017f", "role_everyone", "Role_Everyone"])
def test_anonymous_in_disguise_with_administer_is_refused_before_any_request(make_env, pomerium_side, name: str) -> None:  # type: ignore[no-untyped-def]
    """`user_or_group: anonymouſ` is `anonymous` to Jenkins before SECURITY-3924 (the simulator
    shows every anonymous visitor administering then, tests/sim/test_matrix.py): apply refuses
    it like `anonymous` itself (lint JG013), before touching Jenkins."""
    grants = textwrap.dedent(f"""\
        - user: {ADMIN}
          permissions: [Overall/Administer]
        - user_or_group: "{name}"
          permissions: [Overall/Administer]
        """)
    env = make_env(spec_text(pomerium_side.jwks_url, grants=grants))
    run = env.apply()
    assert run.code == ExitCode.USAGE
    assert "[JG013]" in run.err
    assert env.sim.requests == []

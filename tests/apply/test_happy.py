"""The path a person takes: plan, apply, verify, and apply again (nothing to do)."""

from __future__ import annotations

from jcasc_gen.exitcodes import ExitCode

from .conftest import ADMIN, Env, assert_no_secret


def test_fresh_jenkins_to_jwt_realm_and_matrix(env: Env) -> None:
    plan = env.plan()
    assert plan.code == ExitCode.DIFFERENCES, plan.err
    assert "install jwt-auth 0.3.0" in plan.out
    assert "local -> jwtAuth" in plan.out

    run = env.apply()
    assert run.code == ExitCode.OK, run.err
    assert "[3/8] plugins: installing jwt-auth 0.3.0" in run.err
    assert env.sim.security_realm.class_name.endswith("JwtAuthSecurityRealm")
    assert env.sim.authorization.kind == "globalMatrix"
    assert env.sim.plugins["jwt-auth"].active
    assert_no_secret(run, env)

    token = env.pomerium.mint(ADMIN, [])
    ident = env.sim.identify({"X-Pomerium-Jwt-Assertion": token})
    assert ident.name == ADMIN and not ident.anonymous
    assert env.sim.has_permission(ident, "Overall/Administer")
    # the bridge grant for the API-token user is gone
    assert not any(sid == "admin" for _, sid in env.sim.authorization.grants)

    requests_before = len(env.sim.requests)
    again = env.apply()
    assert again.code == ExitCode.OK, again.err
    assert "nothing to change" in again.err
    # only reads: the export, JCasC's check, the script console's read-only probe of the files on disk
    assert not [r for r in env.sim.requests[requests_before:] if r[0] == "POST" and "export" not in r[1] and "check" not in r[1]
                and r[1] != "/scriptText"]

    assert env.plan(token=False).code == ExitCode.OK
    verify = env.verify(token=False)
    assert verify.code == ExitCode.OK, verify.out + verify.err
    assert "FAIL" not in verify.out
    assert_no_secret(verify, env)

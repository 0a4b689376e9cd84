"""The commands' contracts: dry run, old JCasC, the server-side check, JSON, JUnit, exit
codes, confirmation, and no secret anywhere."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

from jcasc_gen.exitcodes import ExitCode
from tests.jenkins_sim import DEFAULT_PLUGINS

from .conftest import ADMIN, CANARY_TOKEN, Env, assert_no_secret, spec_text

CHANGING = {"/configuration-as-code/apply", "/pluginManager/installNecessaryPlugins", "/safeRestart"}


def _changing_requests(env: Env) -> list[tuple[str, str]]:
    return [r for r in env.sim.requests if r[0] == "POST" and r[1] in CHANGING]


def test_dry_run_changes_nothing_and_checks_offline_when_jwt_auth_is_missing(env: Env) -> None:
    before = env.sim.export_yaml()
    run = env.apply("--dry-run")
    assert run.code == ExitCode.OK, run.err
    assert "would install jwt-auth 0.3.0" in run.err
    assert "the server cannot check yet (jwt-auth not installed); checked offline" in run.err
    assert "dry run: nothing was changed" in run.err
    assert _changing_requests(env) == []
    assert env.sim.export_yaml() == before and "jwt-auth" not in env.sim.plugins


def test_dry_run_uses_the_server_check_when_it_can(make_env: Any, pomerium_side: Any) -> None:
    env = make_env(plugins={**DEFAULT_PLUGINS, "jwt-auth": "0.3.0"})
    run = env.apply("--dry-run")
    assert run.code == ExitCode.OK, run.err
    assert "[5/8] check: passed" in run.err
    assert _changing_requests(env) == [] and env.sim.authorization.kind == "loggedInUsersCanDoAnything"


def test_server_side_check_refusal_is_located_in_the_generated_file(make_env: Any, pomerium_side: Any) -> None:
    text = spec_text(pomerium_side.jwks_url).replace(
        "authorization:\n", "authorization:\n  extra_permissions: [Lockable Resources/Reserve]\n").replace(
        "permissions: [Overall/Read, Job/Read]", "permissions: [Overall/Read, Job/Read, Lockable Resources/Reserve]")
    env = make_env(text)
    run = env.apply()
    assert run.code == ExitCode.USAGE, run.err
    assert "generated/jenkins.yaml" in run.err and "no such permission" in run.err
    assert env.sim.authorization.kind == "loggedInUsersCanDoAnything"
    assert env.sim.security_realm.class_name.endswith("HudsonPrivateSecurityRealm")


def test_old_jcasc_without_configure_uses_apply(make_env: Any) -> None:
    env = make_env(casc_has_configure=False, casc_json_check=False)
    run = env.apply()
    assert run.code == ExitCode.OK, run.err
    assert "apply (this JCasC has no configure endpoint)" in run.err
    assert ("POST", "/configuration-as-code/apply") in env.sim.requests


def test_plan_json_and_exit_codes(env: Env) -> None:
    run = env.plan("--format", "json")
    assert run.code == ExitCode.DIFFERENCES
    data = run.json
    assert data["changed"] and data["restart"] and data["realm_changes"] and data["strategy_changes"]
    assert [p["name"] for p in data["plugins"]] == ["jwt-auth"]
    assert "+    jwtAuth:" in data["diff"]
    assert_no_secret(run, env)
    assert _changing_requests(env) == []


def test_verify_json_junit_and_failure_exit(env: Env) -> None:
    report = env.tmp / "verify.xml"
    before = env.verify("--format", "json", "--junit", str(report))
    assert before.code == ExitCode.DIFFERENCES  # not applied yet: configuration and plugin checks fail
    data = before.json
    assert data["ok"] is False and data["summary"]["failed"] >= 2
    failed = {c["name"] for c in data["checks"] if c["status"] == "failed"}
    assert "configuration: realm and matrix equal the spec" in failed and "plugin jwt-auth >= 0.3.0" in failed
    suite = ET.parse(report).getroot()
    assert suite.tag == "testsuite" and int(suite.get("failures", "0")) == data["summary"]["failed"]

    assert env.apply().code == ExitCode.OK
    after = env.verify("--format", "json", "--junit", str(report))
    assert after.code == ExitCode.OK, after.out
    assert after.json["ok"] is True and after.json["summary"]["skipped"] == 0
    names = [c["name"] for c in after.json["checks"]]
    assert f"JWT {ADMIN}: /whoAmI shows the name and groups" in names
    assert "a token with a wrong issuer is anonymous" in names
    assert ET.parse(report).getroot().get("failures") == "0"
    for run in (before, after):
        assert_no_secret(run, env)
    xml = report.read_text()
    assert CANARY_TOKEN not in xml and "eyJ" not in xml


def test_verify_with_a_given_jwt_skips_what_needs_minting(env: Env) -> None:
    assert env.apply().code == ExitCode.OK
    token = env.pomerium.mint(ADMIN, [])
    run = env.run("verify", str(env.spec), "--url", env.sim.url, "--jwt", token, "--format", "json")
    assert run.code == ExitCode.OK, run.out
    skipped = [c["name"] for c in run.json["checks"] if c["status"] == "skipped"]
    assert "a token with a wrong issuer or audience is anonymous" in skipped
    assert token not in run.text()


def test_wrong_api_token_is_exit_3_without_echoing_it(env: Env) -> None:
    run = env.run("apply", str(env.spec), "--url", env.sim.url, "--user", "admin", "--token", "wrong-canary-token-77",
                  "--signing-key-file", str(env.key), "--yes")
    assert run.code == ExitCode.UNREACHABLE
    assert "refused" in run.err and "wrong-canary-token-77" not in run.text()


def test_unreachable_jenkins_is_exit_3(env: Env) -> None:
    url = env.sim.url
    env.sim.stop()
    run = env.run("plan", str(env.spec), "--url", url, "--user", "admin", "--token", CANARY_TOKEN, "--timeout", "1",
                  "--retry-backoff", "0.01")
    assert run.code == ExitCode.UNREACHABLE
    assert "cannot connect" in run.err and "Traceback" not in run.err


def test_without_yes_and_without_a_terminal_nothing_changes(env: Env) -> None:
    run = env.run("apply", str(env.spec), *env.base())
    assert run.code == ExitCode.USAGE
    assert "use --yes in CI" in run.err
    assert _changing_requests(env) == []


def test_apply_json_report(env: Env) -> None:
    run = env.apply("--format", "json")
    assert run.code == ExitCode.OK, run.err
    data = json.loads(run.out)
    assert data["ok"] and [s["step"] for s in data["steps"]] == ["preflight", "guard", "plugins", "snapshot", "check", "apply", "verify"]
    assert_no_secret(run, env)


def test_token_from_the_environment(env: Env, monkeypatch: Any) -> None:
    monkeypatch.setenv("JENKINS_URL", env.sim.url)
    monkeypatch.setenv("JENKINS_USER_ID", "admin")
    monkeypatch.setenv("JENKINS_API_TOKEN", CANARY_TOKEN)
    run = env.run("plan", str(env.spec))
    assert run.code == ExitCode.DIFFERENCES, run.err


def test_verify_catches_a_realm_that_does_not_check_claims(env: Env) -> None:
    assert env.apply().code == ExitCode.OK
    env.sim.security_realm.allowVerificationFailures = True  # someone flipped it by hand
    run = env.verify("--format", "json")
    assert run.code == ExitCode.DIFFERENCES
    failed = {c["name"]: c["detail"] for c in run.json["checks"] if c["status"] == "failed"}
    assert "the realm does not check iss" in failed["a token with a wrong issuer is anonymous"]
    assert "configuration: realm and matrix equal the spec" in failed

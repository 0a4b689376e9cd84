"""Jenkins(...).plan/apply/verify against the simulator: results, not prints; the command's
JSON; errors Jenkins answers with are results, no answer is `Unreachable`; no secret in a
result, an event or a repr."""

from __future__ import annotations

import json
import logging
import pathlib
from typing import Any

import pytest

import jcasc_gen
from jcasc_gen.cli import main

from .conftest import ADMIN, CANARY_TOKEN, Site


def _jenkins(site: Site, events: list[str] | None = None, **kw: Any) -> jcasc_gen.Jenkins:
    kw.setdefault("user", "admin")
    kw.setdefault("token", CANARY_TOKEN)
    kw.setdefault("signing_key", site.key_pem)
    kw.setdefault("timeout", 5)
    return jcasc_gen.Jenkins(site.sim.url, on_event=events.append if events is not None else None, **kw)


def _cli_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    """The command's exit code and JSON document, less what only the command line knows (the
    spec file it was given, the diagnostics it printed): the rest is the API result's."""
    capsys.readouterr()
    code = main(list(argv))
    printed = json.loads(capsys.readouterr().out)
    assert printed.pop("spec") == argv[1] and printed.pop("diagnostics") == []
    return code, printed


def _everything(*results: Any) -> str:
    return "\n".join(f"{r!r}\n{json.dumps(r.to_json())}\n" + "\n".join(getattr(r, "lines", lambda: [])()) for r in results)


def test_plan_apply_verify(site: Site, capsys: pytest.CaptureFixture[str]) -> None:
    events: list[str] = []
    jenkins = _jenkins(site, events)
    spec = jcasc_gen.load(site.spec_path)
    assert site.sim.requests == [], "making a Jenkins sends nothing"

    plan = jenkins.plan(spec)
    assert (plan.ok, plan.exit_code, plan.changed, plan.restart) == (False, 1, True, True)
    assert [(p.name, p.action) for p in plan.plugins] == [("jwt-auth", "install")]
    assert plan.realm_changes and plan.strategy_changes and plan.current_realm == "local"
    assert plan.jenkins_version == "2.516.3" and "+    jwtAuth:" in plan.diff

    dry = jenkins.apply(spec, dry_run=True, poll_interval=0.02)
    assert dry.ok and site.sim.security_realm.class_name.endswith("HudsonPrivateSecurityRealm")

    applied = jenkins.apply(spec, poll_interval=0.02, restart_timeout=10)
    assert (applied.ok, applied.exit_code, applied.rolled_back) == (True, 0, False)
    assert [s.name for s in applied.steps] == ["preflight", "guard", "plugins", "snapshot", "check", "apply", "verify"]
    assert all(s.status == "passed" for s in applied.steps)
    assert applied.plan is not None and applied.plan.changed and applied.checks
    assert site.sim.security_realm.class_name.endswith("JwtAuthSecurityRealm")
    assert any(e.startswith("[1/8] preflight:") for e in events) and any("[7/8] verify: passed" in e for e in events)

    verified = jenkins.verify(spec)
    assert verified.ok and verified.exit_code == 0 and verified.summary["failed"] == 0 and verified.summary["passed"] > 10
    assert verified.to_junit().startswith("<?xml")
    again = jenkins.plan(spec)
    assert again.ok and not again.changed and again.lines() == ["nothing to change: plugins, realm and matrix match the spec"]

    assert capsys.readouterr() == ("", ""), "the API printed"
    site.assert_hidden(_everything(plan, dry, applied, verified, again) + "\n".join(events) + repr(jenkins))


def test_to_json_is_what_the_command_prints(make_site: Any, capsys: pytest.CaptureFixture[str]) -> None:
    api_site, cli_site = make_site(), make_site()
    spec = jcasc_gen.load(api_site.spec_path)
    jenkins = _jenkins(api_site, [])
    key = ["--user", "admin", "--token", CANARY_TOKEN, "--signing-key-file", str(api_site.key_path)]

    code, printed = _cli_json(capsys, "plan", str(api_site.spec_path), "--url", api_site.sim.url, *key, "--format", "json")
    plan = jenkins.plan(spec)
    assert (code, printed) == (plan.exit_code, plan.to_json())

    applied = jenkins.apply(spec, poll_interval=0.02)
    code, printed = _cli_json(capsys, "apply", str(cli_site.spec_path), "--url", cli_site.sim.url, *key, "--yes",
                              "--poll-interval", "0.02", "--format", "json")
    document = applied.to_json()
    # two simulators (an apply changes its Jenkins): the same document, each naming its own URL;
    # the events name each site's own URL, and what a wait saw (was Jenkins seen down?) depends on timing
    def said(events: list[dict[str, Any]], url: str) -> list[tuple[str, str | None, str]]:
        return [(e["kind"], e["step"], e["message"].replace(url, "URL")) for e in events if e["activity"] is None]
    assert said(printed.pop("events"), cli_site.sim.url) == said(document.pop("events"), api_site.sim.url)
    assert printed.pop("url") == cli_site.sim.url and document.pop("url") == api_site.sim.url
    assert (code, printed) == (applied.exit_code, document)

    code, printed = _cli_json(capsys, "verify", str(api_site.spec_path), "--url", api_site.sim.url, *key, "--format", "json")
    verified = jenkins.verify(spec)
    assert (code, printed) == (verified.exit_code, verified.to_json())


def test_a_jenkins_answering_with_an_error_is_a_result(site: Site) -> None:
    spec = jcasc_gen.load(site.spec_path)
    wrong = _jenkins(site, [], token="wrong-token-0000000", signing_key=None)
    plan = wrong.plan(spec)
    assert (plan.ok, plan.exit_code, plan.changed) == (False, 3, False)
    assert "refused the API token" in (plan.error or "") and plan.to_json() == {
        "command": "plan", "ok": False, "exit": 3, "url": site.sim.url, "error": plan.error, "hint": plan.hint}
    applied = wrong.apply(spec)
    assert (applied.ok, applied.exit_code) == (False, 3) and applied.steps[-1].name == "preflight"
    assert site.sim.security_realm.class_name.endswith("HudsonPrivateSecurityRealm")


def test_a_refused_change_is_a_result_and_changes_nothing(site: Site) -> None:
    spec = jcasc_gen.load(site.spec_path)
    asked: list[jcasc_gen.PlanResult] = []
    jenkins = _jenkins(site, [])
    refused = jenkins.apply(spec, confirm=lambda plan: asked.append(plan) or False)
    assert (refused.ok, refused.exit_code) == (False, 2)
    assert len(asked) == 1 and asked[0].changed and asked[0].plugins[0].name == "jwt-auth"
    # no post-switch credential: the lockout guard refuses before anything is touched
    token_only = _jenkins(site, [], signing_key=None)
    guarded = token_only.apply(spec)
    assert guarded.exit_code == 2 and [s.name for s in guarded.steps][-1] == "guard"
    assert "jwt-auth" not in site.sim.plugins or not site.sim.plugins["jwt-auth"].active


def test_no_answer_raises_unreachable_with_the_result(site: Site) -> None:
    spec = jcasc_gen.load(site.spec_path)
    jenkins = _jenkins(site, [], retries=0)
    site.sim.stop()
    with pytest.raises(jcasc_gen.Unreachable) as plan:
        jenkins.plan(spec)
    assert plan.value.exit_code == 3 and isinstance(plan.value.result, jcasc_gen.PlanResult)
    assert plan.value.result.to_json() == {"command": "plan", "ok": False, "exit": 3, "url": site.sim.url,
                                           "error": plan.value.message, "hint": plan.value.hint}
    with pytest.raises(jcasc_gen.Unreachable) as verify:
        jenkins.verify(spec)
    assert isinstance(verify.value.result, jcasc_gen.VerifyResult) and verify.value.result.exit_code == 3
    with pytest.raises(jcasc_gen.Unreachable) as apply:
        jenkins.apply(spec)
    result = apply.value.result
    assert isinstance(result, jcasc_gen.ApplyResult) and result.exit_code == 3
    assert [(s.name, s.status) for s in result.steps] == [("preflight", "failed")]
    assert "cannot connect" in str(apply.value)


def test_a_spec_with_errors_is_refused_before_any_request(make_site: Any, tmp_path: pathlib.Path) -> None:
    site = make_site()
    spec = jcasc_gen.load(site.spec_path.read_text().replace("permissions: [Overall/Administer]", "permissions: [Overall/Read]"))
    with pytest.raises(jcasc_gen.SpecError) as info:
        _jenkins(site, []).plan(spec)
    assert [d.code for d in info.value.diagnostics if d.severity == "error"] == ["JG001"]
    assert site.sim.requests == []
    with pytest.raises(TypeError):
        _jenkins(site, []).plan(str(site.spec_path))  # type: ignore[arg-type]


@pytest.mark.parametrize("kw,needle", [
    ({"url": ""}, "url: no Jenkins URL"),
    ({"url": "jenkins:8080"}, "url: 'jenkins:8080' is not an http(s) URL"),
    ({"url": "http://admin:hunter2-secret@jenkins/"}, "url carries user info"),
    ({"url": "ftp://{token}/"}, "url: 'ftp://{token}/' is not an http(s) URL"),  # the caller's braces stay as given
    ({"url": "http://jenkins:port/"}, "url: 'http://jenkins:port/' is not a valid URL"),
    ({"token": None}, "user/token: an API token needs both a user and a token"),
    ({"user": None, "token": None, "signing_key": None}, "no credentials"),
    ({"signing_key": "not a key"}, "signing_key: the signing key is neither PEM nor base64"),
    ({"jwt": "garbage"}, "jwt: the JWT could not be decoded"),
    ({"signing_key": None, "principal": "bob@example.com"}, "principal/groups: only minted JWTs have a principal"),
    ({"timeout": 0}, "timeout: must be positive"),
])
def test_unusable_input_is_a_jcasc_gen_error(site: Site, kw: dict[str, Any], needle: str) -> None:
    args: dict[str, Any] = {"user": "admin", "token": CANARY_TOKEN, "signing_key": site.key_pem}
    url = kw.pop("url", site.sim.url)
    args.update(kw)
    with pytest.raises(jcasc_gen.JcascGenError) as info:
        jcasc_gen.Jenkins(url, **args)
    assert needle in str(info.value) and info.value.exit_code == 2
    assert "hunter2-secret" not in str(info.value)
    site.assert_hidden(str(info.value))


def test_events_go_to_the_logger_without_a_callback(site: Site, caplog: pytest.LogCaptureFixture) -> None:
    spec = jcasc_gen.load(site.spec_path)
    jenkins = jcasc_gen.Jenkins(site.sim.url, user="admin", token=CANARY_TOKEN, signing_key=site.key_pem.encode(), insecure=True)
    with caplog.at_level(logging.INFO, logger="jcasc_gen"):
        jenkins.apply(spec, dry_run=True)
    ours = [r for r in caplog.records if r.name == "jcasc_gen"]
    assert any(r.levelno == logging.WARNING and "certificate" in r.getMessage() for r in ours)
    assert any(r.levelno == logging.INFO and r.getMessage().startswith("[1/8] preflight:") for r in ours)
    site.assert_hidden("\n".join(r.getMessage() for r in ours))


def test_a_given_jwt_is_used_and_never_shown(site: Site) -> None:
    spec = jcasc_gen.load(site.spec_path)
    _jenkins(site, []).apply(spec, poll_interval=0.02)
    token = site.pomerium.mint(ADMIN, [])
    jenkins = jcasc_gen.Jenkins(site.sim.url, jwt=token)
    verified = jenkins.verify(spec)
    assert verified.ok, verified.lines()
    assert {c.status for c in verified.checks if "wrong" in c.name} == {"skipped"}  # minting needs the key
    text = _everything(verified) + repr(jenkins)
    assert token not in text and "eyJ" not in text


def test_nothing_reaches_stderr_when_the_application_configured_no_logging(site: Site) -> None:
    """Python prints WARNING records of unconfigured loggers to stderr (logging.lastResort);
    the API's logger keeps quiet until the application sets logging up."""
    import subprocess
    import sys

    code = ("import sys, jcasc_gen; j = jcasc_gen.Jenkins(sys.argv[1], user='admin', token=sys.argv[2], insecure=True); "
            "print(j.plan(jcasc_gen.load(sys.argv[3])).exit_code)")
    r = subprocess.run([sys.executable, "-c", code, site.sim.url, CANARY_TOKEN, str(site.spec_path)],
                       capture_output=True, text=True, timeout=60, cwd=pathlib.Path(__file__).parents[2])
    assert (r.stdout, r.stderr) == ("1\n", "")


def test_plan_says_when_jenkins_reads_jcasc_files_from_disk(make_site: Any) -> None:
    folder = "/var/jenkins_home/casc_configs"
    on_disk = make_site(casc_files=[(f"{folder}/jcasc-default-config.yaml", "jenkins:\n  numExecutors: 0\n")])
    plan = _jenkins(on_disk, []).plan(jcasc_gen.load(on_disk.spec_path))
    assert plan.reads_from_disk is True and plan.disk_sources == (folder,)
    assert plan.lines()[-1].startswith("disk     Jenkins reads JCasC files from disk")
    # a file that declares neither the realm nor the matrix merges with nothing: apply posts
    assert plan.lines()[-1].endswith("`apply` posts the realm and matrix as usual")
    assert plan.to_json()["disk"] == {"sources": [folder], "from_disk": True,
                                      "declared": {f"{folder}/jcasc-default-config.yaml": []}}
    matrix = ("jenkins:\n  authorizationStrategy:\n    globalMatrix:\n      entries:\n"
              "      - user: {name: admin, permissions: [Overall/Administer]}\n")
    declaring = make_site(casc_files=[(f"{folder}/jcasc-default-config.yaml", matrix)])
    plan = _jenkins(declaring, []).plan(jcasc_gen.load(declaring.spec_path))
    assert plan.reads_from_disk is True
    assert plan.lines()[-1].endswith("`apply` waits for them to equal the spec (--via-reload)")
    assert plan.to_json()["disk"]["declared"] == {f"{folder}/jcasc-default-config.yaml": ["authorizationStrategy"]}
    plain = make_site()
    assert _jenkins(plain, []).plan(jcasc_gen.load(plain.spec_path)).reads_from_disk is False
    with pytest.raises(jcasc_gen.JcascGenError, match='via="reload" posts nothing but the item matrices'):
        _jenkins(plain, []).apply(jcasc_gen.load(plain.spec_path), via="reload", dry_run=True)


def test_plan_names_what_apply_would_refuse_with_exit_code_2(make_site: Any) -> None:
    from tests.jenkins_sim import DEFAULT_PLUGINS

    site = make_site(plugins={**DEFAULT_PLUGINS, "jwt-auth": "0.3.0"}, disabled_plugins=["jwt-auth"])
    spec = jcasc_gen.load(site.spec_path)
    plan = _jenkins(site, []).plan(spec)
    assert (plan.ok, plan.exit_code) == (False, 2)
    change = next(p for p in plan.plugins if p.name == "jwt-auth")
    assert change.action == "enable" and not change.needs_restart and change.blocker() is not None
    assert plan.blockers == (change.blocker(),) and not plan.restart
    assert plan.to_json()["blockers"] == list(plan.blockers)
    assert f"refused  {plan.blockers[0]}" in plan.lines()
    # apply refuses it the same way, before anything changes
    applied = _jenkins(site, []).apply(spec, poll_interval=0.02)
    assert applied.exit_code == 2 and [(s.name, s.status) for s in applied.steps][-1] == ("guard", "failed")
    assert applied.end_state is None and site.sim.restart_count == 0


def test_after_a_rollback_the_result_says_what_jenkins_holds(site: Site) -> None:
    # the realm switch answers too late: the run rolls back, then reads what Jenkins holds
    site.sim.delay_changes(0.0, 1.6)
    applied = _jenkins(site, [], timeout=0.3).apply(jcasc_gen.load(site.spec_path), poll_interval=0.02)
    assert applied.rolled_back and applied.exit_code == 4
    assert applied.end_state == {"realm": "local", "strategy": "loggedInUsersCanDoAnything"}
    assert applied.to_json()["end_state"] == applied.end_state

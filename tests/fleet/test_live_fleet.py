"""plan, apply, verify and diff --live across controllers (`--all`, `--controller`), against
several simulators: a failure stays in its controller, inputs are checked before anything is
touched, the concurrency bound holds, and the JSON and JUnit reports have one entry per
controller."""

from __future__ import annotations

import json
import threading
import time
import xml.etree.ElementTree as ET
from typing import Any, Callable

import pytest

from jcasc_gen.exitcodes import ExitCode
from jcasc_gen.overlay import env_prefix

from .conftest import Fleet, fail_verify, token_of

JWT_REALM = "io.jenkins.plugins.jwt_auth.JwtAuthSecurityRealm"
LOCAL_REALM = "hudson.security.HudsonPrivateSecurityRealm"


def assert_clean_output(f: Fleet, text: str) -> None:
    for secret in f.secrets():
        assert secret not in text, "a secret leaked into the output"
    assert "eyJ" not in text, "something JWT-shaped leaked into the output"


def table(out: str) -> list[str]:
    """The summary table: the last lines of stdout, from its header on."""
    lines = out.splitlines()
    return lines[max(i for i, line in enumerate(lines) if line.startswith("CONTROLLER  ")):]


def progress_lines(err: str) -> list[str]:
    """stderr without the final summary line."""
    return [line for line in err.splitlines() if not line.startswith(("2 controllers:", "3 controllers:"))]


def test_apply_all_applies_each_controller_and_rolls_back_only_the_faulty_one(make_fleet: Callable[..., Fleet]) -> None:
    f = make_fleet(["alpha", "beta", "gamma"])
    fail_verify(f.sims["beta"])
    r = f.live("apply", "--all")
    assert r.code == ExitCode.ROLLED_BACK, r.err
    assert table(r.out) == [
        "CONTROLLER  RESULT       EXIT  CHANGES",
        "alpha       applied      0     3",
        "beta        rolled back  4     3",
        "gamma       applied      0     3",
    ]
    assert r.err.splitlines()[-1] == "3 controllers: 2 applied, 1 rolled back; exit 4"
    assert [f.sims[n].security_realm.class_name for n in ("alpha", "beta", "gamma")] == [JWT_REALM, LOCAL_REALM, JWT_REALM]
    assert f.sims["beta"].authorization.kind == "loggedInUsersCanDoAnything"
    # every line says whose it is; beta's rollback is beta's alone
    assert [line for line in progress_lines(r.err) if line.split(":", 1)[0] not in f.sims] == []
    assert [line for line in r.err.splitlines() if "rollback: Jenkins is back to its snapshot" in line][0].startswith("beta: ")
    assert not any("rollback" in line for line in r.err.splitlines() if not line.startswith("beta: "))
    assert_clean_output(f, r.out + r.err)
    # safe to run twice: the applied ones have nothing to do; beta is applied now (its plugin
    # stayed installed through the rollback: realm and matrix are left)
    again = f.live("apply", "--all")
    assert again.code == ExitCode.OK, again.err
    assert table(again.out)[1:] == ["alpha       unchanged  0     0", "beta        applied    0     2",
                                          "gamma       unchanged  0     0"]


def test_fail_fast_starts_no_further_controller_after_a_failure(make_fleet: Callable[..., Fleet]) -> None:
    f = make_fleet(["alpha", "beta", "gamma"])
    fail_verify(f.sims["alpha"])
    r = f.live("apply", "--all", "--parallel", "1", "--fail-fast", "--format", "json")
    assert r.code == ExitCode.ROLLED_BACK, r.err
    doc = json.loads(r.out)
    assert [{k: v for k, v in row.items() if k != "seconds"} for row in doc["summary"]] == [
        {"controller": "alpha", "result": "rolled back", "exit_code": 4, "changes": 3},
        {"controller": "beta", "result": "skipped", "exit_code": None, "changes": None},
        {"controller": "gamma", "result": "skipped", "exit_code": None, "changes": None},
    ]
    assert doc["summary"][0]["seconds"] > 0 and doc["summary"][1]["seconds"] is None
    assert f.sims["beta"].requests == [] and f.sims["gamma"].requests == []  # never touched
    assert f.sims["alpha"].security_realm.class_name == LOCAL_REALM
    # without --fail-fast the others go on
    fail_verify(f.sims["alpha"])
    r = f.live("apply", "--all", "--parallel", "1")
    assert r.code == ExitCode.ROLLED_BACK and [f.sims[n].security_realm.class_name for n in ("beta", "gamma")] == [JWT_REALM] * 2


def test_fail_fast_lets_a_running_controller_finish_its_rollback(make_fleet: Callable[..., Fleet]) -> None:
    f = make_fleet(["alpha", "beta", "gamma"])
    for name in ("alpha", "beta"):  # both start together; whichever fails first stops gamma
        fail_verify(f.sims[name])
    r = f.live("apply", "--all", "--parallel", "2", "--fail-fast")
    assert r.code == ExitCode.ROLLED_BACK
    assert table(r.out)[1:] == ["alpha       rolled back  4     3", "beta        rolled back  4     3",
                                "gamma       skipped      -     -"]
    assert [f.sims[n].security_realm.class_name for n in ("alpha", "beta")] == [LOCAL_REALM] * 2
    assert f.sims["gamma"].requests == []


def test_fail_fast_on_plan_is_not_stopped_by_changes(make_fleet: Callable[..., Fleet]) -> None:
    f = make_fleet(["alpha", "beta"])
    r = f.live("plan", "--all", "--parallel", "1", "--fail-fast")
    assert r.code == ExitCode.DIFFERENCES
    assert [line.split()[1] for line in table(r.out)[1:]] == ["changes", "changes"]


def test_plan_json_holds_one_object_per_controller_and_the_summary(make_fleet: Callable[..., Fleet]) -> None:
    f = make_fleet(["alpha", "beta"])
    f.sims["beta"].stop()
    r = f.live("plan", "--all", "--format", "json", "--retries", "0")
    assert r.code == ExitCode.UNREACHABLE
    doc = json.loads(r.out)
    assert (doc["command"], doc["ok"], doc["exit"], doc["spec"], doc["url"]) == ("plan", False, 3, str(f.spec), None)
    alpha, beta = doc["controllers"]
    assert (alpha["controller"], alpha["url"], alpha["exit"], alpha["result"]) == ("alpha", f.sims["alpha"].url, 1, "changes")
    assert alpha["changed"] is True and [p["name"] for p in alpha["plugins"]] == ["jwt-auth"]  # plan's own document
    assert (beta["controller"], beta["exit"], beta["result"], beta["ok"]) == ("beta", 3, "not reached", False)
    assert beta["error"]
    assert [{k: v for k, v in row.items() if k != "seconds"} for row in doc["summary"]] == [
        {"controller": "alpha", "result": "changes", "exit_code": 1, "changes": 3},
        {"controller": "beta", "result": "not reached", "exit_code": 3, "changes": None}]
    assert_clean_output(f, r.out + r.err)


def test_junit_has_one_test_suite_per_controller(make_fleet: Callable[..., Fleet], tmp_path: Any) -> None:
    f = make_fleet(["alpha", "beta", "gamma"])
    assert f.live("apply", "--controller", "alpha", "--controller", "beta").code == ExitCode.OK
    f.sims["gamma"].stop()
    report = tmp_path / "verify.xml"
    r = f.live("verify", "--all", "--junit", str(report), "--retries", "0")
    assert r.code == ExitCode.UNREACHABLE, r.err
    root = ET.parse(report).getroot()
    assert root.tag == "testsuites"
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert list(suites) == ["alpha", "beta", "gamma"]
    for name in ("alpha", "beta"):
        assert suites[name].get("failures") == "0" and int(suites[name].get("tests")) >= 10
    gamma = suites["gamma"]
    assert (gamma.get("errors"), gamma.get("tests")) == ("1", "1")
    assert gamma.find("testcase/error") is not None
    assert table(r.out) == ["CONTROLLER  RESULT       EXIT  FAILED CHECKS","alpha       verified     0     0", "beta        verified     0     0",
                                      "gamma       not reached  3     -"]
    assert_clean_output(f, report.read_text())


def test_parallel_bounds_the_controllers_in_flight(make_fleet: Callable[..., Fleet]) -> None:
    f = make_fleet(["c1", "c2", "c3", "c4", "c5"])
    # The first two controllers wait for each other at their first request: with two at a time
    # they meet; the gauge, shared by all five simulators, sees every request in flight.
    both = threading.Barrier(2, timeout=10)
    for name in ("c1", "c2"):
        f.sims[name].before_next("*", lambda _sim: both.wait())
    r = f.live("plan", "--all", "--parallel", "2")
    assert r.code == ExitCode.DIFFERENCES, r.err
    assert f.gauge.settle() and f.gauge.peak == 2
    assert f.gauge.total == sum(len(s.requests) for s in f.sims.values())

    # one at a time: never two requests in flight, though each answer takes a while
    for sim in f.sims.values():
        sim.before_next("*", lambda _sim: time.sleep(0.005), count=10**6)
    f.gauge.reset()
    r = f.live("plan", "--all", "--parallel", "1")
    assert r.code == ExitCode.DIFFERENCES
    assert f.gauge.settle() and f.gauge.peak == 1 and f.gauge.total > 5


@pytest.mark.parametrize("argv, message", [
    (["plan", "--all", "--url", "http://127.0.0.1:9/"], "error: --url names one Jenkins, but 2 controllers are chosen"),
    (["plan", "--all", "--parallel", "0"], "error: --parallel 0: at least 1"),
    (["apply", "--all"], "error: apply on several controllers needs --yes (or --dry-run)"),
    (["plan", "--controller", "alhpa"], "controllers: no controller named 'alhpa'"),
    (["diff", "--live", "--all", "--controller", "alpha"], "error: --all and --controller exclude each other"),
])
def test_unusable_input_is_refused_before_any_controller_is_touched(make_fleet: Callable[..., Fleet], argv: list[str],
                                                                      message: str) -> None:
    f = make_fleet(["alpha", "beta"])
    command, *rest = argv
    r = f.run(command, str(f.spec), "--signing-key-file", str(f.key), *rest)
    assert r.code == ExitCode.USAGE and message in r.err, r.err
    assert all(s.requests == [] for s in f.sims.values())


def test_missing_credentials_of_one_controller_stop_the_run_before_it_starts(make_fleet: Callable[..., Fleet],
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    f = make_fleet(["alpha", "beta"])
    monkeypatch.delenv(env_prefix("beta") + "API_TOKEN")
    r = f.run("plan", str(f.spec), "--all")  # no signing key either: beta has no credential at all
    assert r.code == ExitCode.USAGE
    assert "beta: error: JCASC_GEN_BETA_USER_ID and JCASC_GEN_BETA_API_TOKEN go together" in r.err
    assert "nothing was done: 1 problem with the controllers' inputs" in r.err
    assert all(s.requests == [] for s in f.sims.values())


def test_two_controllers_at_one_address_are_refused(make_fleet: Callable[..., Fleet]) -> None:
    f = make_fleet(["alpha", "beta"])
    same = f.sims["alpha"].url.rstrip("/")  # the same Jenkins, written without the trailing slash
    f.spec.write_text(f.spec.read_text().replace(f.sims["beta"].url, same))
    r = f.live("plan", "--all")
    assert r.code == ExitCode.USAGE
    assert f"beta: error: reached at {same}, like alpha" in r.err
    assert all(s.requests == [] for s in f.sims.values())


def test_a_spec_without_controllers_has_nothing_to_choose(make_fleet: Callable[..., Fleet]) -> None:
    f = make_fleet(["alpha"])
    text = f.spec.read_text()
    f.spec.write_text(text[:text.index("controllers:")] + "jenkins: {url: https://jenkins.example.com}\n")
    r = f.live("verify", "--all")
    assert r.code == ExitCode.USAGE and "defines no controllers" in r.err


def test_a_spec_with_controllers_needs_all_or_a_name_for_live_commands(make_fleet: Callable[..., Fleet]) -> None:
    f = make_fleet(["alpha", "beta"])
    r = f.live("plan", "--url", f.sims["alpha"].url)
    assert r.code == ExitCode.USAGE
    assert "this spec defines 2 controllers (alpha, beta); name the one to use" in r.err
    assert "--all" in r.err


def test_each_controller_uses_its_own_variables_before_the_shared_ones(make_fleet: Callable[..., Fleet],
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    f = make_fleet(["alpha", "beta"])
    monkeypatch.setenv("JENKINS_USER_ID", "admin")
    monkeypatch.setenv("JENKINS_API_TOKEN", token_of("beta"))  # beta's token, shared
    monkeypatch.delenv(env_prefix("beta") + "USER_ID")
    monkeypatch.delenv(env_prefix("beta") + "API_TOKEN")
    monkeypatch.setenv(env_prefix("alpha") + "API_TOKEN", token_of("alpha"))
    r = f.run("plan", str(f.spec), "--all")  # API tokens only: beta from the shared variables
    assert r.code == ExitCode.DIFFERENCES, r.err
    # the controller's own variable wins over a flag
    r = f.run("plan", str(f.spec), "--all", "--user", "admin", "--token", token_of("beta"))
    assert r.code == ExitCode.DIFFERENCES, r.err
    monkeypatch.setenv(env_prefix("alpha") + "API_TOKEN", "wrong-token-of-alpha")
    r = f.run("plan", str(f.spec), "--all")
    assert r.code == ExitCode.UNREACHABLE
    assert table(r.out)[1:] == ["alpha       not reached  3     -", "beta        changes      1     3"]
    assert_clean_output(f, r.out + r.err)


def test_one_controller_may_be_given_another_address(make_fleet: Callable[..., Fleet]) -> None:
    f = make_fleet(["alpha", "beta"])
    f.spec.write_text(f.spec.read_text().replace(f.sims["alpha"].url, "http://127.0.0.1:9/"))  # a tunnel, say
    r = f.live("plan", "--controller", "alpha", "--url", f.sims["alpha"].url)
    assert r.code == ExitCode.DIFFERENCES, r.err
    # the plan leads with the matrix as people see it, then the plugins
    assert r.out.splitlines()[0] == "alpha: ~ authorization strategy: loggedInUsersCanDoAnything -> globalMatrix"
    assert any(line.startswith("alpha: plugin   install jwt-auth") for line in r.out.splitlines())
    assert f.sims["beta"].requests == []


def test_diff_live_across_controllers(make_fleet: Callable[..., Fleet]) -> None:
    f = make_fleet(["alpha", "beta"])
    assert f.live("apply", "--controller", "alpha").code == ExitCode.OK
    r = f.live("diff", "--live", "--all", "--no-color")
    assert r.code == ExitCode.DIFFERENCES, r.err
    assert table(r.out)[:2] == ["CONTROLLER  RESULT   EXIT  DIFFERENCES", "alpha       matches  0     0"]
    assert table(r.out)[2].split()[:3] == ["beta", "differs", "1"] and int(table(r.out)[2].split()[3]) > 0
    assert any(line.startswith("beta: ") for line in r.out.splitlines()[:-3])
    assert not any(line.startswith("alpha: ") for line in r.out.splitlines()[:-3] if line != "alpha: no differences")


def test_a_warning_about_the_run_is_said_once(make_fleet: Callable[..., Fleet], monkeypatch: pytest.MonkeyPatch) -> None:
    f = make_fleet(["alpha", "beta"])
    for name in ("alpha", "beta"):
        monkeypatch.delenv(env_prefix(name) + "USER_ID")
        monkeypatch.delenv(env_prefix(name) + "API_TOKEN")
    r = f.run("plan", str(f.spec), "--all", "--signing-key-file", str(f.key), "--user", "admin", "--token", "shared-token-xyz")
    assert r.code == ExitCode.UNREACHABLE  # the token belongs to neither; the run goes on to ask them
    warnings = [line for line in r.err.splitlines() if "on the command line" in line]
    assert len(warnings) == 1 and warnings[0].startswith("warning: --token")
    assert "shared-token-xyz" not in r.out + r.err


def test_each_controllers_waits_are_plain_prefixed_lines_and_in_its_json(make_fleet: Callable[..., Fleet]) -> None:
    # a restart of 2 s against a 0.2 s interval: under load one poll can take most of a second
    # (both controllers and the runner share two cores), and a waiting line needs two polls
    f = make_fleet(["alpha", "beta"], restart_notice_seconds=0.3, restart_seconds=2.0)
    r = f.live("apply", "--all", "--progress-interval", "0.2", "--format", "json")
    assert r.code == ExitCode.OK, r.err
    waits = [line for line in r.err.splitlines() if ": [3/8] plugins: waiting " in line]
    assert {line.split(": ", 1)[0] for line in waits} == {"alpha", "beta"} and "\r" not in r.err
    for document in json.loads(r.out)["controllers"]:
        assert any(e["kind"] == "waiting" and e["activity"] == "restart" for e in document["events"])

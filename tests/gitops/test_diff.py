"""`diff`: reformatting is not a difference, a real change is; exit codes, JSON, colour."""

from __future__ import annotations

import copy
import json
import pathlib

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from jcasc_gen.cli import main
from jcasc_gen.colour import enabled as use_color
from jcasc_gen.diffing import files_equal, semantic_changes
from jcasc_gen.jcasc import target_document
from jcasc_gen.model import load_spec

from .conftest import SPEC


def _target(spec_file: pathlib.Path) -> dict:
    return target_document(load_spec(spec_file).spec)


def _entries(doc: dict) -> list:
    return doc["jenkins"]["authorizationStrategy"]["globalMatrix"]["entries"]


def test_reordering_requoting_and_escaping_are_not_differences(spec_file: pathlib.Path) -> None:
    target = _target(spec_file)
    current = copy.deepcopy(target)
    _entries(current).reverse()
    for e in _entries(current):
        (body,) = e.values()
        body["permissions"].reverse()
    realm = current["jenkins"]["securityRealm"]["jwtAuth"]
    realm["acceptedAudience"] = realm["acceptedAudience"].replace("jenkins", "jenkins")  # same value
    # JCasC's export writes a literal `${` as `^${`; the generated file does too.
    target["jenkins"]["securityRealm"]["jwtAuth"]["fullNameClaim"] = "${name}"
    realm["fullNameClaim"] = "^${name}"
    assert semantic_changes(current, target).empty
    # Text level: the same document re-dumped with other key order and quoting.
    text_a = yaml.safe_dump(current, sort_keys=False, default_style='"')
    text_b = yaml.safe_dump(target, sort_keys=True)
    assert files_equal("jenkins.yaml", text_a, text_b)


def test_real_changes_are_listed(spec_file: pathlib.Path) -> None:
    target = _target(spec_file)
    current = copy.deepcopy(target)
    entries = _entries(current)
    entries[:] = [e for e in entries if "user" not in e]  # alice missing live
    entries.append({"user": {"name": "mallory@corp.example.com", "permissions": ["Overall/Administer"]}})
    devs = next(e["group"] for e in entries if "group" in e and e["group"]["name"] == "jenkins-devs")
    devs["permissions"] = [p for p in devs["permissions"] if p != "Job/Configure"] + ["Job/Delete"]
    current["jenkins"]["securityRealm"]["jwtAuth"]["acceptedIssuer"] = "authenticate.corp.example.com"
    changes = semantic_changes(current, target)
    assert [(c.kind, c.name, c.added) for c in changes.added] == [("user", "alice@corp.example.com", ("Overall/Administer",))]
    assert [(c.kind, c.name, c.removed) for c in changes.removed] == [("user", "mallory@corp.example.com", ("Overall/Administer",))]
    assert [(c.name, c.added, c.removed) for c in changes.changed] == [("jenkins-devs", ("Job/Configure",), ("Job/Delete",))]
    assert [(f.name, f.current, f.target) for f in changes.realm_fields] == [
        ("acceptedIssuer", "authenticate.corp.example.com", "jenkins.corp.example.com")]
    data = changes.to_json()
    assert data["principals"]["added"][0]["name"] == "alice@corp.example.com"
    assert "~ jwtAuth.acceptedIssuer: 'authenticate.corp.example.com' -> 'jenkins.corp.example.com'" in changes.summary()


def test_legacy_live_form_compares_with_entries(spec_file: pathlib.Path) -> None:
    target = _target(spec_file)
    legacy = []
    for e in _entries(target):
        ((kind, body),) = e.items()
        legacy += [f"{kind.upper()}:{p}:{body['name']}" for p in body["permissions"]]
    current = copy.deepcopy(target)
    current["jenkins"]["authorizationStrategy"] = {"globalMatrix": {"permissions": legacy}}
    assert semantic_changes(current, target).empty
    current["jenkins"]["authorizationStrategy"] = {"projectMatrix": {"permissions": legacy}}
    assert semantic_changes(current, target).strategy is not None
    current["jenkins"]["securityRealm"] = {"local": {"allowsSignup": False}}
    assert semantic_changes(current, target).realm.current == "local"  # type: ignore[union-attr]


@settings(max_examples=40, deadline=None)
@given(st.randoms(use_true_random=False))
def test_any_shuffle_is_no_difference(rnd) -> None:  # type: ignore[no-untyped-def]
    from jcasc_gen.model import load_spec_text

    target = target_document(load_spec_text(SPEC).spec)
    current = copy.deepcopy(target)
    rnd.shuffle(_entries(current))
    for e in _entries(current):
        (body,) = e.values()
        rnd.shuffle(body["permissions"])
    current["jenkins"] = dict(reversed(list(current["jenkins"].items())))
    assert semantic_changes(current, target).empty


def test_cli_diff_against_output_folder(spec_file: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = spec_file.parent / "generated"
    assert main(["diff", str(spec_file)]) == 1  # nothing generated yet: every file is added
    assert "+++ " in capsys.readouterr().out
    assert main(["generate", str(spec_file)]) == 0
    capsys.readouterr()
    assert main(["diff", str(spec_file)]) == 0
    # A human re-indents and requotes jenkins.yaml: `check` sees a stale file, `diff` sees no change.
    jenkins = out / "jenkins.yaml"
    jenkins.write_text(yaml.safe_dump(yaml.safe_load(jenkins.read_text()), sort_keys=True, indent=4))
    assert main(["check", str(spec_file)]) == 1
    assert main(["diff", str(spec_file)]) == 0
    capsys.readouterr()
    spec_file.write_text(SPEC.replace("permissions: [Job/Configure]", "permissions: [Job/Configure, Run/Replay]"))
    assert main(["diff", str(spec_file), "--no-color"]) == 1
    text = capsys.readouterr().out
    assert "~ group jenkins-devs: +Run/Replay" in text
    assert '+          - "Run/Replay"' in text
    assert "+workflow-cps:4350.vcc65d4958821" in text  # Run/Replay is workflow-cps's: the plugin joins the lists
    assert "\033[" not in text
    assert main(["diff", str(spec_file), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    changed = {f["path"]: f for f in report["files"] if f["status"] != "unchanged"}
    assert set(changed) == {"jenkins.yaml", "plugins.txt", "plugins.yaml"}
    assert changed["jenkins.yaml"]["changes"]["principals"]["changed"] == [
        {"kind": "group", "name": "jenkins-devs", "added": ["Run/Replay"], "removed": []}]


def test_cli_diff_invalid_spec_is_exit_2(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "s.yaml"
    bad.write_text(SPEC.replace("Job/Configure", "Job/Configur"))
    assert main(["diff", str(bad)]) == 2
    assert "unknown permission" in capsys.readouterr().err


def test_colour_choice() -> None:
    class Tty:
        def isatty(self) -> bool:
            return True

    assert use_color(Tty(), "auto", {}) is True
    assert use_color(Tty(), "auto", {"NO_COLOR": "1"}) is False
    assert use_color(Tty(), "never", {}) is False
    assert use_color(object(), "auto", {}) is False  # type: ignore[arg-type]
    assert use_color(object(), "always", {"NO_COLOR": "1"}) is True  # type: ignore[arg-type]


def test_cli_diff_live_against_the_simulator(spec_file: pathlib.Path, jenkins_sim_factory, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A live Jenkins already on the spec's matrix and realm: no difference; then a UI change shows."""
    from tests.jenkins_sim import JwtRealm, Strategy

    loaded = load_spec(spec_file)
    target = target_document(loaded.spec)
    strategy = Strategy(kind="globalMatrix")
    for e in _entries(target):
        ((kind, body),) = e.items()
        for p in body["permissions"]:
            strategy.add(kind.upper(), body["name"], p)
    strategy.add("USER", "admin", "Overall/Administer")  # the API-token user this test reads the export as
    realm = JwtRealm(**target["jenkins"]["securityRealm"]["jwtAuth"])
    sim = jenkins_sim_factory(authorization=strategy)
    url = sim.url
    for var in ("JENKINS_URL", "JENKINS_JWT", "JENKINS_USER_ID", "JENKINS_API_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    args = ["diff", str(spec_file), "--live", "--url", url, "--user", "admin", "--token", "admin-token", "--format", "json"]
    assert main(args) == 1  # the realm is still local
    report = json.loads(capsys.readouterr().out)
    assert report["changes"]["realm"] == {"field": "securityRealm", "current": "local", "target": "jwtAuth"}
    assert report["changes"]["principals"]["removed"] == [{"kind": "user", "name": "admin", "added": [], "removed": ["Overall/Administer"]}]
    del realm


def test_cli_diff_live_matches_when_jenkins_runs_the_spec(tmp_path: pathlib.Path, jenkins_sim_factory, pomerium_side,  # type: ignore[no-untyped-def]
                                                         capsys, monkeypatch) -> None:
    """Jenkins already on jwt-auth: the export is read with a JWT, and equal sections are no diff."""
    from tests.jenkins_sim import Strategy, JwtRealm

    spec_file = tmp_path / "spec.yaml"
    spec_file.write_text(SPEC.replace("authorization:", f"jwt:\n  jwks_url: {pomerium_side.jwks_url}\nauthorization:", 1))
    target = target_document(load_spec(spec_file).spec)
    strategy = Strategy(kind="globalMatrix")
    for e in reversed(_entries(target)):  # any order: Jenkins keeps its own
        ((kind, body),) = e.items()
        for p in body["permissions"]:
            strategy.add(kind.upper(), body["name"], p)
    sim = jenkins_sim_factory(authorization=strategy, security_realm=JwtRealm(**target["jenkins"]["securityRealm"]["jwtAuth"]))
    token = pomerium_side.mint("alice@corp.example.com", groups=[], version="0.33.1", route_host="jenkins.corp.example.com",
                               authenticate_host="authenticate.corp.example.com")
    for var in ("JENKINS_URL", "JENKINS_JWT", "JENKINS_USER_ID", "JENKINS_API_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    assert main(["diff", str(spec_file), "--live", "--url", sim.url, "--jwt", token]) == 0
    captured = capsys.readouterr()
    assert "matches the spec" in captured.err
    assert token not in captured.out + captured.err
    strategy.add("GROUP", "jenkins-devs", "Job/Delete")  # someone clicks in the UI
    assert main(["diff", str(spec_file), "--live", "--url", sim.url, "--jwt", token, "--no-color"]) == 1
    assert "~ group jenkins-devs: -Job/Delete" in capsys.readouterr().out


def test_cli_diff_live_unreachable_is_exit_3(spec_file: pathlib.Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    for var in ("JENKINS_URL", "JENKINS_JWT", "JENKINS_USER_ID", "JENKINS_API_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    code = main(["diff", str(spec_file), "--live", "--url", f"http://127.0.0.1:{port}/", "--user", "admin", "--token",
                 "sekrit-token-value", "--timeout", "2"])
    assert code == 3
    assert "sekrit-token-value" not in capsys.readouterr().err


def test_url_without_live_is_a_usage_error(spec_file: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", str(spec_file), "--url", "http://127.0.0.1:9/"]) == 2
    assert "--live" in capsys.readouterr().err

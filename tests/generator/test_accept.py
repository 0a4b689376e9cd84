"""Accepted risks (`lint.accept`, jcasc_gen/accept.py): an accepted finding stays printed with
its reason and no longer fails a run, --strict included; a bad acceptance is a located error;
one that matches nothing is a warning; `where` limits it to a place in the spec."""

from __future__ import annotations

import json
import pathlib
from typing import Any

import pytest
import yaml
from hypothesis import given, settings, strategies as st

import jcasc_gen
from jcasc_gen.accept import within
from jcasc_gen.diagnostics import format_path
from jcasc_gen.exitcodes import ExitCode

from ._cli import run

ADMIN = {"user": "admin@example.com", "permissions": ["Overall/Administer"]}
POMERIUM = {"version": "0.33", "authenticate_url": "https://authenticate.example.com",
            "idp": {"provider": "google", "client_id": {"env": "ID"}, "client_secret": {"env": "SECRET"}},
            "signing_key": {"env": "KEY"}}
# Two grants that reach anonymous requests: JG002 twice, at grants[1] and grants[2].
OPEN_GRANTS = [ADMIN, {"user": "anonymous", "permissions": ["Overall/Read"]},
               {"group": "role_everyone", "permissions": ["Job/Read"]}]


def write(tmp_path: pathlib.Path, accept: list[dict[str, Any]] | None, grants: list[dict[str, Any]] | None = None,
          **jwt: Any) -> pathlib.Path:
    data: dict[str, Any] = {"version": 1, "jenkins": {"url": "https://jenkins.example.com"}, "pomerium": POMERIUM}
    if jwt:
        data["jwt"] = jwt
    data["authorization"] = {"grants": grants or [ADMIN]}
    if accept is not None:
        data["lint"] = {"accept": accept}
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def lint_json(path: pathlib.Path, *extra: str) -> tuple[int, dict[str, Any]]:
    r = run(["lint", str(path), "--format", "json", *extra])
    return r.code, json.loads(r.out)


def test_an_accepted_error_is_printed_with_its_reason_and_fails_nothing(tmp_path: pathlib.Path) -> None:
    bare = write(tmp_path, None, allow_verification_failures=True)
    assert run(["lint", str(bare)]).code == ExitCode.USAGE
    spec = write(tmp_path, [{"rule": "JG003", "reason": "a throw-away test controller"}], allow_verification_failures=True)
    r = run(["lint", str(spec)])
    assert r.code == ExitCode.OK
    assert "[JG003] allow_verification_failures is true\n  hint: set it to false\n  accepted: a throw-away test controller\n" in r.err
    assert r.err.rstrip().endswith("0 errors, 0 warnings, 1 accepted")
    out = tmp_path / "out"
    g = run(["generate", str(spec), "-o", str(out)])
    assert g.code == ExitCode.OK and "accepted: a throw-away test controller" in g.err
    assert "allowVerificationFailures: true" in (out / "jenkins.yaml").read_text(encoding="utf-8")
    assert run(["check", str(spec), "-o", str(out)]).code == ExitCode.OK


def test_json_carries_accepted_and_the_reason(tmp_path: pathlib.Path) -> None:
    spec = write(tmp_path, [{"rule": "JG003", "reason": "test setup"}], allow_verification_failures=True)
    code, doc = lint_json(spec)
    assert code == ExitCode.OK and doc["ok"] is True
    (jg003,) = [d for d in doc["diagnostics"] if d["code"] == "JG003"]
    assert (jg003["severity"], jg003["accepted"], jg003["accepted_reason"]) == ("error", True, "test setup")


def test_strict_does_not_fail_an_accepted_warning_but_fails_the_others(tmp_path: pathlib.Path) -> None:
    accept_one = [{"rule": "JG002", "reason": "the status page is public", "where": "authorization.grants[1]"}]
    spec = write(tmp_path, accept_one, OPEN_GRANTS)
    assert lint_json(spec)[0] == ExitCode.OK
    code, doc = lint_json(spec, "--strict")
    assert code == ExitCode.USAGE
    jg002 = {d["path"]: (d["severity"], d["accepted"]) for d in doc["diagnostics"] if d["code"] == "JG002"}
    assert jg002 == {"authorization.grants[1]": ("error", True), "authorization.grants[2]": ("error", False)}
    # without `where`, both are accepted and --strict passes
    spec = write(tmp_path, [{"rule": "JG002", "reason": "public instance"}], OPEN_GRANTS)
    assert lint_json(spec, "--strict")[0] == ExitCode.OK
    assert run(["generate", str(spec), "--strict", "-o", str(tmp_path / "out")]).code == ExitCode.OK


@pytest.mark.parametrize("entry, where, message", [
    ({"rule": "JG003"}, "lint.accept[0]", "missing required key 'reason' in this mapping"),
    ({"rule": "JG003", "reason": ""}, "lint.accept[0].reason", "must not be empty"),
    ({"rule": "JG003", "reason": "   "}, "lint.accept[0].reason", "must not be blank"),
    ({"reason": "why"}, "lint.accept[0]", "missing required key 'rule' in this mapping"),
    ({"rule": "JG03", "reason": "why"}, "lint.accept[0].rule", "unknown lint rule 'JG03'"),
    ({"rule": "JG003", "reason": "why", "where": "grants[x"}, "lint.accept[0].where", "'grants[x' is not a path in the spec"),
    ({"rule": "JG003", "reason": "why", "sevrity": "x"}, "lint.accept[0].sevrity", "unknown key 'sevrity'"),
])
def test_a_bad_acceptance_is_a_located_error_and_nothing_is_written(tmp_path: pathlib.Path, entry: dict[str, Any],
                                                                      where: str, message: str) -> None:
    spec = write(tmp_path, [entry], allow_verification_failures=True)
    out = tmp_path / "out"
    r = run(["generate", str(spec), "-o", str(out)])
    assert r.code == ExitCode.USAGE and not out.exists()
    line = next(ln for ln in r.err.splitlines() if f": {where}: " in ln)
    assert line.startswith(f"{spec}:") and line.endswith(message), r.err
    assert "Traceback" not in r.err


def test_an_unknown_rule_gets_a_did_you_mean(tmp_path: pathlib.Path) -> None:
    r = run(["validate", str(write(tmp_path, [{"rule": "jg003", "reason": "why"}]))])
    assert "unknown lint rule 'jg003'\n  hint: did you mean 'JG003'?" in r.err


def test_validation_errors_cannot_be_accepted(tmp_path: pathlib.Path) -> None:
    """An unknown permission has no rule id: accepting every rule there is changes nothing."""
    from jcasc_gen.lint_rules import RULES

    spec = write(tmp_path, [{"rule": code, "reason": "all"} for code in RULES],
                 [{"user": "admin@example.com", "permissions": ["Overall/Administer", "Job/Raed"]}])
    r = run(["validate", str(spec)])
    assert r.code == ExitCode.USAGE and "unknown permission 'Job/Raed'" in r.err


def test_an_acceptance_that_matches_nothing_is_a_warning_that_says_where_the_rule_fires(tmp_path: pathlib.Path) -> None:
    spec = write(tmp_path, [{"rule": "JG002", "reason": "public", "where": "authorization.grants[0]"},
                            {"rule": "JG007", "reason": "gone"}], OPEN_GRANTS)
    code, doc = lint_json(spec)
    assert code == ExitCode.OK
    stale = {d["path"]: d for d in doc["diagnostics"] if d["code"] is None}
    assert stale["lint.accept[0].where"]["message"] == "this acceptance of JG002 matches nothing at or under authorization.grants[0]"
    assert "JG002 is reported at authorization.grants[1], authorization.grants[2]" in stale["lint.accept[0].where"]["hint"]
    assert stale["lint.accept[1]"]["hint"] == "the spec has no JG007 finding any more: remove the acceptance"
    assert all(d["severity"] == "warning" for d in stale.values())
    assert lint_json(spec, "--strict")[0] == ExitCode.USAGE  # a stale acceptance is a warning like any other


def test_the_api_returns_accepted_findings_marked_and_the_model_keeps_the_acceptances(tmp_path: pathlib.Path) -> None:
    spec = jcasc_gen.load(write(tmp_path, [{"rule": "JG002", "reason": "public", "where": "authorization.grants[2]"}], OPEN_GRANTS))
    found = {d.path: d for d in jcasc_gen.lint(spec) if d.code == "JG002"}
    assert found["authorization.grants[2]"].accepted == "public" and not found["authorization.grants[2]"].blocking
    assert found["authorization.grants[1]"].accepted is None
    assert [f.blocking for f in jcasc_gen.lint(spec, strict=True) if f.code == "JG002"] == [True, False]
    # what the access report reads (report.accepted_risks): the acceptances with rule, reason, where
    (acceptance,) = spec._loaded.spec.accepted
    assert (acceptance.code, acceptance.reason, acceptance.where) == ("JG002", "public", "authorization.grants[2]")


def test_generate_through_the_api_passes_an_accepted_error(tmp_path: pathlib.Path) -> None:
    bare = jcasc_gen.load(write(tmp_path, None, allow_verification_failures=True))
    with pytest.raises(jcasc_gen.SpecError):
        jcasc_gen.generate(bare)
    spec = jcasc_gen.load(write(tmp_path, [{"rule": "JG003", "reason": "test"}], allow_verification_failures=True))
    assert "allowVerificationFailures: true" in jcasc_gen.generate(spec)["jenkins.yaml"]


_KEY = st.sampled_from(["authorization", "grants", "items", "jwt", "roles", "dev", "dev.ops", "x"])
_PATH = st.lists(st.one_of(_KEY, st.integers(0, 12)), min_size=1, max_size=5).filter(lambda p: isinstance(p[0], str))


@settings(max_examples=300)
@given(_PATH, _PATH)
def test_where_covers_exactly_the_paths_it_is_a_prefix_of(finding: list[Any], where: list[Any]) -> None:
    """`within` on printed paths agrees with prefix order on the paths themselves (indices are
    not confused with keys, `grants[1]` does not cover `grants[12]`, `dev` does not cover
    `devops`), except where a key holding a dot reads as two keys in print too."""
    printed, prefix = format_path(finding), format_path(where)
    if any("." in str(k) for k in finding + where):
        return
    assert within(printed, prefix) == (finding[:len(where)] == where)
    assert within(printed, None) and within(printed, "$")

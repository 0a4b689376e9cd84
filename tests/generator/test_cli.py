"""The spec-reading commands as a user runs them: exit codes, --format json, --strict, the
check gate, atomic and repeatable writes, secrets kept out, and the installed package."""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

from jcasc_gen import fsio
from jcasc_gen.exitcodes import ExitCode

from ._cli import CASES, REPO, run, tree

GOOD = CASES / "guide-v021.spec.yaml"
WARNINGS = CASES / "warnings.spec.yaml"


@pytest.fixture
def spec(tmp_path: pathlib.Path) -> pathlib.Path:
    """A copy of the guide's spec in a folder of its own (output.dir is relative to it)."""
    path = tmp_path / "spec.yaml"
    shutil.copy(GOOD, path)
    return path


def _json(result_out: str) -> dict:  # type: ignore[type-arg]
    return json.loads(result_out)


# --- validate / lint: exit codes, json, strict -------------------------------------------------


def test_validate_ok_and_json(spec: pathlib.Path) -> None:
    r = run(["validate", str(spec)])
    assert (r.code, r.out) == (ExitCode.OK, "") and r.err.endswith(": valid\n")
    j = _json(run(["validate", str(spec), "--format", "json"]).out)
    assert j == {"command": "validate", "ok": True, "exit": 0, "spec": str(spec), "diagnostics": [], "error": None, "hint": None}


def test_validate_json_reports_every_error_with_location() -> None:
    r = run(["validate", "many-errors-source-order.spec.yaml", "--format", "json"], cwd=CASES)
    assert r.code == ExitCode.USAGE and r.err == ""
    j = _json(r.out)
    assert j["ok"] is False
    lines = [(d["line"], d["col"]) for d in j["diagnostics"]]
    assert lines == sorted(lines) and len(lines) == 5
    first = j["diagnostics"][0]
    assert first == {"file": "many-errors-source-order.spec.yaml", "line": 5, "col": 3, "path": "jenkins.port",
                     "severity": "error", "code": None, "message": "unknown key 'port'", "hint": "known keys: url, upstream, api_url",
                     "accepted": False, "accepted_reason": None}


def test_strict_turns_warnings_into_exit_2() -> None:
    assert run(["validate", "warnings.spec.yaml"], cwd=CASES).code == ExitCode.OK
    assert run(["validate", "warnings.spec.yaml", "--strict"], cwd=CASES).code == ExitCode.USAGE
    assert run(["lint", "warnings.spec.yaml"], cwd=CASES).code == ExitCode.OK
    strict = run(["lint", "warnings.spec.yaml", "--strict", "--format", "json"], cwd=CASES)
    assert strict.code == ExitCode.USAGE
    findings = _json(strict.out)["findings"]
    assert {f["severity"] for f in findings} == {"error"}
    assert {f["code"] for f in findings} >= {"JG002", "JG010", "JG011", "JG012"}
    assert all(f["why"] for f in findings if f["code"])


def test_lint_explain_says_why() -> None:
    r = run(["lint", "lint-lockout.spec.yaml", "--explain"], cwd=CASES)
    assert r.code == ExitCode.USAGE
    assert "[JG001]" in r.err and "why: No user or group keeps Overall/Administer" in r.err


def test_usage_errors_exit_2(tmp_path: pathlib.Path) -> None:
    assert run([]).code == ExitCode.USAGE
    assert run(["generate"]).code == ExitCode.USAGE
    assert run(["validate", str(GOOD), "--format", "xml"]).code == ExitCode.USAGE


# --- generate ------------------------------------------------------------------------------------


def test_generate_uses_output_dir_relative_to_the_spec(spec: pathlib.Path, tmp_path: pathlib.Path) -> None:
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    r = run(["generate", str(spec)], cwd=elsewhere)
    assert r.code == ExitCode.OK, r.err
    assert sorted(tree(spec.parent / "generated")) == ["jenkins.yaml", "plugins.txt", "plugins.yaml", "pomerium/config.yaml"]
    assert tree(elsewhere) == {}


def test_generate_twice_changes_nothing(spec: pathlib.Path, tmp_path: pathlib.Path) -> None:
    out = tmp_path / "out"
    assert run(["generate", str(spec), "-o", str(out)]).code == ExitCode.OK
    first = tree(out)
    mtimes = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    again = run(["generate", str(spec), "-o", str(out)])
    assert again.code == ExitCode.OK and again.out.count("unchanged") == 4 and "wrote" not in again.out
    assert tree(out) == first
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == mtimes


def test_comment_only_edit_changes_nothing(spec: pathlib.Path, tmp_path: pathlib.Path) -> None:
    out = tmp_path / "out"
    run(["generate", str(spec), "-o", str(out)])
    before = tree(out)
    spec.write_text("# a new comment\n" + spec.read_text(encoding="utf-8").replace("\n", "  # trailing\n", 3), encoding="utf-8")
    assert run(["generate", str(spec), "-o", str(out)]).code == ExitCode.OK
    assert tree(out) == before


def test_failed_generate_leaves_previous_output_untouched(spec: pathlib.Path, tmp_path: pathlib.Path) -> None:
    out = tmp_path / "out"
    run(["generate", str(spec), "-o", str(out)])
    before = tree(out)
    spec.write_text(spec.read_text(encoding="utf-8").replace("Overall/Administer", "Overall/Read"), encoding="utf-8")
    r = run(["generate", str(spec), "-o", str(out)])  # lockout (JG001): refused
    assert r.code == ExitCode.USAGE and "nothing was written" in r.err
    assert tree(out) == before
    assert not [p for p in out.rglob(".*.tmp")]


def test_os_error_mid_write_leaves_previous_output_untouched(spec: pathlib.Path, tmp_path: pathlib.Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    run(["generate", str(spec), "-o", str(out)])
    before = tree(out)
    # a new route host: jenkins.yaml and pomerium/config.yaml change (the header names no spec,
    # so a grant alone would change one file)
    spec.write_text(spec.read_text(encoding="utf-8").replace("jenkins.corp.example.com", "ci.corp.example.com"), encoding="utf-8")
    calls = {"n": 0}
    real_fsync = os.fsync

    def failing_fsync(fd: int) -> None:
        calls["n"] += 1
        if calls["n"] == 2:  # the second changed file: the first is already written to its temp
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(fsio.os, "fsync", failing_fsync)
    r = run(["generate", str(spec), "-o", str(out)])
    assert r.code == ExitCode.USAGE and "No space left on device" in r.err
    assert tree(out) == before  # no file replaced, no temp file left


def test_failed_first_generate_creates_no_folder(tmp_path: pathlib.Path) -> None:
    out = tmp_path / "deep" / "out"
    r = run(["generate", "lint-lockout.spec.yaml", "-o", str(out)], cwd=CASES)
    assert r.code == ExitCode.USAGE and not (tmp_path / "deep").exists()


def test_secret_values_never_reach_output_or_messages(spec: pathlib.Path, tmp_path: pathlib.Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = {"IDP_CLIENT_ID": "client-id-VALUE-1", "IDP_CLIENT_SECRET": "client-secret-VALUE-2",
               "POMERIUM_SIGNING_KEY": "LS0tLS1CRUdJTi-VALUE-3"}
    for k, v in secrets.items():
        monkeypatch.setenv(k, v)
    out = tmp_path / "out"
    r = run(["generate", str(spec), "-o", str(out)])
    everything = r.out + r.err + "".join(b.decode() for b in tree(out).values())
    assert not [v for v in secrets.values() if v in everything]
    config = (out / "pomerium" / "config.yaml").read_text(encoding="utf-8")
    assert "IDP_CLIENT_SECRET <- $IDP_CLIENT_SECRET" in config and "client_secret:" not in config


# --- check: the GitOps gate ---------------------------------------------------------------------


def test_check_reports_stale_missing_extra_and_ignores_foreign_files(spec: pathlib.Path, tmp_path: pathlib.Path) -> None:
    out = tmp_path / "out"
    run(["generate", str(spec), "-o", str(out)])
    assert run(["check", str(spec), "-o", str(out)]).code == ExitCode.OK
    (out / "plugins.txt").write_text("edited by hand\n", encoding="utf-8")
    (out / "pomerium" / "config.yaml").unlink()
    header = (out / "jenkins.yaml").read_text(encoding="utf-8").splitlines()[0]
    (out / "old.yaml").write_text(header + "\nleft over\n", encoding="utf-8")
    (out / "README.md").write_text("ours, not generated\n", encoding="utf-8")
    before = tree(out)
    r = run(["check", str(spec), "-o", str(out)])
    assert r.code == ExitCode.DIFFERENCES
    assert r.out.splitlines() == [f"stale    {os.path.relpath(out / 'plugins.txt')}",
                                  f"missing  {os.path.relpath(out / 'pomerium/config.yaml')}",
                                  f"extra    {os.path.relpath(out / 'old.yaml')}"]
    j = _json(run(["check", str(spec), "-o", str(out), "--format", "json"]).out)
    assert (j["ok"], j["stale"], j["missing"], j["extra"]) == (False, ["plugins.txt"], ["pomerium/config.yaml"], ["old.yaml"])
    assert tree(out) == before  # check never writes


def test_check_missing_output_folder_is_differences(spec: pathlib.Path, tmp_path: pathlib.Path) -> None:
    r = run(["check", str(spec), "-o", str(tmp_path / "none")])
    assert r.code == ExitCode.DIFFERENCES and [l.split()[0] for l in r.out.splitlines()] == ["missing"] * 4


def test_check_invalid_spec_exits_2(tmp_path: pathlib.Path) -> None:
    r = run(["check", "grants-nothing.spec.yaml", "-o", str(tmp_path), "--format", "json"], cwd=CASES)
    assert r.code == ExitCode.USAGE and _json(r.out)["ok"] is False


# --- the package -----------------------------------------------------------------------------------


def test_python_dash_m_and_offline_imports_stay_light(tmp_path: pathlib.Path) -> None:
    code = ("import sys; from jcasc_gen.cli import main; rc = main(['validate', sys.argv[1]]); "
            "heavy = [m for m in ('requests', 'jenkins', 'jwt', 'cryptography') if m in sys.modules]; "
            "print(rc, heavy)")
    r = subprocess.run([sys.executable, "-c", code, str(GOOD)], capture_output=True, text=True, timeout=60)
    assert r.stdout.strip() == "0 []", r.stdout + r.stderr
    v = subprocess.run([sys.executable, "-m", "jcasc_gen", "--version"], capture_output=True, text=True, timeout=60)
    assert v.returncode == 0 and v.stdout.startswith("jcasc-gen ")


@pytest.mark.slow
def test_installed_wheel_finds_schemas_and_templates(tmp_path: pathlib.Path) -> None:
    """`pip install .` must work without the source tree: build the wheel, install it into
    a folder of its own, and generate from there with the source tree out of reach."""
    wheels = tmp_path / "wheels"
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(REPO)],
                           capture_output=True, text=True, timeout=300)
    if build.returncode != 0:
        pytest.skip(f"cannot build a wheel here (no build backend reachable): {build.stderr[-300:]}")
    (wheel,) = wheels.glob("*.whl")
    site = tmp_path / "site"
    inst = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
                          capture_output=True, text=True, timeout=300)
    assert inst.returncode == 0, inst.stderr
    data = site / "jcasc_gen" / "_data"
    assert (data / "schemas" / "spec.schema.json").is_file() and not (data / "schemas").is_symlink()
    assert (data / "templates" / "pomerium" / "config.yaml.j2").is_file()
    assert (site / "jcasc_gen" / "commands" / "generate.py").is_file()
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(GOOD, work / "spec.yaml")
    env = dict(os.environ, PYTHONPATH=str(site), PYTHONNOUSERSITE="1")
    code = ("import sys, jcasc_gen; assert jcasc_gen.__file__.startswith(sys.argv[1]), jcasc_gen.__file__; "
            "from jcasc_gen.cli import main; sys.exit(main(['generate', 'spec.yaml', '-q']))")
    r = subprocess.run([sys.executable, "-c", code, str(site)], cwd=work, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert tree(work / "generated") == tree(CASES / "guide-v021.expected")


# --- init ------------------------------------------------------------------------------------------


def test_init_writes_a_starter_that_validates_and_never_overwrites(tmp_path: pathlib.Path) -> None:
    target = tmp_path / "jcasc-gen.yaml"
    r = run(["init", str(target)])
    assert r.code == ExitCode.OK, r.err
    text = target.read_text(encoding="utf-8")
    assert text.count("\n#") + text.startswith("#") >= 5  # commented
    assert run(["validate", str(target)]).code == ExitCode.OK
    assert run(["generate", str(target), "-o", str(tmp_path / "out")]).code == ExitCode.OK
    target.write_text(text + "# my edit\n", encoding="utf-8")
    again = run(["init", str(target)])
    assert again.code == ExitCode.USAGE
    assert target.read_text(encoding="utf-8").endswith("# my edit\n")
    stdout = run(["init", "-"])
    assert stdout.code == ExitCode.OK and "version: 1" in stdout.out

"""`jcasc-gen report`: where it writes, what it refuses, its exit codes."""

from __future__ import annotations

import os
import pathlib
import shutil

import pytest

from jcasc_gen.exitcodes import ExitCode

from .conftest import SMALL, TIME


def test_writes_the_file_and_says_what_is_in_it(run_cli, tmp_path: pathlib.Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "reports" / "access.html"
    code, stdout, err = run_cli("report", str(SMALL), "-o", str(out), "--time", TIME)
    assert code == ExitCode.OK and stdout == ""
    assert err.strip().endswith("access.html: 7 principals, 2 items, 3 lint findings")
    first = out.read_bytes()
    assert first.startswith(b"<!DOCTYPE html>") and b"</html>\n" in first
    # twice is the same, and nothing is left beside it
    assert run_cli("report", str(SMALL), "-o", str(out), "--time", TIME)[0] == ExitCode.OK
    assert out.read_bytes() == first and sorted(os.listdir(out.parent)) == ["access.html"]
    assert run_cli("report", str(SMALL), "-o", "-", "--time", TIME)[1].encode() == first


def test_refuses_a_symlink_and_writes_nothing_for_a_bad_spec(run_cli, tmp_path: pathlib.Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "elsewhere.txt"
    target.write_text("keep me")
    link = tmp_path / "access.html"
    link.symlink_to(target)
    code, _, err = run_cli("report", str(SMALL), "-o", str(link))
    assert code == ExitCode.USAGE and "cannot write" in err and "Traceback" not in err
    assert target.read_text() == "keep me" and link.is_symlink()
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\njenkins: {url: 7}\n")
    out = tmp_path / "new.html"
    code, _, err = run_cli("report", str(bad), "-o", str(out))
    assert code == ExitCode.USAGE and "bad.yaml:2" in err and not out.exists()


def test_lint_errors_do_not_stop_the_report(run_cli, tmp_path: pathlib.Path) -> None:  # type: ignore[no-untyped-def]
    """An auditor files the report of a spec with a lockout too: the finding is in it."""
    spec = tmp_path / "spec.yaml"
    spec.write_text(SMALL.read_text().replace("      roles: [admin]\n", "      permissions: [Overall/Read]\n", 1))
    code, out, err = run_cli("report", str(spec), "--time", TIME)
    assert code == ExitCode.OK, err
    assert "JG001" in out and "Nobody passes Overall/Administer" in out


def test_csv_to_a_file(run_cli, tmp_path: pathlib.Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "access.csv"
    assert run_cli("report", str(SMALL), "--format", "csv", "-o", str(out), "--time", TIME)[0] == ExitCode.OK
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf\"generated_at\"") and data.count(b"\r\n") == 505


def test_the_command_is_in_the_readme(run_cli) -> None:  # type: ignore[no-untyped-def]
    readme = (pathlib.Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert "| `jcasc-gen report SPEC" in readme
    code, out, _ = run_cli("report", "--help")
    assert code == 0 and "--live" in out and "--time" in out and "SOURCE_DATE_EPOCH" in out

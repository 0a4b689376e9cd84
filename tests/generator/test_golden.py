"""The golden cases in tests/cases: one parametrized test per case, found by name.

- `NAME.spec.yaml` + `NAME.expected/`: `generate` writes exactly those files (bytes), prints
  exactly `NAME.stderr.txt` to stderr (nothing when absent), and a second run changes nothing.
- `NAME.error.txt`: `generate` exits 2, prints exactly that to stderr, and writes nothing.
- `NAME.args`: extra command-line arguments (e.g. --strict).

Commands run with cwd = tests/cases, so file names in messages are bare.
Regenerate with JCASC_GEN_UPDATE_GOLDENS=1, then READ every changed golden before committing.
"""

from __future__ import annotations

import os
import pathlib
import shutil

import pytest

from jcasc_gen import loader
from jcasc_gen.exitcodes import ExitCode

from ._cli import CASES, run, tree

UPDATE = os.environ.get("JCASC_GEN_UPDATE_GOLDENS") == "1"

# Cases that need a lowered limit instead of a multi-megabyte file in the repository.
SIZE_CAPS = {"load-too-large": 1024}


def _case_names() -> list[str]:
    names = set()
    for p in CASES.iterdir():
        for suffix in (".spec.yaml", ".error.txt", ".expected", ".stderr.txt", ".args"):
            if p.name.endswith(suffix):
                names.add(p.name[: -len(suffix)])
    return sorted(names)


def _is_good(name: str) -> bool:
    if (CASES / f"{name}.error.txt").exists():
        return False
    if (CASES / f"{name}.expected").is_dir():
        return True
    return UPDATE and _guess_good(name)


def _guess_good(name: str) -> bool:
    r = run(["validate", f"{name}.spec.yaml"], cwd=CASES)
    return r.code == 0 and run(["lint", f"{name}.spec.yaml", *_args(name)], cwd=CASES).code == 0


def _args(name: str) -> list[str]:
    p = CASES / f"{name}.args"
    return p.read_text(encoding="utf-8").split() if p.exists() else []


def _golden_text(path: pathlib.Path, actual: str) -> str:
    if UPDATE:
        if actual:
            path.write_text(actual, encoding="utf-8")
        elif path.exists():
            path.unlink()
    return path.read_text(encoding="utf-8") if path.exists() else ""


NAMES = _case_names()


@pytest.mark.parametrize("name", NAMES)
def test_case(name: str, tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if name in SIZE_CAPS:
        monkeypatch.setattr(loader, "MAX_BYTES", SIZE_CAPS[name])
    spec = f"{name}.spec.yaml"
    out = tmp_path / "out"
    before = tree(CASES)
    result = run(["generate", spec, "-o", str(out), *_args(name)], cwd=CASES)
    assert tree(CASES) == before, "generate wrote into the cases folder"
    if _is_good(name):
        _check_good(name, spec, out, result)
    else:
        _check_bad(name, spec, out, result)


def _check_good(name: str, spec: str, out: pathlib.Path, result) -> None:  # type: ignore[no-untyped-def]
    expected_dir = CASES / f"{name}.expected"
    assert result.code == ExitCode.OK, result.err
    if UPDATE:
        shutil.rmtree(expected_dir, ignore_errors=True)
        shutil.copytree(out, expected_dir)
    assert tree(out) == tree(expected_dir)
    assert result.err == _golden_text(CASES / f"{name}.stderr.txt", result.err)
    # Safe to run twice: nothing changes, every file reported unchanged.
    again = run(["generate", spec, "-o", str(out), *_args(name)], cwd=CASES)
    assert again.code == ExitCode.OK and "wrote" not in again.out
    assert tree(out) == tree(expected_dir)
    # The committed goldens are what the spec generates now: the GitOps gate agrees.
    gate = run(["check", spec, "-o", str(expected_dir), *_args(name)], cwd=CASES)
    assert gate.code == ExitCode.OK, gate.out + gate.err


def _check_bad(name: str, spec: str, out: pathlib.Path, result) -> None:  # type: ignore[no-untyped-def]
    assert result.code == ExitCode.USAGE, result.err
    assert not out.exists(), "a failed generate created the output folder"
    assert "Traceback" not in result.err
    assert result.err == _golden_text(CASES / f"{name}.error.txt", result.err)
    lines = result.err.splitlines()
    assert lines[-1].startswith(f"{spec}: ") and lines[-1].endswith("nothing was written") or "error" in lines[-1]
    if "[JG" not in result.err:
        # a validation problem: `validate` reports the very same located messages
        v = run(["validate", spec, *_args(name)], cwd=CASES)
        assert v.code == ExitCode.USAGE
        assert v.err.splitlines()[:-1] == [l for l in lines[:-1]]
    else:
        lint = run(["lint", spec, *_args(name)], cwd=CASES)
        assert lint.code == ExitCode.USAGE


def test_enough_cases() -> None:
    good = [n for n in NAMES if (CASES / f"{n}.expected").is_dir()]
    bad = [n for n in NAMES if (CASES / f"{n}.error.txt").exists()]
    assert len(good) >= 15 and len(bad) >= 25, (len(good), len(bad))
    orphans = [n for n in NAMES if n not in good and n not in bad]
    assert not orphans, f"cases without .expected/ or .error.txt: {orphans}"

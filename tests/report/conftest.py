from __future__ import annotations

import os
import pathlib

import pytest

CASES = pathlib.Path(__file__).resolve().parent / "cases"
SMALL = CASES / "small.spec.yaml"
SMALL_BEFORE = CASES / "small-before.spec.yaml"
TIME = "2026-12-01T09:30:00Z"
UPDATE = os.environ.get("JCASC_GEN_UPDATE_GOLDENS") == "1"


def check_golden(name: str, actual: str) -> None:
    """Compare with tests/report/cases/NAME; JCASC_GEN_UPDATE_GOLDENS=1 rewrites it (then read the diff)."""
    path = CASES / name
    if UPDATE:
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(actual)
        return
    assert path.exists(), f"{path} is missing: run with JCASC_GEN_UPDATE_GOLDENS=1 and read it"
    with open(path, encoding="utf-8", newline="") as f:
        expected = f.read()
    assert actual == expected, f"{name} differs from the golden (JCASC_GEN_UPDATE_GOLDENS=1 rewrites it; read the diff)"


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    from jcasc_gen.cli import main

    def run(*argv: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(list(argv))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run

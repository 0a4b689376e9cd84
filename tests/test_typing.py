"""The package type-checks: `python -m mypy jcasc_gen` with the [tool.mypy] settings in pyproject.toml."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parent.parent


def test_mypy_passes(tmp_path: pathlib.Path) -> None:
    pytest.importorskip("mypy")
    # a fresh cache each run: nothing written into the work tree, no stale cache hiding an error
    r = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "mypy_cache"), "jcasc_gen"],
                       cwd=REPO, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, f"mypy exited {r.returncode}:\n{r.stdout}{r.stderr}"

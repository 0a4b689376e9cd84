"""docs/report.md's Python example runs as written (beside samples/fleet.yaml) and shows what it
says: who can administer each controller, and the page it writes."""

from __future__ import annotations

import pathlib
import re
import shutil

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]


def test_the_python_example_runs_as_written(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    doc = (REPO / "docs" / "report.md").read_text(encoding="utf-8")
    (block,) = re.findall(r"^```python\n(.*?)^```", doc, re.M | re.S)
    shutil.copy(REPO / "samples" / "fleet.yaml", tmp_path / "fleet.yaml")
    monkeypatch.chdir(tmp_path)
    exec(compile(block, "docs/report.md", "exec"), {"__name__": "__docs__"})  # noqa: S102 - our own documentation
    printed = capsys.readouterr().out.strip()
    said = re.search(r"print\(review\.administrators\)  # (.*)$", block, re.M)
    assert said is not None and printed == said.group(1)
    assert (tmp_path / "access.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")

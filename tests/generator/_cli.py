"""Run `jcasc-gen` in-process and capture what a user would see."""

from __future__ import annotations

import contextlib
import io
import os
import pathlib
from dataclasses import dataclass
from typing import Sequence

from jcasc_gen.cli import main

REPO = pathlib.Path(__file__).resolve().parents[2]
CASES = REPO / "tests" / "cases"


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


def run(argv: Sequence[str], cwd: str | os.PathLike[str] | None = None) -> Result:
    """`jcasc-gen ARGV` with cwd changed for the call; stdout and stderr captured."""
    out, err = io.StringIO(), io.StringIO()
    old = os.getcwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(argv))
    finally:
        os.chdir(old)
    return Result(code, out.getvalue(), err.getvalue())


def tree(root: pathlib.Path) -> dict[str, bytes]:
    """Every file under `root` (relative posix path -> bytes); {} when root does not exist."""
    if not root.exists():
        return {}
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}

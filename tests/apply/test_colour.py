"""Colour is used alike by every command that shows changes or findings (one palette,
jcasc_gen/colour.py): the same mark has the same colour everywhere, `--color` forces it,
`--no-color`, NO_COLOR and output that is not a terminal leave it plain."""

from __future__ import annotations

import os
import pathlib
import pty
import re
import subprocess
import sys
from typing import Any, Callable

import pytest

from jcasc_gen.colour import enabled

from .conftest import Env, Run, spec_text

ANSI = re.compile(r"\x1b\[[0-9;]*m")
PAINTED = re.compile(r"^(\x1b\[[0-9;]*m)(.*?)\x1b\[0m$")
NAMES = {"\x1b[32m": "green", "\x1b[31m": "red", "\x1b[33m": "yellow", "\x1b[35m": "magenta", "\x1b[36m": "cyan",
         "\x1b[1m": "bold", "\x1b[2m": "dim"}
# what a mark means, and so its colour, in every command
MEANING = {"+": "green", "wrote": "green", "ok": "green",
           "-": "red", "removed": "red", "missing": "red", "FAIL": "red", "refused": "red", "error:": "red",
           "~": "yellow", "stale": "yellow", "extra": "yellow", "plugin": "yellow", "realm": "yellow", "restart": "yellow",
           "warning:": "yellow", "!": "magenta", "unsafe": "magenta", "@@": "cyan", "---": "bold", "+++": "bold",
           "unchanged": "dim", "skip": "dim"}

OFFLINE = """\
version: 1
jenkins: {url: https://jenkins.example.com}
pomerium:
  authenticate_url: https://authenticate.example.com
  idp: {provider: google, client_id: {env: IDP_CLIENT_ID}, client_secret: {env: IDP_CLIENT_SECRET}}
  signing_key: {env: POMERIUM_SIGNING_KEY}
authorization:
  roles: {unused: [Job/Read]}
  grants:
    - user: admin@example.com
      permissions: [Overall/Administer]
    - user: bob
      permissions: [Overall/Read, Job/Read]
output: {dir: out}
"""


def _mark(text: str) -> str:
    stripped = text.lstrip()
    for mark in ("+++", "---", "@@", "+", "-", "~", "!"):
        if stripped.startswith(mark):
            return mark
    return stripped.split()[0] if stripped.split() else ""


def painted_marks(text: str) -> list[tuple[str, str]]:
    """(mark, colour) of every painted line; a diagnostic's head line is (severity, colour)."""
    out = []
    for line in text.splitlines():
        m = PAINTED.match(line)
        if not m:
            continue
        body = m.group(2)
        severity = re.search(r": (warning: |info: )?\[JG\d{3}\]|^\S+:\d+:\d+: ", body)
        if severity and re.match(r"^\S+:\d+:\d+: ", body):
            kind = "warning" if ": warning: " in body else "info" if ": info: " in body else "error"
            out.append((f"diagnostic {kind}", NAMES[m.group(1)]))
        else:
            out.append((_mark(body), NAMES[m.group(1)]))
    return out


def _every_command(env: Env, tmp: pathlib.Path, *flags: str) -> dict[str, Run]:
    """Each command that shows changes or findings, run once so that it has something to show."""
    spec = str(tmp / "offline.yaml")
    out: dict[str, Run] = {}
    out["validate"] = env.run("validate", spec, *flags)
    out["lint"] = env.run("lint", spec, *flags)
    out["check (missing)"] = env.run("check", spec, *flags)
    out["diff (files)"] = env.run("diff", spec, *flags)
    out["generate"] = env.run("generate", spec, *flags)
    (tmp / "offline.yaml").write_text(OFFLINE.replace("Job/Read]\noutput", "Job/Read, Job/Build]\noutput"))
    (tmp / "out" / "old.txt").write_text((tmp / "out" / "plugins.txt").read_text())
    out["check (stale)"] = env.run("check", spec, *flags)
    out["diff (changed)"] = env.run("diff", spec, *flags)
    out["generate (removed)"] = env.run("generate", spec, *flags)
    out["plan"] = env.plan(*flags)
    out["verify (failed)"] = env.verify(*flags)
    out["diff --live"] = env.run("diff", str(env.spec), "--live", *env.base(), *flags)
    out["apply"] = env.apply(*flags)
    out["verify"] = env.verify(*flags)
    env.write_spec(spec_text(env.pomerium.jwks_url, extra_jwt="  leeway_seconds: 60\n"))
    out["plan (realm attribute)"] = env.plan(*flags)
    return out


def test_every_command_paints_the_same_mark_the_same_colour(tmp_path: pathlib.Path, make_env: Callable[..., Env],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    env = make_env()
    (tmp_path / "offline.yaml").write_text(OFFLINE)
    runs = _every_command(env, tmp_path, "--color")
    seen: dict[str, dict[str, set[str]]] = {}
    for name, run in runs.items():
        marks = painted_marks(run.out) + painted_marks(run.err)
        assert marks, f"{name} painted nothing with --color"
        for mark, colour in marks:
            seen.setdefault(mark, {}).setdefault(colour, set()).add(name)
    for mark, colours in seen.items():
        assert len(colours) == 1, f"{mark!r} is painted {colours}"
        expected = MEANING.get(mark) or {"diagnostic error": "red", "diagnostic warning": "yellow",
                                         "diagnostic info": "cyan"}.get(mark)
        if expected is not None:
            assert set(colours) == {expected}, (mark, colours)
    # the marks people act on appear, each in more than one command where it can
    assert {"+", "-", "~", "wrote", "removed", "missing", "stale", "diagnostic warning"} <= set(seen)
    assert seen["+"]["green"] >= {"plan", "diff (files)", "diff --live"}
    assert seen["diagnostic warning"]["yellow"] >= {"validate", "lint", "generate", "check (missing)", "diff (files)"}


def test_without_a_terminal_and_with_no_color_everything_is_plain(tmp_path: pathlib.Path, make_env: Callable[..., Env],
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    env = make_env()
    (tmp_path / "offline.yaml").write_text(OFFLINE)
    monkeypatch.delenv("NO_COLOR", raising=False)
    for name, run in _every_command(env, tmp_path).items():  # captured: not a terminal
        assert not ANSI.search(run.out + run.err), name
    env2 = make_env()
    (tmp_path / "offline.yaml").write_text(OFFLINE)
    for name, run in _every_command(env2, tmp_path, "--no-color").items():
        assert not ANSI.search(run.out + run.err), name


def _in_a_terminal(argv: list[str], env: dict[str, str], cwd: pathlib.Path) -> str:
    """Run jcasc-gen with stdout and stderr on a pseudo-terminal; what it wrote there."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "jcasc_gen", *argv], stdin=subprocess.DEVNULL, stdout=follower,
                            stderr=follower, env=env, cwd=cwd)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # the other end closed (Linux: EIO)
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=60)
    os.close(leader)
    return b"".join(chunks).decode("utf-8", "replace")


def test_a_terminal_gets_colour_unless_no_color_is_set(tmp_path: pathlib.Path) -> None:
    (tmp_path / "offline.yaml").write_text(OFFLINE)
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    shown = _in_a_terminal(["lint", "offline.yaml"], env, tmp_path)
    assert "[JG017]" in shown and ANSI.search(shown)
    shown = _in_a_terminal(["diff", "offline.yaml"], env, tmp_path)
    assert "\x1b[1m+++ out/jenkins.yaml (from offline.yaml)" in shown
    for value in ("1", "yes"):
        plain = _in_a_terminal(["lint", "offline.yaml"], {**env, "NO_COLOR": value}, tmp_path)
        assert "[JG017]" in plain and not ANSI.search(plain)
    # an empty NO_COLOR does not count (no-color.org); --no-color wins over a terminal
    assert ANSI.search(_in_a_terminal(["lint", "offline.yaml"], {**env, "NO_COLOR": ""}, tmp_path))
    assert not ANSI.search(_in_a_terminal(["lint", "offline.yaml", "--no-color"], env, tmp_path))


class _Tty:
    def __init__(self, tty: bool = True, broken: bool = False) -> None:
        self.tty, self.broken = tty, broken

    def isatty(self) -> bool:
        if self.broken:
            raise ValueError("I/O operation on closed file")
        return self.tty


@pytest.mark.parametrize("stream,value,environ,expected", [
    (_Tty(), "auto", {}, True),
    (_Tty(), "auto", {"NO_COLOR": "1"}, False),
    (_Tty(), "auto", {"NO_COLOR": ""}, True),
    (_Tty(False), "auto", {}, False),
    (_Tty(), "never", {}, False),
    (object(), "always", {"NO_COLOR": "1"}, True),
    (_Tty(broken=True), "auto", {}, False),
])
def test_when_colour_is_used(stream: Any, value: str, environ: dict[str, str], expected: bool) -> None:
    assert enabled(stream, value, environ) is expected

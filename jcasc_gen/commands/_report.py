"""The `--format json` document: exactly one JSON object on stdout, in every outcome.

A command hands its document to `emit_json` when it has one (the Python API's results give
theirs with `to_json()`); a command that fails before it has one hands nothing. Either way
`cli.main` prints the document once the exit code is known (`finish`), and adds what every
document carries (`schemas/output.schema.json`, docs/json.md):

- `command`, `ok` (exit code 0), `exit` (the process's exit code);
- `diagnostics`: the located problems the run printed (`print_diagnostics` notes them), when
  the document does not carry its own;
- `error` and `hint`: why a run failed when no diagnostic says it (Jenkins unreachable,
  credentials refused, a usage error, a refused change), else null;
- `url` for the live commands (plan, apply, verify, diff --live): where Jenkins was reached,
  null when the run stopped before choosing one (an invalid spec) or several were (--all);
- `spec`: the spec file as given, for the commands that read one.

So a failure that happens anywhere (argparse, loading, lint, the network, a bug) still ends
in one document; nothing else is written to stdout in that mode.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from typing import Any, Callable

from ..diagnostics import Diagnostic

__all__ = ["Report", "start", "current", "finish", "emit_json", "note_diagnostics", "note_url", "note_error", "LIVE_COMMANDS",
           "is_live"]

LIVE_COMMANDS = frozenset({"plan", "apply", "verify"})  # and `diff --live`, `report --live`


def is_live(command: str, args: argparse.Namespace | None) -> bool:
    return command in LIVE_COMMANDS or (command in ("diff", "report") and bool(getattr(args, "live", False)))


@dataclass
class Report:
    command: str
    args: argparse.Namespace | None
    document: dict[str, Any] | None = None
    scrub: Callable[[str], str] | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    url: str | None = None
    error: str | None = None
    hint: str | None = None

    @property
    def json(self) -> bool:
        return getattr(self.args, "format", None) == "json"

    def final(self, code: int) -> dict[str, Any]:
        doc = dict(self.document or {})
        for key in ("command", "ok", "exit"):  # said by the process, below
            doc.pop(key, None)
        head: dict[str, Any] = {"command": self.command, "ok": code == 0, "exit": int(code)}
        spec = getattr(self.args, "spec", None)
        if spec is not None and self.command != "import":
            head["spec"] = doc.pop("spec", spec)
        if is_live(self.command, self.args):
            head["url"] = doc.pop("url", self.url)
        if self.command == "diff" and hasattr(self.args, "live"):
            head["against"] = doc.pop("against", "live" if getattr(self.args, "live", False) else "output")
        diagnostics = doc.pop("diagnostics", None)
        if diagnostics is None:
            diagnostics = [d.to_json() for d in self.diagnostics]
        if doc.get("error"):
            error, hint = doc.pop("error"), doc.pop("hint", None)
        else:
            doc.pop("error", None), doc.pop("hint", None)
            error, hint = self.error, self.hint
        return {**head, "diagnostics": diagnostics, "error": error, "hint": hint, **doc}


_current: Report | None = None


def start(command: str, args: argparse.Namespace | None) -> Report:
    global _current
    _current = Report(command, args)
    return _current


def current() -> Report | None:
    return _current


def emit_json(payload: dict[str, Any], *, scrub: Callable[[str], str] | None = None) -> None:
    """The command's `--format json` document, printed by `finish` (or at once outside `main`)."""
    report = _current
    if report is None:
        _write(payload, scrub)
        return
    report.document = payload
    report.scrub = scrub or report.scrub


def note_diagnostics(diags: list[Diagnostic]) -> None:
    if _current is not None:
        _current.diagnostics.extend(d for d in diags if d not in _current.diagnostics)


def note_url(url: str | None) -> None:
    if _current is not None and url:
        _current.url = url


def note_error(message: str | None, hint: str | None = None) -> None:
    """Why the run failed, when no diagnostic says it; the first one said is kept."""
    if _current is not None and message and _current.error is None:
        _current.error, _current.hint = message, hint


def finish(code: int) -> None:
    """Print the document (`--format json` only) and forget the run."""
    global _current
    report, _current = _current, None
    if report is None or not report.json:
        return
    _write(report.final(code), report.scrub)


def _write(payload: dict[str, Any], scrub: Callable[[str], str] | None) -> None:
    text = json.dumps(payload, indent=2, ensure_ascii=False)
    # the live commands' redactor sees every document once it is in use (a secret can only be
    # known to this process through it), whichever code path made the document
    redactor = sys.modules.get("jcasc_gen.live.redact")
    if scrub is None and redactor is not None:
        scrub = redactor.redact
    sys.stdout.write((scrub(text) if scrub else text) + "\n")
    sys.stdout.flush()

"""What the spec-reading commands share: arguments, loading, reporting. The work itself is the
Python API's (`jcasc_gen.load`, `lint`, `generate`, ...); the commands print its answers."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any, Sequence

from ..diagnostics import Diagnostic, SpecError, strictify
from ..exitcodes import ExitCode
from ._report import emit_json, note_diagnostics, note_error

if TYPE_CHECKING:
    from .._api import Spec

__all__ = ["add_spec_argument", "add_format_argument", "add_color_argument", "add_strict_argument", "load_or_report", "print_diagnostics",
           "emit_json", "CommandFailed", "usage_error"]


class CommandFailed(Exception):
    """End the command with `code`; what went wrong has been printed. `error` and `hint` say it
    again for the JSON document, when no diagnostic does."""

    def __init__(self, code: int, error: str | None = None, hint: str | None = None) -> None:
        self.code = code
        note_error(error, hint)


def usage_error(message: str, hint: str | None = None) -> int:
    """Say a usage problem found after parsing (to stderr, and for the JSON document); exit 2."""
    print(f"error: {message}" + (f"\n  hint: {hint}" if hint else ""), file=sys.stderr)
    note_error(message, hint)
    return ExitCode.USAGE


def add_spec_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("spec", metavar="SPEC", help="the spec file (YAML)")


def add_format_argument(p: argparse.ArgumentParser, *, markdown: bool = False) -> None:
    """--format (text or json; `markdown` too for plan and diff), and the colour of the text
    (every command that reports has both)."""
    if markdown:
        p.add_argument("--format", choices=("text", "json", "markdown"), default="text",
                       help="output format (default: text); markdown: who gains and loses which permission, for a "
                            "pull-request comment")
    else:
        p.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    add_color_argument(p)


def add_color_argument(p: argparse.ArgumentParser) -> None:
    """--color / --no-color: what `colour.enabled` decides with (default: a terminal, NO_COLOR unset)."""
    colour = p.add_mutually_exclusive_group()
    colour.add_argument("--no-color", dest="color", action="store_const", const="never",
                        help="never colour the output (NO_COLOR is honoured too)")
    colour.add_argument("--color", dest="color", action="store_const", const="always",
                        help="colour the output even when it does not go to a terminal")
    p.set_defaults(color="auto")


def add_strict_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("--strict", action="store_true", help="treat warnings as errors (exit 2)")


def add_output_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("-o", "--output", metavar="DIR",
                   help="output folder (relative to the current folder); default: the spec's output.dir, relative to the spec")


def print_diagnostics(diags: Sequence[Diagnostic], stream: Any = None) -> None:
    """Diagnostics as text (stderr), and noted for the JSON document of the run."""
    from ..colour import diagnostic

    stream = stream or sys.stderr
    note_diagnostics(list(diags))
    for d in diags:
        print(diagnostic(d, stream), file=stream)


def load_or_report(args: argparse.Namespace, *, command: str) -> Spec:
    """Load the spec (its output folder: `-o`, if the command has it); on errors print them
    (text to stderr, or JSON) and raise CommandFailed(2)."""
    from pathlib import Path

    from .._api import load

    try:
        # always a path (a file name may hold a line break), named as the user wrote it
        return load(Path(args.spec), name=args.spec, output_dir=getattr(args, "output", None) or None)
    except SpecError as exc:
        raise spec_failed(args, command, exc) from None


def spec_failed(args: argparse.Namespace, command: str, exc: SpecError) -> CommandFailed:
    """Print a spec's errors (text to stderr, or the JSON document) and give the exit to raise."""
    if getattr(args, "format", "text") == "json":
        emit_json({"command": command, "ok": False, "spec": args.spec,
                   "diagnostics": [d.to_json() for d in exc.diagnostics]})
    else:
        print_diagnostics(exc.diagnostics)
        n = len([d for d in exc.diagnostics if d.severity == "error"])
        print(f"{args.spec}: {n} error{'s' if n != 1 else ''}", file=sys.stderr)
    return CommandFailed(ExitCode.USAGE)

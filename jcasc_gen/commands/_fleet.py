"""What the offline commands share for specs with `controllers:`: choosing controllers, loading
them, and their generated files as one tree (`<output dir>/<controller>/...`).

A spec without controllers is a fleet of one unnamed member, so every command takes one path.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Mapping

from ..diagnostics import Diagnostic, SpecError, strictify
from ..exitcodes import ExitCode
from ..fleet import Fleet, Member, load_fleet, sorted_diagnostics
from ._common import CommandFailed, emit_json, print_diagnostics

if TYPE_CHECKING:
    from ..outputs import TreeDiff

__all__ = ["add_controller_argument", "load_fleet_or_report", "output_root", "member_root", "FleetGeneration",
           "generate_fleet", "fleet_findings", "controller_names", "compare_fleet", "rerun_flags"]


def add_controller_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("--controller", dest="controllers", action="append", default=[], metavar="NAME",
                   help="only this controller of a spec with `controllers:` (repeat for several; default: all of them)")


def load_fleet_or_report(args: argparse.Namespace, *, command: str) -> Fleet:
    """Load the spec's controllers (those of --controller); on errors print them (text to
    stderr, or JSON) and raise CommandFailed(2)."""
    try:
        return load_fleet(args.spec, only=getattr(args, "controllers", None) or None)
    except SpecError as exc:
        if getattr(args, "format", "text") == "json":
            emit_json({"command": command, "ok": False, "spec": args.spec,
                       "diagnostics": [d.to_json() for d in exc.diagnostics]})
        else:
            print_diagnostics(exc.diagnostics)
            n = len([d for d in exc.diagnostics if d.severity == "error"])
            print(f"{args.spec}: {n} error{'s' if n != 1 else ''}", file=sys.stderr)
        raise CommandFailed(ExitCode.USAGE) from None


def controller_names(fleet: Fleet) -> dict[str, list[str]]:
    """`{"controllers": [...]}` for JSON documents of a spec with controllers, else {}."""
    return {"controllers": [m.name for m in fleet.members if m.name]} if fleet.has_controllers else {}


def output_root(args: argparse.Namespace, fleet: Fleet) -> str:
    """The output folder: -o, else output.dir. Controllers write into `<root>/<name>/`."""
    if getattr(args, "output", None):
        return os.path.abspath(args.output)
    spec_dir = fleet.members[0].loaded.spec.output.dir
    return os.path.dirname(spec_dir) if fleet.has_controllers else spec_dir


def member_root(root: str, member: Member) -> str:
    return os.path.join(root, member.name) if member.name else root


def fleet_findings(fleet: Fleet, *, strict: bool) -> list[Diagnostic]:
    """Validation warnings and lint findings of every member, shared ones once, in source order."""
    from ..lint import lint

    found: list[Diagnostic] = []
    for m in fleet.members:
        found += strictify(m.loaded.warnings, strict) + lint(m.loaded.spec, m.loaded.document, strict=strict)
    return _in_order(fleet, found)


def _in_order(fleet: Fleet, diags: list[Diagnostic]) -> list[Diagnostic]:
    # A spec without controllers keeps the order its commands always printed.
    key = lambda d: (d.line, d.col, d.code or "")  # noqa: E731
    return sorted(sorted_diagnostics(diags) if fleet.has_controllers else diags, key=key)


@dataclass(frozen=True)
class FleetGeneration:
    files: dict[str, str]  # relative to the output root: `<controller>/<file>` for controllers
    diagnostics: list[Diagnostic]

    @property
    def failed(self) -> bool:
        return any(d.severity == "error" for d in self.diagnostics)


def generate_fleet(fleet: Fleet, *, strict: bool) -> FleetGeneration:
    """Every member's files as one tree, written (or compared) in one step; none when any member
    has an error."""
    from ..outputs import prepare

    files: dict[str, str] = {}
    diags: list[Diagnostic] = []
    for m in fleet.members:
        gen = prepare(m.loaded, strict=strict)
        diags += gen.diagnostics
        prefix = f"{m.name}/" if m.name else ""
        files.update((prefix + rel, text) for rel, text in gen.files.items())
    diags = _in_order(fleet, diags)
    return FleetGeneration({} if any(d.severity == "error" for d in diags) else files, diags)


def compare_fleet(root: str, fleet: Fleet, files: Mapping[str, str]) -> TreeDiff:
    """Stale, missing, extra and unsafe files of the chosen members. With every controller (or
    none defined) the whole folder is theirs: a removed controller's files are extra. With some
    chosen, only extra files in their folders count."""
    from ..outputs import compare_tree

    diff = compare_tree(root, files)
    if fleet.has_controllers and len(fleet.members) != len(fleet.names):
        mine = tuple(f"{m.name}/" for m in fleet.members)
        diff.extra = [rel for rel in diff.extra if rel.startswith(mine)]
    return diff


def rerun_flags(args: argparse.Namespace) -> str:
    """The -o and --controller flags of this run, for a hint that names the command to run."""
    import shlex

    flags = [f"-o {shlex.quote(args.output)}"] if getattr(args, "output", None) else []
    flags += [f"--controller {shlex.quote(n)}" for n in getattr(args, "controllers", None) or ()]
    return "".join(" " + f for f in flags)

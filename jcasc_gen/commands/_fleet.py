"""What the offline commands share for specs with `controllers:`: choosing controllers, loading
them (as the Python API's `Spec`, one per controller), their findings, and their generated
files as one tree (`<output dir>/<controller>/...`).

A spec without controllers is a fleet of one unnamed member, so every command takes one path.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Mapping

from ..diagnostics import Diagnostic, SpecError
from ..fleet import Fleet, Member, load_fleet, sorted_diagnostics
from ._common import spec_failed

if TYPE_CHECKING:
    from .._api import Spec
    from ..outputs import TreeDiff

__all__ = ["add_controller_argument", "Chosen", "load_fleet_or_report", "member_root", "FleetGeneration",
           "generate_fleet", "fleet_findings", "controller_names", "compare_fleet", "owned_folders", "rerun_flags"]


def add_controller_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("--controller", dest="controllers", action="append", default=[], metavar="NAME",
                   help="only this controller of a spec with `controllers:` (repeat for several; default: all of them)")


@dataclass(frozen=True)
class Chosen:
    """The controllers a command works on: the fleet, its output folder, and each chosen
    controller's `Spec` (name None for a spec without controllers)."""

    fleet: Fleet
    root: str  # -o, else output.dir; controllers write into <root>/<name>/
    specs: tuple[tuple[str | None, Spec], ...]

    @property
    def has_controllers(self) -> bool:
        return self.fleet.has_controllers

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
        return self.fleet.warnings


def load_fleet_or_report(args: argparse.Namespace, *, command: str) -> Chosen:
    """Load the spec's controllers (those of --controller); on errors print them (text to
    stderr, or JSON) and raise CommandFailed(2)."""
    from .._api import Spec

    try:
        fleet = load_fleet(args.spec, only=getattr(args, "controllers", None) or None)
    except SpecError as exc:
        raise spec_failed(args, command, exc) from None
    if getattr(args, "output", None):
        root = os.path.abspath(args.output)
    else:
        spec_dir = fleet.members[0].loaded.spec.output.dir
        root = os.path.dirname(spec_dir) if fleet.has_controllers else spec_dir
    return Chosen(fleet, root, tuple((m.name, Spec(m.loaded, member_root(root, m))) for m in fleet.members))


def controller_names(chosen: Chosen) -> dict[str, list[str]]:
    """`{"controllers": [...]}` for JSON documents of a spec with controllers, else {}."""
    return {"controllers": [name for name, _ in chosen.specs if name]} if chosen.has_controllers else {}


def member_root(root: str, member: Member) -> str:
    return os.path.join(root, member.name) if member.name else root


def fleet_findings(chosen: Chosen, *, strict: bool) -> list[Diagnostic]:
    """Validation warnings and lint findings of every chosen controller (`jcasc_gen.lint`),
    shared ones once, in source order."""
    from .._api import lint

    found = [d for _, spec in chosen.specs for d in lint(spec, strict=strict)]
    if not chosen.has_controllers:
        return found  # exactly what a spec without controllers always printed
    return sorted(sorted_diagnostics(found), key=lambda d: (d.line, d.col, d.code or ""))


@dataclass(frozen=True)
class FleetGeneration:
    files: dict[str, str]  # relative to the output root: `<controller>/<file>` for controllers
    diagnostics: list[Diagnostic]

    @property
    def failed(self) -> bool:
        return any(d.blocking for d in self.diagnostics)


def generate_fleet(chosen: Chosen, *, strict: bool) -> FleetGeneration:
    """Every chosen controller's files (`jcasc_gen.generate`) as one tree, written (or compared)
    in one step; none when any controller has an error."""
    from .._api import generate

    diags = fleet_findings(chosen, strict=strict)
    if any(d.blocking for d in diags):
        return FleetGeneration({}, diags)
    files: dict[str, str] = {}
    for name, spec in chosen.specs:
        prefix = f"{name}/" if name else ""
        files.update((prefix + rel, text) for rel, text in generate(spec, strict=strict).items())
    return FleetGeneration(files, diags)


def compare_fleet(root: str, chosen: Chosen, files: Mapping[str, str]) -> TreeDiff:
    """Stale, missing, extra and unsafe files of the chosen controllers. With every controller
    (or none defined) the whole folder is theirs: a removed controller's files are extra. With
    some chosen, only extra files in their folders count."""
    from ..outputs import compare_tree

    diff = compare_tree(root, files)
    mine = owned_folders(chosen)
    if mine is not None:
        diff.extra = [rel for rel in diff.extra if rel.startswith(mine)]
    return diff


def owned_folders(chosen: Chosen) -> tuple[str, ...] | None:
    """The folders (`name/`) whose generated files this run owns, when only some controllers
    are chosen; None when the whole output folder is the run's (every controller, or none
    defined: then a removed controller's files are extra, and generate removes them)."""
    if chosen.has_controllers and len(chosen.specs) != len(chosen.fleet.names):
        return tuple(f"{name}/" for name, _ in chosen.specs)
    return None


def rerun_flags(args: argparse.Namespace) -> str:
    """The -o and --controller flags of this run, for a hint that names the command to run."""
    import shlex

    flags = [f"-o {shlex.quote(args.output)}"] if getattr(args, "output", None) else []
    flags += [f"--controller {shlex.quote(n)}" for n in getattr(args, "controllers", None) or ()]
    return "".join(" " + f for f in flags)

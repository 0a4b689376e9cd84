"""`jcasc-gen validate SPEC`: shape, permissions, roles and principals; nothing is written."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from ..exitcodes import ExitCode
from ._common import add_format_argument, add_spec_argument, add_strict_argument, emit_json, print_diagnostics, strictify
from ._fleet import add_controller_argument, controller_names, load_fleet_or_report

if TYPE_CHECKING:
    from ._fleet import Chosen


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_spec_argument(p)
    add_format_argument(p)
    add_strict_argument(p)
    add_controller_argument(p)


def run(args: argparse.Namespace) -> int:
    chosen = load_fleet_or_report(args, command="validate")
    diags = strictify(chosen.warnings, args.strict)
    failed = any(d.blocking for d in diags)
    if args.format == "json":
        emit_json({"command": "validate", "ok": not failed, "spec": args.spec, **controller_names(chosen),
                   "diagnostics": [d.to_json() for d in diags]})
    else:
        print_diagnostics(diags)
        if not failed:
            print(f"{args.spec}: valid" + _which(chosen) + (f" ({len(diags)} warning{'s' if len(diags) != 1 else ''})" if diags else ""), file=sys.stderr)
    return ExitCode.USAGE if failed else ExitCode.OK


def _which(chosen: Chosen) -> str:
    names = [name for name, _ in chosen.specs if name]
    return f" for controller{'s' if len(names) != 1 else ''} {', '.join(names)}" if names else ""

"""`jcasc-gen lint SPEC`: security findings (ids JG001...), each with an explanation."""

from __future__ import annotations

import argparse
import sys

from ..exitcodes import ExitCode
from ._common import add_format_argument, add_spec_argument, add_strict_argument, emit_json, print_diagnostics
from ._fleet import add_controller_argument, controller_names, fleet_findings, load_fleet_or_report


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_spec_argument(p)
    add_format_argument(p)
    add_strict_argument(p)
    add_controller_argument(p)
    p.add_argument("--explain", action="store_true", help="print why each finding matters")


def run(args: argparse.Namespace) -> int:
    from ..lint_rules import RULES

    chosen = load_fleet_or_report(args, command="lint")
    findings = fleet_findings(chosen, strict=args.strict)
    failed = any(d.blocking for d in findings)
    if args.format == "json":
        explained = [dict(d.to_json(), why=RULES[d.code].why if d.code in RULES else None) for d in findings]
        emit_json({"command": "lint", "ok": not failed, "spec": args.spec, **controller_names(chosen),
                   "diagnostics": explained, "findings": explained})
    else:
        for d in findings:
            print_diagnostics([d])
            if args.explain and d.code in RULES:
                print(f"  why: {RULES[d.code].why}", file=sys.stderr)
        open_ = [d for d in findings if d.accepted is None]
        n_err = sum(d.severity == "error" for d in open_)
        n_warn = sum(d.severity == "warning" for d in open_)
        n_info = len(open_) - n_err - n_warn
        n_accepted = len(findings) - len(open_)
        print(f"{args.spec}: {n_err} error{'s' if n_err != 1 else ''}, {n_warn} warning{'s' if n_warn != 1 else ''}"
              + (f", {n_info} info" if n_info else "") + (f", {n_accepted} accepted" if n_accepted else ""), file=sys.stderr)
    return ExitCode.USAGE if failed else ExitCode.OK

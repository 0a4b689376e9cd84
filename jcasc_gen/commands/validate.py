"""`jcasc-gen validate SPEC`: shape, permissions, roles and principals; nothing is written."""

from __future__ import annotations

import argparse
import sys

from ..exitcodes import ExitCode
from ._common import (add_format_argument, add_spec_argument, add_strict_argument, emit_json,
                      load_or_report, print_diagnostics, strictify)


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_spec_argument(p)
    add_format_argument(p)
    add_strict_argument(p)


def run(args: argparse.Namespace) -> int:
    spec = load_or_report(args, command="validate")
    diags = strictify(spec.warnings, args.strict)
    failed = any(d.severity == "error" for d in diags)
    if args.format == "json":
        emit_json({"command": "validate", "ok": not failed, "spec": args.spec, "diagnostics": [d.to_json() for d in diags]})
    else:
        print_diagnostics(diags)
        if not failed:
            print(f"{args.spec}: valid" + (f" ({len(diags)} warning{'s' if len(diags) != 1 else ''})" if diags else ""), file=sys.stderr)
    return ExitCode.USAGE if failed else ExitCode.OK

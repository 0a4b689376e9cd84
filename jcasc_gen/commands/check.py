"""`jcasc-gen check SPEC [-o DIR]`: the GitOps CI gate. Exit 1 when the committed output is
stale, missing or has extra generated files, or holds a symlink, FIFO, device or folder where a
generated file belongs (never followed or read: `fsio`); nothing is written."""

from __future__ import annotations

import argparse
import os
import sys

from ..exitcodes import ExitCode
from ._common import add_format_argument, add_output_argument, add_spec_argument, add_strict_argument, emit_json, print_diagnostics
from ._fleet import (add_controller_argument, compare_fleet, controller_names, generate_fleet, load_fleet_or_report,
                     rerun_flags)


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_spec_argument(p)
    add_output_argument(p)
    add_format_argument(p)
    add_strict_argument(p)
    add_controller_argument(p)


def run(args: argparse.Namespace) -> int:
    chosen = load_fleet_or_report(args, command="check")
    gen = generate_fleet(chosen, strict=args.strict)
    findings = gen.diagnostics
    root = chosen.root
    if gen.failed:
        if args.format == "json":
            emit_json({"command": "check", "ok": False, "spec": args.spec, **controller_names(chosen), "output": root,
                       "diagnostics": [d.to_json() for d in findings]})
        else:
            print_diagnostics(findings)
        return ExitCode.USAGE
    diff = compare_fleet(root, chosen, gen.files)
    if args.format == "json":
        emit_json({"command": "check", "ok": diff.clean, "spec": args.spec, **controller_names(chosen), "output": root,
                   "stale": diff.stale, "missing": diff.missing, "extra": diff.extra,
                   "unsafe": [{"path": rel, "problem": why} for rel, why in diff.unsafe],
                   "diagnostics": [d.to_json() for d in findings]})
    else:
        from .. import colour

        print_diagnostics(findings)
        shown = os.path.relpath(root)
        out = [f"{label:8} {os.path.join(shown, rel)}"
               for label, names in (("stale", diff.stale), ("missing", diff.missing), ("extra", diff.extra)) for rel in names]
        out += [f"unsafe   {os.path.join(shown, rel)}: {why}" for rel, why in diff.unsafe]
        for line in colour.lines(out, sys.stdout):
            print(line)
        if diff.clean:
            print(f"{shown}: up to date", file=sys.stderr)
        else:
            print(f"{shown}: out of date; run `jcasc-gen generate {args.spec}{rerun_flags(args)}`"
                  + (" (it removes the extra files too)" if diff.extra else ""), file=sys.stderr)
    return ExitCode.OK if diff.clean else ExitCode.DIFFERENCES

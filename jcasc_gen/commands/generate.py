"""`jcasc-gen generate SPEC [-o DIR]`: write every generated file, atomically."""

from __future__ import annotations

import argparse
import os
import sys

from ..exitcodes import ExitCode
from ._common import (add_output_argument, add_spec_argument, add_strict_argument, load_or_report,
                      output_dir, print_diagnostics)


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_spec_argument(p)
    add_output_argument(p)
    add_strict_argument(p)
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing but problems")


def run(args: argparse.Namespace) -> int:
    from ..fsio import write_tree
    from ..outputs import prepare

    loaded = load_or_report(args, command="generate")
    gen = prepare(loaded, strict=args.strict)
    print_diagnostics(gen.diagnostics)
    if gen.failed:
        n = sum(d.severity == "error" for d in gen.diagnostics)
        print(f"{args.spec}: {n} error{'s' if n != 1 else ''}; nothing was written", file=sys.stderr)
        return ExitCode.USAGE
    root = output_dir(args, loaded)
    try:
        changed = write_tree(root, gen.files)
    except OSError as exc:
        print(f"{root}: cannot write: {exc.strerror or exc}", file=sys.stderr)
        return ExitCode.USAGE
    if not args.quiet:
        shown = os.path.relpath(root)
        for rel in sorted(gen.files):
            print(f"{'wrote    ' if rel in changed else 'unchanged'} {os.path.join(shown, rel)}")
    return ExitCode.OK

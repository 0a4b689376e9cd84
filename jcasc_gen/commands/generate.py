"""`jcasc-gen generate SPEC [-o DIR] [--force]`: write every generated file, atomically, never
through a symlink and never over a file it did not generate (without --force), and remove in
the same step the files it generated before and no longer does (`fsio.sync_tree`)."""

from __future__ import annotations

import argparse
import os
import sys

from ..exitcodes import ExitCode
from ._common import add_output_argument, add_spec_argument, add_strict_argument, print_diagnostics
from ._fleet import add_controller_argument, generate_fleet, load_fleet_or_report, owned_folders


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_spec_argument(p)
    add_output_argument(p)
    add_strict_argument(p)
    add_controller_argument(p)
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing but problems")
    p.add_argument("--force", action="store_true",
                   help="overwrite output files that lack the generated header (symlinks and other non-files are always refused)")


def run(args: argparse.Namespace) -> int:
    from ..fsio import UnsafePath, sync_tree
    from ..render import HEADER_PREFIX

    chosen = load_fleet_or_report(args, command="generate")
    # every controller's files in one write set: all of them are written, or none
    gen = generate_fleet(chosen, strict=args.strict)
    print_diagnostics(gen.diagnostics)
    n = sum(d.blocking for d in gen.diagnostics)
    if n:
        print(f"{args.spec}: {n} error{'s' if n != 1 else ''}; nothing was written", file=sys.stderr)
        return ExitCode.USAGE
    files = gen.files
    root = chosen.root
    try:
        synced = sync_tree(root, files, force=args.force, header=HEADER_PREFIX.encode(), prune=True,
                           prune_under=owned_folders(chosen))
    except UnsafePath as exc:
        for line in str(exc).splitlines():
            print(f"error: {line}", file=sys.stderr)
        print(f"{os.path.relpath(root)}: nothing was written", file=sys.stderr)
        return ExitCode.USAGE
    except OSError as exc:
        print(f"{root}: cannot write: {exc.strerror or exc}", file=sys.stderr)
        return ExitCode.USAGE
    if not args.quiet:
        shown = os.path.relpath(root)
        for rel in sorted(files):
            print(f"{'wrote    ' if rel in synced.written else 'unchanged'} {os.path.join(shown, rel)}")
        for rel in synced.removed:
            print(f"removed   {os.path.join(shown, rel)}")
    return ExitCode.OK

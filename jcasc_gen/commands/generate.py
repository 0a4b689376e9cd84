"""`jcasc-gen generate SPEC [-o DIR] [--force]`: write every generated file, atomically, never
through a symlink and never over a file it did not generate (without --force), and remove in
the same step the files it generated before and no longer does (`fsio.sync_tree`).
`--format json`: the files and what happened to each (written, unchanged, removed)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from ..exitcodes import ExitCode
from ._common import (CommandFailed, add_format_argument, add_output_argument, add_spec_argument, add_strict_argument,
                      emit_json, print_diagnostics)
from ._fleet import add_controller_argument, controller_names, generate_fleet, load_fleet_or_report, owned_folders


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_spec_argument(p)
    add_output_argument(p)
    add_format_argument(p)
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
    root = chosen.root
    if n:
        print(f"{args.spec}: {n} error{'s' if n != 1 else ''}; nothing was written", file=sys.stderr)
        _json(args, chosen, root, [])
        return ExitCode.USAGE
    files = gen.files
    try:
        synced = sync_tree(root, files, force=args.force, header=HEADER_PREFIX.encode(), prune=True,
                           prune_under=owned_folders(chosen))
    except UnsafePath as exc:
        for line in str(exc).splitlines():
            print(f"error: {line}", file=sys.stderr)
        print(f"{os.path.relpath(root)}: nothing was written", file=sys.stderr)
        _json(args, chosen, root, [])
        raise CommandFailed(ExitCode.USAGE, f"{str(exc)}; nothing was written",
                            "generate never writes over a file it did not generate: move it away, or use --force "
                            "(symlinks and other non-files are always refused)") from None
    except OSError as exc:
        print(f"{root}: cannot write: {exc.strerror or exc}", file=sys.stderr)
        _json(args, chosen, root, [])
        raise CommandFailed(ExitCode.USAGE, f"{root}: cannot write: {exc.strerror or exc}; nothing was written") from None
    report = [{"path": rel, "status": "written" if rel in synced.written else "unchanged"} for rel in sorted(files)]
    report += [{"path": rel, "status": "removed"} for rel in synced.removed]
    if args.format == "json":
        _json(args, chosen, root, report)
    elif not args.quiet:
        from .. import colour

        shown = os.path.relpath(root)
        words = {"written": "wrote    ", "unchanged": "unchanged", "removed": "removed  "}
        for line in colour.lines([f"{words[r['status']]} {os.path.join(shown, r['path'])}" for r in report], sys.stdout):
            print(line)
    return ExitCode.OK


def _json(args: argparse.Namespace, chosen: Any, root: str, files: list[dict[str, str]]) -> None:
    if args.format == "json":
        emit_json({"command": "generate", "spec": args.spec, **controller_names(chosen), "output": root, "files": files})

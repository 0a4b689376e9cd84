"""`jcasc-gen init [PATH]`: write a commented starter spec (never over an existing file)."""

from __future__ import annotations

import argparse
import os
import sys

from ..exitcodes import ExitCode


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", metavar="PATH", nargs="?", default="jcasc-gen.yaml",
                   help="where to write the spec (default: jcasc-gen.yaml; - for standard output)")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")


def starter_text(target_dir: str) -> str:
    from ..resources import data_dir, read_text

    # The modeline points editors at the schema shipped with this installation.
    schema = str(data_dir("schemas").joinpath("spec.schema.json"))
    try:
        schema = os.path.relpath(schema, target_dir)
    except ValueError:
        pass
    return read_text("templates", "starter-spec.yaml").replace("{{ schema_url }}", schema)


def run(args: argparse.Namespace) -> int:
    from ..fsio import write_atomic

    if args.path == "-":
        sys.stdout.write(starter_text(os.getcwd()))
        return ExitCode.OK
    if os.path.exists(args.path) and not args.force:
        print(f"{args.path}: exists; left untouched (use --force to overwrite)", file=sys.stderr)
        return ExitCode.USAGE
    if os.path.isdir(args.path):
        print(f"{args.path}: is a directory", file=sys.stderr)
        return ExitCode.USAGE
    try:
        write_atomic(args.path, starter_text(os.path.dirname(os.path.abspath(args.path))))
    except OSError as exc:
        print(f"{args.path}: cannot write: {exc.strerror or exc}", file=sys.stderr)
        return ExitCode.USAGE
    print(f"wrote {args.path}; next: jcasc-gen validate {args.path}")
    return ExitCode.OK

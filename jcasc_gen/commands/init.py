"""`jcasc-gen init [PATH]`: write a commented starter spec (never over an existing file), and
the spec's JSON Schema beside it, so editors complete and check the spec.

Why a copy beside the spec: the modeline must resolve on every machine of the team (and in CI
and code review tools), so it cannot point into one person's Python installation. A relative
`./jcasc-gen.schema.json` that is committed with the spec works everywhere; `init --schema`
refreshes it after a tool upgrade (and `check` does not look at it).
"""

from __future__ import annotations

import argparse
import os
import sys

from ..exitcodes import ExitCode

SCHEMA_FILENAME = "jcasc-gen.schema.json"
MODELINE_SCHEMA = f"./{SCHEMA_FILENAME}"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", metavar="PATH", nargs="?", default="jcasc-gen.yaml",
                   help="where to write the spec (default: jcasc-gen.yaml; - for standard output)")
    p.add_argument("--force", action="store_true", help="overwrite an existing spec")
    p.add_argument("--schema", action="store_true",
                   help=f"only write (or refresh) {SCHEMA_FILENAME} beside PATH, for the editor modeline")
    p.add_argument("--no-schema", action="store_true", help=f"do not write {SCHEMA_FILENAME} beside the spec")


def schema_text() -> str:
    from ..resources import read_text

    return read_text("schemas", "spec.schema.json")


def starter_text() -> str:
    from ..resources import read_text

    return read_text("templates", "starter-spec.yaml").replace("{{ schema_url }}", MODELINE_SCHEMA)


def write_schema_beside(spec_path: str) -> str | None:
    """Write the schema next to `spec_path` unless an identical copy is there; returns the path written."""
    from ..fsio import write_atomic

    from ..fsio import read_file

    target = os.path.join(os.path.dirname(os.path.abspath(spec_path)), SCHEMA_FILENAME)
    text = schema_text()
    if read_file(target).data == text.encode("utf-8"):
        return None
    write_atomic(target, text)  # refuses a symlink or a non-file there (fsio.UnsafePath, an OSError)
    return target


def run(args: argparse.Namespace) -> int:
    from ..fsio import write_atomic

    if args.path == "-":
        if args.schema:
            sys.stdout.write(schema_text())
        else:
            sys.stdout.write(starter_text())
        return ExitCode.OK
    if os.path.isdir(args.path):
        print(f"{args.path}: is a directory", file=sys.stderr)
        return ExitCode.USAGE
    try:
        if args.schema:
            written = write_schema_beside(args.path)
            print(f"wrote {os.path.relpath(written)}" if written else f"{SCHEMA_FILENAME}: up to date")
            return ExitCode.OK
        if os.path.lexists(args.path) and not args.force:
            print(f"{args.path}: exists; left untouched (use --force to overwrite)", file=sys.stderr)
            return ExitCode.USAGE
        write_atomic(args.path, starter_text())
        written = None if args.no_schema else write_schema_beside(args.path)
    except OSError as exc:
        print(f"{args.path}: cannot write: {exc.strerror or exc}", file=sys.stderr)
        return ExitCode.USAGE
    extra = f" and {os.path.relpath(written)} (commit both)" if written else ""
    print(f"wrote {args.path}{extra}; next: jcasc-gen validate {args.path}")
    return ExitCode.OK

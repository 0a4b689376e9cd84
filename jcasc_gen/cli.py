"""`jcasc-gen` command line: parsing, exit codes, output. Each command lives in its own
module under `jcasc_gen.commands`, imported only when it runs (offline commands never import
requests, python-jenkins or cryptography)."""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from . import TOOL_NAME, __version__
from .commands._common import CommandFailed
from .exitcodes import ExitCode

# name -> (module, one-line help). The table drives the parser; keep it in CLI order.
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("jcasc_gen.commands.init", "write a commented starter spec"),
    "validate": ("jcasc_gen.commands.validate", "check a spec: shape, permissions, roles, principals"),
    "lint": ("jcasc_gen.commands.lint", "security findings of a spec (lockout, anonymous grants, JWT checks off, ...)"),
    "generate": ("jcasc_gen.commands.generate", "write JCasC, plugin lists and Pomerium config"),
    "check": ("jcasc_gen.commands.check", "exit 1 when the committed output differs from what the spec generates"),
    "plan": ("jcasc_gen.commands.plan", "show what apply would change on the live Jenkins (exit 1 when something would)"),
    "apply": ("jcasc_gen.commands.apply", "apply the spec to the live Jenkins, verify it with a real JWT, roll back on failure"),
    "verify": ("jcasc_gen.commands.verify", "prove the live Jenkins matches the spec: config, plugins, behaviour (JSON, JUnit)"),
    "diff": ("jcasc_gen.commands.diff", "show what changes: output folder or live Jenkins vs the spec, semantically"),
    "explain": ("jcasc_gen.commands.explain", "effective permissions of a user or group (roles, authenticated, anonymous, implications)"),
    "import": ("jcasc_gen.commands.import_spec", "turn a JCasC export (file or live Jenkins) into a spec"),
    "report": ("jcasc_gen.commands.report", "access review: who can do what, per controller and item, as one HTML file (or CSV)"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=TOOL_NAME,
        description="Jenkins behind Pomerium, declared in one spec file: generate, check, plan, apply, verify.",
        epilog="Exit codes: 0 ok, 1 differences or verification failed, 2 invalid spec or usage (or a change "
               "refused before anything was touched), 3 Jenkins unreachable or credentials refused, "
               "4 apply failed and was rolled back, 5 apply failed and could not be rolled back.",
    )
    parser.add_argument("--version", action="version", version=f"{TOOL_NAME} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(_module=module)
        importlib.import_module(module).add_arguments(p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: usage errors exit 2 already, --help exits 0
        return int(exc.code or 0)
    if not getattr(args, "command", None):
        parser.print_help(sys.stderr)
        return ExitCode.USAGE
    module = importlib.import_module(args._module)
    try:
        return int(module.run(args))
    except CommandFailed as exc:  # already reported to the user; only the exit code is left
        return exc.code
    except KeyboardInterrupt:
        print(f"{TOOL_NAME}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # the last resort: a bug never reaches the user as a traceback
        return _internal_error(args.command, exc)


def _internal_error(command: str, exc: Exception) -> int:
    """Report a bug in one line (through the live commands' redactor when it is in use) and
    exit 2, or 5 for apply, which may have changed Jenkins before it failed."""
    text = f"{type(exc).__name__}: {exc}"
    redactor = sys.modules.get("jcasc_gen.live.redact")
    if redactor is not None:
        text = redactor.redact(text)
    print(f"{TOOL_NAME}: internal error in `{command}`: {text[:2000]} (a bug: please report it)", file=sys.stderr)
    return ExitCode.NOT_ROLLED_BACK if command == "apply" else ExitCode.USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

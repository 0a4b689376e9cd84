"""`jcasc-gen` command line: parsing, exit codes, output. Each command lives in its own
module under `jcasc_gen.commands`, imported only when it runs (offline commands never import
requests, python-jenkins or cryptography)."""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import NoReturn, Sequence

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


class UsageError(Exception):
    """A command line argparse refuses, with the parser whose usage applies."""

    def __init__(self, parser: argparse.ArgumentParser, message: str) -> None:
        super().__init__(message)
        self.parser = parser
        self.message = message


class _Parser(argparse.ArgumentParser):
    """argparse, except that a usage error is raised (UsageError) instead of exiting, so main
    can say it with the right command's usage, and in JSON when that was asked for."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(self, message)


def build_parser() -> argparse.ArgumentParser:
    return _build()[0]


def _build() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    parser: argparse.ArgumentParser = _Parser(
        prog=TOOL_NAME,
        description="Jenkins behind Pomerium, declared in one spec file: generate, check, plan, apply, verify.",
        epilog="Exit codes: 0 ok, 1 differences or verification failed, 2 invalid spec or usage (or a change "
               "refused before anything was touched), 3 Jenkins unreachable or credentials refused, "
               "4 apply failed and was rolled back, 5 apply failed and could not be rolled back.",
    )
    parser.add_argument("--version", action="version", version=f"{TOOL_NAME} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands: dict[str, argparse.ArgumentParser] = {}
    for name, (module, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(_module=module)
        importlib.import_module(module).add_arguments(p)
        commands[name] = p
    return parser, commands


def _command_of(argv: Sequence[str]) -> str | None:
    """The command word: the first argument that is not an option (the top level has no
    option that takes a value)."""
    return next((a for a in argv if not a.startswith("-")), None)


def _format_of(argv: Sequence[str]) -> str | None:
    """`--format` as written, when the parser could not say it (a usage error)."""
    for i, a in enumerate(argv):
        if a == "--":
            break
        if a == "--format" and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith("--format="):
            return a.partition("=")[2]
    return None


def _unknown_command(parser: argparse.ArgumentParser, word: str) -> UsageError:
    from .suggest import Suggester

    near = Suggester(COMMANDS).suggest(word)
    if near is None:  # a prefix (`gen`) is a likely slip too
        starts = [c for c in COMMANDS if c.startswith(word.lower())]
        near = starts[0] if len(starts) == 1 else None
    return UsageError(parser, f"unknown command {word!r}" + (f"; did you mean {near!r}?" if near else "")
                      + f" (commands: {', '.join(COMMANDS)})")


def _parse(argv: Sequence[str]) -> argparse.Namespace:
    """Parse, and say a problem with the usage of the command it concerns: an unknown option
    after `lint` is lint's, not the top level's."""
    parser, commands = _build()
    word = _command_of(argv)
    if word is not None and word not in commands:
        raise _unknown_command(parser, word)
    args, extra = parser.parse_known_args(argv)
    if extra:
        where = commands.get(getattr(args, "command", None) or "", parser)
        if word is not None and argv.index(word) > argv.index(extra[0]):
            where = parser  # before the command word: the top level's
        where.error(f"unrecognized arguments: {' '.join(extra)}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    from .commands import _report

    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = _parse(argv)
    except UsageError as exc:
        return _usage_error(exc, argv)
    except SystemExit as exc:  # --help and --version exit 0
        return int(exc.code or 0)
    if not getattr(args, "command", None):
        build_parser().print_help(sys.stderr)
        return ExitCode.USAGE
    module = importlib.import_module(args._module)
    from . import colour

    colour.configure(getattr(args, "color", None))
    _report.start(args.command, args)
    code: int = ExitCode.USAGE
    try:
        code = int(module.run(args))
    except CommandFailed as exc:  # already reported to the user; only the exit code is left
        code = exc.code
    except KeyboardInterrupt:
        print(f"{TOOL_NAME}: interrupted", file=sys.stderr)
        _report.note_error("interrupted")
        code = 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # the last resort: a bug never reaches the user as a traceback
        code = _internal_error(args.command, exc)
    _report.finish(code)
    return code


def _usage_error(exc: UsageError, argv: Sequence[str]) -> int:
    """argparse's refusal, with the usage of the command it concerns; as a JSON document too
    when `--format json` was written (whatever else was wrong)."""
    from .commands import _report

    exc.parser.print_usage(sys.stderr)
    print(f"{exc.parser.prog}: error: {exc.message}", file=sys.stderr)
    hint = f"`{exc.parser.prog} --help` lists its options"
    word = _command_of(argv)
    if _format_of(argv) == "json" and word in COMMANDS:
        report = _report.start(word, argparse.Namespace(format="json"))
        report.error, report.hint = exc.message, hint
        _report.finish(ExitCode.USAGE)
    return ExitCode.USAGE


def _internal_error(command: str, exc: Exception) -> int:
    """Report a bug in one line (through the live commands' redactor when it is in use) and
    exit 2, or 5 for apply, which may have changed Jenkins before it failed."""
    text = f"{type(exc).__name__}: {exc}"
    redactor = sys.modules.get("jcasc_gen.live.redact")
    if redactor is not None:
        text = redactor.redact(text)
    print(f"{TOOL_NAME}: internal error in `{command}`: {text[:2000]} (a bug: please report it)", file=sys.stderr)
    from .commands._report import note_error

    note_error(f"internal error: {text[:2000]}", "a bug: please report it")
    return ExitCode.NOT_ROLLED_BACK if command == "apply" else ExitCode.USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""`jcasc-gen verify SPEC --url ...`: the live Jenkins is what the spec says, in its
configuration, its plugins and its behaviour. Exit 0 when every check passes, 1 when one
fails, 3 when Jenkins cannot be read."""

from __future__ import annotations

import argparse
import sys

from ..exitcodes import ExitCode
from ._common import add_format_argument, add_spec_argument, add_strict_argument
from ._fleet_live import add_fleet_arguments, fleet_mode, run_fleet


def add_arguments(p: argparse.ArgumentParser) -> None:
    from ._live import add_arguments as add_connection_arguments

    add_spec_argument(p)
    add_format_argument(p)
    add_strict_argument(p)
    p.add_argument("--junit", metavar="FILE", help="also write the checks as a JUnit XML report")
    add_connection_arguments(p)
    add_fleet_arguments(p)


def run(args: argparse.Namespace) -> int:
    from .._errors import Unreachable
    from .._results import VerifyResult
    from ..fsio import write_atomic
    from ..live.redact import say
    from ._live import emit_json, prepare

    if fleet_mode(args):
        from ..live.fleet import verify_task

        return run_fleet(args, "verify", lambda t: verify_task(t, text=args.format == "text"))
    live = prepare(args, command="verify")
    try:
        result = live.call(live.jenkins.verify, live.spec)
    except Unreachable as exc:
        assert isinstance(exc.result, VerifyResult)
        result = exc.result
    if result.error is not None:
        if args.format == "json":
            emit_json(result.to_json())
        say(f"error: {result.error}" + (f"\n  hint: {result.hint}" if result.hint else ""))
        return result.exit_code
    if args.junit:
        try:
            write_atomic(args.junit, result.to_junit())
        except OSError as exc:
            say(f"error: --junit {args.junit}: {exc.strerror or exc}")
            return ExitCode.USAGE
    if args.format == "json":
        emit_json(result.to_json())
    else:
        from .. import colour

        for line in colour.lines(result.lines(), sys.stdout):
            say(line, stream=sys.stdout)
        counts = result.summary
        say(f"{counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped")
    return result.exit_code

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
    from ..live.credentials import add_arguments as add_credentials

    add_spec_argument(p)
    add_format_argument(p)
    add_strict_argument(p)
    p.add_argument("--junit", metavar="FILE", help="also write the checks as a JUnit XML report")
    add_credentials(p)
    add_fleet_arguments(p)


def run(args: argparse.Namespace) -> int:
    from ..client import JenkinsError
    from ..fsio import write_atomic
    from ..live.command import emit_json, prepare
    from ..live.reads import verify_live
    from ..live.redact import say
    from ..live.verify import print_checks, summary, to_json, to_junit

    if fleet_mode(args):
        from ..live.fleet import verify_task

        return run_fleet(args, "verify", lambda t: verify_task(t, text=args.format == "text"))
    live = prepare(args, command="verify")
    try:
        results = verify_live(live.loaded.spec, live.creds)
    except JenkinsError as exc:
        if args.format == "json":
            emit_json({"command": "verify", "ok": False, "error": exc.message})
        say(f"error: {exc}")
        return exc.exit_code
    counts = summary(results)
    if args.junit:
        try:
            write_atomic(args.junit, to_junit(results))
        except OSError as exc:
            say(f"error: --junit {args.junit}: {exc.strerror or exc}")
            return ExitCode.USAGE
    if args.format == "json":
        emit_json({"command": "verify", **to_json(results)})
    else:
        print_checks(results, lambda line: say(line, stream=sys.stdout))
        say(f"{counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped")
    return ExitCode.DIFFERENCES if counts["failed"] else ExitCode.OK

"""`jcasc-gen report SPEC [-o FILE] [--format html|csv] [--live]`: the access review.

Who can do what on the controller, per item, with the reason for every cell (the same
computation as `explain`), the controller's administrators, the spec's lint findings and
accepted risks, the time and the tool version. HTML is one self-contained file that fetches
nothing; CSV is the same data for spreadsheets. With `--live` the matrices are read from the
running Jenkins (the credentials of `diff --live`); the spec then says how to reach it.
The command is the Python API's `jcasc_gen.report(spec)` / `Jenkins(...).report(spec)` and a
file write.

The time is `--time`, else SOURCE_DATE_EPOCH, else now (UTC). Lint findings do not change the
exit code: 0 written, 2 invalid spec or usage (or the file cannot be written), 3 Jenkins
unreachable or credentials refused (--live).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any, Callable

from ..exitcodes import ExitCode
from ._common import CommandFailed, add_spec_argument, emit_json, load_or_report, usage_error
from ._fleet import add_controller_argument

if TYPE_CHECKING:
    from .._review import AccessReport


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_spec_argument(p)
    p.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE (atomically); default: standard output")
    p.add_argument("--format", choices=("html", "csv", "json"), default="html",
                   help="html: one self-contained page (default); csv: one row per principal, permission and scope; "
                        "json: the same cells as data")
    p.add_argument("--allowed-only", action="store_true",
                   help="csv: only the rows of what is allowed (a large organisation's every cell can pass a spreadsheet's row limit)")
    p.add_argument("--time", metavar="ISO8601",
                   help="the time the report states, e.g. 2026-12-31T23:59:00Z (default: SOURCE_DATE_EPOCH, else now)")
    p.add_argument("--title", metavar="TEXT", help="the report's title (default: the spec file, or the live URL)")
    p.add_argument("--live", action="store_true", help="report what the running Jenkins holds (needs --url and credentials)")
    add_controller_argument(p)
    p.add_argument("--all", action="store_true",
                   help="with --live and a spec with `controllers:`: every controller (offline, all are reported unless --controller)")
    p.set_defaults(parallel=1, fail_fast=False)  # what the fleet's input checks read
    from ._live import add_arguments as add_connection_arguments

    add_connection_arguments(p)


def _live_report(args: argparse.Namespace, when: Any) -> AccessReport:
    """Every chosen controller's live matrices, each read by its `Jenkins` (all read before the
    report is written), as one document. The spec must pass lint, as for every live command."""
    import os

    from .._review import AccessReport
    from ..live.redact import say
    from ._fleet_live import fleet_mode, prepare_targets
    from ._live import prepare

    if fleet_mode(args):
        parts = []
        for t in prepare_targets(args, "report", os.environ):
            parts.append(_read(lambda: t.jenkins.report(t.spec, generated_at=when), t.name))
            for line in t.events.early:  # what the read said on the way (no runner prints them here)
                say(f"{t.name}: {line}")
        title = args.title or (parts[0].title if len(parts) == 1 else args.spec)
        return AccessReport.combine(parts, title=title, generated_at=when)
    live = prepare(args, command="report")
    return _read(lambda: live.call(live.jenkins.report, live.spec, title=args.title, generated_at=when), None)


def _read(call: Callable[[], AccessReport], name: str | None) -> AccessReport:
    """`call()`; Jenkins refusing or not answering ends the command with its exit code."""
    from ..client import JenkinsError
    from ..live.redact import redact, say

    try:
        return call()
    except JenkinsError as exc:
        say(f"{name + ': ' if name else ''}error: {exc}")
        raise CommandFailed(exc.exit_code, redact(f"{name + ': ' if name else ''}{exc.message}"),
                            redact(exc.hint) if exc.hint else None) from None


def run(args: argparse.Namespace) -> int:
    from ..fsio import UnsafePath, write_atomic
    from ..access_report import TimeError, report_time
    from ._fleet import load_fleet_or_report

    try:
        when = report_time(args.time)
    except TimeError as exc:
        return usage_error(str(exc))
    if args.allowed_only and args.format != "csv":
        return usage_error("--allowed-only is for --format csv (the HTML filters by permission instead)")
    if args.url and not args.live:
        return usage_error("--url reads a live Jenkins only together with --live (without it, report shows what the spec grants)")
    if args.all and not args.live:
        return usage_error("--all is for --live: offline, report covers every controller unless --controller narrows it")
    if args.live:
        review = _live_report(args, when)
    else:
        from .._review import report

        chosen = load_fleet_or_report(args, command="report")
        review = report([spec for _, spec in chosen.specs], title=args.title or args.spec, generated_at=when)
    to_stdout = args.output in (None, "-")
    if args.format == "csv":
        text = review.to_csv(allowed_only=args.allowed_only)
    elif args.format == "json":
        import json

        # on stdout the report is the run's JSON document (docs/json.md: ok, exit, ... then the
        # report's cells); a file gets the report alone
        text = "" if to_stdout else json.dumps(review.to_json(), indent=1, ensure_ascii=False) + "\n"
    else:
        text = review.to_html()
    if to_stdout:
        if args.format == "json":
            emit_json(review.to_json())
        else:
            sys.stdout.write(text)
            sys.stdout.flush()
    else:
        try:
            write_atomic(args.output, text)
        except (UnsafePath, OSError) as exc:
            why = f"cannot write {args.output}: {exc.strerror if isinstance(exc, OSError) and exc.strerror else exc}"
            print(f"error: {why}", file=sys.stderr)
            raise CommandFailed(ExitCode.USAGE, why) from None
        if args.format == "json":
            emit_json({"output": args.output})
    where = args.output if args.output not in (None, "-") else "report"
    for c in review._built.controllers:
        people, items, findings = len(c.principals), max(0, len(c.scopes) - 1), len(c.findings)
        print(f"{where}: {c.name + ': ' if c.name else ''}{people} principal{'s' if people != 1 else ''}, "
              f"{items} item{'s' if items != 1 else ''}"
              + ("" if c.live else f", {findings} lint finding{'s' if findings != 1 else ''}"), file=sys.stderr)
    return ExitCode.OK

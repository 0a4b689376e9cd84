"""`jcasc-gen report SPEC [-o FILE] [--format html|csv] [--live]`: the access review.

Who can do what on the controller, per item, with the reason for every cell (the same
computation as `explain`), the controller's administrators, the spec's lint findings and
accepted risks, the time and the tool version. HTML is one self-contained file that fetches
nothing; CSV is the same data for spreadsheets. With `--live` the matrices are read from the
running Jenkins (the credentials of `diff --live`); the spec then says how to reach it.

The time is `--time`, else SOURCE_DATE_EPOCH, else now (UTC). Lint findings do not change the
exit code: 0 written, 2 invalid spec or usage (or the file cannot be written), 3 Jenkins
unreachable or credentials refused (--live).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..exitcodes import ExitCode
from ._common import CommandFailed, add_spec_argument, load_or_report
from ._fleet import add_controller_argument


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


def _live_controller(name: str | None, spec: Any, document: Any, items: Any, url: str) -> Any:
    """What one live Jenkins holds, from what `diff --live` reads (live/reads.read_export: the
    export, the listed items' matrices, the walk for the others)."""
    from ..access import live_states
    from ..live.credentials import shown_url
    from ..report import controller_from_state

    changes, _effects, unmanaged, truncated = items
    state, _ = live_states(spec, document, changes, unmanaged)
    notes = ["the walk for item matrices stopped at its limit: some items may be missing"] if truncated else []
    shown = shown_url(url)
    return controller_from_state(state, name=name, url=shown, source=f"the live Jenkins at {shown}", notes=notes, live=True)


def _live_report(args: argparse.Namespace) -> list[Any]:
    """Every chosen controller's live matrices (all read before the report is written)."""
    import os

    from ..client import JenkinsError
    from ..live.reads import read_export
    from ..live.redact import say
    from ._fleet_live import fleet_mode, prepare_targets
    from .diff import _live_document

    if fleet_mode(args):
        out = []
        for t in prepare_targets(args, "report", os.environ):
            model = t.spec._loaded.spec
            try:
                document, items = read_export(t.creds, model)
            except JenkinsError as exc:
                say(f"{t.name}: error: {exc}")
                raise CommandFailed(exc.exit_code) from None
            out.append(_live_controller(t.name, model, document, items, t.url))
        return out
    spec = load_or_report(args, command="report")
    document, url, items = _live_document(args, spec)
    return [_live_controller(None, spec._loaded.spec, document, items, url)]


def run(args: argparse.Namespace) -> int:
    from ..fsio import UnsafePath, write_atomic
    from ..report import TimeError, build, controller_from_spec, report_time
    from ._fleet import load_fleet_or_report

    try:
        when = report_time(args.time)
    except TimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    if args.allowed_only and args.format != "csv":
        print("--allowed-only is for --format csv (the HTML filters by permission instead)", file=sys.stderr)
        return ExitCode.USAGE
    if args.url and not args.live:
        print("--url reads a live Jenkins only together with --live (without it, report shows what the spec grants)", file=sys.stderr)
        return ExitCode.USAGE
    if args.all and not args.live:
        print("--all is for --live: offline, report covers every controller unless --controller narrows it", file=sys.stderr)
        return ExitCode.USAGE
    if args.live:
        controllers = _live_report(args)
        title = args.title or (controllers[0].url if len(controllers) == 1 else args.spec)
    else:
        chosen = load_fleet_or_report(args, command="report")
        controllers = [controller_from_spec(spec._loaded, name=name) for name, spec in chosen.specs]
        title = args.title or args.spec
    report = build(controllers, title=title, generated_at=when)
    if args.format == "csv":
        from ..report_csv import render_csv

        text = render_csv(report, allowed_only=args.allowed_only)
    elif args.format == "json":
        import json

        text = json.dumps(report.to_json(), indent=1, ensure_ascii=False) + "\n"
    else:
        from ..report_html import render_html

        text = render_html(report)
    if args.output in (None, "-"):
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        try:
            write_atomic(args.output, text)
        except (UnsafePath, OSError) as exc:
            print(f"error: cannot write {args.output}: {exc.strerror if isinstance(exc, OSError) and exc.strerror else exc}",
                  file=sys.stderr)
            raise CommandFailed(ExitCode.USAGE) from None
    where = args.output if args.output not in (None, "-") else "report"
    for c in controllers:
        people, items, findings = len(c.principals), max(0, len(c.scopes) - 1), len(c.findings)
        print(f"{where}: {c.name + ': ' if c.name else ''}{people} principal{'s' if people != 1 else ''}, "
              f"{items} item{'s' if items != 1 else ''}"
              + ("" if c.live else f", {findings} lint finding{'s' if findings != 1 else ''}"), file=sys.stderr)
    return ExitCode.OK

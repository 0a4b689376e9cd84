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


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_spec_argument(p)
    p.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE (atomically); default: standard output")
    p.add_argument("--format", choices=("html", "csv"), default="html",
                   help="html: one self-contained page (default); csv: one row per principal, permission and scope")
    p.add_argument("--allowed-only", action="store_true",
                   help="csv: only the rows of what is allowed (a large organisation's every cell can pass a spreadsheet's row limit)")
    p.add_argument("--time", metavar="ISO8601",
                   help="the time the report states, e.g. 2026-12-31T23:59:00Z (default: SOURCE_DATE_EPOCH, else now)")
    p.add_argument("--title", metavar="TEXT", help="the report's title (default: the spec file, or the live URL)")
    p.add_argument("--live", action="store_true", help="report what the running Jenkins holds (needs --url and credentials)")
    from ..live import credentials

    credentials.add_arguments(p)


def _live_report(args: argparse.Namespace, loaded: Any) -> Any:
    """The live matrices, read exactly as `diff --live` reads them (its credentials, its
    export and item reads, the walk for item matrices the spec does not list)."""
    from ..access import live_states
    from ..report import controller_from_state
    from .diff import _live_document, _shown_url

    spec = loaded.spec
    document, url, (changes, _effects, unmanaged, truncated) = _live_document(args, spec)
    state, _ = live_states(spec, document, changes, unmanaged)
    notes = ["the walk for item matrices stopped at its limit: some items may be missing"] if truncated else []
    shown = _shown_url(url) or url
    return controller_from_state(state, name=None, url=shown, source=f"the live Jenkins at {shown}", notes=notes, live=True), shown


def run(args: argparse.Namespace) -> int:
    from ..fsio import UnsafePath, write_atomic
    from ..report import TimeError, build, controller_from_spec, report_time

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
    loaded = load_or_report(args, command="report")
    if args.live:
        controller, url = _live_report(args, loaded)
        title = args.title or url
    else:
        controller = controller_from_spec(loaded)
        title = args.title or args.spec
    report = build([controller], title=title, generated_at=when)
    if args.format == "csv":
        from ..report_csv import render_csv

        text = render_csv(report, allowed_only=args.allowed_only)
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
    people = len(controller.principals)
    items = max(0, len(controller.scopes) - 1)
    findings = len(controller.findings)
    print(f"{args.output or 'report'}: {people} principal{'s' if people != 1 else ''}, {items} item{'s' if items != 1 else ''}"
          + ("" if controller.live else f", {findings} lint finding{'s' if findings != 1 else ''}"), file=sys.stderr)
    return ExitCode.OK

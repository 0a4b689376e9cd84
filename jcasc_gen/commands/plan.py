"""`jcasc-gen plan SPEC --url ...`: what `apply` would change on the live Jenkins.
Exit 0 when nothing would change, 1 when something would; nothing is changed.

It also says when Jenkins reads JCasC files from disk (live/disk.py): then `apply` waits for
the deployed files instead of posting the sections, which JCasC would merge with them."""

from __future__ import annotations

import argparse
from typing import Any

from ..exitcodes import ExitCode
from ._common import add_format_argument, add_spec_argument, add_strict_argument
from ._fleet_live import add_fleet_arguments, fleet_mode, run_fleet


def add_arguments(p: argparse.ArgumentParser) -> None:
    from ..live.credentials import add_arguments as add_credentials

    add_spec_argument(p)
    add_format_argument(p)
    add_strict_argument(p)
    p.add_argument("--create-folders", action="store_true", help="show missing items as folders apply --create-folders would create")
    p.add_argument("--no-walk", action="store_true",
                   help="do not walk every folder for item matrices the spec does not list (one request per folder and per "
                        "unlisted item)")
    add_credentials(p)
    add_fleet_arguments(p)


def run(args: argparse.Namespace) -> int:
    from ..client import JenkinsError
    from ..live.command import emit_json, prepare
    from ..live.plan import make_plan
    from ..live.reads import plan_json, plan_lines, read_for_plan
    from ..live.redact import redact, say

    if fleet_mode(args):
        from ..live.fleet import plan_task

        return run_fleet(args, "plan", lambda t: plan_task(t, text=args.format == "text", create_folders=args.create_folders,
                                                           walk=not args.no_walk))
    live = prepare(args, command="plan")
    spec = live.loaded.spec
    try:
        state, disk, items = read_for_plan(live.creds, spec, create_folders=args.create_folders, walk=not args.no_walk)
    except JenkinsError as error:
        if args.format == "json":
            emit_json({"command": "plan", "ok": False, "error": error.message})
        say(f"error: {error}")
        return error.exit_code
    plan = make_plan(spec, state, *items)
    if args.format == "json":
        emit_json(plan_json(plan, state, disk))
    else:
        for line in plan_lines(plan, disk):
            print(redact(line))
    if plan.blockers:
        return ExitCode.USAGE  # apply would refuse: say so to CI before anyone runs it
    return ExitCode.DIFFERENCES if plan.changed else ExitCode.OK

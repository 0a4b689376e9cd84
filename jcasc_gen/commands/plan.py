"""`jcasc-gen plan SPEC --url ...`: what `apply` would change on the live Jenkins.
Exit 0 when nothing would change, 1 when something would; nothing is changed.

It also says when Jenkins reads JCasC files from disk (live/disk.py): then `apply` waits for
the deployed files instead of posting the sections, which JCasC would merge with them."""

from __future__ import annotations

import argparse

from ._common import add_format_argument, add_spec_argument, add_strict_argument
from ._fleet_live import add_fleet_arguments, fleet_mode, run_fleet


def add_arguments(p: argparse.ArgumentParser) -> None:
    from ._live import add_arguments as add_connection_arguments

    add_spec_argument(p)
    add_format_argument(p)
    add_strict_argument(p)
    p.add_argument("--create-folders", action="store_true", help="show missing items as folders apply --create-folders would create")
    p.add_argument("--no-walk", action="store_true",
                   help="do not walk every folder for item matrices the spec does not list (one request per folder and per "
                        "unlisted item)")
    add_connection_arguments(p)
    add_fleet_arguments(p)


def run(args: argparse.Namespace) -> int:
    from .._errors import Unreachable
    from .._results import PlanResult
    from ..live.redact import say
    from ._live import emit_json, prepare

    if fleet_mode(args):
        from ..live.fleet import plan_task

        return run_fleet(args, "plan", lambda t: plan_task(t, text=args.format == "text", create_folders=args.create_folders,
                                                           walk=not args.no_walk))
    live = prepare(args, command="plan")
    try:
        result = live.call(live.jenkins.plan, live.spec, create_folders=args.create_folders, walk=not args.no_walk)
    except Unreachable as exc:
        assert isinstance(exc.result, PlanResult)
        result = exc.result
    if args.format == "json":
        emit_json(result.to_json())
    if result.error is not None:
        say(f"error: {result.error}" + (f"\n  hint: {result.hint}" if result.hint else ""))
    elif args.format == "text":
        for line in result.lines():
            print(line)
    return result.exit_code

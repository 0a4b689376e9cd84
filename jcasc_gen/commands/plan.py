"""`jcasc-gen plan SPEC --url ...`: what `apply` would change on the live Jenkins.
Exit 0 when nothing would change, 1 when something would; nothing is changed.

It also says when Jenkins reads JCasC files from disk (live/disk.py): then `apply` waits for
the deployed files instead of posting the sections, which JCasC would merge with them."""

from __future__ import annotations

import argparse
from typing import Any

from ..exitcodes import ExitCode
from ._common import add_spec_argument, add_strict_argument
from ._fleet_live import add_fleet_arguments, fleet_mode, run_fleet


def add_arguments(p: argparse.ArgumentParser) -> None:
    from ..live.credentials import add_arguments as add_credentials

    add_spec_argument(p)
    p.add_argument("--format", choices=("text", "json", "markdown"), default="text",
                   help="output format (default: text); markdown: who gains and loses which permission, for a pull-request comment")
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

        if args.format == "markdown":
            return _one_controller_markdown(args)

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
    if args.format == "markdown":
        print(redact(_markdown(args, None, spec, state, disk, items)), end="")
    elif args.format == "json":
        emit_json(plan_json(plan, state, disk))
    else:
        for line in plan_lines(plan, disk):
            print(redact(line))
    if plan.blockers:
        return ExitCode.USAGE  # apply would refuse: say so to CI before anyone runs it
    return ExitCode.DIFFERENCES if plan.changed else ExitCode.OK


def _markdown(args: argparse.Namespace, name: str | None, spec: Any, state: Any, disk: Any, items: Any) -> str:
    """Who gains and loses what on the live Jenkins if the spec is applied, the plan folded below."""
    from ..access import live_states
    from ..change_markdown import Section, md_code, sections_markdown
    from ..diffing import semantic_changes
    from ..jcasc import target_document
    from ..live.plan import make_plan
    from ..live.reads import plan_lines

    plan = make_plan(spec, state, *items)
    before, after = live_states(spec, state.document, items[0], items[2])
    other = semantic_changes(state.document, target_document(spec)).settings_summary()
    return sections_markdown(f"Effective permission changes: {md_code(args.spec, in_table=False)} on the live Jenkins",
                             [Section(name, before, after, other)], details=[("The plan", "\n".join(plan_lines(plan, disk)) + "\n")])


def _one_controller_markdown(args: argparse.Namespace) -> int:
    """plan --controller NAME --format markdown: one controller's comment (several would be one
    comment per pull request each; run it once per controller)."""
    import os

    from ..client import JenkinsError
    from ..live.plan import make_plan
    from ..live.reads import read_for_plan
    from ..live.redact import redact, say
    from ._fleet_live import prepare_fleet

    if args.all or len(args.controllers) != 1:
        say("plan --format markdown reads one controller: name it with --controller NAME")
        return ExitCode.USAGE
    _, (target,) = prepare_fleet(args, "plan", os.environ)
    try:
        state, disk, items = read_for_plan(target.creds, target.spec, create_folders=args.create_folders, walk=not args.no_walk)
    except JenkinsError as error:
        say(f"{target.name}: error: {error}")
        return error.exit_code
    print(redact(_markdown(args, target.name, target.spec, state, disk, items)), end="")
    plan = make_plan(target.spec, state, *items)
    if plan.blockers:
        return ExitCode.USAGE  # apply would refuse, as for one controller
    return ExitCode.DIFFERENCES if plan.changed else ExitCode.OK

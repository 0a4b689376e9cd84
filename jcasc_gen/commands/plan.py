"""`jcasc-gen plan SPEC --url ...`: what `apply` would change on the live Jenkins.
Exit 0 when nothing would change, 1 when something would; nothing is changed.

It also says when Jenkins reads JCasC files from disk (live/disk.py): then `apply` waits for
the deployed files instead of posting the sections, which JCasC would merge with them."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from ..exitcodes import ExitCode
from ._common import add_format_argument, add_spec_argument, add_strict_argument
from ._fleet_live import add_fleet_arguments, fleet_mode, run_fleet

if TYPE_CHECKING:
    from .._results import PlanResult


def add_arguments(p: argparse.ArgumentParser) -> None:
    from ._live import add_arguments as add_connection_arguments

    add_spec_argument(p)
    add_format_argument(p, markdown=True)
    add_strict_argument(p)
    p.add_argument("-v", "--verbose", action="store_true",
                   help="also show the YAML diff of the realm and matrix (the changes per principal come first anyway)")
    p.add_argument("--create-folders", action="store_true", help="show missing items as folders apply --create-folders would create")
    p.add_argument("--no-walk", action="store_true",
                   help="do not walk every folder for item matrices the spec does not list (one request per folder and per "
                        "unlisted item)")
    add_connection_arguments(p)
    add_fleet_arguments(p)


def run(args: argparse.Namespace) -> int:
    from .._errors import Unreachable
    from .._results import PlanResult
    from ..live.redact import redact, say
    from ._live import emit_json, prepare

    if fleet_mode(args):
        from ..live.fleet import plan_task

        if args.format == "markdown":
            return _one_controller_markdown(args)
        return run_fleet(args, "plan", lambda t: plan_task(t, text=args.format == "text", create_folders=args.create_folders,
                                                           walk=not args.no_walk, verbose=args.verbose))
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
    elif args.format == "markdown":
        print(redact(_markdown(args, None, result)), end="")
    elif args.format == "text":
        from .. import colour

        for line in colour.lines(result.lines(verbose=args.verbose), sys.stdout):
            print(line)
    return result.exit_code


def _markdown(args: argparse.Namespace, name: str | None, result: PlanResult) -> str:
    """Who gains and loses what on the live Jenkins if the spec is applied, the plan folded below."""
    from ..access import live_states
    from ..change_markdown import Section, md_code, sections_markdown
    from ..diffing import semantic_changes
    from ..jcasc import target_document

    assert result._plan is not None and result._live is not None  # a plan Jenkins.plan made
    spec, document = result._live
    before, after = live_states(spec, document, result._plan.items, result._plan.unmanaged)
    other = semantic_changes(document, target_document(spec)).settings_summary()
    return sections_markdown(f"Effective permission changes: {md_code(args.spec, in_table=False)} on the live Jenkins",
                             [Section(name, before, after, other)], details=[("The plan", "\n".join(result.lines()) + "\n")])


def _one_controller_markdown(args: argparse.Namespace) -> int:
    """plan --controller NAME --format markdown: one controller's comment (several would be one
    comment per pull request each; run it once per controller)."""
    import os

    from .._errors import Unreachable
    from .._results import PlanResult
    from ..live.redact import redact, say
    from ._fleet_live import prepare_targets

    if args.all or len(args.controllers) != 1:
        say("plan --format markdown reads one controller: name it with --controller NAME")
        return ExitCode.USAGE
    (target,) = prepare_targets(args, "plan", os.environ)
    try:
        result = target.jenkins.plan(target.spec, create_folders=args.create_folders, walk=not args.no_walk)
    except Unreachable as exc:
        assert isinstance(exc.result, PlanResult)
        result = exc.result
    for line in target.events.early:  # what the plan said on the way (no runner prints them here)
        say(f"{target.name}: {line}")
    if result.error is not None:
        say(f"{target.name}: error: {result.error}" + (f"\n  hint: {result.hint}" if result.hint else ""))
    else:
        print(redact(_markdown(args, target.name, result)), end="")
    return result.exit_code

"""`jcasc-gen plan SPEC --url ...`: what `apply` would change on the live Jenkins.
Exit 0 when nothing would change, 1 when something would; nothing is changed.

It also says when Jenkins reads JCasC files from disk (live/disk.py): then `apply` waits for
the deployed files instead of posting the sections, which JCasC would merge with them."""

from __future__ import annotations

import argparse
from typing import Any

from ..exitcodes import ExitCode
from ._common import add_spec_argument, add_strict_argument


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


def run(args: argparse.Namespace) -> int:
    from ..client import JenkinsClient, JenkinsError
    from ..live.command import emit_json, prepare
    from ..live.disk import read_disk_config
    from ..live.plan import make_plan
    from ..live.redact import redact, say
    from ..live.state import read_state
    from ..live.items import read_live_items

    live = prepare(args, command="plan")
    creds = live.creds
    auths = ([creds.pre] if creds.pre else []) + ([creds.post.auth()] if creds.post else [])
    error: JenkinsError | None = None
    state = None
    spec = live.loaded.spec
    items: tuple[Any, Any, Any, bool] = ([], {}, [], False)
    for auth in auths:
        try:
            client = JenkinsClient(creds.conn, auth)
            if client.whoami().anonymous:
                if auth.kind == "jwt" and creds.post is not None:
                    message, hint = creds.post.rejected()
                    raise JenkinsError(message, hint=hint)
                raise JenkinsError(f"{auth.describe()} is treated as anonymous",
                                   hint="once jwtAuth is the realm, API tokens are anonymous: pass --signing-key-file or --jwt"
                                   if creds.post is None else "check the API token's user")
            state = read_state(client, offers=True)
            disk = read_disk_config(client)
            items = read_live_items(client, spec, state.document, create_folders=args.create_folders, walk=not args.no_walk)
            break
        except JenkinsError as exc:
            state = None
            error = exc
    if state is None:
        assert error is not None
        if args.format == "json":
            emit_json({"command": "plan", "ok": False, "error": error.message})
        say(f"error: {error}")
        return error.exit_code
    plan = make_plan(spec, state, *items)
    if args.format == "markdown":
        from ..access import live_states
        from ..change_markdown import changes_markdown, md_code
        from ..diffing import semantic_changes
        from ..jcasc import target_document

        before, after = live_states(spec, state.document, items[0], items[2])
        lines = plan.lines() + ([f"disk     {disk.describe()}"] if disk.from_disk else [])
        print(redact(changes_markdown(f"Effective permission changes: {md_code(args.spec, in_table=False)} on the live Jenkins",
                                      before, after, other=semantic_changes(state.document, target_document(spec)).settings_summary(),
                                      details=[("The plan", "\n".join(lines) + "\n")])), end="")
    elif args.format == "json":
        emit_json({"command": "plan", "jenkins_version": state.version, **plan.to_json(), "disk": disk.to_json()})
    else:
        for line in plan.lines():
            print(redact(line))
        if disk.from_disk:
            then = ("`apply` posts the realm and matrix as usual" if disk.security_from_disk is False else
                    "`apply` waits for them to equal the spec (--via-reload)")
            print(redact(f"disk     {disk.describe()}; {then}"))
        elif disk.sources is None and plan.changed:
            print(redact(f"disk     {disk.describe()}"))
    if plan.blockers:
        return ExitCode.USAGE  # apply would refuse: say so to CI before anyone runs it
    return ExitCode.DIFFERENCES if plan.changed else ExitCode.OK

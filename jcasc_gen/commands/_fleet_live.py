"""plan, apply, verify and diff --live across controllers (`--all`, or `--controller NAME`,
repeatable): inputs checked for every controller before any is touched, then the runner.

Where each controller is reached: `jenkins.api_url`, else `jenkins.upstream`. `--url` is
accepted only when one controller is chosen (one address cannot be several controllers), and
JENKINS_URL is not read. Credentials, per value: the controller's own variables
(`JCASC_GEN_<NAME>_USER_ID` with `_API_TOKEN`, `_JWT`, `_SIGNING_KEY_FILE`; NAME upper-cased,
`-` as `_`), else the flags, else the usual JENKINS_USER_ID, JENKINS_API_TOKEN, JENKINS_JWT.
The controller's own variable wins because it is the one thing that can differ between
controllers. See docs/fleet.md.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import io
import os
import sys
from typing import Any, Callable, Mapping

from ..exitcodes import ExitCode
from ._common import CommandFailed, emit_json, print_diagnostics

__all__ = ["add_fleet_arguments", "fleet_mode", "run_fleet", "prepare_fleet", "DEFAULT_PARALLEL", "controller_arguments"]

DEFAULT_PARALLEL = 4
# The controller's own variables, after its prefix (overlay.env_prefix): what they set.
CONTROLLER_VARIABLES = ("USER_ID", "API_TOKEN", "JWT", "SIGNING_KEY_FILE")


def add_fleet_arguments(p: argparse.ArgumentParser, *, controller: bool = True) -> None:
    """`controller=False`: the command has --controller already (diff, for its offline mode)."""
    g = p.add_argument_group("several controllers (a spec with `controllers:`, docs/fleet.md)")
    which = g.add_mutually_exclusive_group()
    which.add_argument("--all", action="store_true", help="every controller of the spec")
    if controller:
        which.add_argument("--controller", dest="controllers", action="append", default=[], metavar="NAME",
                           help="this controller (repeat for several)")
    g.add_argument("--parallel", type=int, default=DEFAULT_PARALLEL, metavar="N",
                   help=f"controllers at once (default {DEFAULT_PARALLEL})")
    g.add_argument("--fail-fast", action="store_true",
                   help="start no further controller after one fails (the running ones finish, or roll back)")


def fleet_mode(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "all", False) or getattr(args, "controllers", None))


def _usage(message: str, hint: str | None = None) -> CommandFailed:
    from ..live.redact import say

    say(f"error: {message}" + (f"\n  hint: {hint}" if hint else ""))
    return CommandFailed(ExitCode.USAGE)


def controller_arguments(args: argparse.Namespace, name: str, url: str,
                         env: Mapping[str, str]) -> tuple[argparse.Namespace, dict[str, str]]:
    """The flags and environment this controller runs with: its own variables in place of the
    shared values. They go in as the usual variables (with the flag they override cleared), so a
    value from the environment is never taken for one typed on the command line."""
    from ..live.credentials import CredentialError
    from ..overlay import env_prefix

    prefix = env_prefix(name)
    mine, mine_env = copy.copy(args), dict(env)
    mine.url = url
    user, token = env.get(prefix + "USER_ID"), env.get(prefix + "API_TOKEN")
    if user or token:
        if not (user and token):
            raise CredentialError(f"{prefix}USER_ID and {prefix}API_TOKEN go together",
                                  "set both for this controller, or neither (then --user/--token or JENKINS_USER_ID/JENKINS_API_TOKEN apply)")
        mine.user = mine.token = None
        mine_env["JENKINS_USER_ID"], mine_env["JENKINS_API_TOKEN"] = user, token
    if env.get(prefix + "JWT"):
        mine.jwt = mine.jwt_file = None
        mine_env["JENKINS_JWT"] = env[prefix + "JWT"]
    if env.get(prefix + "SIGNING_KEY_FILE"):
        mine.signing_key_file = env[prefix + "SIGNING_KEY_FILE"]
    return mine, mine_env


def _address(url: str) -> tuple[str, str, int | None, str]:
    """What makes two URLs the same Jenkins: scheme, host (any case), port (the default one
    written or not), path (with or without its trailing slash)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port or {"http": 80, "https": 443}.get(scheme)
    except ValueError:
        port = None  # the schema refuses such a URL; never reached
    return scheme, (parts.hostname or "").lower(), port, parts.path.rstrip("/")


def prepare_fleet(args: argparse.Namespace, command: str, env: Mapping[str, str]) -> tuple[Any, list[Any]]:
    """The fleet and one Target per chosen controller; CommandFailed(2) before anything is
    touched when the spec, a flag or any controller's credentials are unusable."""
    from ..live.credentials import CredentialError, resolve
    from ..live.fleet import Target
    from ..live.redact import redact_logs, say
    from ._fleet import generate_fleet, load_fleet_or_report, member_root, output_root

    redact_logs()
    if args.all and args.controllers:
        raise _usage("--all and --controller exclude each other")
    if args.parallel < 1:
        raise _usage(f"--parallel {args.parallel}: at least 1")
    fleet = load_fleet_or_report(args, command=command)
    if not fleet.has_controllers:
        raise _usage(f"{args.spec} defines no controllers: --all and --controller choose among `controllers:`",
                     "drop --all, and give the Jenkins with --url")
    gen = generate_fleet(fleet, strict=getattr(args, "strict", False))
    print_diagnostics(gen.diagnostics)
    if gen.failed:
        say(f"{args.spec}: the spec has errors; nothing was done")
        raise CommandFailed(ExitCode.USAGE)
    if args.url and len(fleet.members) > 1:
        raise _usage(f"--url names one Jenkins, but {len(fleet.members)} controllers are chosen",
                     "each controller is reached at its jenkins.api_url (else jenkins.upstream); use --url with one --controller")
    root = output_root(args, fleet)
    targets: list[Target] = []
    problems: list[str] = []
    seen: dict[tuple[str, str, int | None, str], str] = {}
    warnings: dict[str, list[str]] = {}
    for m in fleet.members:
        assert m.name is not None  # a spec with controllers: every member has its name
        spec = m.loaded.spec
        url = args.url or spec.api_url or spec.upstream
        where = _address(url)
        if where in seen and not args.url:
            problems.append(f"{m.name}: error: reached at {url}, like {seen[where]}: two controllers cannot be one Jenkins"
                            "\n  hint: set jenkins.api_url (or jenkins.upstream) of each controller to its own address")
        seen.setdefault(where, m.name)
        captured = io.StringIO()
        try:
            with contextlib.redirect_stderr(captured):  # resolve's warnings, said below
                mine, mine_env = controller_arguments(args, m.name, url, env)
                creds = resolve(mine, spec, mine_env)
        except CredentialError as exc:
            problems.append(f"{m.name}: error: {exc}")
            continue
        finally:
            warnings[m.name] = captured.getvalue().splitlines()
        files = {rel.partition("/")[2]: text for rel, text in gen.files.items() if rel.startswith(f"{m.name}/")}
        targets.append(Target(m.name, spec, url, creds, files,
                              os.path.relpath(os.path.join(member_root(root, m), "jenkins.yaml"))))
    # a warning every controller got is about the run (a token on the command line): said once
    shared = set.intersection(*(set(lines) for lines in warnings.values())) if warnings else set()
    for line in sorted(shared):
        say(line)
    for name, lines in warnings.items():
        for line in lines:
            if line not in shared:
                say(f"{name}: {line}")
    if problems:
        for line in problems:
            say(line)
        say(f"nothing was done: {len(problems)} problem{'s' if len(problems) != 1 else ''} with the controllers' inputs")
        raise CommandFailed(ExitCode.USAGE)
    return fleet, targets


def run_fleet(args: argparse.Namespace, command: str, make_task: Callable[[Any], Callable[..., Any]],
              env: Mapping[str, str] | None = None) -> int:
    """Run `command` on the chosen controllers and report: each controller's lines, a summary,
    JSON (`--format json`) and JUnit (`--junit`) with one entry per controller."""
    from ..fsio import write_atomic
    from ..live.fleet import failed_for, junit_document, with_url
    from ..live.redact import redact, say
    from ..live.credentials import shown_url
    from ..runner import Printer, run_tasks, summary_rows, summary_table

    _, targets = prepare_fleet(args, command, os.environ if env is None else env)
    printer = Printer(scrub=redact)
    run = run_tasks([(t.name, make_task(t)) for t in targets], parallel=args.parallel, printer=printer,
                    fail_fast=args.fail_fast, failed=failed_for(command))
    urls = {t.name: t.url for t in targets}
    outcomes = [with_url(o, urls[o.controller], shown_url) for o in run.outcomes]
    code = run.exit_code
    if getattr(args, "junit", None):
        try:
            write_atomic(args.junit, junit_document(outcomes, command))
        except OSError as exc:
            say(f"warning: --junit {args.junit}: {exc.strerror or exc}")
    if args.format == "json":
        emit_json({"command": command, "ok": code == ExitCode.OK, "exit_code": code, "spec": args.spec,
                   "controllers": [o.document for o in outcomes], "summary": summary_rows(outcomes),
                   **({"interrupted": True} if run.interrupted else {})}, scrub=redact)
    else:
        if command == "verify":  # how many checks failed, where checks ran
            table = summary_table(outcomes, "FAILED CHECKS",
                                  lambda o: sum(c.status == "failed" for c in o.checks) if o.checks else None)
        else:
            table = summary_table(outcomes, "DIFFERENCES" if command == "diff" else "CHANGES")
        sys.stdout.write("\n".join(table) + "\n")
        sys.stdout.flush()
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.result] = counts.get(o.result, 0) + 1
    say(f"{len(outcomes)} controller{'s' if len(outcomes) != 1 else ''}: "
        + ", ".join(f"{n} {word}" for word, n in counts.items()) + f"; exit {code}")
    return code


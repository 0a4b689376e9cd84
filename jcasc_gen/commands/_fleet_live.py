"""plan, apply, verify and diff --live across controllers (`--all`, or `--controller NAME`,
repeatable): inputs checked for every controller before any is touched, then the runner.

Where each controller is reached: `jenkins.api_url`, else `jenkins.upstream`. `--url` is
accepted only when one controller is chosen (one address cannot be several controllers), and
JENKINS_URL is not read. Credentials, per value: the controller's own variables
(`JCASC_GEN_<NAME>_USER_ID` with `_API_TOKEN`, `_JWT`, `_SIGNING_KEY_FILE`; NAME upper-cased,
`-` as `_`), else the flags, else the usual JENKINS_USER_ID, JENKINS_API_TOKEN, JENKINS_JWT.
The controller's own variable wins because it is the one thing that can differ between
controllers. A move's current values likewise (`_CURRENT_ISSUER`, `_CURRENT_AUDIENCE`,
`_CURRENT_HEADER`); `--current-audience` is refused with several controllers (an audience is
one controller's). See docs/fleet.md.
"""

from __future__ import annotations

import argparse
import copy
import os
import sys
from typing import TYPE_CHECKING, Any, Callable, Mapping

from ..exitcodes import ExitCode
from ._common import CommandFailed, emit_json, print_diagnostics

if TYPE_CHECKING:
    from ..live.fleet import Target

__all__ = ["add_fleet_arguments", "fleet_mode", "prepare_targets", "run_fleet", "DEFAULT_PARALLEL", "controller_arguments"]

DEFAULT_PARALLEL = 4
# The controller's own variables, after its prefix (overlay.env_prefix): what they set.
CONTROLLER_VARIABLES = ("USER_ID", "API_TOKEN", "JWT", "SIGNING_KEY_FILE", "CURRENT_ISSUER", "CURRENT_AUDIENCE",
                        "CURRENT_HEADER")
# What the live realm accepts now, for a move (docs/apply.md, "Moving a running setup"): the
# variable, the flag's attribute, the name in messages
_CURRENT = (("CURRENT_ISSUER", "current_issuer", "current_issuers"), ("CURRENT_AUDIENCE", "current_audience", "current_audiences"),
            ("CURRENT_HEADER", "current_header", "current_header"))


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
    from ..live.redact import redact, say

    say(f"error: {message}" + (f"\n  hint: {hint}" if hint else ""))
    return CommandFailed(ExitCode.USAGE, redact(message), redact(hint) if hint else None)


def controller_arguments(args: argparse.Namespace, name: str, url: str,
                         env: Mapping[str, str]) -> tuple[argparse.Namespace, dict[str, str], dict[str, str]]:
    """The flags and environment this controller runs with: its own variables in place of the
    shared values. They go in as the usual variables (with the flag they override cleared), so a
    value from the environment is never taken for one typed on the command line; the third
    part names where they came from, for messages."""
    from ..live.credentials import CredentialError
    from ..overlay import env_prefix

    prefix = env_prefix(name)
    mine, mine_env, names = copy.copy(args), dict(env), {"url": f"jenkins.api_url (or jenkins.upstream) of {name}"}
    mine.url = url
    user, token = env.get(prefix + "USER_ID"), env.get(prefix + "API_TOKEN")
    if user or token:
        if not (user and token):
            raise CredentialError(f"{prefix}USER_ID and {prefix}API_TOKEN go together",
                                  "set both for this controller, or neither (then --user/--token or JENKINS_USER_ID/JENKINS_API_TOKEN apply)")
        mine.user = mine.token = None
        mine_env["JENKINS_USER_ID"], mine_env["JENKINS_API_TOKEN"] = user, token
        names.update(user=prefix + "USER_ID", token=prefix + "API_TOKEN")
    if env.get(prefix + "JWT"):
        mine.jwt = mine.jwt_file = None
        mine_env["JENKINS_JWT"] = env[prefix + "JWT"]
        names["jwt"] = prefix + "JWT"
    if env.get(prefix + "SIGNING_KEY_FILE"):
        mine.signing_key_file = env[prefix + "SIGNING_KEY_FILE"]
    for variable, attr, param in _CURRENT:
        value = env.get(prefix + variable)
        if value:  # not secrets: set as the flag would be, in place of the shared flag
            setattr(mine, attr, value if attr == "current_header" else [value])
            names[param] = prefix + variable
    return mine, mine_env, names


def _address(url: str) -> tuple[str, str, int | None, str]:
    """What makes two URLs the same Jenkins: its origin as the transport compares origins
    (scheme, host in any case, the default port written or not), and its path with or
    without the trailing slash."""
    from urllib.parse import urlsplit

    from ..transport import origin

    return (*origin(url), urlsplit(url).path.rstrip("/"))


def prepare_targets(args: argparse.Namespace, command: str, env: Mapping[str, str]) -> list[Target]:
    """One Target per chosen controller; CommandFailed(2) before anything is touched when the
    spec, a flag or any controller's address or credentials are unusable."""
    from ..live.credentials import CredentialError
    from ..live.fleet import Events, Target
    from ..live.redact import redact, redact_logs, say
    from ._fleet import generate_fleet, load_fleet_or_report
    from ._live import jenkins_from_args

    redact_logs()
    if args.all and args.controllers:
        raise _usage("--all and --controller exclude each other")
    if args.parallel < 1:
        raise _usage(f"--parallel {args.parallel}: at least 1")
    chosen = load_fleet_or_report(args, command=command)
    if not chosen.has_controllers:
        raise _usage(f"{args.spec} defines no controllers: --all and --controller choose among `controllers:`",
                     "drop --all, and give the Jenkins with --url")
    gen = generate_fleet(chosen, strict=getattr(args, "strict", False))
    print_diagnostics(gen.diagnostics)
    if gen.failed:
        say(f"{args.spec}: the spec has errors; nothing was done")
        raise CommandFailed(ExitCode.USAGE)
    if getattr(args, "current_audience", None) and len(chosen.specs) > 1:
        # an audience names one controller (its route host): a token minted for it, sent to the
        # others, would be a credential for that controller in their hands
        raise _usage(f"--current-audience names one controller's audience, but {len(chosen.specs)} controllers are chosen",
                     "set JCASC_GEN_<NAME>_CURRENT_AUDIENCE (and _CURRENT_ISSUER) for each controller that moves, or use "
                     "--current-audience with one --controller; --current-issuer and --current-header may be shared")
    if args.url and len(chosen.specs) > 1:
        raise _usage(f"--url names one Jenkins, but {len(chosen.specs)} controllers are chosen",
                     "each controller is reached at its jenkins.api_url (else jenkins.upstream); use --url with one --controller")
    targets: list[Target] = []
    problems: list[str] = []
    seen: dict[tuple[str, str, int | None, str], str] = {}
    early: dict[str, list[str]] = {}
    for name, spec in chosen.specs:
        assert name is not None  # a spec with controllers: every controller has its name
        model = spec._loaded.spec
        url = args.url or model.api_url or model.upstream
        where = _address(url)
        if where in seen and not args.url:
            problems.append(f"{name}: error: reached at {url}, like {seen[where]}: two controllers cannot be one Jenkins"
                            "\n  hint: set jenkins.api_url (or jenkins.upstream) of each controller to its own address")
        seen.setdefault(where, name)
        events = Events()
        early[name] = events.early  # its warnings, said below
        try:
            mine, mine_env, own = controller_arguments(args, name, url, env)
            jenkins, names = jenkins_from_args(mine, mine_env, on_event=events)
            names = {**names, **own} if args.url is None else {**names, **{k: v for k, v in own.items() if k != "url"}}
            try:
                creds = jenkins._credentials(spec)  # what needs the spec (a principal to mint for), checked now
            except CredentialError as exc:
                raise exc.renamed(names) from None
        except CredentialError as exc:
            problems.append(f"{name}: error: {exc}")
            continue
        targets.append(Target(name, spec, url, jenkins, names, creds, events))
    # a warning every controller got is about the run (a token on the command line): said once
    shared = set.intersection(*(set(lines) for lines in early.values())) if early else set()
    for line in sorted(shared):
        say(line)
    for name, lines in early.items():
        for line in lines:
            if line not in shared:
                say(f"{name}: {line}")
        lines.clear()
    if problems:
        for line in problems:
            say(line)
        summary = f"nothing was done: {len(problems)} problem{'s' if len(problems) != 1 else ''} with the controllers' inputs"
        say(summary)
        raise CommandFailed(ExitCode.USAGE, redact(summary + ": " + "; ".join(p.splitlines()[0] for p in problems)))
    return targets


def run_fleet(args: argparse.Namespace, command: str, make_task: Callable[[Any], Callable[..., Any]],
              env: Mapping[str, str] | None = None) -> int:
    """Run `command` on the chosen controllers and report: each controller's lines, a summary,
    JSON (`--format json`) and JUnit (`--junit`) with one entry per controller."""
    from ..fsio import write_atomic
    from ..live.credentials import shown_url
    from ..live.fleet import failed_for, junit_document, with_url
    from ..live.redact import redact, say
    from ..runner import Printer, run_tasks, summary_rows, summary_table

    targets = prepare_targets(args, command, os.environ if env is None else env)
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
        failing = [o for o in outcomes if o.exit_code is not None and o.exit_code >= ExitCode.USAGE]
        error = "; ".join(f"{o.controller}: {o.result}" + (f" ({o.error.splitlines()[0]})" if o.error else "")
                          for o in failing) or None
        emit_json({"command": command, "ok": code == ExitCode.OK, "exit": code, "spec": args.spec, "url": None, "error": error,
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

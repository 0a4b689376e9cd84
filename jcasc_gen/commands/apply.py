"""`jcasc-gen apply SPEC --url ...`: change the live Jenkins to the spec, prove it with a
real JWT, and put everything back when anything fails (see jcasc_gen/live/apply.py)."""

from __future__ import annotations

import argparse
import sys

from ._common import add_format_argument, add_output_argument, add_spec_argument, add_strict_argument
from ._fleet_live import add_fleet_arguments, fleet_mode, run_fleet


def add_arguments(p: argparse.ArgumentParser) -> None:
    from ._live import add_arguments as add_connection_arguments

    add_spec_argument(p)
    add_output_argument(p)
    add_format_argument(p)
    add_strict_argument(p)
    p.add_argument("--yes", action="store_true", help="do not ask before changing Jenkins (CI)")
    p.add_argument("--dry-run", action="store_true",
                   help="run preflight, guard, snapshot and the server-side check; change nothing")
    p.add_argument("--restart-timeout", type=float, default=300.0, metavar="SECONDS",
                   help="how long to wait for Jenkins after a safe restart (default 300)")
    p.add_argument("--poll-interval", type=float, default=1.0, metavar="SECONDS",
                   help="how often to poll plugin installs and a restarting Jenkins (default 1)")
    p.add_argument("--progress-interval", type=float, default=5.0, metavar="SECONDS",
                   help="while waiting (a restart, a quiet-down, a plugin download, deployed files) say where it stands at "
                        "least this often: one updating line on a terminal, plain lines otherwise (default 5)")
    p.add_argument("--no-jwks-check", action="store_true",
                   help="do not refuse a realm switch when neither Jenkins nor this machine can confirm the JWKS lists the key "
                        "(if Jenkins cannot fetch it, nobody can log in afterwards)")
    p.add_argument("--create-folders", action="store_true",
                   help="create items of authorization.items that do not exist as empty folders (reported as such); "
                        "without it apply refuses them before changing anything")
    p.add_argument("--junit", metavar="FILE", help="write the verification checks as a JUnit XML report")
    via = p.add_mutually_exclusive_group()
    via.add_argument("--via-reload", action="store_true",
                     help="post nothing: wait until the live Jenkins equals the spec (after your GitOps sync deployed the "
                          "generated files and the reload sidecar or a restart applied them), then verify. The default when "
                          "a JCasC file on disk declares the realm or the matrix")
    via.add_argument("--via-api", action="store_true",
                     help="post the realm and matrix through /configuration-as-code even when a JCasC file on disk declares "
                          "them (JCasC merges them with the file: a realm conflicts, a matrix becomes the union)")
    p.add_argument("--reload-timeout", type=float, default=600.0, metavar="SECONDS",
                   help="how long to wait for the deployed files to take effect (default 600)")
    add_connection_arguments(p)
    add_fleet_arguments(p)


def _ask(prompt: str) -> bool:
    if not sys.stdin.isatty():
        return False
    sys.stderr.write(prompt)
    sys.stderr.flush()
    try:
        return sys.stdin.readline().strip().lower() in ("y", "yes")
    except (EOFError, OSError):
        return False


def run(args: argparse.Namespace) -> int:
    from .._errors import Unreachable
    from .._results import ApplyResult
    from ..fsio import write_atomic
    from ..live.redact import say
    from ._live import emit_json, prepare

    if fleet_mode(args):
        return _run_fleet(args)
    live = prepare(args, command="apply")
    jenkins = live.jenkins
    confirm = None if args.yes else (lambda plan: _ask(f"Apply these changes to {jenkins.url}? [y/N] "))
    try:
        result = live.call(jenkins.apply, live.spec, dry_run=args.dry_run, confirm=confirm,
                           restart_timeout=args.restart_timeout, poll_interval=args.poll_interval,
                           jwks_check=not args.no_jwks_check,
                           via="reload" if args.via_reload else "api" if args.via_api else "auto",
                           reload_timeout=args.reload_timeout, create_folders=args.create_folders,
                           progress_interval=args.progress_interval)
    except Unreachable as exc:
        assert isinstance(exc.result, ApplyResult)
        result = exc.result
    if args.junit and result.checks:
        try:
            write_atomic(args.junit, result.to_junit())
        except OSError as exc:
            say(f"warning: --junit {args.junit}: {exc.strerror or exc}")
    if args.format == "json":
        emit_json(result.to_json())
    return result.exit_code


def _run_fleet(args: argparse.Namespace) -> int:
    from ..live.fleet import ApplySettings, apply_task
    from ._common import usage_error

    one = not args.all and len(args.controllers) == 1
    if not (one or args.yes or args.dry_run):
        # one question per controller, from concurrent workers, cannot be answered sensibly
        return usage_error("apply on several controllers needs --yes (or --dry-run): it does not ask per controller",
                           "run `jcasc-gen plan ... --all` first to see what each would change")
    settings = ApplySettings(dry_run=args.dry_run, restart_timeout=args.restart_timeout, poll=args.poll_interval,
                             jwks_check=not args.no_jwks_check,
                             via="reload" if args.via_reload else "api" if args.via_api else "auto",
                             reload_timeout=args.reload_timeout, create_folders=args.create_folders,
                             confirm=None if args.yes else _ask, progress_interval=args.progress_interval)
    return run_fleet(args, "apply", lambda t: apply_task(t, settings))

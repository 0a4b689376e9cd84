"""What the live commands share (plan, apply, verify, diff --live): the connection and
credential flags, read with the environment and files into a `jcasc_gen.Jenkins`.

The API never reads files or the environment; this module is where the command line does,
and where the API's messages get the flags' names (`--signing-key-file` for `signing_key`).
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping, TypeVar

from ..exitcodes import ExitCode
from ._common import CommandFailed, emit_json as _emit_json, load_or_report, print_diagnostics
from ._progress import StatusLine

if TYPE_CHECKING:
    from .._api import Spec
    from .._jenkins import Jenkins

__all__ = ["add_arguments", "CLI_NAMES", "jenkins_from_args", "warn_command_line_secrets", "Live", "prepare", "emit_json",
           "say_event"]

T = TypeVar("T")

# The API's parameter -> the flag that gives it, for messages.
CLI_NAMES: Mapping[str, str] = {
    "url": "--url", "user": "--user", "token": "--token", "jwt": "--jwt", "signing_key": "--signing-key-file",
    "ca_bundle": "--ca-bundle", "insecure": "--insecure", "timeout": "--timeout", "retries": "--retries",
    "retry_backoff": "--retry-backoff", "principal": "--as", "groups": "--groups",
    "restart_timeout": "--restart-timeout", "poll_interval": "--poll-interval", "reload_timeout": "--reload-timeout",
    "progress_interval": "--progress-interval",
    "dry_run": "--dry-run", "via_reload": "--via-reload", "current_issuers": "--current-issuer",
    "current_audiences": "--current-audience", "current_header": "--current-header",
    # flags are visible to every local user: the places a refusal points to are the environment and files
    "credentials_place": "in JENKINS_USER_ID and JENKINS_API_TOKEN (or JENKINS_JWT / --jwt-file)",
}


def add_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("Jenkins connection and credentials")
    g.add_argument("--url", metavar="URL", help="where this tool reaches Jenkins directly, not the Pomerium route "
                   "(Pomerium strips assertion headers clients send) [env JENKINS_URL]")
    g.add_argument("--user", metavar="USER", help="API-token user [env JENKINS_USER_ID]")
    g.add_argument("--token", metavar="TOKEN", help="API token; prefer the environment [env JENKINS_API_TOKEN]")
    g.add_argument("--jwt", metavar="JWT", help="a JWT Jenkins accepts once jwt-auth is the realm [env JENKINS_JWT]")
    g.add_argument("--jwt-file", metavar="FILE", help="read the JWT from FILE")
    g.add_argument("--signing-key-file", metavar="FILE",
                   help="Pomerium's signing key (PEM or base64 PEM): mint short-lived JWTs exactly as the spec's Pomerium version sends them")
    g.add_argument("--as", dest="as_principal", metavar="PRINCIPAL",
                   help="username for minted JWTs (default: the first user grant of the spec with Overall/Administer)")
    g.add_argument("--groups", metavar="G1,G2", default="", help="groups claim of minted JWTs (comma-separated)")
    m = p.add_argument_group("Moving a Jenkins on jwt-auth to the spec's issuer or audience (docs/apply.md, \"Moving a running setup\")")
    m.add_argument("--current-issuer", action="append", default=[], metavar="ISS[,ISS]",
                   help="an issuer the live realm accepts now (its acceptedIssuer, a comma list as jwt-auth writes it; "
                        "repeatable): JWTs for the current values are minted with it, and apply moves the realm through one "
                        "that accepts both")
    m.add_argument("--current-audience", action="append", default=[], metavar="AUD[,AUD]",
                   help="an audience the live realm accepts now (its acceptedAudience; repeatable)")
    m.add_argument("--current-header", metavar="NAME", help="the header the live realm reads now, when it is not the spec's")
    g.add_argument("--ca-bundle", metavar="FILE", help="CA bundle to verify Jenkins' TLS certificate")
    g.add_argument("--insecure", action="store_true", help="do not verify TLS certificates (test setups only)")
    g.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS",
                   help="bounds each request as a whole, answer and redirects included (default 30)")
    g.add_argument("--retries", type=int, default=3, metavar="N",
                   help="extra attempts for reads (never for changes) when Jenkins does not answer or answers 502-504 (default 3)")
    g.add_argument("--retry-backoff", type=float, default=0.5, metavar="SECONDS",
                   help="wait before the first retry, doubled for each next one (default 0.5)")


# A JWT is a few KiB and a PEM key under 16 KiB; the bound keeps `--jwt-file /dev/zero` (or a
# mistyped path to a large file) from filling memory. Symlinks and pipes are read on purpose:
# Kubernetes mounts secrets as symlinks, and `--jwt-file <(vault read ...)` is a pipe.
CREDENTIAL_FILE_MAX_BYTES = 1024 * 1024


def _read_file(path: str, what: str) -> bytes:
    from ..live.credentials import CredentialError

    try:
        with open(path, "rb") as fh:
            data = fh.read(CREDENTIAL_FILE_MAX_BYTES + 1)
    except OSError as exc:
        raise CredentialError(f"{what} {path}: {exc.strerror or exc}") from None
    if len(data) > CREDENTIAL_FILE_MAX_BYTES:
        raise CredentialError(f"{what} {path}: over {CREDENTIAL_FILE_MAX_BYTES} bytes; not a JWT or a key, refusing to read it")
    return data


def _jenkins_arguments(args: argparse.Namespace, env: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """`Jenkins(...)`'s arguments from flags, then the environment variables Jenkins CLI and
    python-jenkins users already set, then files; and the names to report problems with (the
    flag, or where the value came from)."""
    from ..live.credentials import CredentialError
    from ..live.redact import register_secret

    names = dict(CLI_NAMES)
    jwt = args.jwt or env.get("JENKINS_JWT")
    if args.jwt_file:
        if jwt:
            raise CredentialError("give the JWT once: --jwt/JENKINS_JWT or --jwt-file")
        raw = _read_file(args.jwt_file, "--jwt-file")
        register_secret(raw)
        jwt = raw.decode("utf-8", "replace").strip()
        names["jwt"] = f"--jwt-file {args.jwt_file}"
    elif not args.jwt and jwt:
        names["jwt"] = "JENKINS_JWT"
    key = None
    if args.signing_key_file:
        key = _read_file(args.signing_key_file, "--signing-key-file")
        register_secret(key)
        names["signing_key"] = f"--signing-key-file {args.signing_key_file}"
    if not args.url:
        names["url"] = "JENKINS_URL" if env.get("JENKINS_URL") else "--url (or JENKINS_URL)"
    kwargs = dict(url=args.url or env.get("JENKINS_URL") or "", user=args.user or env.get("JENKINS_USER_ID"),
                  token=args.token or env.get("JENKINS_API_TOKEN"), jwt=jwt, signing_key=key, ca_bundle=args.ca_bundle,
                  insecure=args.insecure, timeout=args.timeout, retries=getattr(args, "retries", 3),
                  retry_backoff=getattr(args, "retry_backoff", 0.5), principal=args.as_principal,
                  groups=(args.groups or "").split(","),
                  current_issuers=_comma_lists(getattr(args, "current_issuer", None)),
                  current_audiences=_comma_lists(getattr(args, "current_audience", None)),
                  current_header=getattr(args, "current_header", None))
    return kwargs, names


def _comma_lists(values: list[str] | None) -> list[str]:
    """Each flag value read as jwt-auth reads its acceptedIssuer (jwt_realm.accepted_values), so
    the live realm's setting can be pasted as it is; repeated flags add up."""
    from ..jwt_realm import accepted_values

    out: list[str] = []
    for v in values or ():
        out += accepted_values(v) or []
    return out


def jenkins_from_args(args: argparse.Namespace, env: Mapping[str, str] | None = None, *,
                      on_event: Callable[[str], None] | None = None) -> tuple[Jenkins, Mapping[str, str]]:
    """The `Jenkins` the flags describe, and the names for its messages. Raises CredentialError
    naming the flags."""
    from .._jenkins import Jenkins
    from ..live.credentials import CredentialError

    kwargs, names = _jenkins_arguments(args, os.environ if env is None else env)
    try:
        jenkins = Jenkins(**kwargs, on_event=on_event)
    except CredentialError as exc:
        raise exc.renamed(names) from None
    warn_command_line_secrets(args, on_event or (lambda message: None))
    return jenkins, names


def warn_command_line_secrets(args: argparse.Namespace, warn: Callable[[str], None]) -> None:
    """A secret given as a flag is visible to every local user (ps, /proc/PID/cmdline): it
    still works, with one warning per run naming the safer places."""
    given = [flag for flag, attr in (("--token", "token"), ("--jwt", "jwt")) if getattr(args, attr, None)]
    if not given:
        return
    safer = (["JENKINS_API_TOKEN"] if "--token" in given else []) + (["JENKINS_JWT or --jwt-file"] if "--jwt" in given else [])
    warn(f"warning: {' and '.join(given)} on the command line {'is' if len(given) == 1 else 'are'} visible to other local "
         f"users (ps, /proc/PID/cmdline); prefer {' and '.join(safer)}")


@dataclass
class Live:
    spec: Spec
    jenkins: Jenkins
    names: Mapping[str, str]
    progress: StatusLine | None = None  # the Jenkins' on_event

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`fn(...)`; a CredentialError (say, no principal in the spec to mint for) is reported
        with the flags' names and ends the command with its exit code. A status line still
        shown is cleared before anything else is printed."""
        from ..live.credentials import CredentialError
        from ..live.redact import redact, say

        try:
            return fn(*args, **kwargs)
        except CredentialError as exc:
            if self.progress is not None:
                self.progress.close()
            renamed = exc.renamed(self.names)
            say(f"error: {renamed}")
            raise CommandFailed(exc.exit_code, redact(renamed.message), redact(renamed.hint) if renamed.hint else None) from None
        finally:
            if self.progress is not None:
                self.progress.close()


def prepare(args: argparse.Namespace, *, command: str) -> Live:
    """Load and lint the spec (printing the findings), and the Jenkins of the flags; exit 2 on any problem."""
    from .._api import lint
    from ..live.credentials import CredentialError
    from ..live.redact import redact, redact_logs, say
    from ._report import note_url

    redact_logs()
    spec = load_or_report(args, command=command)
    findings = lint(spec, strict=getattr(args, "strict", False))
    print_diagnostics(findings)
    if any(d.blocking for d in findings):
        say(f"{args.spec}: the spec has errors; nothing was done")
        raise CommandFailed(ExitCode.USAGE)
    progress = StatusLine()
    try:
        jenkins, names = jenkins_from_args(args, on_event=progress)
    except CredentialError as exc:
        say(f"error: {exc}")
        raise CommandFailed(exc.exit_code, redact(exc.message), redact(exc.hint) if exc.hint else None) from None
    note_url(jenkins.url)
    return Live(spec, jenkins, names, progress)


def say_event(message: str) -> None:
    """The live calls' events on stderr (redacted, as `say` does), painted like every other
    change the commands show (apply prints its plan there)."""
    import sys

    from .. import colour
    from ..live.redact import redact, say

    text = redact(message)
    say(colour.line(text) if colour.enabled(sys.stderr) else text)


def emit_json(payload: dict[str, Any]) -> None:
    """JSON to stdout, through the redactor like every other output."""
    from ..live.redact import redact

    _emit_json(payload, scrub=redact)

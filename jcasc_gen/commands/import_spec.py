"""`jcasc-gen import (--from-export FILE | --url URL) [-o spec.yaml] [--admin PRINCIPAL ...]`:
adopt the tool on a Jenkins that already runs jwt-auth and matrix-auth, or on its local realm.

The spec is checked (`load_spec_text`) before anything is written, and the imported matrix is
compared with what the spec generates, principal by principal, permission by permission;
nothing is written when they differ (a bug), when the spec does not validate, or when nobody
could administer Jenkins under it (a local `admin` only: `import_admins`; `--admin` names who
does, and the comparison then expects exactly those grants more).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from ..exitcodes import ExitCode
from ..diagnostics import Diagnostic
from ..loader import LoadedDocument
from ._common import add_format_argument, emit_json, print_diagnostics


def add_arguments(p: argparse.ArgumentParser) -> None:
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--from-export", metavar="FILE", help="a saved JCasC export (Manage Jenkins > Configuration as Code > Download)")
    src.add_argument("--url", metavar="URL", help="read the export from this Jenkins [credentials: JENKINS_USER_ID + JENKINS_API_TOKEN, or --jwt]")
    p.add_argument("-o", "--output", metavar="SPEC", help="write the spec here (default: standard output); never over an existing file without --force")
    p.add_argument("--force", action="store_true", help="overwrite an existing SPEC")
    p.add_argument("--jenkins-url", metavar="URL", help="the URL people use (the export does not name it; else inferred from the JWKS URL or audience)")
    p.add_argument("--authenticate-url", metavar="URL", help="Pomerium's authenticate URL: adds a `pomerium:` section and drops jwt values it derives")
    p.add_argument("--pomerium-version", metavar="VERSION", help="with --authenticate-url: the Pomerium version (default: the newest known)")
    p.add_argument("--idp-provider", metavar="NAME", help="with --authenticate-url: the IdP provider (default oidc)")
    p.add_argument("--idp-url", metavar="URL", help="with --authenticate-url: the IdP URL")
    p.add_argument("--admin", dest="admins", action="append", default=[], metavar="PRINCIPAL",
                   help="user:EMAIL or group:NAME of your IdP that administers Jenkins after the switch to jwt-auth "
                        "(repeatable); needed when the export's only administrators are local accounts such as admin")
    p.add_argument("--output-dir", default="generated", metavar="DIR", help="output.dir of the new spec (default: generated)")
    p.add_argument("--no-schema", action="store_true", help="do not write jcasc-gen.schema.json beside the spec")
    live = p.add_argument_group("with --url")
    live.add_argument("--user", metavar="USER", help="API-token user [env JENKINS_USER_ID]")
    live.add_argument("--token", metavar="TOKEN", help="API token; prefer the environment [env JENKINS_API_TOKEN]")
    live.add_argument("--jwt", metavar="JWT", help="a JWT the live jwt-auth realm accepts [env JENKINS_JWT]")
    live.add_argument("--jwt-header", metavar="NAME", default="X-Pomerium-Jwt-Assertion", help="the header jwt-auth reads (default X-Pomerium-Jwt-Assertion)")
    live.add_argument("--ca-bundle", metavar="FILE", help="CA bundle for Jenkins' certificate")
    live.add_argument("--insecure", action="store_true", help="do not verify TLS certificates (test setups only)")
    live.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS")
    add_format_argument(p)


class _Failed(Exception):
    """The import stops: `message` (or the located `diagnostics`) says why; nothing is written."""

    def __init__(self, code: int, message: str, diagnostics: list[Diagnostic] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.diagnostics = diagnostics or []


def _read_export_file(path: str) -> tuple[Any, str, LoadedDocument]:
    from ..diagnostics import SpecError
    from ..loader import load_file

    try:
        doc = load_file(path)
    except SpecError as exc:
        raise _Failed(ExitCode.USAGE, "\n".join(d.format() for d in exc.diagnostics)) from None
    return doc.data, os.path.basename(path), doc


def _located(text: str, name: str) -> LoadedDocument | None:
    """The live export again, with line numbers for a message about it (None if it will not load)."""
    from ..diagnostics import SpecError
    from ..loader import load_text

    try:
        return load_text(text, name)
    except SpecError:
        return None


def _read_export_live(args: argparse.Namespace) -> tuple[Any, str, list[Any], LoadedDocument | None]:
    from urllib.parse import urlsplit

    from ..client import Auth, Connection, JenkinsClient, JenkinsError
    from ..live.credentials import CredentialError, check_url
    from ..live.redact import redact, register_secret, say
    from ..live.state import parse_export
    from ._live import CLI_NAMES, warn_command_line_secrets

    env = os.environ
    try:
        check_url(args.url)
    except CredentialError as exc:
        raise _Failed(ExitCode.USAGE, str(exc.renamed(CLI_NAMES))) from None
    warn_command_line_secrets(args, say)
    parts = urlsplit(args.url)
    user, token = args.user or env.get("JENKINS_USER_ID"), args.token or env.get("JENKINS_API_TOKEN")
    jwt = args.jwt or env.get("JENKINS_JWT")
    register_secret(token)
    register_secret(jwt)
    if jwt:
        auth = Auth.jwt(args.jwt_header, jwt)
    elif user and token:
        auth = Auth.api_token(user, token)
    else:
        raise _Failed(ExitCode.USAGE, "no credentials: set JENKINS_USER_ID and JENKINS_API_TOKEN, or JENKINS_JWT "
                                      "(reading the export needs Overall/Administer)")
    if args.insecure and args.ca_bundle:
        raise _Failed(ExitCode.USAGE, "--ca-bundle and --insecure contradict each other")
    conn = Connection(args.url, timeout=args.timeout, verify=False if args.insecure else (args.ca_bundle or True),
                      jwt_options="--jwt (or JENKINS_JWT), with --jwt-header if jwt-auth reads another header")
    from ..live.items import walk_matrices

    try:
        client = JenkinsClient(conn, auth)
        text = client.casc_export()
        items, truncated = walk_matrices(client)
        if truncated:
            raise _Failed(ExitCode.USAGE, "the Jenkins has more items than the walk reads (10,000); nothing written")
        source = f"the live export of {parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}"
        return parse_export(text), source, items, _located(text, source)
    except JenkinsError as exc:
        raise _Failed(int(exc.exit_code), redact(str(exc))) from None


def _check(result: Any, document: Any, items: list[Any], export: LoadedDocument | None) -> None:
    """The spec must load, someone must be able to administer Jenkins under it, and it must
    generate the same matrix as the export held (with the --admin grants), and the same item
    matrices as the items held (less what the import notes left out)."""
    from ..diagnostics import SpecError
    from ..effective import entries_from_spec
    from ..import_admins import lockout, with_admins
    from ..importer import equivalence_problems, parse_strategy
    from ..model import load_spec_text

    try:
        loaded = load_spec_text(result.text, "<imported spec>", ".")
    except SpecError as exc:
        raise _Failed(ExitCode.USAGE, "the imported spec does not validate (nothing written):\n"
                      + "\n".join(d.format() for d in exc.diagnostics)) from None
    strategy = document["jenkins"]["authorizationStrategy"]
    refused = lockout(loaded.spec, export, strategy)
    if refused is not None:
        raise _Failed(ExitCode.USAGE, refused.message, [refused])
    before = with_admins(parse_strategy(strategy).entries, result.added)
    problems = equivalence_problems(before, entries_from_spec(loaded.spec))
    from ..live.items import targets

    live = dict(items)
    for target in targets(loaded.spec):
        have = live.get(target.path)
        if have is None or have.inherit != target.inherit or not target.entries <= have.entries:
            problems.append(f"item {target.path!r}: the imported grants differ from its matrix")
    if problems:
        raise _Failed(ExitCode.USAGE, "the imported spec would not reproduce the effective permissions (a bug; nothing written):\n"
                      + "\n".join(problems))


def _shown(url: str | None) -> str | None:
    """The Jenkins read (`--url`) as messages show it: no user:password part."""
    if url is None:
        return None
    from ..live.credentials import shown_url

    try:
        return shown_url(url)
    except ValueError:  # not a URL (import refused it): nothing was reached
        return None


def run(args: argparse.Namespace) -> int:
    from ..fsio import write_atomic
    from ..import_admins import AdminError, parse_admin
    from ..importer import ImportError_, ImportOptions, import_export
    from .init import write_schema_beside

    try:
        if args.output and os.path.lexists(args.output) and not args.force:
            raise _Failed(ExitCode.USAGE, f"{args.output}: exists; left untouched (use --force to overwrite)")
        try:
            admins = tuple(parse_admin(a) for a in args.admins)
        except AdminError as exc:
            raise _Failed(ExitCode.USAGE, str(exc)) from None
        export: LoadedDocument | None
        if args.from_export:
            document, source, export = _read_export_file(args.from_export)
            items: list[Any] = []  # a JCasC export holds no item matrices (jenkins-facts H.1)
        else:
            document, source, items, export = _read_export_live(args)
        options = ImportOptions(jenkins_url=args.jenkins_url, authenticate_url=args.authenticate_url,
                                pomerium_version=args.pomerium_version, idp_provider=args.idp_provider,
                                idp_url=args.idp_url, output_dir=args.output_dir, source=source, admins=admins)
        try:
            result = import_export(document, options, items)
        except ImportError_ as exc:
            raise _Failed(ExitCode.USAGE, f"{source}: {exc}") from None
        _check(result, document, items, export)
        if args.output:
            try:
                write_atomic(args.output, result.text)
                schema = None if args.no_schema else write_schema_beside(args.output)
            except OSError as exc:
                raise _Failed(ExitCode.USAGE, f"{args.output}: cannot write: {exc.strerror or exc}") from None
    except _Failed as exc:
        if args.format == "json":
            emit_json({"command": "import", "ok": False, "url": _shown(args.url), "error": None if exc.diagnostics else exc.message,
                       "diagnostics": [d.to_json() for d in exc.diagnostics]})
        elif exc.diagnostics:
            print_diagnostics(exc.diagnostics)
        else:
            print(f"error: {exc.message}", file=sys.stderr)
        return exc.code
    if args.format == "json":
        emit_json({"command": "import", "ok": True, "url": _shown(args.url), "output": args.output,
                   "spec": result.data if not args.output else None, "ambiguous": result.ambiguous,
                   "notes": [{"level": n.level, "message": n.message} for n in result.notes]})
        return ExitCode.OK
    for note in result.notes:
        print(note.format(), file=sys.stderr)
    if args.output:
        print(f"wrote {args.output}" + (f" and {os.path.relpath(schema)}" if schema else "")
              + f"; next: review it, then `jcasc-gen validate {args.output}` and `jcasc-gen diff {args.output} --live`",
              file=sys.stderr)
    else:
        sys.stdout.write(result.text)
    return ExitCode.OK



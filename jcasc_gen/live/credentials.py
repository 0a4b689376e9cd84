"""Where Jenkins is and who we are, the conventional way: flags, then the environment
variables the Jenkins CLI and python-jenkins users already set.

Two credentials matter (jenkins-facts B.3): the *pre-switch* one that works today (an API
token, or a JWT when Jenkins is already on jwt-auth) and the *post-switch* one that works
once jwt-auth is the realm (a JWT we were given, or one we mint with Pomerium's signing
key). Every secret is registered with the redactor the moment it is read or minted.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field
from typing import Any, Mapping
from urllib.parse import urlsplit

from .. import names, permissions
from ..exitcodes import ExitCode
from ..model import Spec
from .redact import register_secret, say

__all__ = ["add_arguments", "shown_url", "CredentialError", "PostCredential", "Credentials", "resolve", "default_principal",
           "check_url", "warn_command_line_secrets"]


class CredentialError(Exception):
    exit_code = ExitCode.USAGE

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message + (f"\n  hint: {self.hint}" if self.hint else "")


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
    g.add_argument("--ca-bundle", metavar="FILE", help="CA bundle to verify Jenkins' TLS certificate")
    g.add_argument("--insecure", action="store_true", help="do not verify TLS certificates (test setups only)")
    g.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS", help="bounds each request as a whole, answer and redirects included (default 30)")
    g.add_argument("--retries", type=int, default=3, metavar="N",
                   help="extra attempts for reads (never for changes) when Jenkins does not answer or answers 502-504 (default 3)")
    g.add_argument("--retry-backoff", type=float, default=0.5, metavar="SECONDS",
                   help="wait before the first retry, doubled for each next one (default 0.5)")


def check_url(url: str, flag: str) -> str:
    """The Jenkins URL the live commands use: http(s), a host, and no user info. A password
    in a URL ends up in shell history, process lists and proxy logs, and every message would
    have to hide it: so it is refused, and never repeated."""
    if "@" in url:
        # user info, or what urllib would not even take for user info (a password holding
        # "/", "?" or "#" pushes it into the path): no Jenkins root URL needs an "@"
        register_secret(url.rsplit("@", 1)[0])
        raise CredentialError(f"{flag} carries user info (an '@', as in user:password@host): refused, and not repeated here",
                              "give the URL without it (http://jenkins:8080/) and the credentials in JENKINS_USER_ID and "
                              "JENKINS_API_TOKEN (or JENKINS_JWT / --jwt-file)")
    example = "for example --url http://jenkins:8080/"
    try:
        parts = urlsplit(url)
        parts.port  # a port that is not a number raises here
    except ValueError:  # a port that is not a number, an unbalanced "[" (IPv6 literal syntax)
        raise CredentialError(f"{flag} {url!r} is not a valid URL", example) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CredentialError(f"{flag} {url!r} is not an http(s) URL", example)
    return url


def warn_command_line_secrets(args: argparse.Namespace) -> None:
    """A secret given as a flag is visible to every local user (ps, /proc/PID/cmdline): it
    still works, with one warning per run naming the safer places."""
    given = [flag for flag, attr in (("--token", "token"), ("--jwt", "jwt")) if getattr(args, attr, None)]
    if not given:
        return
    safer = (["JENKINS_API_TOKEN"] if "--token" in given else []) + (["JENKINS_JWT or --jwt-file"] if "--jwt" in given else [])
    say(f"warning: {' and '.join(given)} on the command line {'is' if len(given) == 1 else 'are'} visible to other local users "
        f"(ps, /proc/PID/cmdline); prefer {' and '.join(safer)}")


def shown_url(url: str) -> str:
    """The URL without any user:password part (never echo a credential)."""
    from urllib.parse import urlunsplit

    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[-1]))


def default_principal(spec: Spec) -> str | None:
    """The first user grant holding Overall/Administer (anonymous never counts)."""
    for g in spec.authorization.grants:
        if g.kind == "user" and not names.is_anonymous(g.name) and permissions.has_permission(set(g.effective), permissions.ADMINISTER):
            return g.name
    return None


@dataclass
class PostCredential:
    """A JWT identity for after the realm switch: minted on demand, or given."""

    spec: Spec
    principal: str
    groups: tuple[str, ...]
    source: str  # "signing key" | "--jwt"
    key: Any = field(default=None, repr=False)  # tokens.SigningKey
    given: str | None = field(default=None, repr=False)
    given_header: dict[str, Any] = field(default_factory=dict, repr=False)
    given_claims: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def header_name(self) -> str:
        return self.spec.jwt.header

    @property
    def can_mint(self) -> bool:
        return self.key is not None

    def token(self) -> str:
        if self.given is not None:
            return self.given
        return self.mint(self.principal, self.groups)

    def mint(self, principal: str, groups: tuple[str, ...] | list[str] = (), overrides: Mapping[str, Any] | None = None) -> str:
        from .. import tokens

        if self.key is None:
            raise CredentialError("minting needs --signing-key-file")
        tok = tokens.mint(self.spec, self.key, principal, tuple(groups), overrides=overrides)
        register_secret(tok)
        return tok

    def claims(self) -> dict[str, Any]:
        from .. import tokens

        if self.given is not None:
            return dict(self.given_claims)
        return tokens.pomerium_claims(self.spec, self.principal, self.groups)

    def alg(self) -> str | None:
        if self.given is not None:
            return self.given_header.get("alg")
        return self.key.alg if self.key is not None else None

    def kid(self) -> str | None:
        """The key id Jenkins must find in the JWKS for this credential's tokens."""
        if self.given is not None:
            kid = self.given_header.get("kid")
            return str(kid) if kid else None
        return self.key.kid if self.key is not None else None

    def auth(self) -> Any:
        from ..client import Auth

        return Auth.jwt(self.header_name, self.token(), self.principal)

    def rejected(self) -> tuple[str, str]:
        """(message, hint) for when Jenkins treated this JWT as anonymous: what the token carried,
        what the spec's realm accepts, and so where the difference must be."""
        from .. import tokens

        claims = self.claims()
        jwt = self.spec.jwt
        message = (f"Jenkins treats the JWT ({self.source}) as anonymous. The token has iss {claims.get('iss')!r} and aud "
                   f"{claims.get('aud')!r}; the spec's realm accepts issuers {list(jwt.issuers)} and audiences {list(jwt.audiences)}")
        problems = tokens.acceptance_problems(jwt, claims, alg=self.alg())
        if problems:
            return (message + "; even the spec's realm would refuse it: " + "; ".join(problems),
                    "fix the spec's jwt settings, or give a JWT they accept")
        return (message + ", so the live realm accepts another issuer or audience (for example what an older Pomerium "
                "sent, or another route host), or cannot verify the signature against its jwksUrl",
                "compare acceptedIssuer, acceptedAudience and jwksUrl of the live realm (Manage Jenkins > Security, or "
                "the JCasC file Jenkins boots from) with these values, and pass a JWT the live realm accepts with --jwt; "
                "once the live realm matches the spec, minting with --signing-key-file works")


@dataclass
class Credentials:
    conn: Any  # client.Connection
    pre: Any  # client.Auth | None: what works before the switch (API token)
    post: PostCredential | None


def _read_file(path: str, what: str) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as exc:
        raise CredentialError(f"{what} {path}: {exc.strerror or exc}") from None


def resolve(args: argparse.Namespace, spec: Spec, env: Mapping[str, str] | None = None) -> Credentials:
    """Flags win over the environment. Raises CredentialError (exit 2) on unusable input."""
    from .. import tokens
    from ..client import Auth, Connection

    env = os.environ if env is None else env
    url = args.url or env.get("JENKINS_URL") or ""
    if not url:
        raise CredentialError("no Jenkins URL", "pass --url or set JENKINS_URL (the address Jenkins answers on directly)")
    check_url(url, "--url" if args.url else "JENKINS_URL")
    warn_command_line_secrets(args)
    parts = urlsplit(url)
    if spec.pomerium is not None and parts.hostname == spec.jenkins_host:
        say(f"warning: --url {url} is the Pomerium route; Pomerium strips the assertion header this tool sends. "
            f"Point --url at Jenkins itself (for example the upstream {spec.upstream}).")
    if args.ca_bundle and args.insecure:
        raise CredentialError("--ca-bundle and --insecure contradict each other")
    if args.ca_bundle and not os.path.isfile(args.ca_bundle):
        raise CredentialError(f"--ca-bundle {args.ca_bundle}: no such file")
    if args.timeout <= 0:
        raise CredentialError("--timeout must be positive")
    retries, backoff = getattr(args, "retries", 3), getattr(args, "retry_backoff", 0.5)
    if retries < 0 or backoff < 0:
        raise CredentialError("--retries and --retry-backoff must not be negative")
    if args.insecure:
        say("warning: --insecure: Jenkins' TLS certificate is not verified")
    verify: bool | str = False if args.insecure else (args.ca_bundle or True)
    conn = Connection(url, timeout=args.timeout, verify=verify, retries=retries, backoff=backoff)

    user = args.user or env.get("JENKINS_USER_ID")
    token = args.token or env.get("JENKINS_API_TOKEN")
    register_secret(token)
    if bool(user) != bool(token):
        raise CredentialError("an API token needs both a user and a token",
                              "set --user/JENKINS_USER_ID and --token/JENKINS_API_TOKEN together")
    pre = Auth.api_token(user, token) if user and token else None

    given = args.jwt or env.get("JENKINS_JWT")
    if args.jwt_file:
        if given:
            raise CredentialError("give the JWT once: --jwt/JENKINS_JWT or --jwt-file")
        given = _read_file(args.jwt_file, "--jwt-file").decode("utf-8", "replace").strip()
    register_secret(given)
    key = None
    if args.signing_key_file:
        raw = _read_file(args.signing_key_file, "--signing-key-file")
        register_secret(raw)
        try:
            key = tokens.load_signing_key(raw)
        except tokens.TokenError as exc:
            raise CredentialError(f"--signing-key-file {args.signing_key_file}: {exc}") from None
    groups = tuple(g.strip() for g in (args.groups or "").split(",") if g.strip())

    post: PostCredential | None = None
    if given:
        try:
            header, claims = tokens.decode_unverified(given)
        except tokens.TokenError as exc:
            raise CredentialError(f"--jwt: {exc}") from None
        name, jwt_groups = tokens.identity(spec.jwt, claims)
        if args.as_principal and name and not names.same(args.as_principal, name):
            raise CredentialError(f"--as {args.as_principal!r} but the JWT is for {name!r}", "drop --as, or mint with --signing-key-file")
        post = PostCredential(spec, name, jwt_groups, "--jwt", key=key, given=given, given_header=header, given_claims=claims)
    elif key is not None:
        principal = args.as_principal or default_principal(spec)
        if not principal:
            raise CredentialError("no principal to mint a JWT for: the spec has no user grant with Overall/Administer",
                                  "pass --as USER (and --groups G1,G2 if the admin right comes from a group)")
        post = PostCredential(spec, principal, groups, "signing key", key=key)
    elif args.as_principal or groups:
        raise CredentialError("--as/--groups need --signing-key-file to mint a JWT")
    if pre is None and post is None:
        raise CredentialError("no credentials",
                              "set JENKINS_USER_ID and JENKINS_API_TOKEN (before the switch to JWT), and --signing-key-file or --jwt (after it)")
    return Credentials(conn, pre, post)


def report(exc: CredentialError) -> int:
    say(f"error: {exc}")
    return int(exc.exit_code)

"""Where Jenkins is and who we are.

Two credentials matter (jenkins-facts B.3): the *pre-switch* one that works today (an API
token, or a JWT when Jenkins is already on jwt-auth) and the *post-switch* one that works
once jwt-auth is the realm (a JWT we were given, or one we mint with Pomerium's signing
key). Every secret is registered with the redactor the moment it is given or minted.

Two stages, used by the Python API's `Jenkins` (and so by the command line, which only gathers
the values from flags, the environment and files: commands/_live.py): `login` takes the values
as given and checks what needs no spec; `for_spec` adds what depends on the spec (whom to mint
for, the identity a given JWT carries).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence
from urllib.parse import urlsplit

from .. import names, permissions
from .._errors import JcascGenError
from ..exitcodes import ExitCode
from ..model import Spec
from .redact import register_secret

__all__ = ["CredentialError", "PostCredential", "Credentials", "Login", "login", "for_spec", "default_principal",
           "check_url", "shown_url", "API_NAMES"]

Warn = Callable[[str], None]

# How an input is called in messages: the API's parameter names (the command line has its flags).
API_NAMES: Mapping[str, str] = {k: k for k in (
    "url", "user", "token", "jwt", "signing_key", "ca_bundle", "insecure", "timeout", "retries", "retry_backoff",
    "principal", "groups", "restart_timeout", "poll_interval", "reload_timeout", "dry_run")} | {
    "via_reload": 'via="reload"', "credentials_place": "as user and token (or jwt / signing_key)"}


class CredentialError(JcascGenError):
    """Unusable connection, credential or option input (exit 2). The message names the inputs it is
    about as `{url}`, `{signing_key}`, ...: the API's parameter names by default, the
    command line's flags after `renamed(CLI names)`."""

    exit_code = ExitCode.USAGE

    def __init__(self, message: str, hint: str | None = None, *, params: Sequence[str] = (),
                 names: Mapping[str, str] = API_NAMES) -> None:
        self.template = (message, hint, tuple(params))
        label = "/".join(names.get(p, p) for p in params) + ": " if params else ""
        super().__init__(label + _fill(message, names), hint=_fill(hint, names) if hint else None)

    def renamed(self, names: Mapping[str, str]) -> "CredentialError":
        """The same error, naming the inputs as `names` does (the CLI's flags, say)."""
        message, hint, params = self.template
        return CredentialError(message, hint, params=params, names=names)


_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{(\w+)\}")


def _fill(text: str, names: Mapping[str, str]) -> str:
    """`{name}` -> what `names` calls that input; `{{` and `}}` are literal braces (`_literal`)."""
    def one(m: re.Match[str]) -> str:
        if m.group(1) is None:
            return m.group(0)[0]
        return names.get(m.group(1), m.group(0))

    return _PLACEHOLDER.sub(one, text)


def _literal(text: str) -> str:
    """Text from the caller (a URL, a path, a claim) for a message: its braces stay braces."""
    return text.replace("{", "{{").replace("}", "}}")


def check_url(url: str) -> str:
    """The Jenkins URL the live calls use: http(s), a host, and no user info. A password
    in a URL ends up in shell history, process lists and proxy logs, and every message would
    have to hide it: so it is refused, and never repeated. Errors name the input as `{url}`."""
    if "@" in url:
        # user info, or what urllib would not even take for user info (a password holding
        # "/", "?" or "#" pushes it into the path): no Jenkins root URL needs an "@"
        register_secret(url.rsplit("@", 1)[0])
        raise CredentialError("{url} carries user info (an '@', as in user:password@host): refused, and not repeated here",
                              "give the URL without it (http://jenkins:8080/) and the credentials {credentials_place}")
    example = "for example http://jenkins:8080/"
    try:
        parts = urlsplit(url)
        parts.port  # a port that is not a number raises here
    except ValueError:  # a port that is not a number, an unbalanced "[" (IPv6 literal syntax)
        raise CredentialError(f"{_literal(url)!r} is not a valid URL", example, params=("url",)) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CredentialError(f"{_literal(url)!r} is not an http(s) URL", example, params=("url",))
    return url


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
    source: str  # "signing key" | "given JWT"
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
            raise CredentialError("minting a JWT needs {signing_key}")
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


@dataclass(frozen=True)
class Login:
    """Where Jenkins is and what we were given, checked; holds no spec yet."""

    conn: Any  # client.Connection
    pre: Any  # client.Auth | None
    jwt: str | None = field(repr=False)
    jwt_header: Mapping[str, Any] = field(repr=False)
    jwt_claims: Mapping[str, Any] = field(repr=False)
    key: Any = field(repr=False)  # tokens.SigningKey | None
    principal: str | None
    groups: tuple[str, ...]


def login(url: str, *, user: str | None = None, token: str | None = None, jwt: str | None = None,
          signing_key: str | bytes | None = None, ca_bundle: str | None = None, insecure: bool = False,
          timeout: float = 30.0, retries: int = 3, retry_backoff: float = 0.5, principal: str | None = None,
          groups: Sequence[str] = (), warn: Warn = lambda message: None) -> Login:
    """Check the inputs that need no spec. Raises CredentialError (exit 2) on unusable input."""
    from .. import tokens
    from ..client import Auth, Connection

    # secrets first: whatever goes wrong below, no message may carry them
    register_secret(token)
    register_secret(jwt)
    register_secret(signing_key)
    if not url:
        raise CredentialError("no Jenkins URL", "the address Jenkins answers on directly, e.g. http://jenkins:8080/",
                              params=("url",))
    check_url(url)
    if ca_bundle and insecure:
        raise CredentialError("a CA bundle and turning certificate checks off contradict each other", params=("ca_bundle", "insecure"))
    if ca_bundle and not os.path.isfile(ca_bundle):
        raise CredentialError(f"{_literal(ca_bundle)}: no such file", params=("ca_bundle",))
    if not timeout > 0:
        raise CredentialError("must be positive", params=("timeout",))
    if retries < 0 or retry_backoff < 0:
        raise CredentialError("must not be negative", params=("retries", "retry_backoff"))
    if insecure:
        warn("warning: certificate checks are off: Jenkins' TLS certificate is not verified")
    verify: bool | str = False if insecure else (ca_bundle or True)
    conn = Connection(url, timeout=timeout, verify=verify, retries=retries, backoff=retry_backoff)

    if bool(user) != bool(token):
        raise CredentialError("an API token needs both a user and a token", "give {user} and {token} together", params=("user", "token"))
    pre = Auth.api_token(user, token) if user and token else None

    header: Mapping[str, Any] = {}
    claims: Mapping[str, Any] = {}
    if jwt:
        try:
            header, claims = tokens.decode_unverified(jwt)
        except tokens.TokenError as exc:
            raise CredentialError(_literal(str(exc)), params=("jwt",)) from None
    key = None
    if signing_key:
        try:
            key = tokens.load_signing_key(signing_key.encode() if isinstance(signing_key, str) else signing_key)
        except tokens.TokenError as exc:
            raise CredentialError(_literal(str(exc)), params=("signing_key",)) from None
    groups = tuple(g.strip() for g in groups if g.strip())
    if (principal or groups) and key is None and not jwt:
        raise CredentialError("only minted JWTs have a principal and groups; minting needs {signing_key}",
                              params=("principal", "groups"))
    if pre is None and not jwt and key is None:
        raise CredentialError("no credentials",
                              "give {user} and {token} (an API token, before the switch to JWT), "
                              "and {signing_key} or {jwt} (after it)")
    return Login(conn, pre, jwt or None, header, claims, key, principal or None, groups)


def for_spec(login: Login, spec: Spec, warn: Warn = lambda message: None) -> Credentials:
    """The credentials for this spec: whom to mint for, whom a given JWT names."""
    from .. import tokens

    host = urlsplit(login.conn.url).hostname
    if spec.pomerium is not None and host == spec.jenkins_host:
        warn(f"warning: {login.conn.url} is the Pomerium route; Pomerium strips the assertion header this tool sends. "
             f"Point the URL at Jenkins itself (for example the upstream {spec.upstream}).")
    post: PostCredential | None = None
    if login.jwt:
        name, jwt_groups = tokens.identity(spec.jwt, dict(login.jwt_claims))
        if login.principal and name and not names.same(login.principal, name):
            raise CredentialError(_literal(f"{login.principal!r}, but the JWT is for {name!r}"),
                                  "drop {principal}, or mint with {signing_key} instead of giving {jwt}", params=("principal",))
        post = PostCredential(spec, name, jwt_groups, "given JWT", key=login.key, given=login.jwt,
                              given_header=dict(login.jwt_header), given_claims=dict(login.jwt_claims))
    elif login.key is not None:
        principal = login.principal or default_principal(spec)
        if not principal:
            raise CredentialError("no principal to mint a JWT for: the spec has no user grant with Overall/Administer",
                                  "give {principal} USER (and {groups} if the admin right comes from a group)",
                                  params=("principal",))
        post = PostCredential(spec, principal, login.groups, "signing key", key=login.key)
    return Credentials(login.conn, login.pre, post)


def shown_url(url: str) -> str:
    """The URL without any user:password part (never echo a credential)."""
    parts = urlsplit(url)
    return parts._replace(netloc=parts.netloc.rsplit("@", 1)[-1]).geturl()

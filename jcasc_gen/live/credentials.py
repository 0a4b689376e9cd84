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
    "principal", "groups", "restart_timeout", "poll_interval", "reload_timeout", "progress_interval", "dry_run", "current_issuers",
    "current_audiences", "current_header")} | {
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


@dataclass
class CurrentCredential:
    """A JWT for what the live realm accepts *now*, while the spec moves it to another issuer,
    audience or header (a new route host, a Pomerium upgrade across 0.21.3, a new authenticate
    host). Minted with the same key, for the same principal and groups as the spec's token: only
    `iss` and `aud` differ, and it travels in the live realm's header as well as the spec's (a
    realm reads one header and ignores the other), so it works before, during and after a
    move's bridge realm. Several values may be given; the first pair the live realm accepts is
    used (`choose`)."""

    post: PostCredential
    issuers: tuple[str, ...]  # () : the spec's own issuer
    audiences: tuple[str, ...]
    header: str | None  # the live realm's header, when it is not the spec's
    chosen: tuple[str | None, str | None] | None = None

    def pairs(self) -> list[tuple[str | None, str | None]]:
        return [(i, a) for i in (self.issuers or (None,)) for a in (self.audiences or (None,))]

    def overrides(self) -> dict[str, Any]:
        iss, aud = self.chosen or self.pairs()[0]
        return {k: v for k, v in (("iss", iss), ("aud", aud)) if v is not None}

    @property
    def principal(self) -> str:
        return self.post.principal

    def token(self) -> str:
        return self.post.mint(self.post.principal, self.post.groups, overrides=self.overrides())

    def claims(self) -> dict[str, Any]:
        return {**self.post.claims(), **self.overrides()}

    def headers(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(h for h in (self.header, self.post.header_name) if h))

    def auth(self) -> Any:
        from ..client import Auth

        first, *more = self.headers()
        return Auth.jwt(first, self.token(), self.post.principal, also=tuple(more))

    def describe(self) -> str:
        claims = self.claims()
        return (f"the JWT for the current values (iss {claims.get('iss')!r}, aud {claims.get('aud')!r}"
                + (f", in {self.header}" if self.header and self.header != self.post.header_name else "") + ")")

    def flags(self) -> str:
        """The command-line flags that give these values (for messages)."""
        parts = []
        if self.issuers:
            parts.append("--current-issuer " + ",".join(self.issuers))
        if self.audiences:
            parts.append("--current-audience " + ",".join(self.audiences))
        if self.header:
            parts.append("--current-header " + self.header)
        return " ".join(parts)

    def choose(self, accepted: Callable[[Any], bool]) -> bool:
        """Find the first pair of given values the live realm accepts (one /whoAmI each);
        with one pair there is nothing to choose."""
        pairs = self.pairs()
        if len(pairs) == 1:
            self.chosen = pairs[0]
            return True
        for pair in pairs:
            self.chosen = pair
            if accepted(self.auth()):
                return True
        self.chosen = pairs[0]
        return False


@dataclass
class Credentials:
    conn: Any  # client.Connection
    pre: Any  # client.Auth | None: what works before the switch (API token)
    post: PostCredential | None
    current: CurrentCredential | None = None  # moving a jwtAuth realm: a JWT for what it accepts now

    def roles(self, *, token_first: bool = False) -> list[str]:
        """Every credential given: "post" (the spec's JWT), "current" (a JWT for the values the
        live realm accepts now, while it moves), "pre" (the API token). The JWTs first reads a
        Jenkins whatever its realm is; the API token first acts before a first switch to jwtAuth,
        when it is the credential that works."""
        jwt = (["post"] if self.post else []) + (["current"] if self.current else [])
        pre = ["pre"] if self.pre else []
        return pre + jwt if token_first else jwt + pre

    def auth_of(self, role: str) -> Any:
        if role == "post" and self.post is not None:
            return self.post.auth()
        if role == "current" and self.current is not None:
            return self.current.auth()
        if role == "pre" and self.pre is not None:
            return self.pre
        raise KeyError(role)

    def readers(self) -> list[Any]:
        """The credentials in `roles()` order."""
        return [self.auth_of(r) for r in self.roles()]


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
    current_issuers: tuple[str, ...] = ()
    current_audiences: tuple[str, ...] = ()
    current_header: str | None = None


def login(url: str, *, user: str | None = None, token: str | None = None, jwt: str | None = None,
          signing_key: str | bytes | None = None, ca_bundle: str | None = None, insecure: bool = False,
          timeout: float = 30.0, retries: int = 3, retry_backoff: float = 0.5, principal: str | None = None,
          groups: Sequence[str] = (), current_issuers: Sequence[str] = (), current_audiences: Sequence[str] = (),
          current_header: str | None = None, warn: Warn = lambda message: None) -> Login:
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
    issuers, audiences = _current_values(current_issuers, "current_issuers"), _current_values(current_audiences, "current_audiences")
    header_now = (current_header or "").strip() or None
    if (issuers or audiences or header_now) and (key is None or jwt):
        raise CredentialError("moving a realm needs two tokens, one for what it accepts now and one for the spec's values: "
                              "{signing_key} mints both" + (", and a given {jwt} is only one of them" if jwt else ""),
                              "give {signing_key} (Pomerium's signing key)" + (" instead of {jwt}" if jwt else ""),
                              params=tuple(p for p, v in (("current_issuers", issuers), ("current_audiences", audiences),
                                                          ("current_header", header_now)) if v))
    return Login(conn, pre, jwt or None, header, claims, key, principal or None, groups, issuers, audiences, header_now)


def _current_values(values: Sequence[str], param: str) -> tuple[str, ...]:
    """The values of a live realm's issuer or audience list, one per item (as jwt-auth reads its
    comma list: no item may hold a comma, and spaces count)."""
    if isinstance(values, str):
        raise TypeError(f"{param} must be a sequence of values, not one string")
    out: list[str] = []
    for v in values:
        if not isinstance(v, str) or not v or "," in v:
            raise CredentialError(f"{_literal(repr(v))}: one non-empty value per item, without commas", params=(param,))
        out.append(v)
    return tuple(dict.fromkeys(out))


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
    current = None
    if post is not None and (login.current_issuers or login.current_audiences or login.current_header):
        header = login.current_header if login.current_header and login.current_header.lower() != spec.jwt.header.lower() else None
        current = CurrentCredential(post, login.current_issuers, login.current_audiences, header)
    return Credentials(login.conn, login.pre, post, current)


def shown_url(url: str) -> str:
    """The URL without any user:password part (never echo a credential)."""
    parts = urlsplit(url)
    return parts._replace(netloc=parts.netloc.rsplit("@", 1)[-1]).geturl()

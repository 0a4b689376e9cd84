"""The values the client is made from and answers with (behind `jcasc_gen.client`, which
re-exports them): who asks (`Auth`), where and how patiently (`Connection`), and the shapes of
the answers. Plain frozen dataclasses, importable without requests or python-jenkins.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Literal, Mapping

__all__ = ["Auth", "Connection", "Reply", "WhoAmI", "ControllerStatus", "PluginInfo", "RETRY_STATUSES"]

# Statuses worth another try on an idempotent read: Jenkins starting (HudsonIsLoading 503)
# or a proxy in between hiccuping.
RETRY_STATUSES = frozenset({502, 503, 504})


@dataclass(frozen=True)
class Auth:
    """Who the requests are made as. The secret is never part of repr()."""

    kind: Literal["anonymous", "token", "jwt"] = "anonymous"
    user: str | None = None  # API-token user, or the JWT's principal (for messages)
    secret: str | None = field(default=None, repr=False)
    header: str | None = None  # JWT header name
    # more headers the same JWT goes in: while a realm moves from one header name to another,
    # jwt-auth reads exactly one of them (JwtAuthSecurityRealm.java:181 getHeader(headerName))
    also: tuple[str, ...] = ()

    @classmethod
    def anonymous(cls) -> "Auth":
        return cls()

    @classmethod
    def api_token(cls, user: str, token: str) -> "Auth":
        return cls("token", user, token)

    @classmethod
    def jwt(cls, header: str, token: str, principal: str | None = None, also: tuple[str, ...] = ()) -> "Auth":
        return cls("jwt", principal, token, header, tuple(h for h in dict.fromkeys(also) if h.lower() != header.lower()))

    def describe(self) -> str:
        if self.kind == "token":
            return f"the API token of {self.user!r}"
        if self.kind == "jwt":
            return f"a JWT in {' and '.join((str(self.header), *self.also))}" + (f" for {self.user!r}" if self.user else "")
        return "anonymous"


@dataclass(frozen=True)
class Connection:
    url: str
    timeout: float = 30.0
    verify: bool | str = True  # False (--insecure) or a CA bundle path
    retries: int = 3  # extra attempts for idempotent reads only
    backoff: float = 0.5  # seconds; doubles per attempt
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False, compare=False)
    # How the running command takes a JWT, for hints (import has fewer options than apply).
    jwt_options: str = "--jwt/--jwt-file or --signing-key-file"

    @property
    def base(self) -> str:
        return self.url if self.url.endswith("/") else self.url + "/"


@dataclass(frozen=True)
class Reply:
    status: int
    text: str
    headers: Mapping[str, str]
    content: bytes = b""  # the body as sent (config.xml is edited byte for byte)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


@dataclass(frozen=True)
class WhoAmI:
    name: str
    authorities: tuple[str, ...]
    anonymous: bool


@dataclass(frozen=True)
class ControllerStatus:
    """One look at the controller, for following a restart.

    `session` is X-Jenkins-Session: Jenkins.SESSION_HASH, computed once per JVM start and
    sent on API answers (core hudson/model/Api.java, hudson/Functions.java advertiseHeaders),
    so a new value is the one reliable sign that Jenkins restarted."""

    answered: bool  # any HTTP answer at all
    status: int | None
    session: str | None
    quieting_down: bool | None  # None: the answer did not say

    @property
    def unavailable(self) -> bool:
        """No answer, or 502-504 (HudsonIsRestarting / HudsonIsLoading answer 503)."""
        return not self.answered or self.status in RETRY_STATUSES


@dataclass(frozen=True)
class PluginInfo:
    name: str
    version: str
    active: bool
    enabled: bool

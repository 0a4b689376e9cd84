"""Controller state the simulator models: realm, authorization strategy, plugins, users.

Class names and symbols follow the real sources (cited per class below).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Literal

EntryKind = Literal["USER", "GROUP", "EITHER"]

# Java class names, as `_class` / export would show them.
# jenkins: core/src/main/java/hudson/security/HudsonPrivateSecurityRealm.java
LOCAL_REALM_CLASS = "hudson.security.HudsonPrivateSecurityRealm"
# jwt-auth-plugin: src/main/java/io/jenkins/plugins/jwt_auth/JwtAuthSecurityRealm.java
JWT_REALM_CLASS = "io.jenkins.plugins.jwt_auth.JwtAuthSecurityRealm"
# jenkins: core/src/main/java/hudson/security/AuthorizationStrategy.java (Unsecured)
UNSECURED_CLASS = "hudson.security.AuthorizationStrategy$Unsecured"
# jenkins: core/src/main/java/hudson/security/FullControlOnceLoggedInAuthorizationStrategy.java
LOGGED_IN_CLASS = "hudson.security.FullControlOnceLoggedInAuthorizationStrategy"
# matrix-auth-plugin: src/main/java/hudson/security/{Global,Project}MatrixAuthorizationStrategy.java
GLOBAL_MATRIX_CLASS = "hudson.security.GlobalMatrixAuthorizationStrategy"
PROJECT_MATRIX_CLASS = "hudson.security.ProjectMatrixAuthorizationStrategy"

JWT_ATTRIBUTES: tuple[str, ...] = (
    # jwt-auth-plugin: JwtAuthSecurityRealm.java @DataBoundConstructor parameters, sorted as
    # JCasC's Configurator.getAttributes() sorts them (jenkins-facts B.1 / A.4)
    "acceptedAudience", "acceptedIssuer", "allowVerificationFailures", "emailClaimName",
    "fullNameClaim", "groupsClaimName", "groupsClaimSeparator", "headerName", "jwksUrl",
    "leewaySeconds", "userClaimName",
)


@dataclass
class LocalRealm:
    """`local:` — HudsonPrivateSecurityRealm (users live in JenkinsSim.users)."""

    allows_signup: bool = False
    class_name: str = LOCAL_REALM_CLASS


@dataclass(eq=False)
class JwtRealm:
    """`jwtAuth:` — one realm *instance*. Each JCasC apply creates a new one.

    jwt-auth-plugin: JwtAuthSecurityRealm.java — all attributes come from the
    @DataBoundConstructor; omitted strings are null, omitted int 0, omitted boolean false.
    The JWKS resolver is cached in a transient field of the instance, so a new instance
    (apply, restart) gets a fresh resolver: `jwks_cache` below.
    """

    headerName: str | None = None
    userClaimName: str | None = None
    groupsClaimName: str | None = None
    groupsClaimSeparator: str | None = None
    acceptedIssuer: str | None = None
    acceptedAudience: str | None = None
    jwksUrl: str | None = None
    leewaySeconds: int = 0
    allowVerificationFailures: bool = False
    emailClaimName: str | None = None
    fullNameClaim: str | None = None
    class_name: str = JWT_REALM_CLASS
    jwks_cache: dict[str, Any] | None = field(default=None, repr=False)
    jwks_fetches: int = field(default=0, repr=False)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def config(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in JWT_ATTRIBUTES}


Realm = LocalRealm | JwtRealm


@dataclass
class Strategy:
    """The authorization strategy.

    kind: unsecured | loggedInUsersCanDoAnything | globalMatrix | projectMatrix.
    grants: (kind, sid) -> set of permission ids ("Group/Name"), as matrix-auth keeps a
    map of permission -> sids (AuthorizationContainer.java); merged per (type, sid).
    """

    kind: str = "loggedInUsersCanDoAnything"
    allow_anonymous_read: bool = False
    grants: dict[tuple[EntryKind, str], set[str]] = field(default_factory=dict)

    @property
    def class_name(self) -> str:
        return {
            "unsecured": UNSECURED_CLASS,
            "loggedInUsersCanDoAnything": LOGGED_IN_CLASS,
            "globalMatrix": GLOBAL_MATRIX_CLASS,
            "projectMatrix": PROJECT_MATRIX_CLASS,
        }[self.kind]

    def add(self, kind: EntryKind, sid: str, perm: str) -> None:
        self.grants.setdefault((kind, sid), set()).add(perm)


@dataclass
class PluginState:
    """One installed plugin. hudson/PluginWrapper.java @Exported fields (jenkins-facts D.4)."""

    name: str
    version: str
    active: bool = True
    enabled: bool = True
    long_name: str | None = None
    pending_restart: bool = False  # installed through the update center, active after restart
    version_pending: str | None = None  # an upgrade waiting for the restart
    dependencies: list[dict[str, Any]] = field(default_factory=list)


LONG_NAMES: dict[str, str] = {
    "configuration-as-code": "Configuration as Code Plugin",
    "matrix-auth": "Matrix Authorization Strategy Plugin",
    "jwt-auth": "JWT Header Authentication Plugin",
    "skip-certificate-check": "Skip Certificate Check plugin",
}


@dataclass
class Build:
    """A build occupying an executor until `end` (time.monotonic), or until finish()."""

    end: float | None
    finished: bool = False

    def running(self) -> bool:
        import time

        return not self.finished and (self.end is None or time.monotonic() < self.end)

    def finish(self) -> None:
        self.finished = True


@dataclass(frozen=True)
class Identity:
    """The Spring Authentication as the filters leave it."""

    name: str
    authorities: tuple[str, ...]
    anonymous: bool

    @property
    def authenticated(self) -> bool:
        # jenkins: core/src/main/java/hudson/security/WhoAmI.java — anonymous is an
        # AnonymousAuthenticationToken, whose isAuthenticated() is true (jenkins-facts D.1)
        return True


# jenkins: core/src/main/java/jenkins/model/Jenkins.java ANONYMOUS2 — name and authority `anonymous`
ANONYMOUS = Identity("anonymous", ("anonymous",), True)

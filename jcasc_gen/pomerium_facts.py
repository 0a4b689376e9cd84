"""What Pomerium sends, serves and accepts, per version: the one place the product keeps it.

Every constant below was read from pomerium/pomerium at the tags named beside it; docs/fidelity.md
has one row per fact with the test that holds it. The simulator's fake Pomerium
(tests/jenkins_sim/pomerium.py) is written from the same sources independently, and tests compare
the two.

A version is written `0.33`, `v0.33` or `v0.33.1`. Without its patch number it names every patch
release of that minor version, so a change made in a patch release (the issuer, v0.21.3) can fall
inside it: `PomeriumVersion.spans` says so, and the callers derive both values and say why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping
from urllib.parse import urlsplit

__all__ = [
    "PomeriumVersion", "VersionError", "parse_version", "NEWEST_KNOWN", "DEFAULT_VERSION_TEXT",
    "ISSUER_IS_ROUTE_HOST", "GROUPS_NULL", "GROUPS_NULL_FIXED", "RANDOM_JTI", "HEADER", "JWKS_PATH", "CLAIMS",
    "PERSON_CLAIMS", "issuers", "route_host", "authenticate_host", "jwks_url", "groups_may_be_null",
    "PROVIDERS", "Provider", "IMAGE_REPOSITORY", "image_for", "image_version", "HTTP_PATH_CRITERION",
]

# The PPL criterion `http_path` (with the string matchers `is`, `starts_with`, `contains`, ...) came
# with v0.16.0 (commit 2d04106e6, "ppl: add support for http_path and http_method (#2813)"); it
# matches the request's path after percent-decoding (authorize/checkrequest/checkrequest.go
# GetURL: `url.PathUnescape` of the raw path; v0.21.0 authorize/grpc.go getCheckRequestURL), and
# a matching `deny` rule wins over every `allow` (authorize/check_response.go).
HTTP_PATH_CRITERION = (0, 16, 0)

_PATCH_UNKNOWN = 1 << 30  # stands for "any patch release" in range comparisons


class VersionError(ValueError):
    """A Pomerium version that cannot be read; the message says what is expected."""


@dataclass(frozen=True)
class PomeriumVersion:
    major: int
    minor: int
    patch: int | None  # None: written without its patch number ("0.21" names 0.21.0 ... 0.21.4)
    text: str  # as written

    @property
    def lowest(self) -> tuple[int, int, int]:
        return (self.major, self.minor, self.patch or 0)

    @property
    def highest(self) -> tuple[int, int, int]:
        return (self.major, self.minor, _PATCH_UNKNOWN if self.patch is None else self.patch)

    def before(self, release: tuple[int, int, int]) -> bool:
        """Every release this version names is older than `release`."""
        return self.highest < release

    def since(self, release: tuple[int, int, int]) -> bool:
        """Every release this version names is `release` or newer."""
        return self.lowest >= release

    def spans(self, release: tuple[int, int, int]) -> bool:
        """Some releases this version names are older than `release`, some are not ("0.21" and 0.21.3)."""
        return not self.before(release) and not self.since(release)

    def minor_version(self) -> tuple[int, int]:
        return (self.major, self.minor)

    def __str__(self) -> str:
        return self.text


# The same form as the schema's pattern for pomerium.version (a test holds the two together).
_VERSION = re.compile(r"v?([0-9]{1,9})\.([0-9]{1,9})(?:\.([0-9]{1,9}))?")


def parse_version(text: str) -> PomeriumVersion:
    """`0.33`, `v0.33` or `v0.33.1`; anything else raises VersionError (never a silent default)."""
    m = _VERSION.fullmatch(text) if isinstance(text, str) else None
    if m is None:
        raise VersionError(f"{text!r} is not a Pomerium version: write MAJOR.MINOR or MAJOR.MINOR.PATCH, "
                           f"e.g. \"{DEFAULT_VERSION_TEXT}\" or \"v{NEWEST_KNOWN_TEXT}\" (the output of `pomerium --version`)")
    major, minor, patch = m.groups()
    return PomeriumVersion(int(major), int(minor), None if patch is None else int(patch), text)


# The newest release this tool was checked against (pomerium/pomerium tag v0.33.1, 2026-08-12).
NEWEST_KNOWN_TEXT = "0.33.1"
DEFAULT_VERSION_TEXT = "0.33"
NEWEST_KNOWN = PomeriumVersion(0, 33, 1, NEWEST_KNOWN_TEXT)

# The newest patch release of each minor version (the repository's tags). A spec that names a
# minor version gets this release's image, so the stack is pinned like everything else.
NEWEST_PATCH: Mapping[tuple[int, int], int] = {
    (0, 20): 1, (0, 21): 4, (0, 22): 3, (0, 23): 0, (0, 24): 0, (0, 25): 2, (0, 26): 1, (0, 27): 2,
    (0, 28): 0, (0, 29): 6, (0, 30): 8, (0, 31): 3, (0, 32): 9, (0, 33): 1,
}

# --- the assertion ---------------------------------------------------------------------------

# `iss`: up to v0.21.2 the authenticate service's host, port included (authorize/evaluator/
# evaluator.go:212 `e.store.UpdateIssuer(authenticateURL.Host)`, headers.rego:89 `data.issuer`);
# from v0.21.3 (commit 3307b9b82, "update issuer for JWT (#4049)") the route's host name without
# port (headers_evaluator.go:38 `input.Issuer = u.Hostname()`, headers.rego:88-89 `input.issuer`).
ISSUER_IS_ROUTE_HOST = (0, 21, 3)
# `groups`: v0.28.0 (the Go rewrite) sent null for a person without groups (pomerium#5393);
# v0.29.0 (#5394) sends [] again (headers_evaluator_evaluation.go getJWTPayloadGroups).
GROUPS_NULL = (0, 28, 0)
GROUPS_NULL_FIXED = (0, 29, 0)
# `jti`/`iat`: the session id and the ID token's issue time before v0.27.0; a random UUID and
# now since (headers.rego:84-88 at v0.27.0).
RANDOM_JTI = (0, 27, 0)

# internal/httputil/headers.go:31 (v0.33.1) `HeaderPomeriumJWTAssertion = "x-pomerium-jwt-assertion"`;
# Pomerium adds it to requests on routes with pass_identity_headers and strips client copies.
HEADER = "X-Pomerium-Jwt-Assertion"
# pkg/endpoints/paths.go:13 (v0.33.1) `PathJWKS = "/.well-known/pomerium/jwks.json"`, served on
# every route host.
JWKS_PATH = "/.well-known/pomerium/jwks.json"

# The claims of every assertion, the same set from v0.21.0 to v0.33.1: headers.rego
# `base_jwt_claims` (v0.21.0:156-168 ... v0.27.2) and headers_evaluator_evaluation.go
# getJWTPayload (v0.28.0 ... v0.33.1:501-513). Claims named in `jwt_claims_headers` would be
# added, but the generated config sets none. `email` and `name` are "" when the IdP has none.
CLAIMS: tuple[str, ...] = ("iss", "aud", "jti", "iat", "exp", "sub", "user", "email", "groups", "sid", "name")
# The claims whose value names the person (a username claim must be one of them): `sub`/`user`
# are the IdP's user id, `email` and `name` come from the IdP. The others are the same for
# everyone (iss, aud), change per request or session (jti, sid), are numbers (iat, exp) or a list
# (groups).
PERSON_CLAIMS: tuple[str, ...] = ("email", "sub", "user", "name")


def route_host(jenkins_url: str) -> str:
    return urlsplit(jenkins_url).hostname or ""


def route_from(jenkins_url: str) -> str:
    """The route's `from` as the generated config writes it: the Jenkins URL with its host
    lower-cased. Up to v0.21.4 Pomerium sends the Hostname of `from` *as written* as `aud`
    (and, from v0.21.3, `iss`; v0.21.0 authorize/evaluator/headers_evaluator.go:38), while
    jwt-auth compares both with the configured values exactly; from v0.22.0 it sends the
    request's host name, which browsers lower-case. So the host is written lower-cased, as
    `route_host` (the audience and issuer Jenkins accepts) is. Envoy matches route domains
    ignoring case, so nothing else changes."""
    parts = urlsplit(jenkins_url)
    netloc = parts.netloc
    host_start = netloc.rfind("@") + 1
    port_at = netloc.rfind(":")
    host_end = port_at if port_at > host_start and "]" not in netloc[port_at:] else len(netloc)
    netloc = netloc[:host_start] + netloc[host_start:host_end].lower() + netloc[host_end:]
    # only the host changes: the rest stays as written (urlunsplit would drop an empty `?` or `#`)
    at = jenkins_url.find("//") + 2
    if at >= 2 and jenkins_url[at:at + len(parts.netloc)] == parts.netloc:
        return jenkins_url[:at] + netloc + jenkins_url[at + len(parts.netloc):]
    return parts._replace(netloc=netloc).geturl()


def authenticate_host(authenticate_url: str) -> str:
    # urlutil.ParseAndValidateURL(...).Host: the host with its port when one is written
    return urlsplit(authenticate_url).netloc.rsplit("@", 1)[-1]


def issuers(version: PomeriumVersion, jenkins_url: str, authenticate_url: str) -> tuple[str, ...]:
    """Every `iss` the releases named by `version` send, oldest first (two when the version spans
    v0.21.3: jwt-auth accepts a comma list)."""
    old, new = authenticate_host(authenticate_url), route_host(jenkins_url)
    if version.before(ISSUER_IS_ROUTE_HOST):
        return (old,)
    if version.since(ISSUER_IS_ROUTE_HOST):
        return (new,)
    return tuple(dict.fromkeys((old, new)))


def jwks_url(jenkins_url: str) -> str:
    """Pomerium serves the JWKS on every route host: the route's origin + JWKS_PATH."""
    parts = urlsplit(jenkins_url)
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}{JWKS_PATH}"


def groups_may_be_null(version: PomeriumVersion) -> bool:
    return not version.before(GROUPS_NULL) and not version.since(GROUPS_NULL_FIXED)


# --- identity providers ----------------------------------------------------------------------


@dataclass(frozen=True)
class Provider:
    name: str
    default_url: str | None  # None: `idp_provider_url` is required
    since: tuple[int, int, int]  # the first release that has it


# The provider registry (v0.21.0 internal/identity/providers.go:40-57, v0.22.0:41 apple,
# v0.23.0:62 cognito, v0.32.0 pkg/identity/providers.go:70 hosted, v0.33.1 :63-74) and each
# provider's built-in URL (`defaultProviderURL`, used when idp_provider_url is empty):
# v0.33.1 pkg/identity/oidc/google/google.go:21, oauth/github/github.go:34, oidc/gitlab/gitlab.go:22,
# oidc/azure/microsoft.go:33, oidc/onelogin/onelogin.go:21, oauth/apple/apple.go:32,
# oidc/hosted/hosted.go:36. okta, auth0, cognito, ping and oidc have none.
PROVIDERS: Mapping[str, Provider] = {p.name: p for p in (
    Provider("google", "https://accounts.google.com", (0, 0, 0)),
    Provider("github", "https://github.com", (0, 0, 0)),
    Provider("gitlab", "https://gitlab.com", (0, 0, 0)),
    Provider("azure", "https://login.microsoftonline.com/common/v2.0", (0, 0, 0)),
    Provider("onelogin", "https://openid-connect.onelogin.com/oidc", (0, 0, 0)),
    Provider("oidc", None, (0, 0, 0)),
    Provider("okta", None, (0, 0, 0)),
    Provider("auth0", None, (0, 0, 0)),
    Provider("ping", None, (0, 0, 0)),
    Provider("apple", "https://appleid.apple.com", (0, 22, 0)),
    Provider("cognito", None, (0, 23, 0)),
    Provider("hosted", "https://authenticate.pomerium.app", (0, 32, 0)),
)}


# --- the image -------------------------------------------------------------------------------

# .github/goreleaser.yaml (v0.33.1:211-216): every release is pushed as pomerium/pomerium:vX.Y.Z,
# and since v0.25.0 (#4859) also as the moving tag vX.Y.
IMAGE_REPOSITORY = "pomerium/pomerium"
_MINOR_TAGS_SINCE = (0, 25, 0)


def image_for(version: PomeriumVersion) -> str:
    """The image of the release the spec names: its exact tag, or the newest patch release of
    the minor version this tool knows; for a minor version it does not know, the vX.Y tag."""
    patch = version.patch if version.patch is not None else NEWEST_PATCH.get(version.minor_version())
    if patch is None and version.since(_MINOR_TAGS_SINCE):
        return f"{IMAGE_REPOSITORY}:v{version.major}.{version.minor}"
    return f"{IMAGE_REPOSITORY}:v{version.major}.{version.minor}.{patch or 0}"


_IMAGE_TAG_VERSION = re.compile(r"(?:^|[-_])v?([0-9]{1,9})\.([0-9]{1,9})(?:\.([0-9]{1,9}))?$")


def image_version(image: str) -> PomeriumVersion | None:
    """The release an image reference names by its tag (`…:v0.30.2`, `…:nonroot-v0.30`), or
    None when the tag says nothing (`latest`, `main`, a digest)."""
    if "@" in image:
        return None
    last = image.rsplit("/", 1)[-1]
    if ":" not in last:
        return None
    tag = last.rsplit(":", 1)[1]
    m = _IMAGE_TAG_VERSION.search(tag)
    if m is None:
        return None
    major, minor, patch = m.groups()
    return PomeriumVersion(int(major), int(minor), None if patch is None else int(patch), tag)

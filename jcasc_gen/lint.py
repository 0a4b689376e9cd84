"""Security lint: findings with an id, a severity and an explanation.

The table `RULES` is the documentation (README lists it) and drives the output; each check
below only decides whether its rule fires and where.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Literal
from urllib.parse import urlsplit

from . import permissions
from .diagnostics import Diagnostic, PathItem
from .loader import LoadedDocument
from .model import Spec, pomerium_issuer, pomerium_jwks_url

__all__ = ["Rule", "RULES", "lint", "admins"]


@dataclass(frozen=True)
class Rule:
    code: str
    severity: Literal["error", "warning"]
    title: str
    why: str


RULES: dict[str, Rule] = {r.code: r for r in (
    Rule("JG001", "error", "no administrator",
         "No user or group keeps Overall/Administer: after apply nobody can change Jenkins again (lockout)."),
    Rule("JG002", "warning", "anonymous grant",
         "Anything granted to `user: anonymous` (or `group: role_everyone`) applies to every request, signed in or not "
         "(core SidACL AUTOMATIC_SIDS); anything granted to `group: anonymous` applies to every request without sign-in."),
    Rule("JG003", "error", "verification failures allowed",
         "allow_verification_failures: true accepts tokens with a wrong issuer, audience or expiry (jwt-auth retries with setSkipAllValidators)."),
    Rule("JG004", "error", "signatures not checked",
         "Without jwks_url jwt-auth checks no signature at all: anyone who can reach Jenkins can claim to be anyone."),
    Rule("JG005", "warning", "JWKS over plain http",
         "The signing keys are fetched without TLS from a host that is not local: whoever sits on the path can swap them."),
    Rule("JG006", "warning", "Authorization header behind Pomerium",
         "Pomerium sends its assertion in X-Pomerium-Jwt-Assertion; reading `Authorization` also turns every API-token call into anonymous."),
    Rule("JG007", "warning", "certificate checks off for the whole JVM",
         "skip-certificate-check disables TLS verification for every HTTPS connection Jenkins makes (update center, SCM, webhooks), not just the JWKS fetch."),
    Rule("JG008", "error", "issuer cannot match",
         "None of jwt.issuers is the `iss` this Pomerium version sends, so every request becomes anonymous without an error."),
    Rule("JG009", "warning", "groups claim null",
         "Pomerium 0.28.0 sends `groups: null` for users without groups; jwt-auth then makes them anonymous (pomerium#5393, fixed in 0.29.0)."),
    Rule("JG010", "warning", "Jenkins URL is http behind Pomerium",
         "Pomerium routes are https; an http `from` only suits local test setups."),
    Rule("JG011", "warning", "spaces around a principal name",
         "Jenkins keeps leading and trailing spaces, so the name will not match what the IdP sends."),
    Rule("JG012", "warning", "unpinned plugin",
         "An extra plugin without a version installs whatever is latest when the image is built."),
    Rule("JG013", "error", "Administer granted to anonymous",
         "Overall/Administer granted to anonymous gives every visitor full control of Jenkins."),
    Rule("JG014", "warning", "plugin permission without its plugin",
         "An extra_permissions entry that does not name its plugin: the plugin is not added to the lists, and where it "
         "is not installed matrix-auth rejects the whole matrix (at startup Jenkins does not start)."),
)}


def _local(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _reaches_everyone(g: Any) -> bool:
    # core SidACL checks its automatic sids for every request: ANONYMOUS is a PrincipalSid, so
    # `user` and `userOrGroup` entries named anonymous match it; EVERYONE is no PrincipalSid and
    # is named "role_everyone", so `group` and `userOrGroup` entries of that name match it.
    name = g.name.lower()
    return g.kind != "group" and name == "anonymous" or g.kind != "user" and name == "role_everyone"


def _reaches_anonymous(g: Any) -> bool:
    """Does the grant apply to a request without sign-in? Such a request carries the principal
    and the authority `anonymous` (core Jenkins.ANONYMOUS2), so `group: anonymous` too."""
    return _reaches_everyone(g) or g.kind == "group" and g.name.lower() == "anonymous"


def admins(spec: Spec) -> list[str]:
    """Principals (kind:name) that pass Overall/Administer; grants reaching anonymous excluded."""
    out = []
    for g in spec.authorization.grants:
        if _reaches_anonymous(g):
            continue
        if permissions.has_permission(set(g.effective), permissions.ADMINISTER):
            out.append(f"{g.kind}:{g.name}")
    return out


def _findings(spec: Spec) -> Iterator[tuple[str, tuple[PathItem, ...], str, str | None]]:
    """(code, path, message, hint) for each finding."""
    authz = spec.authorization
    anon = [g for g in authz.grants if _reaches_anonymous(g)]
    if not admins(spec):
        yield ("JG001", ("authorization", "grants"), "no user or group keeps Overall/Administer",
               "grant Overall/Administer to at least one named user or group of your IdP")
    for g in anon:
        who = "anonymous" if g.kind != "group" and g.name.lower() == "anonymous" else f"{g.kind} {g.name}"
        if permissions.has_permission(set(g.effective), permissions.ADMINISTER):
            yield ("JG013", ("authorization", "grants", g.index), f"{who} is granted Overall/Administer",
                   "the guide's 'anonymous Administer while setting up' is what this tool makes unnecessary; grant it to a named admin")
        else:
            reach = "everyone" if _reaches_everyone(g) else "every request without sign-in"
            yield ("JG002", ("authorization", "grants", g.index), f"{who} is granted {', '.join(g.effective)}, which applies to {reach}",
                   f"leave {who} out unless Jenkins really should be readable without signing in")
    jwt = spec.jwt
    if jwt.allow_verification_failures:
        yield ("JG003", ("jwt", "allow_verification_failures"), "allow_verification_failures is true", "set it to false")
    if not jwt.jwks_url:
        yield ("JG004", ("jwt", "jwks_url") if "jwks_url" in (spec.data.get("jwt") or {}) else ("jwt",),
               "no jwks_url: JWT signatures are not checked",
               f"remove `jwks_url: null` to use {pomerium_jwks_url(spec.jenkins_url)}" if spec.pomerium is not None
               else "point jwks_url at the issuer's JWKS, e.g. Pomerium's /.well-known/pomerium/jwks.json")
    elif urlsplit(jwt.jwks_url).scheme == "http" and not _local(urlsplit(jwt.jwks_url).hostname):
        yield ("JG005", ("jwt", "jwks_url"), f"JWKS URL {jwt.jwks_url} is plain http", "use https, or an address on the same host")
    pom = spec.pomerium
    if pom is not None and jwt.header.lower() == "authorization":
        yield ("JG006", ("jwt", "header"), "header is Authorization, but Pomerium sends X-Pomerium-Jwt-Assertion",
               "remove jwt.header to use the Pomerium default")
    if jwt.skip_certificate_check:
        yield ("JG007", ("jwt", "skip_certificate_check"), "skip_certificate_check turns off certificate checks for the whole Jenkins JVM",
               "import Pomerium's CA into the JVM truststore (or the image's cacerts), or point jwks_url at an address "
               "whose certificate Jenkins trusts, and set this to false")
    if pom is not None:
        expected = pomerium_issuer(pom.version, spec.jenkins_url, pom.authenticate_url)
        if expected not in jwt.issuers:
            yield ("JG008", ("jwt", "issuers"), f"Pomerium {pom.version_text} sends iss {expected!r}, which is not in {list(jwt.issuers)}",
                   "remove jwt.issuers to use the derived default" + (
                       "; Pomerium 0.22 and newer use the route host, not the authenticate host" if pom.version >= (0, 22) else ""))
        if pom.version == (0, 28):
            yield ("JG009", ("pomerium", "version"), "Pomerium 0.28.0 sends `groups: null` for users without groups, which jwt-auth turns into anonymous",
                   "use Pomerium 0.29 or newer")
        if spec.jenkins_url.startswith("http://"):
            yield ("JG010", ("jenkins", "url"), "jenkins.url is http:// while Pomerium is in front", "use the https route URL")


def lint(spec: Spec, doc: LoadedDocument, *, strict: bool = False) -> list[Diagnostic]:
    out = []
    for code, path, message, hint in _findings(spec):
        rule = RULES[code]
        severity = "error" if strict else rule.severity
        key = path and path[-1] in ("allow_verification_failures", "skip_certificate_check", "jwks_url", "header", "issuers")
        out.append(doc.diag(path, message, hint, key=bool(key), severity=severity, code=code))
    return sorted(doc.resolve(out), key=lambda d: (d.line, d.col, d.code or ""))

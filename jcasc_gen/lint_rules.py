"""Security lint: findings with an id, a severity and an explanation.

The table `RULES` is the documentation (README lists it) and drives the output; each check
below only decides whether its rule fires and where.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Literal, Sequence
from urllib.parse import urlsplit

from . import lint_pomerium, names, permissions
from .diagnostics import Diagnostic, PathItem
from .loader import LoadedDocument
from .model import LoadedSpec, Spec, pomerium_jwks_url
from .principal_lint import principal_findings

__all__ = ["Rule", "RULES", "lint", "findings", "admins"]


@dataclass(frozen=True)
class Rule:
    code: str
    severity: Literal["error", "warning", "info"]
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
    Rule("JG006", "error", "header Pomerium does not send",
         "Pomerium sends its assertion only in X-Pomerium-Jwt-Assertion (and strips client copies); jwt-auth reading any other header makes every request anonymous, and `Authorization` also turns every API-token call into anonymous."),
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
    Rule("JG017", "warning", "user that is not an e-mail address",
         "With username_claim: email jwt-auth names every signed-in person by the token's email claim: a user name "
         "without @ matches nobody (a group written as a user, or a local account that does not exist under JWT)."),
    Rule("JG018", "warning", "group that looks like an e-mail address",
         "Groups come from the token's groups claim, the IdP's group names or ids; a name shaped like an e-mail address "
         "is usually a person written as a group, and matches nobody."),
    Rule("JG020", "info", "Pomerium version spans the issuer change",
         "A version without its patch number (\"0.21\") names releases that send different issuers (the authenticate host up to 0.21.2, the route host from 0.21.3); both are accepted until the exact version is written."),
    Rule("JG021", "error", "audience cannot match",
         "Pomerium sets `aud` to the route's host name; if jwt.audiences does not hold it, every request becomes anonymous without an error."),
    Rule("JG022", "error", "username claim that does not name a person",
         "jwt-auth takes the username from this claim. A claim Pomerium does not send makes every request anonymous; iss and aud make everyone the same user; jti, sid, iat, exp and groups never match a grant."),
    Rule("JG023", "error", "groups claim Pomerium does not send",
         "jwt-auth fails on a token without the groups claim (commons-lang split of null, then a NullPointerException), so every request becomes anonymous."),
    Rule("JG024", "warning", "claim Pomerium does not send as meant",
         "The e-mail, full-name or groups claim names a claim Pomerium does not send, or one that holds something else: Jenkins learns nothing, or the wrong thing, from it."),
    Rule("JG025", "error", "JWKS path Pomerium does not serve",
         "Pomerium serves its signing keys at /.well-known/pomerium/jwks.json on every route host; any other path on a route host answers no keys, and every request becomes anonymous."),
    Rule("JG026", "error", "Pomerium image and version disagree",
         "jenkins.yaml (issuer, claims) is written for pomerium.version; an image of another release sends what that release sends."),
    Rule("JG027", "warning", "Pomerium image without a version",
         "An image tag that names no release (latest, a branch, a digest) can change what Pomerium sends under a spec written for one version."),
    Rule("JG015", "warning", "look-alike characters in a name",
         "A principal name that mixes scripts (a Cyrillic 'а' among Latin letters), or holds compatibility characters "
         "(fullwidth letters, ligatures, 'ſ', the Kelvin sign), reads as another name in review but is a different "
         "principal to Jenkins."),
    Rule("JG016", "warning", "name matched differently by Jenkins versions",
         "Jenkins up to 2.575 (LTS 2.568.1) compares ids with Java's equalsIgnoreCase, so 'ı' is 'i' and 'ſ' is 's'; "
         "from 2.576 (LTS 2.568.2, SECURITY-3924) it lower-cases them, and they are not. A name with such a letter "
         "matches different principals depending on the Jenkins version; the guard and verify trust only an exact match."),
    Rule("JG028", "error", "Pomerium cannot deny the reload endpoint",
         "The generated route denies /reload-configuration-as-code (JCasC's token reload, whose token is the pod's name under the Helm chart) with the PPL criterion http_path, which Pomerium has from v0.16.0 on; an older release rejects the configuration."),
    Rule("JG030", "warning", "item nobody can read",
         "An item with `inherit: none` whose own grants let nobody read it: only global administrators see it "
         "(matrix-auth's NonInheritingStrategy lets Overall/Administer through and nothing else)."),
    Rule("JG031", "warning", "redundant item grant",
         "The item already inherits every permission of this grant from its folder (inherit: parent) or the global matrix "
         "(inherit: global); the grant changes nothing and hides where access really comes from."),
    Rule("JG032", "warning", "Job DSL replaces whole folders",
         "Job DSL regenerates each folder it declares from the script alone: every other setting of the folder (views, "
         "other properties, its description) is replaced each time the seed runs (job-dsl JenkinsJobManagement)."),
    Rule("JG033", "warning", "item grant to someone who cannot see the item",
         "Jenkins answers 404 for an item its requester cannot read, and reading it needs Overall/Read and Job/Read on the "
         "item and every folder above; without those the grant's permissions cannot be used."),
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
    # Names compare like Jenkins compares them: `anonymouſ` is anonymous (names.fold).
    name = names.fold(g.name)
    return g.kind != "group" and name == names.ANONYMOUS or g.kind != "user" and name == names.EVERYONE


def _reaches_anonymous(g: Any) -> bool:
    """Does the grant apply to a request without sign-in? Such a request carries the principal
    and the authority `anonymous` (core Jenkins.ANONYMOUS2), so `group: anonymous` too."""
    return _reaches_everyone(g) or g.kind == "group" and names.is_anonymous(g.name)


# Greek sigma forms differ between the two rules only when a name is spelt with the wrong
# form (σ at a word's end): not worth a warning on every Greek name.
_QUIET_VERSION_DEPENDENT = frozenset("\u03a3\u03c2\u03c3")


def _name_findings(g: Any) -> Iterator[tuple[str, tuple[PathItem, ...], str, str | None]]:
    where: tuple[PathItem, ...] = ("authorization", "grants", g.index, g.kind)
    odd = names.lookalike_problems(g.name)
    if odd:
        yield ("JG015", where, f"{g.kind} {g.name!r} " + "; ".join(odd),
               "write the name exactly as the IdP sends it; if it really is this, keep it and review it character by character")
    dependent = [c for c in names.version_dependent(g.name) if c not in _QUIET_VERSION_DEPENDENT]
    if dependent:
        shown = ", ".join(f"{names.describe(c)}" + (f" (matches {names.fold(c)!r} before SECURITY-3924)"
                                                     if names.fold(c) != c else "") for c in dependent[:3])
        yield ("JG016", where, f"{g.kind} {g.name!r} has letters Jenkins versions match differently: {shown}",
               "write the name exactly as the IdP sends it; Jenkins 2.576 / LTS 2.568.2 and later match it only that way")


def _who(g: Any) -> str:
    """How a grant that reaches anonymous requests is named in a finding: `anonymous`, or the
    grant as written and the special principal it is to Jenkins."""
    folded = names.fold(g.name)
    if g.kind != "group" and folded == names.ANONYMOUS and g.name.isascii():
        return names.ANONYMOUS
    if g.name.isascii() or folded not in (names.ANONYMOUS, names.EVERYONE):
        return f"{g.kind} {g.name}"
    if names.version_dependent(g.name):
        return (f"{g.kind} {g.name!r} ({folded} to Jenkins up to 2.575 / LTS 2.568.1, which compares names with "
                "Java's equalsIgnoreCase)")
    return f"{g.kind} {g.name!r} ({folded} to Jenkins, which compares names case-insensitively)"


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
        who = _who(g)
        if permissions.has_permission(set(g.effective), permissions.ADMINISTER):
            yield ("JG013", ("authorization", "grants", g.index), f"{who} is granted Overall/Administer",
                   "the guide's 'anonymous Administer while setting up' is what this tool makes unnecessary; grant it to a named admin")
        else:
            reach = "everyone" if _reaches_everyone(g) else "every request without sign-in"
            yield ("JG002", ("authorization", "grants", g.index), f"{who} is granted {', '.join(g.effective)}, which applies to {reach}",
                   f"leave {who} out unless Jenkins really should be readable without signing in")
    for g in authz.grants:
        yield from _name_findings(g)
    yield from principal_findings(spec)
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
    if jwt.skip_certificate_check:
        yield ("JG007", ("jwt", "skip_certificate_check"), "skip_certificate_check turns off certificate checks for the whole Jenkins JVM",
               "output.compose makes Pomerium's certificate and a trust store Jenkins uses; elsewhere import Pomerium's CA "
               "into the JVM truststore (or the image's cacerts), or point jwks_url at an address "
               "whose certificate Jenkins trusts, and set this to false")
    yield from lint_pomerium.findings(spec)
    if pom is not None:
        if spec.jenkins_url.startswith("http://"):
            yield ("JG010", ("jenkins", "url"), "jenkins.url is http:// while Pomerium is in front", "use the https route URL")
    from .item_lint import item_findings

    yield from item_findings(spec)


def lint(spec: Spec, doc: LoadedDocument, *, strict: bool = False) -> list[Diagnostic]:
    out = []
    for code, path, message, hint in _findings(spec):
        rule = RULES[code]
        severity = "error" if strict and rule.severity == "warning" else rule.severity
        key = path and path[-1] in ("allow_verification_failures", "skip_certificate_check", "jwks_url", "header", "issuers",
                                    "audiences", "username_claim", "groups_claim", "email_claim", "full_name_claim", "job_dsl")
        out.append(doc.diag(path, message, hint, key=bool(key), severity=severity, code=code))
    return sorted(doc.resolve(out), key=lambda d: (d.line, d.col, d.code or ""))


def findings(loaded: LoadedSpec, *, strict: bool = False) -> list[Diagnostic]:
    """Validation warnings and lint findings, in source order; `strict` makes every warning an
    error. Findings the spec accepts (`lint.accept`) are marked `accepted` (accept.py)."""
    from .accept import apply_acceptances
    from .diagnostics import strictify

    doc = loaded.document
    found = strictify(loaded.warnings, strict) + lint(loaded.spec, doc, strict=strict)
    if loaded.spec.accepted:
        def warn(path: Sequence[PathItem], message: str, hint: str) -> Diagnostic:
            return doc.diag(path, message, hint, severity="error" if strict else "warning")

        found = doc.resolve(apply_acceptances(found, loaded.spec.accepted, warn))
    return sorted(found, key=lambda d: (d.line, d.col, d.code or ""))

"""What the spec means in JCasC terms: the managed sections, as plain data.

One place for: the jwtAuth attribute names, the matrix entry form, the JCasC endpoint paths,
the `^${` escape, and the normalisation used to compare a generated document with a live
export (plan, diff, verify) or with its own rendering (parse-back).
"""

from __future__ import annotations

from typing import Any, Mapping

from .model import Spec, java_sort_key
from .names import fold

__all__ = [
    "JWT_ATTRIBUTES", "ENTRY_KEYS", "CASC_ENDPOINTS", "TOKEN_RELOAD_URL_NAME", "target_document", "managed_sections",
    "normalize_managed", "escape_interpolation", "unescape_interpolation",
]

# jwt-auth's @DataBoundConstructor parameters, in JCasC's "Available attributes" order
# (jwt-auth-plugin: src/main/java/io/jenkins/plugins/jwt_auth/JwtAuthSecurityRealm.java).
# All eleven are always written: an omitted one is null/0/false in JCasC, not the UI default.
JWT_ATTRIBUTES: tuple[str, ...] = (
    "acceptedAudience", "acceptedIssuer", "allowVerificationFailures", "emailClaimName",
    "fullNameClaim", "groupsClaimName", "groupsClaimSeparator", "headerName", "jwksUrl",
    "leewaySeconds", "userClaimName",
)

# matrix-auth integrations/casc/DefinitionEntry.java: exactly one of these per entry.
ENTRY_KEYS: Mapping[str, str] = {"user_or_group": "userOrGroup", "group": "group", "user": "user"}
_ENTRY_RANK = {"userOrGroup": 0, "group": 1, "user": 2}

# configuration-as-code-plugin: plugin/src/main/java/io/jenkins/plugins/casc/ConfigurationAsCode.java
# (getUrlName() == "configuration-as-code"; also reachable under manage/).
CASC_ENDPOINTS: Mapping[str, str] = {
    name: f"configuration-as-code/{name}" for name in ("check", "apply", "configure", "export", "schema", "reload")
}

# configuration-as-code-plugin TokenReloadAction.java: an UnprotectedRootAction at this URL name
# that reconfigures Jenkins as SYSTEM for whoever knows the token (`casc.reload.token`, which
# the Helm chart sets to the pod's name, or CASC_RELOAD_TOKEN). Never reachable through Pomerium.
TOKEN_RELOAD_URL_NAME = "reload-configuration-as-code"


def escape_interpolation(value: str) -> str:
    """A literal `${` must reach Jenkins as `${`: JCasC would interpolate it, so write `^${`.

    configuration-as-code-plugin SecretSourceResolver.java: StringSubstitutor with escape `^`.
    """
    return value.replace("${", "^${")


def unescape_interpolation(value: str) -> str:
    return value.replace("^${", "${")


def target_document(spec: Spec) -> dict[str, Any]:
    """The managed sections the spec asks for, as JCasC data (values not yet escaped)."""
    j = spec.jwt
    realm = {
        "acceptedAudience": ",".join(j.audiences),
        "acceptedIssuer": ",".join(j.issuers),
        "allowVerificationFailures": j.allow_verification_failures,
        "emailClaimName": j.email_claim,
        "fullNameClaim": j.full_name_claim,
        "groupsClaimName": j.groups_claim,
        "groupsClaimSeparator": j.groups_separator,
        "headerName": j.header,
        "jwksUrl": j.jwks_url or "",
        "leewaySeconds": j.leeway_seconds,
        "userClaimName": j.username_claim,
    }
    entries = [
        {ENTRY_KEYS[g.kind]: {"name": g.name, "permissions": list(g.effective)}}
        for g in spec.authorization.entries()
    ]
    return {
        "jenkins": {
            "authorizationStrategy": {spec.authorization.symbol: {"entries": entries}},
            "securityRealm": {"jwtAuth": realm},
        }
    }


def managed_sections(document: Mapping[str, Any] | None) -> dict[str, Any]:
    """Only `jenkins.securityRealm` and `jenkins.authorizationStrategy` of a JCasC document."""
    jenkins = document.get("jenkins") if isinstance(document, Mapping) else None
    if not isinstance(jenkins, Mapping):
        jenkins = {}  # an export of any shape: whatever is not a mapping holds no managed section
    out: dict[str, Any] = {}
    for key in ("authorizationStrategy", "securityRealm"):
        if key in jenkins:
            out[key] = jenkins[key]
    return {"jenkins": out}


def _norm_scalar(value: Any) -> Any:
    if isinstance(value, str):
        return unescape_interpolation(value)
    return value


def _norm_entries(entries: Any) -> Any:
    """Entries as a set: matrix-auth keeps one set of permissions per (type, sid)
    (AuthorizationContainer), so two entries for the same principal are their union."""
    if not isinstance(entries, list):
        return entries
    out: list[Any] = []  # entries, or (kind, name) for a principal's merged entry
    merged: dict[tuple[str, Any], set[Any]] = {}
    for e in entries:
        if isinstance(e, dict) and len(e) == 1:
            (kind, body), = e.items()
            if isinstance(body, dict):
                perms_raw = body.get("permissions")
                perms_raw = perms_raw if isinstance(perms_raw, list) else [] if perms_raw is None else [perms_raw]
                perms = {_norm_scalar(p) for p in perms_raw if isinstance(p, str)}
                name = _norm_scalar(body.get("name"))
                if isinstance(name, (str, int, float, bool)) or name is None:  # hashable: merge per principal
                    ident = (kind, name)
                    if ident in merged:
                        merged[ident] |= perms
                        continue
                    merged[ident] = perms
                    out.append(ident)
                    continue
                body = {"name": name, "permissions": sorted(perms, key=java_sort_key)}
            out.append({kind: body})
        else:
            out.append(normalize_value(e))
    out = [{e[0]: {"name": e[1], "permissions": sorted(merged[e], key=java_sort_key)}} if isinstance(e, tuple) else e
           for e in out]

    def key(e: Any) -> tuple[int, bytes]:
        if isinstance(e, dict) and len(e) == 1:
            (kind, body), = e.items()
            name = body.get("name") if isinstance(body, dict) else ""
            return (_ENTRY_RANK.get(kind, 9), java_sort_key(fold(str(name))) + b"\0" + java_sort_key(str(name)))
        return (10, b"")

    return sorted(out, key=key)


def normalize_value(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: (_norm_entries(v) if k == "entries" else normalize_value(v)) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [normalize_value(v) for v in value]
    return _norm_scalar(value)


def normalize_managed(document: Mapping[str, Any] | None) -> dict[str, Any]:
    """The managed sections with everything Jenkins does not care about made equal.

    Key order, quoting and `^${` escaping vanish; matrix entries and their permissions are
    sets (matrix-auth keeps them in sorted maps); blank jwtAuth strings equal absent ones
    (JCasC export omits blank strings and nulls: jenkins-facts A.6).
    """
    managed = normalize_value(managed_sections(document))
    realm = managed["jenkins"].get("securityRealm")
    if isinstance(realm, dict) and isinstance(realm.get("jwtAuth"), dict):
        jwt = realm["jwtAuth"]
        for attr in JWT_ATTRIBUTES:
            if jwt.get(attr) in ("", None):
                jwt.pop(attr, None)
    return managed

"""The security filter chain: Basic API-token check, then the jwt-auth filter.

jenkins: core/src/main/java/hudson/security/SecurityRealm.java (createFilterImpl/commonFilters)
jwt-auth-plugin: src/main/java/io/jenkins/plugins/jwt_auth/JwtAuthSecurityRealm.java
(createFilter chains the JWT filter *after* core's chain; it overwrites the authentication
on every request — jenkins-facts B.3).
"""

from __future__ import annotations

import base64
import json
import logging
import time
import urllib.request
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import jwt
from jwt.algorithms import get_default_algorithms

from . import idstrategy
from .state import ANONYMOUS, Identity, JwtRealm

LOG = logging.getLogger("jenkins_sim.jwt")


@dataclass
class BasicResult:
    ok: bool
    identity: Identity | None = None
    api_token: bool = False  # request attribute BasicHeaderApiTokenAuthenticator=true
    failed_user: str | None = None


def basic_check(header: str | None, users: Mapping[str, str]) -> BasicResult:
    """jenkins: core/src/main/java/jenkins/security/BasicHeaderProcessor.java and
    BasicHeaderApiTokenAuthenticator.java: a valid API token authenticates; invalid
    credentials -> 401 (`Invalid password/token for user: X`). No header -> continue."""
    if not header or not header[:6].lower() == "basic ":
        return BasicResult(ok=True)
    try:
        raw = base64.b64decode(header[6:].strip()).decode("utf-8")
    except Exception:
        return BasicResult(ok=True)  # BasicHeaderProcessor ignores undecodable headers
    user, _, secret = raw.partition(":")
    for uid, token in users.items():
        # users are looked up by IdStrategy.keyFor (User.getById), which is
        # toLowerCase(Locale.ENGLISH) before and after SECURITY-3924 (IdStrategy.java:208-210)
        if idstrategy.to_lower_case_english(uid) == idstrategy.to_lower_case_english(user) and token and secret == token:
            return BasicResult(ok=True, identity=Identity(uid, ("authenticated",), False), api_token=True)
    return BasicResult(ok=False, failed_user=user)


def _fetch_jwks(realm: JwtRealm, timeout: float = 5.0) -> dict[str, Any]:
    """jose4j HttpsJwks over real HTTP (the plugin's own test serves plain http)."""
    assert realm.jwksUrl is not None
    with urllib.request.urlopen(realm.jwksUrl, timeout=timeout) as r:  # noqa: S310 (test sim)
        data = json.loads(r.read().decode("utf-8"))
    realm.jwks_fetches += 1
    return data


def _pick_key(realm: JwtRealm, header: dict[str, Any]) -> Any:
    """Select the verification key: by kid, else by key type matching alg. The resolver is
    cached per realm instance and refreshed on a miss (jose4j
    HttpsJwksVerificationKeyResolver refreshes when no suitable key is found)."""
    alg = header.get("alg")
    if alg not in ("RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512"):
        raise ValueError(f"unsupported alg {alg!r}")
    want_kty = "EC" if alg.startswith("ES") else "RSA"
    for attempt in range(2):
        with realm.lock:
            if realm.jwks_cache is None or attempt == 1:
                realm.jwks_cache = _fetch_jwks(realm)
            keys = list(realm.jwks_cache.get("keys", []))
        candidates = [k for k in keys if k.get("kty") == want_kty and (not header.get("kid") or k.get("kid") == header.get("kid"))]
        if candidates:
            return get_default_algorithms()[alg].from_jwk(json.dumps(candidates[0]))
    raise ValueError("no suitable JWK")


def _java_to_string(v: Any) -> str:
    """jose4j getClaimValueAsString on a non-string: Java toString of the parsed value."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return "[" + ", ".join(_java_to_string(x) for x in v) + "]"
    return str(v)


def _split_chars(value: str, separators: str | None) -> list[str]:
    """commons-lang StringUtils.split(str, separatorChars): a *set of characters*; null means
    whitespace; empty tokens dropped (jwt-auth-plugin JwtAuthSecurityRealm.java, B.1)."""
    out: list[str] = []
    cur = ""
    for ch in value:
        is_sep = ch.isspace() if separators is None else ch in separators
        if is_sep:
            if cur:
                out.append(cur)
            cur = ""
        else:
            cur += ch
    if cur:
        out.append(cur)
    return out


def tokenize(value: str, delims: str) -> list[str]:
    """Util.tokenize(value, delims) = QuotedStringTokenizer(value, delims).toArray()
    (jenkinsci/jenkins@jenkins-2.568.2:core/src/main/java/hudson/Util.java:571-572;
    cli/src/main/java/hudson/util/QuotedStringTokenizer.java:142-279), state by state:
    0 start (:158-185): a delimiter is skipped, a quote opens (the token exists only once a
    character follows, :167-178), anything else (a backslash too) starts the token;
    1 token (:187-220), 2 single quote (:223-246), 3 double quote (:249-272): every character
    makes the token exist, an escaped character drops its backslash only when it is one of
    ESCAPABLE_CHARS `\\ " ' space` (:552); only state 1 ends a token at a delimiter.
    Tokens are not trimmed; an unclosed quote runs to the end."""
    out: list[str] = []
    i = 0
    while i < len(value):
        token: list[str] = []
        has_token = False
        state = 0
        escape = False
        while i < len(value):
            c = value[i]
            i += 1
            if state == 0:
                if c in delims:
                    continue
                if c == "'":
                    state = 2
                elif c == '"':
                    state = 3
                else:
                    token.append(c)
                    has_token, state = True, 1
                continue
            has_token = True
            if escape:
                escape = False
                if c not in "\\\"' ":
                    token.append("\\")
                token.append(c)
            elif state == 1 and c in delims:
                break
            elif state == 1 and c == "'":
                state = 2
            elif state == 1 and c == '"':
                state = 3
            elif (state == 2 and c == "'") or (state == 3 and c == '"'):
                state = 1
            elif c == "\\":
                escape = True
            else:
                token.append(c)
        if has_token:
            out.append("".join(token))
    return out


def _validate_claims(realm: JwtRealm, claims: dict[str, Any], now: float) -> str | None:
    """jose4j claim validators as jwt-auth configures them (B.2). Returns an error or None."""
    leeway = realm.leewaySeconds
    if realm.acceptedIssuer:
        # setExpectedIssuers(true, Util.tokenize(acceptedIssuer, ",")) — required, exact match.
        allowed = tokenize(realm.acceptedIssuer, ",")
        if "iss" not in claims:
            return "No Issuer (iss) claim present"
        if claims["iss"] not in allowed:
            return f"Issuer (iss) claim value ({claims['iss']}) doesn't match expected value of {allowed}"
    if realm.acceptedAudience:
        # setExpectedAudience(true, ...) — aud required, any listed value accepted
        allowed = tokenize(realm.acceptedAudience, ",")
        aud = claims.get("aud")
        if aud is None:
            return "No Audience (aud) claim present."
        auds = aud if isinstance(aud, list) else [aud]
        if not any(a in allowed for a in auds):
            return f"Audience (aud) claim {auds} doesn't contain an acceptable identifier"
    # else setSkipDefaultAudienceValidation(): any or no aud is fine
    exp = claims.get("exp")
    if exp is not None and not isinstance(exp, bool) and isinstance(exp, (int, float)):
        # exp not required; if present checked with setAllowedClockSkewInSeconds(leeway)
        if now - leeway >= exp:
            return "The JWT is no longer valid"
    nbf = claims.get("nbf")
    if nbf is not None and isinstance(nbf, (int, float)) and now + leeway < nbf:
        return "The JWT is not yet valid"
    return None


UserHook = Callable[[str, "str | None", "str | None"], None]


def jwt_filter(
    realm: JwtRealm, headers: Mapping[str, str], now: float | None = None, on_user: UserHook | None = None
) -> Identity:
    """jwt-auth-plugin JwtAuthSecurityRealm.java getAuthFromToken (jenkins-facts B.2).
    Every failure is silent: the request becomes anonymous (only a SEVERE log line)."""
    now = time.time() if now is None else now
    if realm.headerName is None:
        # JCasC leaves an omitted headerName null (B.1): getHeader(null) finds nothing -> anonymous
        # (the UI default `Authorization` applies only to the web form)
        return ANONYMOUS
    content = headers.get(realm.headerName)  # HTTP header lookup is case-insensitive
    if not content:
        return ANONYMOUS
    # headerContent.replace("Bearer","").replace("bearer","").trim(): every occurrence, anywhere
    token = content.replace("Bearer", "").replace("bearer", "").strip()
    try:
        if realm.jwksUrl:
            header = jwt.get_unverified_header(token)
            key = _pick_key(realm, header)
            claims = jwt.decode(
                token, key=key, algorithms=[header["alg"]],
                options={"verify_exp": False, "verify_aud": False, "verify_iss": False,
                         "verify_nbf": False, "verify_iat": False, "verify_sub": False, "verify_jti": False},
            )
        else:
            # no jwksUrl: setDisableRequireSignature() + setSkipSignatureVerification()
            claims = jwt.decode(token, options={"verify_signature": False})
    except Exception as e:  # bad signature, unreachable JWKS, malformed token
        LOG.error("Could not decode the JWT (signature): %s", e)
        return ANONYMOUS
    problem = _validate_claims(realm, claims, now)
    if problem is not None:
        LOG.error("Could not decode the JWT: %s; claims=%s", problem, claims)
        if not realm.allowVerificationFailures:
            return ANONYMOUS
        # allowVerificationFailures: re-parse with setSkipAllValidators(): claims not checked,
        # the signature still is (already verified above)
    user_claim = realm.userClaimName
    user = claims.get(user_claim) if user_claim else None
    if user is None:
        # Hashtable.put(null, ...) -> NPE -> anonymous
        LOG.error("Could not decode the JWT: no username claim %r", user_claim)
        return ANONYMOUS
    username = user if isinstance(user, str) else _java_to_string(user)
    gname = realm.groupsClaimName
    gval = claims.get(gname) if gname else None
    if isinstance(gval, list) and all(isinstance(g, str) for g in gval):
        groups = list(gval)  # isClaimValueStringList
    elif gval is None:
        # StringUtils.split(null) -> null; Arrays.asList(null) -> NPE -> anonymous
        # (pomerium/pomerium#5393: Pomerium 0.28.0 sent groups: null)
        LOG.error("Could not decode the JWT: groups=null")
        return ANONYMOUS
    else:
        groups = _split_chars(gval if isinstance(gval, str) else _java_to_string(gval), realm.groupsClaimSeparator)
    if on_user is not None and (realm.fullNameClaim or realm.emailClaimName):
        # User.getById(username, true): creates/updates the user record (full name, Mailer address)
        def claim(name: str | None) -> str | None:
            v = claims.get(name) if name else None
            return None if v is None else (v if isinstance(v, str) else _java_to_string(v))

        on_user(username, claim(realm.fullNameClaim), claim(realm.emailClaimName))
    # authorities: SecurityRealm.AUTHENTICATED_AUTHORITY2 first, then the groups verbatim
    return Identity(username, ("authenticated", *groups), False)

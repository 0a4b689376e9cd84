"""JWTs as Pomerium would send them, and the checks jwt-auth would make on them.

Minting follows the spec's Pomerium version, never the spec's `jwt.issuers`: `iss`/`aud`
come from `pomerium_facts.issuers` and the route host, so a spec whose issuer does not
match what Pomerium sends is caught by the lockout guard instead of by a locked-out admin.

Sources: pomerium authorize/evaluator/headers_evaluator_evaluation.go (claims; older
headers.rego), pkg/cryptutil/jose.go (ECDSA -> ES256 whatever the curve, RSA -> RS256,
kid = hex SHA-256 JWK thumbprint), config/options.go GetSigningKey (PEM or base64 PEM);
jwt-auth-plugin JwtAuthSecurityRealm.java (what makes a request anonymous). jwt and
cryptography are imported inside functions: offline commands never load them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence
from urllib.parse import urlsplit

from . import pomerium_facts
from .model import Jwt, Spec

__all__ = ["TokenError", "SigningKey", "load_signing_key", "pomerium_claims", "mint", "decode_unverified",
           "acceptance_problems", "identity", "DEFAULT_TTL", "POMERIUM_BASE_CLAIMS"]

DEFAULT_TTL = 120  # seconds; Pomerium's own assertions live 5 minutes (exp = now + 5m)
# The claims every Pomerium assertion carries (pomerium_facts.CLAIMS).
POMERIUM_BASE_CLAIMS = pomerium_facts.CLAIMS


class TokenError(Exception):
    """A key or token that cannot be used. The message never contains key or token material."""


@dataclass(frozen=True)
class SigningKey:
    alg: str  # ES256 | RS256
    kid: str
    key: Any = field(repr=False)  # a cryptography private key


def _pem_text(raw: bytes) -> bytes:
    if b"-----BEGIN" in raw:
        return raw
    try:
        decoded = base64.b64decode(b"".join(raw.split()), validate=True)
    except (binascii.Error, ValueError):
        raise TokenError("the signing key is neither PEM nor base64 of a PEM (Pomerium's signing_key format)") from None
    if b"-----BEGIN" not in decoded:
        raise TokenError("the signing key is neither PEM nor base64 of a PEM (Pomerium's signing_key format)")
    return decoded


def _thumbprint(jwk: Mapping[str, Any]) -> str:
    # RFC 7638: the required members only, sorted, no whitespace
    members = ("crv", "kty", "x", "y") if jwk["kty"] == "EC" else ("e", "kty", "n")
    canon = json.dumps({k: jwk[k] for k in members}, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(canon.encode()).hexdigest()


def load_signing_key(raw: bytes) -> SigningKey:
    """Pomerium's signing key: PEM or base64 PEM; the first private key block is used."""
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.hazmat.primitives.serialization import load_pem_private_key
    from jwt.algorithms import ECAlgorithm, RSAAlgorithm

    pem = _pem_text(raw.strip())
    try:
        key = load_pem_private_key(pem, password=None)
    except (ValueError, TypeError):
        raise TokenError("the signing key could not be read as an unencrypted PEM private key") from None
    except Exception:  # cryptography raises UnsupportedAlgorithm for odd keys
        raise TokenError("the signing key type is not supported") from None
    if isinstance(key, ec.EllipticCurvePrivateKey):
        alg, jwk = "ES256", json.loads(ECAlgorithm.to_jwk(key.public_key()))
    elif isinstance(key, rsa.RSAPrivateKey):
        alg, jwk = "RS256", json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    else:
        raise TokenError("the signing key must be an EC or RSA key (Pomerium signs with ES256 or RS256)")
    return SigningKey(alg, _thumbprint(jwk), key)


def _route_host(spec: Spec) -> str:
    return urlsplit(spec.jenkins_url).hostname or ""


def pomerium_claims(spec: Spec, principal: str, groups: Sequence[str], *, now: float | None = None,
                    ttl: int = DEFAULT_TTL, name: str | None = None) -> dict[str, Any]:
    """The payload the spec's Pomerium version sends for this person.

    The principal goes into the claim the spec reads the username from when Pomerium sends
    that claim (email, sub/user, name); a username claim Pomerium never sends stays absent,
    which is exactly what would happen in production.
    """
    now_i = int(time.time() if now is None else now)
    username_claim = spec.jwt.username_claim
    pom = spec.pomerium
    if pom is None:
        # No Pomerium to imitate: the first issuer/audience the spec accepts, and the claim
        # names it reads. (Said so in the docs: this cannot catch a wrong issuer.)
        claims: dict[str, Any] = {
            "iss": spec.jwt.issuers[0] if spec.jwt.issuers else None,
            "aud": spec.jwt.audiences[0] if spec.jwt.audiences else None,
            "iat": now_i, "exp": now_i + ttl, "jti": str(uuid.uuid4()),
            username_claim: principal, spec.jwt.groups_claim: list(groups),
        }
        return {k: v for k, v in claims.items() if v is not None}
    version = pom.version
    sub = "jcasc-gen|" + hashlib.sha256(principal.encode()).hexdigest()[:16]
    sid = str(uuid.uuid4())
    grp: list[str] | None = list(groups)
    if pomerium_facts.groups_may_be_null(version) and not grp:
        grp = None  # 0.28.0 sent `groups: null` (pomerium#5393, fixed in 0.29.0 by #5394)
    # A version written without its patch number mints what its newest release sends; the lint
    # finding JG020 and the guard cover the older issuer.
    iss = pomerium_facts.issuers(version, spec.jenkins_url, pom.authenticate_url)[-1]
    claims = {
        "iss": iss,
        "aud": _route_host(spec),  # a string, not a list
        "sub": sub, "user": sub,
        "email": principal if username_claim not in ("sub", "user", "name") else "",
        "groups": grp, "sid": sid,
        "name": name if name is not None else principal.split("@")[0],
    }
    if username_claim in ("sub", "user"):
        claims["sub"] = claims["user"] = principal
    elif username_claim == "name":
        claims["name"] = principal
    if version.before(pomerium_facts.RANDOM_JTI):
        claims["jti"], claims["iat"] = sid, now_i  # jti was the session id before 0.27
    else:
        claims["jti"], claims["iat"] = str(uuid.uuid4()), now_i
    claims["exp"] = now_i + min(ttl, 300)  # never longer than Pomerium's 5 minutes
    # Exactly the claims Pomerium sends, whatever the spec reads: a username or groups claim it
    # does not send stays absent here too, so the guard fails where Jenkins would.
    assert tuple(sorted(claims)) == tuple(sorted(pomerium_facts.CLAIMS))
    return claims


def mint(spec: Spec, key: SigningKey, principal: str, groups: Sequence[str] = (), *, now: float | None = None,
         ttl: int = DEFAULT_TTL, overrides: Mapping[str, Any] | None = None) -> str:
    """A signed assertion with Pomerium's JOSE header ({alg, kid, typ: JWT})."""
    import jwt

    claims = pomerium_claims(spec, principal, groups, now=now, ttl=ttl)
    claims.update(overrides or {})
    return jwt.encode(claims, key.key, algorithm=key.alg, headers={"kid": key.kid, "typ": "JWT"})


def decode_unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(header, claims) of a token we were given; its signature is Jenkins' business."""
    import jwt

    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise TokenError("the JWT could not be decoded (expected header.payload.signature)") from None
    if not isinstance(claims, dict):
        raise TokenError("the JWT payload is not a JSON object")
    return header, claims


def acceptance_problems(jwt_cfg: Jwt, claims: Mapping[str, Any], *, alg: str | None = None,
                        now: float | None = None) -> list[str]:
    """Why jwt-auth, configured as the spec says, would turn this token into anonymous.

    jwt-auth-plugin JwtAuthSecurityRealm.java: jose4j with setExpectedIssuers(true, ...) and
    setExpectedAudience(true, ...) (exact strings), exp checked with the leeway; a missing or
    null username claim or groups claim throws and the request becomes anonymous.
    """
    problems: list[str] = []
    now_f = time.time() if now is None else now
    issuers = list(jwt_cfg.issuers)
    if issuers:
        iss = claims.get("iss")
        if iss not in issuers:
            problems.append(f"iss {iss!r} is not among the accepted issuers {issuers}")
    audiences = list(jwt_cfg.audiences)
    if audiences:
        aud = claims.get("aud")
        auds = aud if isinstance(aud, list) else [aud]
        if not any(a in audiences for a in auds):
            problems.append(f"aud {aud!r} is not among the accepted audiences {audiences}")
    exp = claims.get("exp")
    if isinstance(exp, (int, float)) and exp + jwt_cfg.leeway_seconds < now_f:
        problems.append("the token has expired")
    user = claims.get(jwt_cfg.username_claim)
    if not isinstance(user, str) or not user:
        problems.append(f"the username claim {jwt_cfg.username_claim!r} is missing or not a string"
                        + (" (Pomerium does not send it)" if jwt_cfg.username_claim not in POMERIUM_BASE_CLAIMS else ""))
    groups = claims.get(jwt_cfg.groups_claim)
    if groups is None:
        problems.append(f"the groups claim {jwt_cfg.groups_claim!r} is missing or null"
                        + (" (Pomerium sends `groups`)" if jwt_cfg.groups_claim != "groups" else
                           " (Pomerium 0.28.0 sends null for people without groups: pomerium#5393)"))
    if alg is not None and alg not in ("ES256", "RS256") and jwt_cfg.jwks_url:
        problems.append(f"alg {alg!r} cannot be verified against a Pomerium JWKS")
    return problems


def identity(jwt_cfg: Jwt, claims: Mapping[str, Any]) -> tuple[str, tuple[str, ...]]:
    """(username, groups) as jwt-auth reads them from accepted claims."""
    name = str(claims.get(jwt_cfg.username_claim) or "")
    raw = claims.get(jwt_cfg.groups_claim)
    if isinstance(raw, list):
        groups = tuple(str(g) for g in raw)
    elif isinstance(raw, str):
        # commons-lang StringUtils.split(str, separatorChars): a set of characters
        seps = jwt_cfg.groups_separator or " \t\n\r"
        out, cur = [], ""
        for ch in raw:
            if ch in seps:
                if cur:
                    out.append(cur)
                cur = ""
            else:
                cur += ch
        if cur:
            out.append(cur)
        groups = tuple(out)
    else:
        groups = ()
    return name, groups

"""A JWT we were given (--jwt, JENKINS_JWT, --jwt-file) is checked before it is trusted.

jwt-auth accepts a token only when its signature verifies against a key of the realm's
JWKS (jwt-auth-plugin JwtAuthSecurityRealm.java: jose4j HttpsJwksVerificationKeyResolver),
so a token that does not verify here would be anonymous there: after a realm switch that is
a lockout. Checked, before anything changes:

- the alg is ES256 or RS256 (what Pomerium signs with, pkg/cryptutil/jose.go); `none` and
  HMAC algorithms cannot be verified against a JWKS;
- the header names its key (`kid`; Pomerium always sends one) and the JWKS Jenkins will use
  (the spec's `jwt.jwks_url`) publishes that key;
- the signature verifies with that key;
- the token does not expire before the run can end.

Minted tokens need none of this: they are signed with the key whose thumbprint the JWKS
check (jwks.py) finds published.
"""

from __future__ import annotations

import json
import time
from typing import Any, Callable

from .credentials import PostCredential
from .guard import Refusal

__all__ = ["ALGORITHMS", "signature_refusals", "expiry_refusal", "seconds_left", "jwks_keys", "check_given"]

ALGORITHMS = ("ES256", "RS256")
_HINT = ("give a token Pomerium issued for this Jenkins (its /.pomerium/jwt), or pass --signing-key-file so the tool "
         "mints a short-lived one for every step")


def _now() -> float:
    return time.time()


def seconds_left(post: PostCredential) -> float | None:
    """Seconds until the given token expires (jwt-auth's leeway included); None: no `exp`."""
    exp = post.given_claims.get("exp")
    if not isinstance(exp, (int, float)) or isinstance(exp, bool):
        return None
    return float(exp) + post.spec.jwt.leeway_seconds - _now()


def expiry_refusal(post: PostCredential, must_last: float, why: str) -> Refusal | None:
    left = seconds_left(post)
    if left is None or left >= must_last:
        return None
    said = f"expired {-left:.0f}s ago" if left <= 0 else f"expires in {left:.0f}s"
    return Refusal(f"the given JWT {said}, before this run can end ({why})", _HINT)


def jwks_keys(text: str) -> list[dict[str, Any]] | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    keys = data.get("keys") if isinstance(data, dict) else None
    if not isinstance(keys, list):
        return None
    return [k for k in keys if isinstance(k, dict)]


def signature_refusals(post: PostCredential, jwks_url: str,
                       read_keys: Callable[[], tuple[list[dict[str, Any]] | None, str]] | None) -> tuple[list[Refusal], str | None]:
    """(refusals, a note). `read_keys()` gives the JWKS's keys and where they were read
    ("from Jenkins", "from here"), or None and why not; `read_keys=None` (--no-jwks-check)
    checks alg and kid only."""
    import jwt

    assert post.given is not None
    alg = post.given_header.get("alg")
    if alg not in ALGORITHMS:
        return [Refusal(f"the given JWT is signed with alg {alg!r}; Pomerium signs with ES256 or RS256 and jwt-auth verifies "
                        "against the JWKS, so Jenkins would treat it as anonymous", _HINT)], None
    kid = post.given_header.get("kid")
    if not isinstance(kid, str) or not kid:
        return [Refusal("the given JWT has no `kid` in its header: nothing names the key to verify it with (Pomerium's "
                        "assertions always carry one)", _HINT)], None
    if read_keys is None:
        return [], "--no-jwks-check: the given JWT's signature was not verified"
    keys, where = read_keys()
    if keys is None:
        return [Refusal(f"the given JWT cannot be verified: {where}",
                        "make jwt.jwks_url reachable from Jenkins or from here, or pass --signing-key-file")], None
    match = [k for k in keys if k.get("kid") == kid]
    if not match:
        return [Refusal(f"the given JWT names key {kid[:12]}..., which {jwks_url} does not publish (read {where})", _HINT)], None
    try:
        key = jwt.PyJWK(match[0], algorithm=alg).key
        # only the signature: the claims were checked the way jwt-auth checks them (guard)
        jwt.decode(post.given, key=key, algorithms=[alg],
                   options={"verify_signature": True, "verify_exp": False, "verify_nbf": False, "verify_iat": False,
                            "verify_aud": False, "verify_iss": False, "verify_sub": False, "verify_jti": False})
    except jwt.PyJWTError as exc:
        return [Refusal(f"the given JWT does not verify against key {kid[:12]}... of {jwks_url} "
                        f"({type(exc).__name__}): it was not signed by the key Pomerium publishes", _HINT)], None
    return [], f"the given JWT verifies against key {kid[:12]}... of {jwks_url} (read {where})"


def check_given(post: PostCredential, jwks_url: str | None, *, run_script: Callable[[str], str] | None,
                fetch_here: Callable[[str], Any], jwks_check: bool = True) -> tuple[list[Refusal], str | None]:
    """The given JWT's alg, kid and signature against the JWKS the spec names, read as Jenkins
    reads it (its script console, else from here): what `apply` refuses before a change, and
    what `plan` and `verify` report. Without `jwt.jwks_url` jwt-auth checks no signature
    (JwtAuthSecurityRealm.java:214-220), so there is nothing to verify against."""
    from .jwks import read_keys

    if not jwks_url:
        return [], "jwt.jwks_url is empty: jwt-auth checks no signature, so the given JWT's is not verified"
    reader = (lambda: read_keys(jwks_url, run_script=run_script, fetch_here=fetch_here)) if jwks_check else None
    return signature_refusals(post, jwks_url, reader)

"""A fake Pomerium side: the JWKS endpoint over real HTTP and an assertion minter.

pomerium: pkg/endpoints/paths.go (`/.well-known/pomerium/jwks.json`),
internal/handlers/jwks.go (`{"keys":[...]}`, Cache-Control max-age=60),
pkg/cryptutil/jose.go (ECDSA -> ES256, RSA -> RS256, kid = hex SHA-256 JWK thumbprint),
authorize/evaluator/headers_evaluator_evaluation.go and the older headers.rego (claims).

A fake of one real release, so `version` is a whole release number ("0.21.2", "v0.33.1"): the
issuer changed in a patch release (v0.21.3), and a minor version alone does not say which side
of that change a Pomerium is on.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

JWKS_PATH = "/.well-known/pomerium/jwks.json"


def _release(v: str) -> tuple[int, int, int]:
    parts = v[1:].split(".") if v.startswith("v") else v.split(".")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise ValueError(f"a Pomerium release is MAJOR.MINOR.PATCH, got {v!r}")
    return (int(parts[0]), int(parts[1]), int(parts[2]))


def go_hostname(url: str) -> str:
    """Go's url.URL.Hostname() of a parsed URL: the host without port or IPv6 brackets, its
    case kept (net/url does not lower-case hosts; pomerium internal/urlutil.ParseAndValidateURL
    only parses and validates)."""
    rest = url.split("://", 1)[1] if "://" in url else url
    host = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0].rsplit("@", 1)[-1]
    if host.startswith("["):
        return host[1:host.index("]")] if "]" in host else host[1:]
    return host.rsplit(":", 1)[0] if ":" in host else host


def route_host_sent(version: str, route_from: str) -> str:
    """The host Pomerium puts in `aud` (and, from v0.21.3, `iss`) for a route whose `from` is
    `route_from`, as written in its config:
    - up to v0.21.4 the Hostname of the route's `from` as written (v0.21.0
      authorize/evaluator/headers_evaluator.go:38 `input.FromAudience = u.Hostname()`, v0.21.3
      :38 `input.Issuer = u.Hostname()`): its case kept;
    - from v0.22.0 the request's host name (v0.22.0 authorize/evaluator/evaluator.go:167
      `NewHeadersRequestFromPolicy(req.Policy, req.HTTP.Hostname)`), which is what the client
      sent: a browser sends the URL's host lower-cased (WHATWG URL host parsing; an
      assumption about the client, see docs/fidelity.md)."""
    host = go_hostname(route_from)
    return host if _release(version) < (0, 22, 0) else host.lower()


def _thumbprint(jwk: dict[str, Any]) -> str:
    # RFC 7638: required members, lexicographic order, no whitespace
    req = ("crv", "kty", "x", "y") if jwk["kty"] == "EC" else ("e", "kty", "n")
    canon = json.dumps({k: jwk[k] for k in req}, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(canon.encode()).hexdigest()


_RSA_CACHE: list[rsa.RSAPrivateKey] = []


def _rsa_key() -> rsa.RSAPrivateKey:
    # RSA generation is slow; one test key per process is enough
    if not _RSA_CACHE:
        _RSA_CACHE.append(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    return _RSA_CACHE[0]


class _Key:
    def __init__(self, alg: str) -> None:
        self.alg = alg
        if alg == "ES256":
            self.private = ec.generate_private_key(ec.SECP256R1())
            pub = json.loads(ECAlgorithm.to_jwk(self.private.public_key()))
        else:
            self.private = _rsa_key()
            pub = json.loads(RSAAlgorithm.to_jwk(self.private.public_key()))
        pub.pop("key_ops", None)
        self.kid = _thumbprint(pub)
        self.jwk = {**pub, "kid": self.kid, "use": "sig", "alg": alg}

    def pem(self) -> str:
        return self.private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()


class PomeriumSide:
    """Serves the JWKS on 127.0.0.1 and mints `x-pomerium-jwt-assertion` tokens."""

    def __init__(self, *, rsa_key: bool = False) -> None:
        self.es256 = _Key("ES256")
        self.rs256 = _Key("RS256") if rsa_key else None
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.jwks_requests = 0
        self.published: list[dict[str, Any]] = [self.es256.jwk] + ([self.rs256.jwk] if self.rs256 else [])

    # -- keys -----------------------------------------------------------------------------
    @property
    def private_key_pem(self) -> str:
        """The ES256 signing key as PKCS#8 PEM (Pomerium's `signing_key`, F.2)."""
        return self.es256.pem()

    @property
    def rsa_private_key_pem(self) -> str | None:
        return self.rs256.pem() if self.rs256 else None

    def jwks(self) -> dict[str, Any]:
        return {"keys": list(self.published)}

    # -- server ---------------------------------------------------------------------------
    def start(self, port: int = 0) -> str:
        side = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:  # noqa: N802
                if self.path.split("?")[0] != JWKS_PATH:
                    self.send_error(404)
                    return
                side.jwks_requests += 1
                body = json.dumps(side.jwks()).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Cache-Control", "max-age=60")  # internal/handlers/jwks.go
                self.send_header("Access-Control-Allow-Origin", "*")
                self.send_header("ETag", '"' + hashlib.sha256(body).hexdigest()[:16] + '"')
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.005}, daemon=True)
        self._thread.start()
        return self.url

    @property
    def url(self) -> str:
        assert self._server is not None, "start() first"
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    @property
    def jwks_url(self) -> str:
        return self.url.rstrip("/") + JWKS_PATH

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "PomeriumSide":
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # -- minting --------------------------------------------------------------------------
    def claims(
        self,
        user_email: str,
        groups: list[str] | None = None,
        *,
        version: str = "0.33.1",
        route_host: str = "jenkins.example.com",
        authenticate_host: str = "authenticate.example.com",
        expires_in: int = 300,
        groups_null: bool = False,
        name: str | None = None,
        now: float | None = None,
        route_from: str | None = None,
    ) -> dict[str, Any]:
        """The payload Pomerium sends for release `version` (jenkins-facts F.1, H).

        `authenticate_host` is the authenticate URL's host as Pomerium reads it, port included
        when the URL has one (urlutil.ParseAndValidateURL(...).Host). `route_from`, when
        given, is the route's `from` as its config writes it, and the route host follows
        from it as that release derives it (`route_host_sent`); else `route_host` is used."""
        now_i = int(time.time() if now is None else now)
        v = _release(version)
        if route_from is not None:
            route_host = route_host_sent(version, route_from)
        sid = str(uuid.uuid4())
        sub = "idp|" + hashlib.sha1(user_email.encode()).hexdigest()[:12]
        grp: list[str] | None = list(groups or [])
        # v0.28.0 emitted null for a user without groups (pomerium/pomerium#5393, fixed by #5394)
        if groups_null or ((0, 28, 0) <= v < (0, 29, 0) and not grp):
            grp = None
        c: dict[str, Any] = {
            # v0.21.0-v0.21.2: iss = data.issuer = authenticateURL.Host (evaluator.go:212,
            # headers.rego:89); v0.21.3 (3307b9b82, #4049): the route's hostname
            # (headers_evaluator.go:38 `input.Issuer = u.Hostname()`, headers.rego:88-89)
            "iss": authenticate_host if v < (0, 21, 3) else route_host,
            "aud": route_host,  # a string, not an array
            "sub": sub,
            "user": sub,
            "email": user_email,
            "groups": grp,
            "sid": sid,
            "name": name if name is not None else user_email.split("@")[0],
        }
        if v < (0, 27, 0):
            # before 0.27: jti = session id, iat = ID-token issued_at (old), exp = min(now+5m, session)
            c["jti"] = sid
            c["iat"] = now_i - 3600
        else:
            c["jti"] = str(uuid.uuid4())
            c["iat"] = now_i
        c["exp"] = now_i + expires_in
        return c  # no nbf

    def mint(
        self,
        user_email: str,
        groups: list[str] | None = None,
        *,
        version: str = "0.33.1",
        route_host: str = "jenkins.example.com",
        authenticate_host: str = "authenticate.example.com",
        expires_in: int = 300,
        groups_null: bool = False,
        overrides: dict[str, Any] | None = None,
        drop: tuple[str, ...] = (),
        alg: str = "ES256",
        now: float | None = None,
        route_from: str | None = None,
    ) -> str:
        """A signed assertion. `overrides` replaces/adds claims; `drop` removes claims."""
        c = self.claims(user_email, groups, version=version, route_host=route_host,
                        authenticate_host=authenticate_host, expires_in=expires_in,
                        groups_null=groups_null, now=now, route_from=route_from)
        c.update(overrides or {})
        for k in drop:
            c.pop(k, None)
        key = self.es256 if alg == "ES256" else self.rs256
        if key is None:
            raise ValueError("PomeriumSide(rsa_key=True) needed for RS256")
        return jwt.encode(c, key.private, algorithm=alg, headers={"kid": key.kid, "typ": "JWT"})

    def mint_with_foreign_key(self, user_email: str, groups: list[str] | None = None, **kw: Any) -> str:
        """Same claims and kid, signed by a key the JWKS does not publish (bad signature)."""
        other = ec.generate_private_key(ec.SECP256R1())
        c = self.claims(user_email, groups, **kw)
        return jwt.encode(c, other, algorithm="ES256", headers={"kid": self.es256.kid, "typ": "JWT"})

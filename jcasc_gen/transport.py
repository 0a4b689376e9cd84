"""Bounded HTTP exchanges for client.py (nothing else imports this module).

Three rules hold for every request the tool makes, whoever it is made as:

- **A deadline per request.** `timeout` bounds the whole exchange (connect, send, the answer's
  head and body, every redirect hop), not each socket read: a watchdog shuts the socket down
  when the deadline passes, so a server trickling a byte at a time cannot hold a request.
- **A size cap.** An answer body is read up to `MAX_RESPONSE_BYTES` (after decompression);
  a larger one (declared or streamed) is an error, never a memory exhaustion.
- **No credential leaves the origin.** A redirect is followed only within the origin the
  request went to (scheme, host and port, default ports made explicit); a redirect to any
  other origin is never followed, so neither the Authorization header, the JWT header, the
  crumb nor a cookie is ever sent there. Automatic redirect handling in requests is switched
  off for the session, so no library path can follow one either.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping
from urllib.parse import urljoin, urlsplit, urlunsplit

__all__ = ["MAX_RESPONSE_BYTES", "MAX_REDIRECTS", "Answer", "TransportError", "TimedOut", "TooLarge", "OtherOrigin",
           "ConnectFailed", "TlsFailed", "origin", "same_origin", "shown_url", "prepare_session", "exchange"]

# Read at call time, so a test (or an embedding tool) can lower it. A JCasC export of a large
# controller is a few MiB; the spec loader's cap is the same.
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
MAX_REDIRECTS = 5
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_DEFAULT_PORTS = {"http": 80, "https": 443}


# --------------------------------------------------------------------------------------------
# Errors (client.py turns them into JenkinsError subclasses with its own wording)


class TransportError(Exception):
    pass


class TimedOut(TransportError):
    pass


class TooLarge(TransportError):
    pass


class OtherOrigin(TransportError):
    def __init__(self, target: str) -> None:
        super().__init__(target)
        self.target = target  # scheme://host:port only


class ConnectFailed(TransportError):
    pass


class TlsFailed(TransportError):
    pass


# --------------------------------------------------------------------------------------------
# URLs


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) with the scheme's default port made explicit; the host as
    urllib parses it (lower-case, brackets of an IPv6 literal removed)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return scheme, (parts.hostname or ""), port if port is not None else _DEFAULT_PORTS.get(scheme)


def same_origin(a: str, b: str) -> bool:
    return origin(a) == origin(b)


def shown_url(url: str) -> str:
    """The URL as it may appear in a message: without user info (`user:password@`)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "***@" + url.rsplit("@", 1)[-1] if "@" in url else url
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[-1]))


def _origin_text(url: str) -> str:
    scheme, host, port = origin(url)
    shown = f"[{host}]" if ":" in host else host
    return f"{scheme}://{shown}" + (f":{port}" if port is not None and port != _DEFAULT_PORTS.get(scheme) else "")


# --------------------------------------------------------------------------------------------
# The watchdog: connections register themselves while a bounded exchange is under way


_ACTIVE = threading.local()


def _register(conn: Any) -> None:
    active = getattr(_ACTIVE, "connections", None)
    if active is not None:
        active.append(conn)


def _connection_classes() -> tuple[type, type]:
    from urllib3.connection import HTTPConnection, HTTPSConnection

    class TrackedHTTPConnection(HTTPConnection):
        def request(self, *args: Any, **kwargs: Any) -> None:
            _register(self)
            super().request(*args, **kwargs)

    class TrackedHTTPSConnection(HTTPSConnection):
        def request(self, *args: Any, **kwargs: Any) -> None:
            _register(self)
            super().request(*args, **kwargs)

    return TrackedHTTPConnection, TrackedHTTPSConnection


def _pool_classes() -> dict[str, type]:
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

    http_conn, https_conn = _connection_classes()

    class TrackedHTTPPool(HTTPConnectionPool):
        ConnectionCls = http_conn

    class TrackedHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = https_conn

    return {"http": TrackedHTTPPool, "https": TrackedHTTPSPool}


_POOLS: dict[str, type] | None = None


def _tracking_adapter() -> Any:
    from requests.adapters import HTTPAdapter

    global _POOLS
    if _POOLS is None:
        _POOLS = _pool_classes()
    pools = _POOLS

    class TrackingAdapter(HTTPAdapter):
        """Connections made through it register with the running exchange's watchdog."""

        def init_poolmanager(self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any) -> None:
            super().init_poolmanager(connections, maxsize, block, **pool_kwargs)
            self.poolmanager.pool_classes_by_scheme = dict(pools)

        def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
            manager = super().proxy_manager_for(proxy, **proxy_kwargs)
            if hasattr(manager, "pool_classes_by_scheme"):
                manager.pool_classes_by_scheme = dict(pools)
            return manager

    return TrackingAdapter()


def prepare_session(session: Any) -> None:
    """Make a requests session safe for `exchange`: tracked connections, and no redirect is
    ever followed by requests itself: its redirect machinery asks `get_redirect_target` where
    to go, and is told nowhere, so a library path (python-jenkins' own requests) gets the
    3xx answer instead of carrying the session's headers elsewhere."""
    adapter = _tracking_adapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    setattr(session, "get_redirect_target", _no_redirect_target)


def _no_redirect_target(resp: Any) -> None:
    return None


class _Watchdog:
    """Shut down the sockets of this exchange when its deadline passes. One shared thread
    watches every running exchange (a thread per request would cost more than the request)."""

    def __init__(self, seconds: float) -> None:
        self.fired = False
        self.connections: list[Any] = []
        self.deadline = time.monotonic() + max(seconds, 0.0)

    def __enter__(self) -> "_Watchdog":
        _ACTIVE.connections = self.connections
        _WATCHER.add(self)
        return self

    def __exit__(self, *exc: Any) -> None:
        _WATCHER.discard(self)
        _ACTIVE.connections = None

    def fire(self) -> None:
        self.fired = True
        for conn in list(self.connections):
            sock = getattr(conn, "sock", None)
            if sock is None:
                continue
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Watcher:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._dogs: set[_Watchdog] = set()
        self._thread: threading.Thread | None = None

    def add(self, dog: _Watchdog) -> None:
        with self._cond:
            self._dogs.add(dog)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="jcasc-gen request deadlines", daemon=True)
                self._thread.start()
            self._cond.notify()

    def discard(self, dog: _Watchdog) -> None:
        with self._cond:
            self._dogs.discard(dog)

    def _run(self) -> None:
        while True:
            with self._cond:
                now = time.monotonic()
                due = [d for d in self._dogs if d.deadline <= now]
                for d in due:
                    self._dogs.discard(d)
                if not due:
                    nearest = min((d.deadline for d in self._dogs), default=None)
                    self._cond.wait(None if nearest is None else nearest - now)
                    continue
            for d in due:
                d.fire()


_WATCHER = _Watcher()


# --------------------------------------------------------------------------------------------
# One bounded exchange


@dataclass(frozen=True)
class Answer:
    status: int
    text: str
    headers: Mapping[str, str]  # case-insensitive
    url: str  # the URL that answered (after same-origin redirects)
    content: bytes = b""  # the body as sent


def _read_capped(resp: Any) -> bytes:
    cap = MAX_RESPONSE_BYTES
    declared = resp.headers.get("Content-Length")
    if declared is not None and declared.strip().isdigit() and int(declared) > cap:
        raise TooLarge(int(declared))
    chunks: list[bytes] = []
    total = 0
    for chunk in resp.iter_content(64 * 1024):
        total += len(chunk)
        if total > cap:
            raise TooLarge(total)
        chunks.append(chunk)
    return b"".join(chunks)


def exchange(session: Any, method: str, url: str, *, timeout: float, verify: bool | str,
             headers: Mapping[str, str] | None = None, body: Any = None, params: Mapping[str, str] | None = None,
             follow: bool = True, before_send: Callable[[Any], None] | None = None,
             clock: Callable[[], float] = time.monotonic) -> Answer:
    """One request, its same-origin redirects and its answer, all within `timeout` seconds.

    `before_send(request)` may add headers (the crumb) to each `requests.Request` before it
    is prepared; the session adds its own (auth, the JWT header, cookies). Raises
    TimedOut, TooLarge, OtherOrigin, ConnectFailed, TlsFailed or TransportError."""
    import requests
    from requests.structures import CaseInsensitiveDict

    deadline = clock() + timeout
    hops = 0
    while True:
        req = requests.Request(method, url, data=body, headers=dict(headers or {}), params=dict(params or {}))
        if before_send is not None:
            before_send(req)
        prepared = session.prepare_request(req)
        remaining = deadline - clock()
        if remaining <= 0:
            raise TimedOut()
        settings = session.merge_environment_settings(prepared.url, {}, None, verify, None)
        settings.update(timeout=remaining, allow_redirects=False, stream=True)
        dog = _Watchdog(remaining)
        try:
            with dog:
                resp = session.send(prepared, **settings)
                try:
                    data = _read_capped(resp)
                finally:
                    resp.close()
        except TooLarge:
            raise
        except requests.exceptions.SSLError:
            raise (TimedOut() if dog.fired else TlsFailed()) from None
        except requests.exceptions.Timeout:
            raise TimedOut() from None
        except requests.exceptions.ConnectionError:
            raise (TimedOut() if dog.fired else ConnectFailed()) from None
        except requests.exceptions.RequestException as exc:
            raise (TimedOut() if dog.fired else TransportError(type(exc).__name__)) from None
        except OSError:
            raise (TimedOut() if dog.fired else ConnectFailed()) from None
        if dog.fired:
            raise TimedOut()
        location = resp.headers.get("Location")
        if not follow or resp.status_code not in _REDIRECTS or not location:
            text = data.decode(resp.encoding or "utf-8", "replace")
            return Answer(resp.status_code, text, CaseInsensitiveDict(resp.headers), prepared.url or url, data)
        target = urljoin(prepared.url or url, location)
        if not same_origin(prepared.url or url, target):
            raise OtherOrigin(_origin_text(target))
        hops += 1
        if hops > MAX_REDIRECTS:
            raise TransportError(f"more than {MAX_REDIRECTS} redirects")
        if resp.status_code == 303 or (resp.status_code in (301, 302) and method == "POST"):
            # what browsers and requests do: the redirected request is a GET without the body
            method, body = "GET", None
            headers = {k: v for k, v in (headers or {}).items() if k.lower() != "content-type"}
        url, params = target, None

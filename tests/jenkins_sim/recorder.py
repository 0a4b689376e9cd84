"""A second listener on another port that records every request it gets (method, path,
headers): the place a hostile or misconfigured Jenkins redirects to, so tests can see
whether any credential followed."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# Headers that carry a credential or something bound to one.
CREDENTIAL_HEADERS = ("authorization", "cookie", "jenkins-crumb", "x-pomerium-jwt-assertion")


class HeaderRecorder:
    def __init__(self) -> None:
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self._lock = threading.Lock()
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a: Any) -> None:
                pass

            def _handle(self) -> None:
                n = int(self.headers.get("Content-Length") or 0)
                if n:
                    self.rfile.read(n)
                with recorder._lock:
                    recorder.requests.append((self.command, self.path, {k.lower(): v for k, v in self.headers.items()}))
                body = b'{"_class":"hudson.model.Hudson"}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("X-Jenkins", "2.516.3")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_HEAD = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)

    def start(self) -> str:
        self._thread.start()
        return self.url

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    def credentials_seen(self) -> list[str]:
        """Every credential-bearing header any request carried (name: value)."""
        with self._lock:
            return [f"{k}: {v}" for _, _, h in self.requests for k, v in h.items()
                    if k in CREDENTIAL_HEADERS or k.startswith("x-pomerium")]

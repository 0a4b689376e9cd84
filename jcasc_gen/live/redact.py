"""The one redaction function: every message, log line, JSON and JUnit report of the live
commands passes through `redact` before it leaves the process.

It knows the live secrets (API token, JWTs, signing-key material) because the credential
code registers each one as soon as it is read or minted; on top of that it blanks anything
shaped like a JWT or a PEM block, so a token we never saw (one Jenkins echoes back, say)
cannot leak either.
"""

from __future__ import annotations

import base64
import logging
import re
import sys
import threading
from typing import Any, TextIO

__all__ = ["Redactor", "REDACTOR", "redact", "register_secret", "say", "MASK", "redact_logs"]

MASK = "***"
# A short value would blank innocent words; real tokens and keys are far longer.
_MIN_LEN = 6
_JWT_SHAPE = re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
_PEM_BLOCK = re.compile(r"-----BEGIN [A-Z0-9 ]+-----.*?(-----END [A-Z0-9 ]+-----|\Z)", re.S)


class Redactor:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()

    def add(self, secret: str | bytes | None) -> None:
        """Remember a secret and the forms it travels in (a PEM's body lines, its base64)."""
        if not secret:
            return
        text = secret.decode("utf-8", "replace") if isinstance(secret, bytes) else secret
        forms = {text, text.strip()}
        if "-----BEGIN" in text:
            # Pomerium accepts the key as base64 of the PEM (config/options.go GetSigningKey)
            forms.add(base64.b64encode(text.encode()).decode())
            forms.add(base64.b64encode(text.strip().encode()).decode())
            forms.update(line.strip() for line in text.splitlines() if "-----" not in line)
        with self._lock:
            self._secrets.update(f for f in forms if len(f) >= _MIN_LEN)

    def __call__(self, value: Any) -> str:
        text = value if isinstance(value, str) else str(value)
        with self._lock:
            secrets = sorted(self._secrets, key=len, reverse=True)
        for s in secrets:
            if s in text:
                text = text.replace(s, MASK)
        text = _PEM_BLOCK.sub("-----REDACTED KEY-----", text)
        return _JWT_SHAPE.sub(MASK, text)

    def clear(self) -> None:
        with self._lock:
            self._secrets.clear()


REDACTOR = Redactor()


def redact(value: Any) -> str:
    """The text with every known secret and anything token- or key-shaped masked."""
    return REDACTOR(value)


def register_secret(secret: str | bytes | None) -> None:
    REDACTOR.add(secret)


def say(message: str, stream: TextIO | None = None) -> None:
    """Progress and errors of the live commands: redacted, to stderr, as they happen."""
    out = stream or sys.stderr
    print(redact(message), file=out, flush=True)


class _RedactFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        return True


def redact_logs() -> None:
    """Libraries log too (python-jenkins, urllib3): every record reaching a handler of the
    root logger is redacted first. Without handlers, one is installed for warnings."""
    root = logging.getLogger()
    if not root.handlers:
        stream = logging.StreamHandler(sys.stderr)
        stream.setFormatter(logging.Formatter("%(levelname)s: %(name)s: %(message)s"))
        stream.setLevel(logging.WARNING)
        root.addHandler(stream)
    for handler in root.handlers:
        if not any(isinstance(f, _RedactFilter) for f in handler.filters):
            handler.addFilter(_RedactFilter())

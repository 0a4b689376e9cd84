"""The live commands' `on_event`: every event a line on stderr as it happens, except where a
wait stands (`waiting` events, jcasc_gen/progress.py) on a terminal: those rewrite one status
line, cleared before the next line is written. Not a terminal (CI logs, a pipe): plain lines."""

from __future__ import annotations

import os
import sys
import threading
from typing import TextIO

from ..live.redact import redact

__all__ = ["StatusLine"]


def _width(stream: TextIO) -> int:
    try:
        return max(os.get_terminal_size(stream.fileno()).columns - 1, 20)
    except (OSError, ValueError, AttributeError):
        return 79


def _is_terminal(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (OSError, ValueError, AttributeError):
        return False


class StatusLine:
    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream  # None: sys.stderr when written (tests and the CLI swap it)
        self._shown = 0  # characters of the status line on screen now
        self._lock = threading.Lock()

    def __call__(self, message: str) -> None:
        out = self._stream or sys.stderr
        text = redact(message)
        with self._lock:
            if getattr(message, "kind", None) == "waiting" and _is_terminal(out):
                line = text.replace("\n", " ")[:_width(out)]
                # spaces over what a longer line left, then back to its end
                out.write("\r" + line + " " * max(self._shown - len(line), 0) + "\r" + line)
                self._shown = len(line)
            else:
                from .. import colour

                self._clear(out)
                # painted like every change the commands show (apply prints its plan here)
                out.write((colour.line(text) if colour.enabled(out) else text) + "\n")
            out.flush()

    def close(self) -> None:
        """Clear a status line still shown (before anything else is written)."""
        out = self._stream or sys.stderr
        with self._lock:
            if self._shown:
                self._clear(out)
                out.flush()

    def _clear(self, out: TextIO) -> None:
        if self._shown:
            out.write("\r" + " " * self._shown + "\r")
            self._shown = 0

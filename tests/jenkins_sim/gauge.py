"""Requests in flight: how many are being answered right now, and the most there ever were.

Not a Jenkins behaviour: an instrument for tests of clients that talk to several controllers
at once (a bound on their concurrency must show up here). One gauge may be shared by several
simulators, to count across all of them.
"""

from __future__ import annotations

import threading
from typing import Any


class Gauge:
    def __init__(self) -> None:
        self._lock = threading.Condition()
        self.current = 0
        self.peak = 0
        self.total = 0

    def __enter__(self) -> "Gauge":
        with self._lock:
            self.current += 1
            self.total += 1
            self.peak = max(self.peak, self.current)
        return self

    def __exit__(self, *exc: Any) -> None:
        with self._lock:
            self.current -= 1
            self._lock.notify_all()

    def settle(self, timeout: float = 5.0) -> bool:
        """Wait until no request is in flight. A client has its answer a moment before the
        handler that sent it returns, so read `current` (or `reset`) after this."""
        with self._lock:
            return self._lock.wait_for(lambda: self.current == 0, timeout)

    def reset(self) -> None:
        with self._lock:
            self.peak = self.current
            self.total = 0

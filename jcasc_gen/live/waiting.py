"""Saying what a wait waits for, at least every `interval` seconds while it lasts.

A poll loop (a restart, a quiet-down, a plugin download, a change whose answer did not come)
calls `Wait.update(what)` at every poll with where things stand; an update becomes a `waiting`
event (jcasc_gen/progress.py) when `interval` seconds have passed since the last one said. The
loops' own lines (a state that changed) stay `progress` events. Polls are single-threaded, so a
request that hangs delays the next line by at most one `--timeout`.
"""

from __future__ import annotations

import time
from typing import Callable

from ..progress import Event

__all__ = ["Wait"]


class Wait:
    def __init__(self, emit: Callable[[Event], None], *, label: str, step: str | None, activity: str, limit: float,
                 interval: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._emit = emit
        self._label = label  # "[3/8] plugins: " or ""
        self.step, self.activity, self.limit, self.interval = step, activity, limit, interval
        self._clock = clock
        self.start = clock()
        self._last = self.start

    @property
    def elapsed(self) -> float:
        return self._clock() - self.start

    def update(self, what: str) -> None:
        """Where the wait stands now; said when `interval` has passed since the last time."""
        now = self._clock()
        if now - self._last < self.interval:
            return
        self._last = now
        waited = now - self.start
        self._emit(Event(f"{self._label}waiting {waited:.0f}s (up to {self.limit:g}s): {what}", kind="waiting",
                         step=self.step, activity=self.activity, elapsed=waited, limit=self.limit))

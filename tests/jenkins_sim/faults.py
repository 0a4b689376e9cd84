"""Fault injection, controlled from tests.

Rules match the request path (query string ignored) exactly, or as a prefix when the rule
path ends with `*`. `/manage/` prefixed paths are matched as written.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass
class Fault:
    path: str
    count: int
    kind: str  # "status" | "hang" | "drop"
    status: int = 500
    seconds: float = 0.0

    def matches(self, path: str) -> bool:
        if self.path.endswith("*"):
            return path.startswith(self.path[:-1])
        return path == self.path or path.rstrip("/") == self.path.rstrip("/")


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[Fault] = []
        self.apply_halfway = False
        self.restart_never_returns = False
        self.restart_refuses = False

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._rules.append(fault)

    def take(self, path: str) -> Fault | None:
        """The first matching rule, consuming one of its count."""
        with self._lock:
            for rule in self._rules:
                if rule.count > 0 and rule.matches(path):
                    rule.count -= 1
                    if rule.count == 0:
                        self._rules.remove(rule)
                    return rule
        return None

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
            self.apply_halfway = False
            self.restart_never_returns = False

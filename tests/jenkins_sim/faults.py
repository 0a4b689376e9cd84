"""Fault injection, controlled from tests.

Rules match the request path (query string ignored) exactly, or as a prefix when the rule
path ends with `*`; a `*` elsewhere is a glob (`/job/*/config.xml` matches any item's
config.xml, nested ones included, since `*` also matches `/`). `/manage/` prefixed paths are
matched as written. A rule may be limited to one HTTP method and may let its first `skip`
matching requests through.
"""

from __future__ import annotations

import fnmatch
import threading
from dataclasses import dataclass
from typing import Any, Callable


@dataclass
class Fault:
    path: str
    count: int
    kind: str  # "status" | "hang" | "drop" | "call" (run `action`, then answer normally) | "redirect" | "trickle" | "trickle-head" | "oversize"
    status: int = 500
    seconds: float = 0.0
    method: str | None = None  # only requests with this method
    skip: int = 0  # matching requests to let through before the rule fires
    action: Callable[[Any], None] | None = None  # "call": given the JenkinsSim
    location: str = ""  # redirect target
    size: int | None = None  # oversize: bytes to send (None: without end); declared: send Content-Length
    declared: bool = False

    def matches(self, path: str, method: str | None = None) -> bool:
        if self.method is not None and method is not None and method != self.method:
            return False
        if "*" in self.path[:-1]:
            return fnmatch.fnmatchcase(path, self.path)
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

    def take(self, path: str, method: str | None = None) -> Fault | None:
        """The first matching rule, consuming one of its count (or of its skips)."""
        with self._lock:
            for rule in self._rules:
                if rule.count > 0 and rule.matches(path, method):
                    if rule.skip > 0:
                        rule.skip -= 1
                        return None
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

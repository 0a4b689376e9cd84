"""The errors a Jenkins call ends in (behind `jcasc_gen.client`, which re-exports them).

Kept apart from the client so that code which only catches or raises them (and the JCasC
message type they carry) does not read the HTTP code to find them. No message holds a
credential: callers build them from what Jenkins answered, never from the request headers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from . import _errors
from .exitcodes import ExitCode

__all__ = ["JenkinsError", "Unreachable", "CredentialsRefused", "Denied", "ServerError", "ItemNotFound",
           "CascMessage", "CascRejected", "timed_out"]


class JenkinsError(_errors.JcascGenError):
    """A failed Jenkins call. `exit_code` is what a command returns when it gives up here."""

    exit_code: int = ExitCode.UNREACHABLE

    def __init__(self, message: str, *, hint: str | None = None, status: int | None = None, body: str = "") -> None:
        super().__init__(message, hint=hint)
        self.status = status
        self.body = body


class Unreachable(JenkinsError, _errors.Unreachable):
    """No HTTP answer: refused, dropped, timed out, DNS, TLS; or Jenkins stayed unavailable.
    `timed_out`: the request may still be running in Jenkins."""

    timed_out = False


class CredentialsRefused(JenkinsError):
    """401: Jenkins rejected the API token (BasicHeaderProcessor)."""


class Denied(JenkinsError):
    """403: the identity lacks a permission, or the crumb was refused."""


class ServerError(JenkinsError):
    """Any other unexpected status."""


class ItemNotFound(JenkinsError):
    """404 for an item: it does not exist, or the credential cannot read it (Jenkins answers
    both the same way, core Jenkins.getItem / cloudbees-folder AbstractFolder.getItem)."""

    exit_code = ExitCode.USAGE


@dataclass(frozen=True)
class CascMessage:
    line: int  # 1-based line in the posted document; -1 when JCasC does not know
    message: str


class CascRejected(JenkinsError):
    """JCasC answered check/apply/configure with an error (messages as JCasC gave them)."""

    def __init__(self, message: str, messages: Sequence[CascMessage] = (), **kw: Any) -> None:
        super().__init__(message, **kw)
        self.messages = list(messages)


def timed_out(message: str, *, hint: str) -> Unreachable:
    exc = Unreachable(message, hint=hint)
    exc.timed_out = True
    return exc

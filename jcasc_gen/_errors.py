"""The exceptions the public API raises on purpose, and the exit code the CLI gives each.

Kept free of imports beyond the exit codes: `SpecError` (diagnostics.py) and the client's
`JenkinsError` derive from these, and neither may pull anything heavy into `import jcasc_gen`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .exitcodes import ExitCode

if TYPE_CHECKING:
    from ._results import ApplyResult, PlanResult, VerifyResult

__all__ = ["JcascGenError", "Unreachable"]


class JcascGenError(Exception):
    """Base of every exception jcasc-gen raises on purpose.

    `message` says what happened, `hint` (or None) what to do; `exit_code` is what the
    command line exits with for it (see the exit code table).
    """

    exit_code: int = ExitCode.USAGE
    message: str
    hint: str | None

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message + (f"\n  hint: {self.hint}" if self.hint else "")


class Unreachable(JcascGenError):
    """Jenkins did not answer (connection refused or dropped, DNS, TLS, time-out, or it stayed
    unavailable). Nothing in its security configuration was changed; `result` holds what the
    call had done by then (for `apply`: its steps), with `exit_code` 3, or None."""

    exit_code: int = ExitCode.UNREACHABLE
    result: PlanResult | ApplyResult | VerifyResult | None = None

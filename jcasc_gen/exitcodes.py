"""Exit codes, the same for every command (../shared/design/spec-format.md)."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    DIFFERENCES = 1  # check, diff, plan found differences; verification failed
    USAGE = 2  # invalid spec or usage; lint errors; a change refused before anything was touched
    UNREACHABLE = 3  # Jenkins unreachable or refused the credentials
    ROLLED_BACK = 4  # apply failed and was rolled back
    NOT_ROLLED_BACK = 5  # apply failed and could not be rolled back

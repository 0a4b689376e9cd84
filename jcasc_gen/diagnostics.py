"""Located problems: `spec.yaml:LINE:COL: json.path: message` plus a hint."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Literal, Sequence

from ._errors import JcascGenError

# "info": said so the reader can act, never a failure, and --strict leaves it alone.
Severity = Literal["error", "warning", "info"]
PathItem = str | int


def format_path(path: Sequence[PathItem]) -> str:
    """('authorization', 'grants', 2, 'roles') -> 'authorization.grants[2].roles'; () -> '$'."""
    out = ""
    for item in path:
        if isinstance(item, int):
            out += f"[{item}]"
        else:
            out += f".{item}" if out else str(item)
    return out or "$"


@dataclass(frozen=True)
class Diagnostic:
    file: str
    line: int
    col: int
    path: str
    message: str
    hint: str | None = None
    severity: Severity = "error"
    code: str | None = None  # lint finding id, e.g. "JG101"
    # The controllers (of a spec with `controllers:`) whose merged spec has this problem; one
    # diagnostic stands for all of them when they share it (a base line every controller inherits).
    controllers: tuple[str, ...] = ()
    accepted: str | None = None  # the reason, when the spec accepts this finding (lint.accept)

    @property
    def blocking(self) -> bool:
        """Does this fail the run? An error the spec does not accept."""
        return self.severity == "error" and self.accepted is None

    def format(self) -> str:
        sev = "" if self.severity == "error" else f"{self.severity}: "
        code = f"[{self.code}] " if self.code else ""
        who = f"{', '.join(self.controllers)}: " if self.controllers else ""
        head = f"{who}{self.file}:{self.line}:{self.col}: {self.path}: {sev}{code}{self.message}"
        return head + (f"\n  hint: {self.hint}" if self.hint else "") + (f"\n  accepted: {self.accepted}" if self.accepted else "")

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "file": self.file,
            "line": self.line,
            "col": self.col,
            "path": self.path,
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "hint": self.hint,
            "accepted": self.accepted is not None,
            "accepted_reason": self.accepted,
        }
        if self.controllers:  # only for specs with controllers: other documents keep their shape
            out["controllers"] = list(self.controllers)
        return out


@dataclass
class Report:
    """All diagnostics of one run, in source order."""

    items: list[Diagnostic] = field(default_factory=list)

    def add(self, diag: Diagnostic) -> None:
        self.items.append(diag)

    def extend(self, diags: Iterable[Diagnostic]) -> None:
        self.items.extend(diags)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == "warning"]

    def sorted(self) -> list[Diagnostic]:
        return sorted(self.items, key=lambda d: (d.file, d.line, d.col, d.severity != "error", d.message))


def blocking(diags: Iterable[Diagnostic]) -> list[Diagnostic]:
    """The diagnostics that fail a run: errors, less those the spec accepts (lint.accept)."""
    return [d for d in diags if d.blocking]


def strictify(diags: Iterable[Diagnostic], strict: bool) -> list[Diagnostic]:
    """`--strict`: every warning becomes an error; info stays info."""
    from dataclasses import replace

    if not strict:
        return list(diags)
    return [replace(d, severity="error") if d.severity == "warning" else d for d in diags]


def combine_controllers(diags: Iterable[Diagnostic]) -> list[Diagnostic]:
    """One diagnostic per problem: the same finding from several controllers (a base line they
    all inherit) becomes one that names them all, in the order they were first seen."""
    from dataclasses import replace

    merged: dict[Diagnostic, list[str]] = {}
    for d in diags:
        names = merged.setdefault(replace(d, controllers=()), [])
        names.extend(c for c in d.controllers if c not in names)
    return [replace(d, controllers=tuple(names)) for d, names in merged.items()]


class SpecError(JcascGenError):
    """The spec cannot be used; `diagnostics` holds every located problem found (errors, and
    the warnings of the same run), in source order."""

    diagnostics: list[Diagnostic]

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        self.diagnostics = list(diagnostics)
        super().__init__("\n".join(d.format() for d in self.diagnostics))

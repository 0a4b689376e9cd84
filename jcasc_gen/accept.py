"""Accepted risks: `lint.accept: [{rule, reason, where?}]`.

A finding the spec accepts is still reported, with the reason (`Diagnostic.accepted`), but no
longer fails a run, `--strict` included. Only findings with a rule id (JG001...) can be
accepted; validation errors have none, so they never can. `where` (a path as messages print
it, `authorization.grants[2]`) limits an acceptance to findings at or under that place; an
acceptance that matches nothing is a warning, so a stale one does not hide the next finding
of the same rule unnoticed.

The model keeps the acceptances as `Spec.accepted`; the access report reads them from there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Callable, Iterable, Sequence

from .diagnostics import Diagnostic, PathItem

__all__ = ["Acceptance", "check_accept", "build_accepted", "apply_acceptances", "within", "WHERE_PATTERN"]

# A path as `diagnostics.format_path` writes it: `key(.key|[index])*`, or `$` for the whole spec.
WHERE_PATTERN = re.compile(r"\$|[^.\[\]\s][^.\[\]]*(?:\.[^.\[\]\s][^.\[\]]*|\[[0-9]+\])*")


@dataclass(frozen=True)
class Acceptance:
    code: str  # the rule id, e.g. "JG003"
    reason: str
    where: str | None  # a path prefix; None: anywhere
    index: int  # position in lint.accept, for locating


def within(path: str, where: str | None) -> bool:
    """Is a finding at `path` at or under `where`? (paths as messages print them)"""
    if where is None or where == "$":
        return True
    return path == where or path.startswith((where + ".", where + "["))


def _entries(data: Any) -> list[tuple[int, dict[str, Any]]]:
    lint = data.get("lint") if isinstance(data, dict) else None
    accept = lint.get("accept") if isinstance(lint, dict) else None
    if not isinstance(accept, list):
        return []
    return [(i, a) for i, a in enumerate(accept) if isinstance(a, dict)]


def check_accept(data: Any, at: Callable[..., None]) -> None:
    """What the schema cannot say: the rule is one of the lint's, the reason says something,
    `where` is a path. `at(path, message, hint)` reports an error."""
    from .lint_rules import RULES
    from .suggest import Suggester

    known = Suggester(sorted(RULES))
    for i, a in _entries(data):
        base: tuple[PathItem, ...] = ("lint", "accept", i)
        rule = a.get("rule")
        if isinstance(rule, str) and rule not in RULES:
            near = known.suggest(rule)
            at(base + ("rule",), f"unknown lint rule {rule!r}",
               (f"did you mean {near!r}? " if near else "") + "only lint findings with an id (JG001...) can be accepted; "
               "`jcasc-gen lint --explain` lists them, validation errors cannot be accepted")
        reason = a.get("reason")
        if isinstance(reason, str) and reason and not reason.strip():
            at(base + ("reason",), "must not be blank", "say why the risk is accepted: it is printed with every finding it accepts")
        where = a.get("where")
        if isinstance(where, str) and where and not WHERE_PATTERN.fullmatch(where):
            at(base + ("where",), f"{where!r} is not a path in the spec",
               "write it as messages print it, e.g. authorization.grants[2] or jwt.allow_verification_failures")


def build_accepted(data: Any) -> tuple[Acceptance, ...]:
    return tuple(Acceptance(a["rule"], a["reason"].strip(), a.get("where") or None, i) for i, a in _entries(data))


def apply_acceptances(found: Sequence[Diagnostic], accepted: Iterable[Acceptance],
                      warn: Callable[[Sequence[PathItem], str, str], Diagnostic]) -> list[Diagnostic]:
    """`found` with each finding an acceptance matches marked `accepted` (the first matching
    acceptance's reason), and a warning (made by `warn(path, message, hint)`) for each
    acceptance that matches nothing."""
    rules = list(accepted)
    matched: set[int] = set()
    out: list[Diagnostic] = []
    for d in found:
        hit = next((a for a in rules if d.code == a.code and within(d.path, a.where)), None) if d.code else None
        if hit is None:
            out.append(d)
            continue
        matched.update(a.index for a in rules if d.code == a.code and within(d.path, a.where))
        out.append(replace(d, accepted=hit.reason))
    for a in rules:
        if a.index in matched:
            continue
        elsewhere = sorted({d.path for d in found if d.code == a.code})
        path: tuple[PathItem, ...] = ("lint", "accept", a.index) + (("where",) if a.where else ())
        if elsewhere:
            hint = f"{a.code} is reported at {', '.join(elsewhere[:3])}" + (" and more" if len(elsewhere) > 3 else "") + \
                   ": correct `where`, or remove the acceptance"
        else:
            hint = f"the spec has no {a.code} finding any more: remove the acceptance"
        out.append(warn(path, f"this acceptance of {a.code} matches nothing" + (f" at or under {a.where}" if a.where else ""),
                        hint))
    return out

"""The access review: who can do what, per controller and per item, as of a given time.

`build` turns controllers' matrices (access.AccessState, read from a spec or a live Jenkins)
into a `ReportData`: for each controller a table per scope (Jenkins itself, then each item
with a matrix and the folders above it) of principals by permissions, every cell with the reason
explain gives; the controller's administrators; the spec's lint findings and accepted risks.
report_html and report_csv write it, and _review.AccessReport carries it on the public API;
nothing here formats for a reader.
"""

from __future__ import annotations

import datetime as _dt
import os
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from . import permissions
from .access import AccessState, Cell, Principal, cells, principals, scopes, state_from_spec
from .diagnostics import Diagnostic
from .effective import MatrixIndex
from .item_cells import item_cells
from .model import LoadedSpec

__all__ = ["AcceptedRisk", "ScopeTable", "ControllerReport", "ReportData", "build", "controller_from_spec",
           "controller_from_state", "controller_from_live", "report_time", "TimeError"]


@dataclass(frozen=True)
class AcceptedRisk:
    """A lint finding the spec accepts (`lint.accept`), with its reason and where it applies."""

    code: str
    reason: str
    where: str | None = None


@dataclass(frozen=True)
class ScopeTable:
    path: str | None  # None: Jenkins itself (the global matrix)
    inherit: str | None  # the item's inheritance as the state lists it; None: global, or a folder without a matrix
    permissions: tuple[str, ...]  # the columns: what someone holds or is granted here
    unheld: tuple[str, ...]  # what nobody holds here (no column)
    cells: tuple[tuple[Cell, ...], ...]  # per principal, per column
    # per principal: can it reach the item at all (Overall/Read, and Job/Read on it and every
    # folder above; else Jenkins answers 404 and the item's permissions cannot be used). () for Jenkins itself.
    visible: tuple[bool, ...] = ()

    def holders(self, pid: str) -> list[int]:
        """Row numbers of the principals that hold `pid` here."""
        if pid not in self.permissions:
            return []
        col = self.permissions.index(pid)
        return [i for i, row in enumerate(self.cells) if row[col].allowed]


@dataclass(frozen=True)
class ControllerReport:
    name: str | None  # the controller's name (spec `controllers:`); None: a spec of one controller
    url: str
    source: str  # what was read: the spec file, or the live Jenkins
    strategy: str | None
    principals: tuple[Principal, ...]
    scopes: tuple[ScopeTable, ...]
    findings: tuple[Diagnostic, ...] = ()
    accepted: tuple[AcceptedRisk, ...] = ()
    notes: tuple[str, ...] = ()
    live: bool = False

    @property
    def administrators(self) -> list[Principal]:
        """Who passes Overall/Administer on the whole controller (nobody known when its
        strategy is not a matrix: there is no table)."""
        if not self.scopes:
            return []
        top = self.scopes[0]
        return [self.principals[i] for i in top.holders(permissions.ADMINISTER)]


@dataclass(frozen=True)
class ReportData:
    title: str
    generated_at: _dt.datetime  # UTC
    tool_version: str
    controllers: tuple[ControllerReport, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        """`report --format json`: every cell, with the words and kind the HTML shows."""
        return {"command": "report", "title": self.title, "generated_at": self.generated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "tool_version": self.tool_version, "controllers": [_controller_json(c) for c in self.controllers]}


def _controller_json(c: ControllerReport) -> dict[str, Any]:
    def scope_json(s: ScopeTable) -> dict[str, Any]:
        return {"path": s.path, "inherit": s.inherit, "permissions": list(s.permissions), "unheld": list(s.unheld),
                "principals": [{"kind": p.kind, "name": p.name, **({"sees_item": s.visible[n]} if s.path is not None else {}),
                                "cells": [{"permission": pid, "allowed": cell.allowed, "how": cell.kind, "reason": cell.reason}
                                          for pid, cell in zip(s.permissions, s.cells[n])]}
                               for n, p in enumerate(c.principals)]}

    return {"name": c.name, "url": c.url, "source": c.source, "strategy": c.strategy, "live": c.live, "notes": list(c.notes),
            "administrators": [{"kind": p.kind, "name": p.name} for p in c.administrators],
            "findings": [d.to_json() for d in c.findings],
            "accepted": [{"rule": a.code, "reason": a.reason, "where": a.where} for a in c.accepted],
            "scopes": [scope_json(s) for s in c.scopes]}


class TimeError(ValueError):
    """--time or SOURCE_DATE_EPOCH is not a time."""


def report_time(given: str | None, environ: Mapping[str, str] | None = None) -> _dt.datetime:
    """The time the report states: `given` (ISO 8601; without a zone it is UTC), else
    SOURCE_DATE_EPOCH (reproducible-builds.org: seconds since the epoch), else now. In UTC,
    to the second."""
    from ._review import at_second

    env = os.environ if environ is None else environ
    when: _dt.datetime | None = None
    if given is not None:
        try:
            when = _dt.datetime.fromisoformat(given.strip().replace("Z", "+00:00"))
        except ValueError:
            raise TimeError(f"--time {given!r} is not an ISO 8601 time (e.g. 2026-12-31T23:59:00Z)") from None
    elif env.get("SOURCE_DATE_EPOCH"):
        text = env["SOURCE_DATE_EPOCH"]
        if not text.strip().isdigit():
            raise TimeError(f"SOURCE_DATE_EPOCH={text!r} is not a whole number of seconds since 1970-01-01")
        try:
            when = _dt.datetime.fromtimestamp(int(text), _dt.timezone.utc)
        except (OverflowError, OSError, ValueError):
            raise TimeError(f"SOURCE_DATE_EPOCH={text!r} is out of range") from None
    try:
        return at_second(when)  # a time without a zone is UTC
    except ValueError:
        raise TimeError(f"--time {given!r} is out of range once in UTC") from None


def accepted_risks(loaded: LoadedSpec) -> tuple[AcceptedRisk, ...]:
    """The spec's `lint.accept` entries, in the spec's order."""
    return tuple(AcceptedRisk(a.code, a.reason, a.where) for a in loaded.spec.accepted)


def controller_from_state(state: AccessState, *, name: str | None, url: str, source: str,
                          findings: Sequence[Diagnostic] = (), accepted: Sequence[AcceptedRisk] = (),
                          notes: Sequence[str] = (), live: bool = False) -> ControllerReport:
    """Every principal's cells at every scope of `state`."""
    from . import item_paths

    notes = list(notes)
    if not state.known:
        # not a matrix (unsecured, loggedInUsersCanDoAnything, ...): nothing to tabulate
        why = "; ".join(state.problems) if state.problems else f"the authorization strategy is {state.strategy!r}, not a matrix"
        notes.append(f"{why}: effective permissions are not computed")
        return ControllerReport(name, url, source, state.strategy, (), (), tuple(findings), tuple(accepted), tuple(notes), live)
    people = principals(state)
    listed = {item_paths.item_key(n.path): n.inherit for n in state.items}
    index = MatrixIndex(state.entries)
    every_scope = scopes(state)
    on_items = item_cells(state, people, [s for s in every_scope if s is not None], list(state.item_permissions))
    tables = []
    for scope in every_scope:
        universe = state.universe if scope is None else list(state.item_permissions)
        grid = cells(state, people, None, universe, index=index) if scope is None else on_items[scope][0]
        held = [any(row[c].kind != "none" for row in grid) for c in range(len(universe))]
        keep = [c for c in range(len(universe)) if held[c]]
        tables.append(ScopeTable(
            scope, None if scope is None else listed.get(item_paths.item_key(scope)),
            tuple(universe[c] for c in keep), tuple(universe[c] for c in range(len(universe)) if not held[c]),
            tuple(tuple(row[c] for c in keep) for row in grid),
            () if scope is None else tuple(on_items[scope][1])))
    if state.strategy is None:
        notes.append("no authorization strategy: nobody is granted anything by a matrix")
    return ControllerReport(name, url, source, state.strategy, tuple(people), tuple(tables), tuple(findings), tuple(accepted),
                            tuple(notes), live)


def controller_from_spec(loaded: Any, *, name: str | None = None, findings: Sequence[Diagnostic] | None = None) -> ControllerReport:
    """What the spec grants, with its validation warnings and lint findings (`findings`, else
    computed: lint_rules.findings, what `jcasc_gen.lint` returns)."""
    if findings is None:
        from .lint_rules import findings as spec_findings

        findings = spec_findings(loaded)
    spec = loaded.spec
    notes = []
    if spec.authorization.items and spec.authorization.symbol != "projectMatrix":
        notes.append("the items' matrices are ignored: Jenkins reads them only under the project matrix")
    return controller_from_state(state_from_spec(spec), name=name, url=spec.jenkins_url,
                                 source=f"spec {spec.source} (sha256 {spec.sha256[:12]})",
                                 findings=findings, accepted=accepted_risks(loaded), notes=notes)


def controller_from_live(spec: Any, document: Any, items: Any, url: str, *, name: str | None = None) -> ControllerReport:
    """What one live Jenkins holds, from what `diff --live` reads (live/reads.read_export: the
    export, the listed items' matrices, the walk for the others); `spec` (the model) says which
    items to read and which permissions they know."""
    from .access import live_states
    from .live.credentials import shown_url

    changes, _effects, unmanaged, truncated = items
    state, _ = live_states(spec, document, changes, unmanaged)
    notes = ["the walk for item matrices stopped at its limit: some items may be missing"] if truncated else []
    shown = shown_url(url)
    return controller_from_state(state, name=name, url=shown, source=f"the live Jenkins at {shown}", notes=notes, live=True)


def build(controllers: Sequence[ControllerReport], *, title: str, generated_at: _dt.datetime) -> ReportData:
    from . import __version__

    return ReportData(title, generated_at, __version__, tuple(controllers))

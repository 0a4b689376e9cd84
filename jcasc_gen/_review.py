"""The access review on the public API: `report(spec)` for what a spec grants, and
`Jenkins.report(spec)` (in _jenkins.py) for what a running Jenkins holds; both return an
`AccessReport`, which writes itself as HTML, CSV or JSON.

`jcasc-gen report` is these calls and a file write. The cells are computed by access.py and
access_report.py from effective.py and item_acl.py, the computation `explain` uses.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Sequence, final

from ._api import Spec

if TYPE_CHECKING:
    from .access_report import ControllerReport, ReportData

__all__ = ["AccessReport", "report", "at_second"]


def at_second(when: datetime | None) -> datetime:
    """The time a report states: `when` (a naive time is taken as UTC), else now; in UTC, to
    the second (the report shows seconds, and the same inputs must give the same bytes)."""
    if when is None:
        when = datetime.now(timezone.utc)
    elif not isinstance(when, datetime):
        raise TypeError(f"generated_at must be a datetime, not {type(when).__name__}")
    elif when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    try:
        return when.astimezone(timezone.utc).replace(microsecond=0)
    except OverflowError:
        raise ValueError(f"{when.isoformat()} is out of range once in UTC") from None


@final
class AccessReport:
    """Who can do what, per controller and per folder or job, each cell with its reason.

    Made by `jcasc_gen.report(spec)` (what a spec grants) or `Jenkins(...).report(spec)`
    (what a running Jenkins holds); `AccessReport.combine` puts several in one document.
    `to_html()` is one self-contained page, `to_csv()` the same cells for spreadsheets,
    `to_json()` the same cells as data: what `jcasc-gen report --format html|csv|json` writes.
    """

    __slots__ = ("_built",)

    def __init__(self, built: ReportData) -> None:
        self._built = built

    @property
    def title(self) -> str:
        return self._built.title

    @property
    def generated_at(self) -> datetime:
        """The time the report states (UTC)."""
        return self._built.generated_at

    @property
    def tool_version(self) -> str:
        return self._built.tool_version

    @property
    def controllers(self) -> tuple[str | None, ...]:
        """The controllers it has a section for, by name (None: a spec without `controllers:`)."""
        return tuple(c.name for c in self._built.controllers)

    @property
    def administrators(self) -> dict[str | None, list[str] | None]:
        """Per controller, who passes Overall/Administer on it: `user NAME`, `group NAME`,
        `user-or-group NAME`, `anonymous` or `authenticated`; [] nobody (a lockout), None not
        known (the authorization strategy is not a matrix)."""
        return {c.name: ([_label(p) for p in c.administrators] if c.scopes else None) for c in self._built.controllers}

    def to_html(self) -> str:
        """One self-contained HTML page: it fetches nothing, and every name in it is escaped."""
        from .report_html import render_html

        return render_html(self._built)

    def to_csv(self, *, allowed_only: bool = False) -> str:
        """One row per controller, scope, principal and permission (UTF-8 with a BOM, CRLF, every
        field quoted, formula-looking fields prefixed with `'`); `allowed_only`: only what is
        allowed (every cell of a large organisation can pass a spreadsheet's row limit)."""
        from .report_csv import render_csv

        return render_csv(self._built, allowed_only=allowed_only)

    def to_json(self) -> dict[str, Any]:
        """`jcasc-gen report --format json`: every cell, with the words and kind the HTML shows."""
        return self._built.to_json()

    @classmethod
    def combine(cls, reports: Sequence[AccessReport], *, title: str | None = None,
                generated_at: datetime | None = None) -> AccessReport:
        """One document with every section of `reports`, in order (say, the controllers of a
        fleet, each read by its own `Jenkins`). `title` defaults to the first report's, the time
        to the earliest report's."""
        from .access_report import build

        if not reports or not all(isinstance(r, AccessReport) for r in reports):
            raise TypeError("combine takes a non-empty sequence of AccessReport")
        when = at_second(generated_at) if generated_at is not None else min(r.generated_at for r in reports)
        return cls(build([c for r in reports for c in r._built.controllers], title=title if title is not None else reports[0].title,
                         generated_at=when))

    def __repr__(self) -> str:
        return f"AccessReport(title={self.title!r}, controllers={list(self.controllers)!r}, generated_at={self.generated_at.isoformat()!r})"


def _label(p: Any) -> str:
    return p.kind if p.kind in ("anonymous", "authenticated") else f"{p.kind.replace('_', '-')} {p.name}"


def _from_spec(spec: Spec) -> ControllerReport:
    from ._api import lint
    from .access_report import controller_from_spec

    if not isinstance(spec, Spec):
        raise TypeError(f"expected a Spec from jcasc_gen.load(), got {type(spec).__name__}")
    return controller_from_spec(spec._loaded, findings=lint(spec), name=spec.controller)


def report(spec: Spec | Sequence[Spec], *, title: str | None = None, generated_at: datetime | None = None) -> AccessReport:
    """The access review of what the spec grants: a section per `Spec` given (the controllers
    of a spec with `controllers:`, each from `load(..., controller=NAME)`), with the spec's
    validation warnings and lint findings (which never stop a report: a lockout is what an
    auditor must see). `title` defaults to the first spec's source, `generated_at` (the time
    the report states) to now."""
    from .access_report import build

    specs = [spec] if isinstance(spec, Spec) else list(spec)
    if not specs:
        raise TypeError("report takes a Spec, or a non-empty sequence of them")
    controllers = [_from_spec(s) for s in specs]
    return AccessReport(build(controllers, title=title if title is not None else specs[0].source,
                              generated_at=at_second(generated_at)))

"""The access report as CSV for spreadsheets: one row per controller, scope, principal and
permission, allowed or not, with the reason. A scope is `global` (Jenkins itself, the global
matrix) or `item` (the `item` column holds its full name; `sees_item` says whether the principal can
reach it at all: without Overall/Read and Job/Read on it and every folder above, Jenkins answers
404 and the permissions on it cannot be used). Permissions nobody holds or is
granted at a scope get no rows there (the HTML lists them as "nobody holds").

Every field is quoted (RFC 4180, CRLF line ends), the file is UTF-8 with a byte-order mark
(spreadsheets read it as UTF-8 only then), and a field that starts with `=`, `+`, `-`, `@`, a
tab or a carriage return gets a leading `'` so no spreadsheet runs it as a formula (OWASP "CSV
Injection"). Only such fields change; the `'` shows in the cell.
"""

from __future__ import annotations

import csv
import io

from .access_report import ReportData

__all__ = ["render_csv", "csv_cell", "COLUMNS", "FORMULA_STARTS"]

COLUMNS = ("generated_at", "controller", "url", "scope", "item", "principal_kind", "principal", "sees_item", "permission", "allowed",
           "how", "reason")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(text: str) -> str:
    """A field a spreadsheet shows as text, never evaluates."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def render_csv(report: ReportData, *, allowed_only: bool = False) -> str:
    """Every cell of every scope; `allowed_only` keeps the allowed ones (10,000 principals and 10
    folders are 2 million rows, past a spreadsheet's 1,048,576; allowed, a fraction)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    when = report.generated_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    for c in report.controllers:
        for s in c.scopes:
            scope, item = ("global", "") if s.path is None else ("item", s.path)
            for n, (p, row) in enumerate(zip(c.principals, s.cells)):
                sees = "" if s.path is None else "yes" if s.visible[n] else "no"
                for pid, cell in zip(s.permissions, row):
                    if allowed_only and not cell.allowed:
                        continue
                    writer.writerow([csv_cell(x) for x in (when, c.name or "", c.url, scope, item, p.kind, p.name, sees, pid,
                                                           "yes" if cell.allowed else "no", cell.kind, cell.reason)])
    return out.getvalue()

"""The access report as one self-contained HTML file.

templates/report/access.html.j2 is rendered with autoescape on: every name, path and message
reaches the page HTML-escaped. The matrix itself travels once, as JSON in a
`<script type="application/json">` (`script_json`: `<`, `>`, `&`, U+2028, U+2029 and lone
surrogates escaped, so no name can end the script element or break a parser); the page's script
(templates/report/report.js) builds the table from it with textContent only, a page of rows at
a time, so 10,000 principals stay usable.

Nothing is fetched: the style and the script are inline, and a Content-Security-Policy meta
tag allows exactly those two (by their sha256) and nothing else (no fetch, image, font, frame,
form or base URL).

The palette lives here (`PALETTE`), with the pairs it is read in (`CONTRAST_PAIRS`): a test
computes their WCAG contrast.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from typing import Any, Mapping

import jinja2
from markupsafe import Markup

from . import permissions
from .access import Principal
from .access_report import ReportData
from .resources import data_dir

__all__ = ["render_html", "report_data", "script_json", "PALETTE", "CONTRAST_PAIRS", "KINDS", "csp_for"]

# Cell kinds in the order their codes use (code = reason index * 8 + kind index).
KINDS: tuple[str, ...] = ("none", "direct", "role", "implied", "authenticated", "anonymous", "inherited", "disabled")

# Colours (sRGB hex). Each cell kind has a background and a text colour; `focus` outlines the
# focused cell; `tip` is the reason box.
PALETTE: Mapping[str, str] = {
    "page": "#ffffff", "text": "#1b1f24", "muted": "#4f5861", "link": "#0a53be", "rule": "#8c959f",
    "head": "#eef1f4", "focus": "#0a53be", "tip": "#1b1f24", "tip-text": "#ffffff",
    "none": "#ffffff", "none-text": "#5c6670",
    "direct": "#d3f5dc", "direct-text": "#0d5323",
    "role": "#d6ecff", "role-text": "#083d77",
    "implied": "#e9f3e1", "implied-text": "#2a531b",
    "authenticated": "#fff3b8", "authenticated-text": "#5c4300",
    "anonymous": "#ffe1de", "anonymous-text": "#8e0c19",
    "inherited": "#ece4f8", "inherited-text": "#4b2e85",
    "disabled": "#eef1f4", "disabled-text": "#4f5861",
    "error": "#ffe1de", "error-text": "#8e0c19",
    "warning": "#fff3b8", "warning-text": "#5c4300",
    "info": "#d6ecff", "info-text": "#083d77",
}

# (foreground, background, minimum ratio, what): WCAG 2.1 1.4.3 text 4.5:1, 1.4.11 non-text 3:1.
CONTRAST_PAIRS: tuple[tuple[str, str, float, str], ...] = (
    ("text", "page", 4.5, "body text"),
    ("muted", "page", 4.5, "secondary text"),
    ("link", "page", 4.5, "links"),
    ("text", "head", 4.5, "table headers"),
    ("muted", "head", 4.5, "the kind of principal in row headers"),
    ("anonymous-text", "head", 4.5, "'cannot see it' in row headers"),
    ("tip-text", "tip", 4.5, "the reason box"),
    *((f"{k}-text", k, 4.5, f"{k} cells") for k in KINDS),
    *((f"{s}-text", s, 4.5, f"{s} findings") for s in ("error", "warning", "info")),
    *(("focus", k, 3.0, f"focus outline on {k} cells") for k in KINDS),
    ("focus", "page", 3.0, "focus outline on the page"),
    ("rule", "page", 3.0, "table and input borders"),
)

_env: jinja2.Environment | None = None


def _environment() -> jinja2.Environment:
    global _env
    if _env is None:
        root = data_dir("templates")
        _env = jinja2.Environment(
            loader=jinja2.FunctionLoader(lambda name: _read(root, name)),
            autoescape=True,  # every value is HTML-escaped unless marked Markup here
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
        )
    return _env


def _read(root: Any, name: str) -> str:
    for part in name.split("/"):  # one part per joinpath: 3.10's Traversable takes one
        root = root.joinpath(part)
    return str(root.read_text(encoding="utf-8"))


_SURROGATE = re.compile("[\ud800-\udfff]")


def script_json(data: Any) -> Markup:
    """`data` as JSON that is safe as the text of a `<script type="application/json">`:
    JSON.parse reads back exactly `data`, and the text holds no `<` (so no `</script` or
    `<!--`), no `>` or `&`, no U+2028/U+2029 (line ends to older JavaScript) and no lone
    surrogate (not encodable in UTF-8)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return Markup(_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text))


def _own_label(p: Principal) -> str | None:
    """The words explain uses for a principal's own entry, when they are `kind name` (the
    script rebuilds them, so reasons that name the row's own entry are stored once for all rows
    alike); None for the built-ins."""
    from .effective import MatrixEntry

    if p.kind in ("anonymous", "authenticated"):
        return None
    label = MatrixEntry(p.kind, p.name, frozenset()).label  # type: ignore[arg-type]
    return label if label == f"{p.kind.replace('_', '-')} {p.name}" else None


def report_data(report: ReportData) -> dict[str, Any]:
    """What the page's script reads: principals, and per scope the permission columns and rows.

    Compact for 10,000 principals: a reason is stored once (a list of parts to join with the
    row's own label when it names the row's own entry), a cell is a number (reason * 8 + kind),
    and identical rows are stored once per scope (`patterns`; `rows` picks one per principal).
    `hidden` lists the principals that cannot see the item (Jenkins answers them 404).
    """
    reasons: dict[Any, int] = {"": 0}
    listed: list[Any] = [""]

    def reason_id(text: str, own: str | None) -> int:
        parts = text.split(own) if own else [text]
        key: Any = tuple(parts) if len(parts) > 1 else text
        found = reasons.get(key)
        if found is None:
            found = reasons[key] = len(listed)
            listed.append(list(parts) if len(parts) > 1 else text)
        return found

    kind_code = {k: i for i, k in enumerate(KINDS)}
    controllers = []
    for c in report.controllers:
        own = [_own_label(p) for p in c.principals]
        tables = []
        for s in c.scopes:
            patterns: dict[tuple[int, ...], int] = {}
            rows = []
            for i, row in enumerate(s.cells):
                codes = tuple(reason_id(cell.reason, own[i]) * 8 + kind_code[cell.kind] for cell in row)
                rows.append(patterns.setdefault(codes, len(patterns)))
            tables.append({"path": s.path, "perms": list(s.permissions), "patterns": [list(p) for p in patterns], "rows": rows,
                           "hidden": [i for i, seen in enumerate(s.visible) if not seen]})
        controllers.append({"principals": [[p.kind, p.name] for p in c.principals], "scopes": tables})
    return {"version": 1, "kinds": list(KINDS), "reasons": listed, "controllers": controllers}


def _hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def csp_for(script: str, style: str) -> str:
    """Only this script and this style run; nothing is loaded, sent or framed."""
    return (f"default-src 'none'; script-src {_hash(script)}; style-src {_hash(style)}; img-src 'none'; font-src 'none'; "
            "connect-src 'none'; media-src 'none'; object-src 'none'; frame-src 'none'; worker-src 'none'; "
            "manifest-src 'none'; base-uri 'none'; form-action 'none'")


def _scope_title(path: str | None) -> str:
    return "Jenkins (the global matrix)" if path is None else path


def render_html(report: ReportData) -> str:
    env = _environment()
    style = env.get_template("report/report.css.j2").render(palette=PALETTE)
    script = _read(data_dir("templates"), "report/report.js")
    order = {pid: i for i, pid in enumerate(permissions.CATALOG)}
    every = sorted({p for c in report.controllers for s in c.scopes for p in s.permissions},
                   key=lambda p: (order.get(p, len(order)), p))
    page = env.get_template("report/access.html.j2").render(
        report=report,
        generated=report.generated_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
        generated_iso=report.generated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        csp=csp_for(script, style),
        style=Markup(style),
        script=Markup(script),
        data=script_json(report_data(report)),
        permissions=every,
        scope_title=_scope_title,
        admin_shown=100,
    )
    return page

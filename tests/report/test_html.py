"""The HTML report: stable output, escaping of every name, nothing fetched, a palette that reads."""

from __future__ import annotations

import base64
import hashlib
import html.parser
import json
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jcasc_gen.access import state_from_document
from jcasc_gen.exitcodes import ExitCode
from jcasc_gen.item_paths import path_problem
from jcasc_gen.access_report import build, controller_from_state, report_time
from jcasc_gen.report_html import CONTRAST_PAIRS, KINDS, PALETTE, render_html, report_data, script_json

from .conftest import CASES, SMALL, TIME, check_golden


class Page(html.parser.HTMLParser):
    """What a browser's parser sees: text per element, attributes, each script's text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.styles: list[str] = []
        self.text: list[tuple[str, str]] = []  # (enclosing tag, text)
        self.attrs: list[tuple[str, dict[str, str | None]]] = []
        self._script: dict[str, str | None] | None = None
        self._raw: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attrs.append((tag, dict(attrs)))
        if tag in ("script", "style"):
            self._script = dict(attrs)
            self._raw = []
        if tag not in ("meta", "br", "wbr", "input", "link"):
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script, "".join(self._raw)))
            self._script = None
        elif tag == "style" and self._script is not None:
            self.styles.append("".join(self._raw))
            self._script = None
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._raw.append(data)
        else:
            self.text.append((self.stack[-1] if self.stack else "", data))


def parse(text: str) -> Page:
    page = Page()
    page.feed(text)
    page.close()
    return page


def data_of(page: Page) -> Any:
    (raw,) = [body for attrs, body in page.scripts if attrs.get("type") == "application/json"]
    return json.loads(raw)


def test_golden_html_of_a_small_spec(run_cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """Every kind of cell, an item with `inherit: none` and a job below it, lint findings; the
    time fixed by --time, so the file is the same on every run."""
    monkeypatch.chdir(CASES)
    code, out, err = run_cli("report", SMALL.name, "--time", TIME)
    assert code == ExitCode.OK, err
    check_golden("small.expected.html", out)
    assert run_cli("report", SMALL.name, "--time", TIME)[1] == out  # stable


def test_the_time_comes_from_time_or_source_date_epoch(run_cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(CASES)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1796117400")  # 2026-12-01T09:30:00Z
    from_env = run_cli("report", SMALL.name)[1]
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert from_env == run_cli("report", SMALL.name, "--time", TIME)[1]
    assert '<time datetime="2026-12-01T09:30:00Z">2026-12-01 09:30:00 UTC</time>' in from_env
    assert report_time("2026-12-01T10:30:00+01:00").isoformat() == "2026-12-01T09:30:00+00:00"
    assert report_time("2026-12-01T09:30:00").isoformat() == "2026-12-01T09:30:00+00:00"  # no zone: UTC
    for bad in (["--time", "yesterday"], ["--time", ""]):
        code, out, err = run_cli("report", SMALL.name, *bad)
        assert code == ExitCode.USAGE and out == "" and "not an ISO 8601 time" in err
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "soon")
    code, out, err = run_cli("report", SMALL.name)
    assert code == ExitCode.USAGE and "SOURCE_DATE_EPOCH" in err and out == ""


def test_the_page_fetches_nothing_and_runs_only_its_own_script(run_cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(CASES)
    out = run_cli("report", SMALL.name, "--time", TIME)[1]
    page = parse(out)
    (csp,) = [a["content"] for tag, a in page.attrs if tag == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert csp is not None
    policy = dict((d.split(" ", 1) + [""])[:2] for d in (x.strip() for x in csp.split(";")))
    assert policy["default-src"] == "'none'" and policy["connect-src"] == "'none'" and policy["img-src"] == "'none'"
    assert policy["base-uri"] == "'none'" and policy["form-action"] == "'none'" and policy["font-src"] == "'none'"
    # the CSP meta comes before any script or style, and allows exactly the inline ones
    order = [tag for tag, _ in page.attrs]
    assert order.index("meta") < order.index("style") and order.index("style") < order.index("script")

    def digest(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"

    (code,) = [body for attrs, body in page.scripts if "type" not in attrs]
    (style,) = page.styles
    assert policy["script-src"] == digest(code) and policy["style-src"] == digest(style)
    # nothing in the page names a resource to load
    for tag, attrs in page.attrs:
        assert "src" not in attrs and "srcset" not in attrs, tag
        assert not (attrs.get("href") or "#").startswith(("http", "//")) or tag == "a" and False, (tag, attrs)
        assert not any(k.startswith("on") for k in attrs), (tag, attrs)  # no inline handlers (the CSP would block them)
        assert "style" not in attrs, (tag, attrs)
    assert "@import" not in style and "url(" not in style
    # the script builds the page with textContent only
    for risky in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "Function(", "fetch(",
                  "XMLHttpRequest", "import(", "setTimeout(\"", "src ="):
        assert risky not in code, risky
    assert "</script" not in code.lower() and "<!--" not in code


HOSTILE = ["<script>window.pwned=1</script>", "</script><script>window.pwned=2</script>", "<img src=x onerror=window.pwned=3>", "\"quoted\" & 'single'", "{{ 7*7 }}",
           "line\u2028sep\u2029para", "</SCRIPT", "<!--", "a]]>b", "${x}", "&amp;", "`tick`", "\ud800lone"]


ADMIN = "<b>admin</b> {{ 7*7 }} \"q\" 'q' &amp;"  # listed in the markup, as an administrator


def _hostile_report() -> str:
    """A live-looking controller (names as Jenkins holds them, which the spec loader would refuse)."""
    entries = [{"user": {"name": ADMIN, "permissions": ["Overall/Administer"]}}]
    entries += [{"user" if i % 2 else "group": {"name": n, "permissions": ["Overall/Read", "Job/Build"]}} for i, n in enumerate(HOSTILE)]
    from jcasc_gen.item_acl import ItemNode
    from jcasc_gen.effective import MatrixEntry

    items = [ItemNode("team <script> {{x}}", "none", (MatrixEntry("group", HOSTILE[0], frozenset({"Job/Read"})),))]
    state = state_from_document({"jenkins": {"authorizationStrategy": {"projectMatrix": {"entries": entries}}}}, items)
    controller = controller_from_state(state, name=None, url="https://jenkins.example.com/<x>", source="the live Jenkins", live=True)
    return render_html(build([controller], title="<title> & {{ title }}", generated_at=report_time(TIME)))


def test_hostile_names_are_escaped_in_the_html_and_the_json() -> None:
    out = _hostile_report()
    page = parse(out)
    # exactly two scripts (the data and the code): no name opened or closed one
    assert len(page.scripts) == 2 and len(page.styles) == 1
    data = data_of(page)
    names = {p[1] for c in data["controllers"] for p in c["principals"]}
    assert set(HOSTILE) <= names, set(HOSTILE) - names
    assert "team <script> {{x}}" in [s["path"] for s in data["controllers"][0]["scopes"]]
    raw = out[out.index('<script type="application/json"'):]
    raw = raw[raw.index(">") + 1:raw.index("</script>")]
    for c in "<>&\u2028\u2029":
        assert c not in raw
    assert "\\u2028" in raw and "\\u003c/script" in raw and "\\ud800" in raw
    # names in the markup (the administrators list, headings) are text, never tags
    tags = {tag for tag, _ in page.attrs}
    assert "title" in tags and tags - {"b"} <= {"html", "head", "meta", "title", "style", "body", "header", "h1", "p", "time", "code", "ul",
                                        "li", "span", "nav", "a", "div", "label", "input", "select", "option", "noscript",
                                        "main", "section", "h2", "h3", "strong", "table", "caption", "thead", "tbody", "script", "button"}
    texts = "".join(t for _, t in page.text)
    assert "<title> & {{ title }}" in texts and "https://jenkins.example.com/<x>" in texts
    assert "team <script> {{x}}" in texts  # the item's heading
    assert ("li", ADMIN) in page.text  # the administrators list: the name as text, no <b>, no template run
    assert "b" not in tags and ADMIN in {p[1] for p in data["controllers"][0]["principals"]}


@settings(max_examples=200, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(), lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12))
def test_script_json_reads_back_and_cannot_end_its_element(value: Any) -> None:
    """Any data (names with `</script>`, `<!--`, U+2028, lone surrogates...) embedded in a
    `<script type="application/json">` is the element's whole text, and JSON.parse reads back
    exactly the data."""
    text = str(script_json(value))
    page = parse(f'<script type="application/json">{text}</script><p>after</p>')
    (attrs, body), = page.scripts
    assert body == text and ("p", "after") in page.text
    assert json.loads(body) == value
    assert not re.search(r"[<>&\u2028\u2029\ud800-\udfff]", body)
    body.encode("utf-8")  # a lone surrogate would fail here


def test_identical_rows_are_stored_once() -> None:
    """10,000 principals with the same grants are one row pattern, and a reason naming the row's
    own entry is stored once for all of them."""
    entries = [{"user": {"name": "admin", "permissions": ["Overall/Administer"]}}]
    entries += [{"user": {"name": f"user{i}@example.com", "permissions": ["Overall/Read", "Job/Build"]}} for i in range(300)]
    state = state_from_document({"jenkins": {"authorizationStrategy": {"globalMatrix": {"entries": entries}}}})
    report = build([controller_from_state(state, name=None, url="u", source="s")], title="t", generated_at=report_time(TIME))
    data = report_data(report)
    (scope,) = data["controllers"][0]["scopes"]
    # anonymous and authenticated hold nothing (one pattern), admin, and the 300 users alike
    assert len(scope["rows"]) == 303 and len(scope["patterns"]) == 3
    assert ["", " (implied by Job/Build)"] in data["reasons"]


def _luminance(hex_colour: str) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    """WCAG 2.1 contrast ratio."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_contrast_formula() -> None:
    assert round(contrast("#000000", "#ffffff"), 2) == 21.0 and contrast("#777777", "#777777") == 1.0
    assert round(contrast("#767676", "#ffffff"), 2) == 4.54  # the well-known AA grey


@pytest.mark.parametrize("fg,bg,minimum,what", CONTRAST_PAIRS)
def test_palette_meets_wcag_aa(fg: str, bg: str, minimum: float, what: str) -> None:
    ratio = contrast(PALETTE[fg], PALETTE[bg])
    assert ratio >= minimum, f"{what}: {fg} on {bg} is {ratio:.2f}:1, needs {minimum}:1"


def test_every_cell_kind_has_a_colour_pair_and_a_css_rule() -> None:
    css = (CASES.parents[2] / "templates" / "report" / "report.css.j2").read_text()
    for kind in KINDS:
        assert kind in PALETTE and f"{kind}-text" in PALETTE
        assert f".k-{kind} {{ background: var(--{kind}); color: var(--{kind}-text); }}" in css
    assert any(p[0] == "focus" for p in CONTRAST_PAIRS)


def test_tables_have_captions_and_scoped_headers() -> None:
    """The static part of each matrix (the script fills thead and tbody: the browser test
    checks those cells): a caption and a labelled, focusable scroll region."""
    out = _hostile_report()
    page = parse(out)
    tables = [a for tag, a in page.attrs if tag == "table" and "matrix" in (a.get("class") or "")]
    assert len(tables) == 2
    assert out.count("<caption>Principals by permission") == 2
    regions = [a for tag, a in page.attrs if tag == "div" and a.get("role") == "region"]
    assert len(regions) == 2 and all(r.get("tabindex") == "0" and r.get("aria-labelledby") for r in regions)
    assert 'lang="en"' in out


NAME = st.text(min_size=1, max_size=24).filter(lambda s: s.strip() != "")


def _report_with(admin: str, item: str, title: str) -> str:
    entries = [{"user": {"name": admin, "permissions": ["Overall/Administer"]}}]
    from jcasc_gen.effective import MatrixEntry
    from jcasc_gen.item_acl import ItemNode

    items = [ItemNode(item, "none", (MatrixEntry("group", admin, frozenset({"Job/Read"})),))]
    state = state_from_document({"jenkins": {"authorizationStrategy": {"projectMatrix": {"entries": entries}}}}, items)
    controller = controller_from_state(state, name=None, url="https://jenkins.example.com/", source="s", live=True)
    return render_html(build([controller], title=title, generated_at=report_time(TIME)))


@settings(max_examples=60, deadline=None)
@given(NAME, NAME.filter(lambda p: path_problem(p) is None), NAME)
def test_any_name_in_the_markup_is_text_never_markup(admin: str, item: str, title: str) -> None:
    """Names that reach the markup (an administrator, an item's heading (any path Jenkins
    accepts), the title), whatever
    their characters: the page has the same elements as for plain names, each name comes back
    from the parser as the text it is, and the page encodes as UTF-8 (it is written so). (A
    lone surrogate never gets this far: the spec loader and the live export's parser refuse it.)"""
    out = _report_with(admin, item, title)
    out.encode("utf-8")
    page = parse(out)
    plain = parse(_report_with("admin", "/".join(f"f{i}" for i in range(len(item.split("/")))), "title"))  # as deep
    assert [t for t, _ in page.attrs] == [t for t, _ in plain.attrs]
    assert len(page.scripts) == 2 and len(page.styles) == 1
    texts = "\x00".join(t for _, t in page.text)
    for name in (admin, item, title):
        assert name in texts, name


def test_the_specs_accepted_risks_are_shown_with_their_reasons(run_cli) -> None:  # type: ignore[no-untyped-def]
    """An auditor sees which findings the spec accepts and why (issue 15, lint.accept of issue 11):
    the jwt-auth fixture sample accepts JG003 everywhere and JG005 at jwt.jwks_url."""
    import pathlib

    from jcasc_gen.model import load_spec

    sample = pathlib.Path(__file__).resolve().parents[2] / "samples" / "jwt-auth-fixture.yaml"
    accepted = {(a.code, a.where or "everywhere", a.reason) for a in load_spec(sample).spec.accepted}
    assert {code for code, _, _ in accepted} == {"JG003", "JG005"}
    code, out, _ = run_cli("report", str(sample), "-o", "-", "--time", TIME)
    assert code == ExitCode.OK
    page = parse(out)
    cells = [text.strip() for tag, text in page.text if tag == "td"]
    rows = {(cells[i], cells[i + 1], cells[i + 2]) for i in range(len(cells) - 2)}
    assert accepted <= rows
    assert "The spec accepts no lint finding." not in out

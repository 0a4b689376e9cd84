"""The report in a real browser (headless Chromium over the DevTools protocol): what a person
sees. The table renders with the expected cells, the filters narrow the rows, keyboard focus and
hover show the reason, pages turn, nothing is fetched, no script error, the colours as rendered
meet WCAG AA, and a screenshot of a small report is taken (JCASC_GEN_UPDATE_SCREENSHOT=1 writes
it to docs/report.png).

Skipped only where Chromium is not installed (`.ci/run` installs Debian's `chromium` when apt
is there).
"""

from __future__ import annotations

import os
import pathlib
import shutil
from typing import Any, Iterator

import pytest

from jcasc_gen.access import state_from_document
from jcasc_gen.model import load_spec
from jcasc_gen.access_report import build, controller_from_spec, controller_from_state, report_time
from jcasc_gen.report_html import render_html

from .browser import Browser, BrowserError, chromium_path
from .conftest import SMALL, TIME
from .test_html import contrast

REPO = pathlib.Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(chromium_path() is None, reason="Chromium is not installed (apt-get install chromium; .ci/run does it "
                                                                  "where apt is available)")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    pytest.importorskip("websocket", reason="websocket-client is in the test extra: pip install '.[test]'")
    try:
        b = Browser(1280, 900)
    except BrowserError as exc:
        pytest.skip(f"Chromium did not start here: {exc}")
    with b:
        yield b


@pytest.fixture(scope="module")
def small_page(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    folder = tmp_path_factory.mktemp("report")
    cwd = os.getcwd()
    os.chdir(SMALL.parent)
    try:
        report = build([controller_from_spec(load_spec(SMALL.name))], title=SMALL.name, generated_at=report_time(TIME))
    finally:
        os.chdir(cwd)
    page = folder / "access.html"
    page.write_text(render_html(report), encoding="utf-8")
    return page


def _open(browser: Browser, page: pathlib.Path) -> None:
    browser.open(page.as_uri())
    browser.drain(0.3)


def _problems(browser: Browser) -> list[Any]:
    """Script exceptions, console errors and warnings, log errors (a CSP violation is one)."""
    out = []
    for e in browser.events:
        m, p = e["method"], e.get("params", {})
        if m == "Runtime.exceptionThrown":
            out.append(p)
        elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "warning", "assert"):
            out.append(p)
        elif m == "Log.entryAdded" and p["entry"]["level"] in ("error", "warning"):
            out.append(p["entry"])
    return out


def _requests(browser: Browser) -> list[str]:
    return [e["params"]["request"]["url"] for e in browser.events if e["method"] == "Network.requestWillBeSent"]


ROWS = "Array.from(document.querySelectorAll('#c0-s{s}-t tbody tr')).map(tr => Array.from(tr.cells).map(c => c.textContent))"
FRAMES = "new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"


def rows(browser: Browser, s: int) -> Any:
    """Table s's rows, once scrolled to (a table is drawn when it comes near the viewport)."""
    browser.js(f"document.getElementById('c0-s{s}').scrollIntoView({{block: 'nearest'}})")
    browser.js(FRAMES)
    return browser.js(ROWS.format(s=s))


def test_the_table_renders_with_the_expected_cells(browser: Browser, small_page: pathlib.Path) -> None:
    _open(browser, small_page)
    assert browser.js("document.title") == "Access review: small.spec.yaml"
    heads = browser.js("Array.from(document.querySelectorAll('#c0-s0-t thead th')).map(th => [th.scope, th.textContent])")
    assert heads[0] == ["col", "Principal"] and ["col", "Overall/Administer"] in heads and len(heads) == 41
    top = rows(browser, 0)
    assert [r[0] for r in top] == ["anonymous", "authenticated", "groupauditors", "groupdevs", "grouppayments",
                                    "useralice@example.com", "usercarol@example.com"]
    scopes = browser.js("Array.from(document.querySelectorAll('#c0-s0-t tbody th')).map(th => th.scope)")
    assert set(scopes) == {"row"}
    col = [h[1] for h in heads].index("Overall/Administer")
    alice = top[5]
    assert alice[col] == "Rallowed: through a role"  # the symbol, then the words a screen reader reads
    cell = browser.js(f"(() => {{ const td = document.querySelectorAll('#c0-s0-t tbody tr')[5].cells[{col}]; "
                      "return [td.className, td.tabIndex, getComputedStyle(td).backgroundColor]; })()")
    assert cell[0] == "k-role" and cell[1] in (0, -1)
    deploy = rows(browser, 2)
    assert deploy[6][0] == "usercarol@example.com (cannot see it: 404)"  # granted Job/Build there, but no Job/Read above
    assert deploy[3][0] == "groupdevs"  # cannot see it either, but holds nothing there: no mark
    status = browser.js("document.querySelector('#c0-s0 .status').textContent")
    assert status == "Principals 1–7 of 7; page 1 of 1"
    assert _problems(browser) == []


def test_filters_narrow_the_rows(browser: Browser, small_page: pathlib.Path) -> None:
    _open(browser, small_page)
    browser.js("document.getElementById('f-principal').focus()")
    browser.type_text("DEV")  # case does not matter
    browser.js("new Promise(r => setTimeout(r, 300))")
    assert [r[0] for r in rows(browser, 0)] == ["groupdevs"]
    assert browser.js("document.querySelector('#c0-s0 .status').textContent") == "Principals 1–1 of 1 (7 in all); page 1 of 1"
    browser.js("(() => { const i = document.getElementById('f-principal'); i.value = ''; i.dispatchEvent(new Event('input')); })()")
    browser.js("new Promise(r => setTimeout(r, 300))")
    assert len(rows(browser, 0)) == 7
    # "who can administer?": one column, only those who hold it
    browser.js("(() => { const s = document.getElementById('f-permission'); s.value = 'Overall/Administer'; "
               "s.dispatchEvent(new Event('change')); })()")
    assert rows(browser, 0) == [["useralice@example.com", "Rallowed: through a role"]]
    assert rows(browser, 1) == [["useralice@example.com", "↑allowed: inherited"]] or \
        browser.js("document.querySelector('#c0-s1 .status').textContent") == "Nobody holds Overall/Administer here"
    browser.js("(() => { const s = document.getElementById('f-permission'); s.value = 'Job/Build'; "
               "s.dispatchEvent(new Event('change')); })()")
    assert [r[0] for r in rows(browser, 2)] == ["grouppayments", "useralice@example.com",
                                                            "usercarol@example.com (cannot see it: 404)"]
    assert _problems(browser) == []


def test_keyboard_focus_and_hover_show_the_reason(browser: Browser, small_page: pathlib.Path) -> None:
    _open(browser, small_page)
    browser.js("document.querySelector('#c0-s0 .scroll').focus()")
    browser.key("Tab", "Tab", 9)
    first = browser.js("[document.activeElement.tagName, document.activeElement.closest('table').id]")
    assert first == ["TD", "c0-s0-t"]
    for _ in range(5):
        browser.key("ArrowDown", "ArrowDown", 40)  # to alice
    active = browser.js("(() => { const td = document.activeElement; return [td.parentElement.cells[0].textContent, "
                        "td.className, td.getAttribute('aria-describedby'), getComputedStyle(td).outlineStyle, "
                        "getComputedStyle(td).outlineWidth]; })()")
    assert active == ["useralice@example.com", "k-role", "reason", "solid", "3px"]
    tip = browser.js("[document.getElementById('reason').hidden, document.getElementById('reason').textContent]")
    assert tip == [False, "user alice@example.com\nOverall/Administer on Jenkins: allowed: through a role\n"
                          "user alice@example.com (role admin)"]
    browser.key("ArrowRight", "ArrowRight", 39)
    assert "Overall/Read on Jenkins: allowed: implied by another permission it holds" in browser.js(
        "document.getElementById('reason').textContent")
    browser.key("Escape", "Escape", 27)
    assert browser.js("document.getElementById('reason').hidden") is True
    # hover: the mouse over carol's Job/Build on the job
    box = browser.js("(() => { const heads = Array.from(document.querySelectorAll('#c0-s2-t thead th')).map(t => t.textContent); "
                     "const td = document.querySelectorAll('#c0-s2-t tbody tr')[6].cells[heads.indexOf('Job/Build')]; "
                     "td.scrollIntoView({block: 'center'}); const r = td.getBoundingClientRect(); "
                     "return [r.left + r.width / 2, r.top + r.height / 2]; })()")
    browser.mouse_move(box[0], box[1])
    text = browser.js("document.getElementById('reason').textContent")
    assert text.startswith("user carol@example.com\nJob/Build on payments/deploy: allowed: granted directly\n"
                           "granted on payments/deploy: user carol@example.com")
    assert "cannot see payments/deploy (Jenkins answers 404)" in text
    assert _problems(browser) == []


def test_nothing_is_fetched_and_the_policy_blocks_fetches(browser: Browser, small_page: pathlib.Path) -> None:
    _open(browser, small_page)
    assert _requests(browser) == [small_page.as_uri()]
    assert browser.js("performance.getEntriesByType('resource').length") == 0
    assert _problems(browser) == []
    # the Content-Security-Policy is enforced: a fetch the page might try is refused
    directive = browser.js("new Promise(r => { document.addEventListener('securitypolicyviolation', e => r(e.effectiveDirective)); "
                           "fetch('http://127.0.0.1:9/leak').catch(() => {}); })")
    assert directive == "connect-src"
    assert all(not u.startswith("http") for u in _requests(browser))


def test_rendered_colours_meet_wcag_aa(browser: Browser, small_page: pathlib.Path) -> None:
    _open(browser, small_page)
    pairs = browser.js("Array.from(new Set(Array.from(document.querySelectorAll('td[class^=k-], th, caption, .status, .muted, "
                       ".sev-warning, .pkind, .unseen, label, p')).map(e => { let bg = 'rgba(0, 0, 0, 0)', n = e; "
                       "while (n && (bg === 'rgba(0, 0, 0, 0)' || bg === 'transparent')) { bg = getComputedStyle(n).backgroundColor; "
                       "n = n.parentElement; } return getComputedStyle(e).color + '|' + bg; })))")

    def hex_of(rgb: str) -> str:
        parts = [int(float(x)) for x in rgb[rgb.index("(") + 1:rgb.index(")")].split(",")[:3]]
        return "#" + "".join(f"{v:02x}" for v in parts)

    assert len(pairs) >= 8
    for pair in pairs:
        fg, bg = pair.split("|")
        if bg in ("rgba(0, 0, 0, 0)", "transparent"):
            bg = "rgb(255, 255, 255)"
        assert contrast(hex_of(fg), hex_of(bg)) >= 4.5, pair


def test_pages_of_rows_for_many_principals(browser: Browser, tmp_path: pathlib.Path) -> None:
    entries = [{"user": {"name": "admin", "permissions": ["Overall/Administer"]}}]
    entries += [{"user": {"name": f"user{i:04d}@example.com", "permissions": ["Overall/Read", "Job/Build"]}} for i in range(1500)]
    state = state_from_document({"jenkins": {"authorizationStrategy": {"globalMatrix": {"entries": entries}}}})
    page = tmp_path / "many.html"
    page.write_text(render_html(build([controller_from_state(state, name=None, url="https://j.example.com", source="test")],
                                      title="many", generated_at=report_time(TIME))), encoding="utf-8")
    _open(browser, page)
    assert len(rows(browser, 0)) == 100
    assert browser.js("document.querySelector('#c0-s0 .status').textContent") == "Principals 1–100 of 1,503; page 1 of 16"
    browser.js("document.querySelector('#c0-s0 button[data-go=\"1\"]').click()")
    page2 = rows(browser, 0)
    assert len(page2) == 100 and page2[0][0] == "useruser0097@example.com"
    # PageDown from a cell turns the page and keeps the focus in the table
    browser.js("document.querySelector('#c0-s0-t tbody td').focus()")
    browser.key("PageDown", "PageDown", 34)
    assert browser.js("document.querySelector('#c0-s0 .status').textContent").startswith("Principals 201–300 of 1,503")
    assert browser.js("document.activeElement.tagName") == "TD"
    browser.js("document.getElementById('f-principal').focus()")
    browser.type_text("user1499")
    browser.js("new Promise(r => setTimeout(r, 300))")
    assert [r[0] for r in rows(browser, 0)] == ["useruser1499@example.com"]
    assert _problems(browser) == []


def test_only_tables_near_the_viewport_are_drawn(browser: Browser, tmp_path: pathlib.Path) -> None:
    """A report of many folders draws the tables the reader scrolls to, not all at once."""
    from jcasc_gen.effective import MatrixEntry
    from jcasc_gen.item_acl import ItemNode

    entries = [{"user": {"name": "admin", "permissions": ["Overall/Administer"]}}]
    items = [ItemNode(f"folder-{i:02d}", "parent", (MatrixEntry("group", f"team-{i}", frozenset({"Job/Read"})),)) for i in range(12)]
    state = state_from_document({"jenkins": {"authorizationStrategy": {"projectMatrix": {"entries": entries}}}}, items)
    page = tmp_path / "folders.html"
    page.write_text(render_html(build([controller_from_state(state, name=None, url="https://j.example.com", source="test")],
                                      title="folders", generated_at=report_time(TIME))), encoding="utf-8")
    _open(browser, page)
    browser.js(FRAMES)
    drawn = browser.js("Array.from(document.querySelectorAll('table.matrix')).map(t => t.tBodies[0].rows.length > 0)")
    assert len(drawn) == 13 and drawn[0] and not drawn[-1]
    assert len(rows(browser, 12)) == 15  # scrolled to, it is drawn: anonymous, authenticated, 12 teams, admin
    assert _problems(browser) == []


def test_hostile_names_show_as_text(browser: Browser, tmp_path: pathlib.Path) -> None:
    """Names with `</script>`, `<script>`, quotes, `{{ }}`, U+2028 and a lone surrogate: each
    row header shows the name itself, nothing runs, no error."""
    from .test_html import ADMIN, HOSTILE, _hostile_report

    page = tmp_path / "hostile.html"
    page.write_text(_hostile_report(), encoding="utf-8", errors="surrogatepass")
    _open(browser, page)
    names = browser.js("(() => { document.getElementById('c0-s0').scrollIntoView(); return new Promise(r => "
                       "requestAnimationFrame(() => requestAnimationFrame(() => r(Array.from(document.querySelectorAll("
                       "'#c0-s0-t tbody th')).map(th => th.lastChild.textContent))))); })()")
    for name in HOSTILE[:-1] + [ADMIN]:  # the lone surrogate cannot cross the protocol's JSON; the page holds it (test_html)
        assert name in names, name
    assert browser.js("[typeof window.pwned, document.scripts.length]") == ["undefined", 2]  # no name ran as code
    assert browser.js("document.querySelectorAll('b, img, iframe').length") == 0
    assert _problems(browser) == []


def test_a_screenshot_for_the_docs(browser: Browser, small_page: pathlib.Path, tmp_path: pathlib.Path) -> None:
    """The picture in docs/report.md: the small report, carol's cell focused with its reason."""
    _open(browser, small_page)
    # down to the last table, and room for the reason box under its last row
    height = browser.js("Math.ceil(document.getElementById('c0-s2').getBoundingClientRect().bottom + window.scrollY + 90)")
    browser.call("Emulation.setDeviceMetricsOverride", {"width": 1280, "height": min(height, 4000), "deviceScaleFactor": 1,
                                                        "mobile": False})
    try:
        browser.js("window.scrollTo(0, 0)")
        browser.js(FRAMES)
        browser.js("(() => { const heads = Array.from(document.querySelectorAll('#c0-s2-t thead th')).map(t => t.textContent); "
                   "document.querySelectorAll('#c0-s2-t tbody tr')[6].cells[heads.indexOf('Job/Build')].focus(); })()")
        shot = tmp_path / "report.png"
        browser.screenshot(str(shot))
    finally:
        browser.call("Emulation.setDeviceMetricsOverride", {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False})
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, tall = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width == 1280 and tall >= 900 and len(data) > 50_000  # a page of text and colour, not a blank one
    if os.environ.get("JCASC_GEN_UPDATE_SCREENSHOT") == "1":
        shutil.copy(shot, REPO / "docs" / "report.png")

"""The CSV: the same cells as the HTML, one quoted row each, nothing a spreadsheet would run."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jcasc_gen.access import state_from_document
from jcasc_gen.exitcodes import ExitCode
from jcasc_gen.access_report import build, controller_from_state, report_time
from jcasc_gen.report_csv import COLUMNS, FORMULA_STARTS, csv_cell, render_csv

from .conftest import CASES, SMALL, TIME, check_golden


def rows_of(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:], newline="")))


def test_golden_csv_of_a_small_spec(run_cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(CASES)
    code, out, err = run_cli("report", SMALL.name, "--format", "csv", "--time", TIME)
    assert code == ExitCode.OK, err
    check_golden("small.expected.csv", out)
    rows = rows_of(out)
    assert list(rows[0]) == list(COLUMNS)
    by = {(r["item"], r["principal"], r["permission"]): r for r in rows}
    admin = by[("", "alice@example.com", "Overall/Administer")]
    assert (admin["allowed"], admin["how"], admin["reason"]) == ("yes", "role", "user alice@example.com (role admin)")
    carol = by[("payments/deploy", "carol@example.com", "Job/Build")]
    assert carol["allowed"] == "yes" and carol["sees_item"] == "no"  # granted, but Jenkins answers her 404
    devs = by[("", "devs", "Job/Configure")]
    assert devs["how"] == "direct" and devs["reason"] == "group devs"
    assert by[("payments", "alice@example.com", "Job/Build")]["how"] == "inherited"
    assert by[("", "auditors", "Overall/SystemRead")]["how"] == "disabled"
    assert by[("", "anonymous", "Job/Discover")]["how"] == "anonymous"
    assert by[("", "carol@example.com", "Overall/Read")]["how"] == "authenticated"
    # one row per principal x permission x scope, for the permissions someone holds there
    assert len(rows) == 7 * 40 + 7 * 16 * 2


def test_the_csv_and_the_html_hold_the_same_cells(run_cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from jcasc_gen.model import load_spec
    from jcasc_gen.access_report import controller_from_spec
    from jcasc_gen.report_html import KINDS, report_data

    monkeypatch.chdir(CASES)
    report = build([controller_from_spec(load_spec(SMALL.name))], title="t", generated_at=report_time(TIME))
    data = report_data(report)
    rows = rows_of(render_csv(report))
    controller = data["controllers"][0]
    seen = 0
    for scope in controller["scopes"]:
        for i, (kind, name) in enumerate(controller["principals"]):
            for col, pid in enumerate(scope["perms"]):
                code = scope["patterns"][scope["rows"][i]][col]
                reason = data["reasons"][code // 8]
                reason = (kind.replace("_", "-") + " " + name).join(reason) if isinstance(reason, list) else reason
                row = rows[seen]
                seen += 1
                assert (row["item"] or None, row["principal"], row["permission"]) == (scope["path"], name, pid)
                assert (row["how"], row["reason"]) == (KINDS[code % 8], reason)
    assert seen == len(rows)


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=0, max_size=30))
def test_no_field_starts_like_a_formula(text: str) -> None:
    cell = csv_cell(text)
    assert not cell.startswith(FORMULA_STARTS)
    assert cell == text or cell == "'" + text


def test_formula_names_are_prefixed_and_everything_is_quoted() -> None:
    hostile = ["=HYPERLINK(\"http://x\",\"y\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "plain", "a,b\"c\nd"]
    entries = [{"user": {"name": "admin", "permissions": ["Overall/Administer"]}}]
    entries += [{"user": {"name": n, "permissions": ["Overall/Read"]}} for n in hostile]
    state = state_from_document({"jenkins": {"authorizationStrategy": {"globalMatrix": {"entries": entries}}}})
    text = render_csv(build([controller_from_state(state, name=None, url="=evil()", source="s")], title="t",
                            generated_at=report_time(TIME)))
    assert text.endswith("\r\n")
    for line in text[1:].split("\r\n")[1:-1]:
        if line.count('"') % 2 == 0 and line:
            assert line.startswith('"')
    rows = rows_of(text)
    names = {r["principal"] for r in rows}
    for n in hostile:
        assert ("'" + n if n.startswith(FORMULA_STARTS) else n) in names
    assert all(r["url"] == "'=evil()" for r in rows)
    assert all(not v.startswith(FORMULA_STARTS) for r in rows for v in r.values())


def test_allowed_only_keeps_the_allowed_rows(run_cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(CASES)
    every = rows_of(run_cli("report", SMALL.name, "--format", "csv", "--time", TIME)[1])
    code, out, _ = run_cli("report", SMALL.name, "--format", "csv", "--time", TIME, "--allowed-only")
    assert code == ExitCode.OK
    assert rows_of(out) == [r for r in every if r["allowed"] == "yes"] and len(rows_of(out)) < len(every) / 2
    code, _, err = run_cli("report", SMALL.name, "--allowed-only")
    assert code == ExitCode.USAGE and "--format csv" in err


def test_json_holds_the_same_cells(run_cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    import json

    monkeypatch.chdir(CASES)
    every = rows_of(run_cli("report", SMALL.name, "--format", "csv", "--time", TIME)[1])
    code, out, _ = run_cli("report", SMALL.name, "--format", "json", "--time", TIME)
    assert code == ExitCode.OK
    doc = json.loads(out)
    assert doc["command"] == "report" and doc["generated_at"] == TIME and doc["tool_version"]
    (c,) = doc["controllers"]
    assert c["administrators"] == [{"kind": "user", "name": "alice@example.com"}]
    assert [f["code"] for f in c["findings"]] == [None, "JG002", "JG033"]
    flat = [(s["path"] or "", p["name"], cell["permission"], "yes" if cell["allowed"] else "no", cell["how"], cell["reason"])
            for s in c["scopes"] for p in s["principals"] for cell in p["cells"]]
    assert flat == [(r["item"], r["principal"], r["permission"], r["allowed"], r["how"], r["reason"]) for r in every]

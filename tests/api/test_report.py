"""`jcasc_gen.report(spec)` and `Jenkins(...).report(spec)`: the access review as a value, the
same document `jcasc-gen report` writes (the command is these calls and a file write), live
against the simulator; refusals raise (a report has nothing to show without its read)."""

from __future__ import annotations

import datetime as dt
import json
import pathlib
import subprocess
import sys
from typing import Any

import pytest

import jcasc_gen
from jcasc_gen.cli import main

from .conftest import ADMIN, CANARY_TOKEN, Site

REPO = pathlib.Path(__file__).resolve().parents[2]
SMALL = REPO / "tests" / "report" / "cases" / "small.spec.yaml"
FLEET = REPO / "samples" / "fleet.yaml"
TIME = "2026-12-01T09:30:00Z"
AT = dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.timezone.utc)


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("fmt", ["html", "csv", "json"])
def test_the_command_writes_what_the_api_returns(capsys: pytest.CaptureFixture[str], fmt: str, tmp_path: pathlib.Path) -> None:
    review = jcasc_gen.report(jcasc_gen.load(SMALL, name=str(SMALL)), generated_at=AT)
    code, out, err = _cli(capsys, "report", str(SMALL), "--format", fmt, "--time", TIME)
    assert code == 0, err
    if fmt == "json":  # the run's document (docs/json.md): the envelope, then the report as the API gives it
        doc = json.loads(out)
        envelope = {k: doc.pop(k) for k in ("ok", "exit", "spec", "diagnostics", "error", "hint")}
        assert envelope == {"ok": True, "exit": 0, "spec": str(SMALL), "diagnostics": [], "error": None, "hint": None}
        assert doc == review.to_json()
        code, out, err = _cli(capsys, "report", str(SMALL), "--format", fmt, "--time", TIME, "-o", str(tmp_path / "r.json"))
        assert code == 0 and json.loads(out)["output"] == str(tmp_path / "r.json")
        assert (tmp_path / "r.json").read_text() == json.dumps(review.to_json(), indent=1, ensure_ascii=False) + "\n"
    else:
        assert out == {"html": review.to_html, "csv": review.to_csv}[fmt]()
    assert review.title == str(SMALL) and review.generated_at == AT and review.tool_version == jcasc_gen.__version__


def test_administrators_per_controller_and_the_time(tmp_path: pathlib.Path) -> None:
    spec = jcasc_gen.load(SMALL)
    review = jcasc_gen.report(spec, generated_at=dt.datetime(2026, 12, 1, 10, 30, 0, 999, tzinfo=dt.timezone(dt.timedelta(hours=1))))
    assert review.controllers == (None,)
    assert review.administrators == {None: ["user alice@example.com"]}
    assert review.generated_at == AT  # in UTC, to the second
    assert jcasc_gen.report(spec, generated_at=dt.datetime(2026, 12, 1, 9, 30)).generated_at == AT  # no zone: UTC
    before = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    assert before <= jcasc_gen.report(spec).generated_at <= dt.datetime.now(dt.timezone.utc)
    # a lockout: nobody, said as [] (the report is what an auditor must see; lint errors never stop it)
    locked = tmp_path / "locked.yaml"
    locked.write_text(SMALL.read_text().replace("      roles: [admin]\n", "      permissions: [Overall/Read]\n", 1))
    assert jcasc_gen.report(jcasc_gen.load(locked)).administrators == {None: []}


def test_an_offline_report_prints_nothing_and_loads_no_http_library(capsys: pytest.CaptureFixture[str]) -> None:
    review = jcasc_gen.report(jcasc_gen.load(SMALL), generated_at=AT)
    review.to_html(), review.to_csv(), review.to_json()
    assert capsys.readouterr() == ("", "")
    code = ("import sys, jcasc_gen; r = jcasc_gen.report(jcasc_gen.load(sys.argv[1])); r.to_html(); r.to_csv(); "
            "print([m for m in ('requests', 'jenkins', 'jwt', 'cryptography') if m in sys.modules])")
    run = subprocess.run([sys.executable, "-c", code, str(SMALL)], capture_output=True, text=True, timeout=120, cwd=REPO)
    assert run.stdout.strip() == "[]", run.stdout + run.stderr


def test_a_spec_with_controllers_gives_a_section_each() -> None:
    names = ["prod", "staging", "team-data"]
    specs = [jcasc_gen.load(FLEET, controller=n) for n in names]
    review = jcasc_gen.report(specs, generated_at=AT)
    assert review.controllers == tuple(names)
    assert set(review.administrators) == set(names) and all(review.administrators.values())
    assert [c["name"] for c in review.to_json()["controllers"]] == names
    # the CLI covers every controller the same way
    staging = jcasc_gen.report(specs[1], generated_at=AT)
    assert staging.controllers == ("staging",)
    assert staging.to_json()["controllers"][0] == review.to_json()["controllers"][1]


def test_combine_puts_sections_in_one_document() -> None:
    a = jcasc_gen.report(jcasc_gen.load(FLEET, controller="prod"), generated_at=AT + dt.timedelta(minutes=5))
    b = jcasc_gen.report(jcasc_gen.load(FLEET, controller="staging"), generated_at=AT)
    both = jcasc_gen.AccessReport.combine([a, b], title="fleet")
    assert both.controllers == ("prod", "staging") and both.title == "fleet"
    assert both.generated_at == AT  # the earliest
    assert jcasc_gen.AccessReport.combine([a, b]).title == a.title
    assert both.to_json()["controllers"] == [*a.to_json()["controllers"], *b.to_json()["controllers"]]
    with pytest.raises(TypeError):
        jcasc_gen.AccessReport.combine([])


def test_wrong_arguments_are_type_errors() -> None:
    with pytest.raises(TypeError, match="load"):
        jcasc_gen.report(str(SMALL))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        jcasc_gen.report([])
    with pytest.raises(TypeError, match="datetime"):
        jcasc_gen.report(jcasc_gen.load(SMALL), generated_at="2026-12-01")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="out of range"):
        jcasc_gen.report(jcasc_gen.load(SMALL), generated_at=dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=1))))


def _jenkins(site: Site, **kw: Any) -> jcasc_gen.Jenkins:
    kw.setdefault("user", "admin")
    kw.setdefault("token", CANARY_TOKEN)
    kw.setdefault("signing_key", site.key_pem)
    return jcasc_gen.Jenkins(site.sim.url, timeout=5, on_event=lambda m: None, **kw)


def test_jenkins_report_reads_the_live_matrix(site: Site, capsys: pytest.CaptureFixture[str]) -> None:
    spec = jcasc_gen.load(site.spec_path, name=str(site.spec_path))
    jenkins = _jenkins(site)
    before = jenkins.report(spec, generated_at=AT)
    assert before.title == jenkins.url
    assert before.administrators == {None: None}  # the simulator starts without a matrix: not known
    assert "effective permissions are not computed" in json.dumps(before.to_json())
    assert jenkins.apply(spec, poll_interval=0.02, restart_timeout=10).ok
    site.sim.requests.clear()
    after = jenkins.report(spec, title="live", generated_at=AT)
    assert after.title == "live" and after.administrators == {None: [f"user {ADMIN}"]}
    changes = {path for method, path in site.sim.requests if method != "GET"}
    assert changes <= {"/configuration-as-code/export"}, f"a report changes nothing: {changes}"  # the export is a POST
    controller = after.to_json()["controllers"][0]
    assert controller["live"] and controller["source"].startswith("the live Jenkins at ")
    for text in (repr(after), json.dumps(after.to_json()), after.to_html(), after.to_csv()):
        site.assert_hidden(text)
    # the command reads the same thing the same way
    code, out, err = _cli(capsys, "report", str(site.spec_path), "--live", "--url", site.sim.url, "--format", "json",
                          "--title", "live", "--time", TIME, "--signing-key-file", str(site.key_path))
    assert code == 0, err
    doc = json.loads(out)
    assert {k: doc.pop(k) for k in ("ok", "exit", "url", "error")} == {"ok": True, "exit": 0, "url": site.sim.url, "error": None}
    assert {k: v for k, v in doc.items() if k not in ("spec", "diagnostics", "hint")} == after.to_json()


def test_jenkins_report_raises_when_there_is_nothing_to_read(site: Site, tmp_path: pathlib.Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    spec = jcasc_gen.load(site.spec_path)
    refused = _jenkins(site, user="nobody", signing_key=None)  # the real token, for another user: refused
    with pytest.raises(jcasc_gen.JcascGenError) as caught:
        refused.report(spec)
    assert caught.value.exit_code == 3 and not isinstance(caught.value, jcasc_gen.Unreachable)
    site.assert_hidden(str(caught.value) + repr(caught.value))
    with pytest.raises(jcasc_gen.Unreachable):
        jcasc_gen.Jenkins("http://127.0.0.1:9/", user="admin", token=CANARY_TOKEN, retries=0, timeout=2).report(spec)
    # a spec whose lint reports an error is refused, as for plan; the command says which, exit 2
    locked = tmp_path / "locked.yaml"
    locked.write_text(site.spec_path.read_text().replace("permissions: [Overall/Administer]", "permissions: [Overall/Read]", 1))
    with pytest.raises(jcasc_gen.SpecError):
        _jenkins(site).report(jcasc_gen.load(locked))
    code, out, err = _cli(capsys, "report", str(locked), "--live", "--url", site.sim.url, "--user", "admin",
                          "-o", str(tmp_path / "r.html"))
    assert code == 2 and "JG001" in err and "the spec has errors; nothing was done" in err
    assert "internal error" not in err and "Traceback" not in err and not (tmp_path / "r.html").exists()

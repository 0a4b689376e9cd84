"""The access report and the pull-request comment of a spec with `controllers:`: one section per
controller, the administrators of every controller at the top, live across controllers."""

from __future__ import annotations

import pathlib
import shutil
from typing import Callable

import pytest

from jcasc_gen.exitcodes import ExitCode
from tests.fleet.conftest import Fleet, make_fleet  # noqa: F401  (fixture)

from .test_html import data_of, parse

REPO = pathlib.Path(__file__).resolve().parents[2]
FLEET = REPO / "samples" / "fleet.yaml"
TIME = "2026-12-01T09:30:00Z"


def test_one_section_per_controller_and_who_administers_each(run_cli) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run_cli("report", str(FLEET), "--time", TIME)
    assert code == ExitCode.OK, err
    assert [line.split(": ")[1] for line in err.splitlines()] == ["prod", "staging", "team-data"]
    page = parse(out)
    data = data_of(page)
    assert len(data["controllers"]) == 3
    texts = "".join(t for _, t in page.text)
    assert "Who can administer each controller" in texts
    for name in ("prod", "staging", "team-data"):
        assert f"Controller {name}: " in texts
    summary = out[out.index('id="admins-h"'):out.index("</table>", out.index('id="admins-h"'))]
    assert summary.count("<tr>") == 4 and "jenkins-admins" in summary
    code, out, _ = run_cli("report", str(FLEET), "--controller", "staging", "--format", "csv", "--time", TIME)
    assert code == ExitCode.OK and {line.split('","')[1] for line in out.splitlines()[1:]} == {"staging"}
    code, _, err = run_cli("report", str(FLEET), "--controller", "nope")
    assert code == ExitCode.USAGE and "no controller named 'nope'" in err
    code, _, err = run_cli("report", str(FLEET), "--all")
    assert code == ExitCode.USAGE and "--all is for --live" in err


def test_the_markdown_diff_has_a_section_per_controller(run_cli, tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    shutil.copy(FLEET, tmp_path / "fleet.yaml")
    monkeypatch.chdir(tmp_path)
    assert run_cli("generate", "fleet.yaml", "-o", "out")[0] == ExitCode.OK
    text = (tmp_path / "fleet.yaml").read_text()
    marker = "        - group: qa\n"
    assert marker in text
    (tmp_path / "fleet.yaml").write_text(text.replace(marker, "        - user: alice@corp.example.com\n"
                                                              "          permissions: [Job/Configure]\n" + marker, 1))
    code, out, err = run_cli("diff", "fleet.yaml", "-o", "out", "--format", "markdown")
    assert code == ExitCode.DIFFERENCES, err
    assert out.count("#### Controller ") == 3
    staging = out[out.index("#### Controller `staging`"):out.index("#### Controller `team-data`")]
    assert "| user `alice@corp.example.com` (new) | Jenkins | + Job/Configure (and 3 it implies) |" in staging
    assert "No effective permission changes" in out[out.index("#### Controller `prod`"):out.index("#### Controller `staging`")]


def test_report_live_all_reads_every_controller(make_fleet: Callable[..., Fleet], tmp_path: pathlib.Path) -> None:  # noqa: F811
    from tests.jenkins_sim import DEFAULT_PLUGINS, ITEM_PLUGINS

    fleet = make_fleet(["east", "west"], plugins={**DEFAULT_PLUGINS, **ITEM_PLUGINS})
    out = tmp_path / "live.html"
    # before the first apply the simulators run no matrix: said, not tabulated
    run = fleet.live("report", "--live", "--all", "-o", str(out), "--time", TIME)
    assert run.code == ExitCode.OK, run.err
    assert out.read_text().count("not computed (see its section)") == 2 and "effective permissions are not computed" in out.read_text()
    fleet.spec.write_text(fleet.spec.read_text().replace("authorization:\n", "authorization:\n  strategy: project\n", 1))
    applied = fleet.live("apply", "--all")
    assert applied.code == ExitCode.OK, applied.err
    fleet.sims["west"].items.add_folder("only-on-west", entries=[("USER", "mallory@example.com", "Job/Configure")])
    run = fleet.live("report", "--live", "--all", "-o", str(out), "--time", TIME)
    assert run.code == ExitCode.OK, run.err
    for secret in fleet.secrets():
        assert secret not in run.out + run.err + out.read_text()
    data = data_of(parse(out.read_text()))
    east, west = data["controllers"]
    assert [s["path"] for s in east["scopes"]] == [None]
    assert "only-on-west" in [s["path"] for s in west["scopes"]]
    assert ["user", "mallory@example.com"] in west["principals"] and ["user", "mallory@example.com"] not in east["principals"]
    # markdown reads one controller at a time
    fleet.spec.write_text(fleet.spec.read_text().replace("    - group: devs\n      permissions: [Overall/Read, Job/Read]\n",
                                                         "    - group: devs\n      permissions: [Overall/Read, Job/Read, Job/Build]\n"))
    one = fleet.live("plan", "--controller", "west", "--format", "markdown")
    assert one.code == ExitCode.DIFFERENCES, one.err
    assert "#### Controller `west`" in one.out and "| group `devs` | Jenkins | + Job/Build" in one.out
    several = fleet.live("plan", "--all", "--format", "markdown")
    assert several.code == ExitCode.USAGE and "--controller NAME" in several.err
    diff = fleet.live("diff", "--live", "--controller", "east", "--format", "markdown")
    assert diff.code == ExitCode.DIFFERENCES and "#### Controller `east`" in diff.out

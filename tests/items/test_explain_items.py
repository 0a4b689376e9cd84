"""`explain PRINCIPAL` on a spec with items: per item, whether the principal sees it and each
item permission with its reason (inheritance, the folder-only Read rule, global Administer)."""

from __future__ import annotations

import json

from jcasc_gen.exitcodes import ExitCode
from tests.generator._cli import CASES, run

SPEC = "items-team-folders.spec.yaml"


def _items(*argv: str) -> dict[str, dict[str, object]]:
    r = run(["explain", SPEC, *argv, "--format", "json"], cwd=CASES)
    assert r.code == ExitCode.OK, r.err
    return {i["path"]: i for i in json.loads(r.out)["items"]}


def _allowed(item: dict[str, object]) -> dict[str, str]:
    return {p["permission"]: p["why"] for p in item["permissions"] if p["allowed"]}  # type: ignore[attr-defined,index]


def test_a_team_member_sees_its_folder_and_what_it_inherits() -> None:
    items = _items("dave@example.com", "-g", "team-a")
    assert items["team-a"]["visible"] and not items["team-b"]["visible"] and not items["Team-C"]["visible"]
    own = _allowed(items["team-a"])
    assert own["Job/Build"] == "granted on team-a: group team-a (role team)"
    nested = _allowed(items["team-a/deploy"])
    assert nested["Job/Build"] == "inherited from team-a: granted on team-a: group team-a (role team)"
    assert nested["Job/Read"].startswith("Job/Read below a folder comes from the folder only (team-a)")
    assert _allowed(items["team-b"]) == {}


def test_a_user_granted_on_a_job_only() -> None:
    items = _items("carol@example.com")
    assert set(_allowed(items["team-a/deploy"])) >= {"Job/Build", "Run/Delete", "Job/Read"}
    assert "Job/Build" not in _allowed(items["team-a"])


def test_a_global_administrator_passes_inherit_none() -> None:
    items = _items("alice@example.com")
    assert items["team-b"]["visible"]
    assert _allowed(items["team-b"])["Job/Configure"].startswith("global administrator (user alice@example.com (role admin))")


def test_text_output_names_each_item() -> None:
    r = run(["explain", SPEC, "dave@example.com", "-g", "team-b", "--allowed-only"], cwd=CASES)
    assert r.code == ExitCode.OK
    assert "team-b (inherit none)           (sees it)      yes" in r.out
    assert "team-a (inherit none)           (sees it)      no       404" in r.out

"""load, lint, generate, explain: the same answers as the commands, held by the same golden
cases (tests/cases), without printing anything."""

from __future__ import annotations

import json
import pathlib

import pytest

import jcasc_gen
from jcasc_gen import loader
from tests.generator._cli import CASES, run

GOLDEN_ERRORS = sorted(p.name[: -len(".error.txt")] for p in CASES.glob("*.error.txt"))
GOLDEN_GOOD = sorted(p.name[: -len(".expected")] for p in CASES.glob("*.expected"))
SIZE_CAPS = {"load-too-large": 1024}  # as in tests/generator/test_golden.py


def _strict(name: str) -> bool:
    args = CASES / f"{name}.args"
    return args.exists() and "--strict" in args.read_text().split()


@pytest.mark.parametrize("name", GOLDEN_ERRORS)
def test_spec_error_diagnostics_are_the_golden_messages(name: str, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """What `generate` prints before its summary line is exactly the diagnostics the API raises."""
    monkeypatch.chdir(CASES)
    if name in SIZE_CAPS:
        monkeypatch.setattr(loader, "MAX_BYTES", SIZE_CAPS[name])
    with pytest.raises(jcasc_gen.SpecError) as info:
        jcasc_gen.generate(jcasc_gen.load(f"{name}.spec.yaml"), strict=_strict(name))
    golden = (CASES / f"{name}.error.txt").read_text(encoding="utf-8").splitlines()[:-1]
    assert "\n".join(d.format() for d in info.value.diagnostics).splitlines() == golden
    assert info.value.exit_code == 2 and isinstance(info.value, jcasc_gen.JcascGenError)
    assert capsys.readouterr() == ("", "")


@pytest.mark.parametrize("name", GOLDEN_GOOD)
def test_generate_is_the_golden_files(name: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(CASES)
    spec = jcasc_gen.load(f"{name}.spec.yaml")
    expected_dir = CASES / f"{name}.expected"
    expected = {p.relative_to(expected_dir).as_posix(): p.read_text(encoding="utf-8")
                for p in expected_dir.rglob("*") if p.is_file()}
    assert dict(jcasc_gen.generate(spec, strict=_strict(name))) == expected
    stderr = CASES / f"{name}.stderr.txt"
    shown = "".join(d.format() + "\n" for d in jcasc_gen.lint(spec, strict=_strict(name)))
    assert shown == (stderr.read_text(encoding="utf-8") if stderr.exists() else "")
    assert capsys.readouterr() == ("", "")


def test_load_takes_a_path_a_pathlike_text_or_bytes(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = CASES / "minimal-pomerium.spec.yaml"
    text = source.read_text(encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    specs = [jcasc_gen.load(str(source)), jcasc_gen.load(source), jcasc_gen.load(text), jcasc_gen.load(text.encode())]
    assert len({s.sha256 for s in specs}) == 1
    assert len({tuple(sorted(jcasc_gen.generate(s).items())) for s in specs}) == 1
    assert [s.source for s in specs] == [str(source), str(source), "<spec>", "<spec>"]
    # output.dir: beside the spec file, or the current folder for text, unless overridden
    assert specs[1].output_dir == str(CASES / "generated") and specs[2].output_dir == str(tmp_path / "generated")
    assert jcasc_gen.load(text, output_dir="out").output_dir == str(tmp_path / "out")
    with pytest.raises(jcasc_gen.SpecError) as info:
        jcasc_gen.load(b"version: 1\n\xff\n", name="upload.yaml")
    assert info.value.diagnostics[0].file == "upload.yaml"


def test_spec_is_read_only_and_its_data_a_copy() -> None:
    spec = jcasc_gen.load(CASES / "minimal-pomerium.spec.yaml")
    spec.data["jenkins"]["url"] = "https://elsewhere.example.com"
    assert spec.data["jenkins"]["url"] == spec.jenkins_url != "https://elsewhere.example.com"
    with pytest.raises(AttributeError):
        spec.jenkins_url = "x"  # type: ignore[misc]


def test_lint_is_what_the_lint_command_reports(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(CASES)
    for name in ("lint-http-jwks", "guide-v021", "mixed-issuers"):
        spec = jcasc_gen.load(f"{name}.spec.yaml")
        for strict in (False, True):
            cli = run(["lint", f"{name}.spec.yaml", "--format", "json", *(["--strict"] if strict else [])], cwd=CASES)
            findings = [{k: v for k, v in f.items() if k != "why"} for f in json.loads(cli.out)["findings"]]
            assert [d.to_json() for d in jcasc_gen.lint(spec, strict=strict)] == findings, (name, strict)


def test_explain_is_what_the_explain_command_reports(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(CASES)
    spec = jcasc_gen.load("guide-v021.spec.yaml")
    for principal, groups in (("anonymous", []), ("authenticated", []), ("someone@example.com", ["jenkins-admins"])):
        cli = run(["explain", "guide-v021.spec.yaml", principal, *[a for g in groups for a in ("-g", g)], "--format", "json"])
        explained = jcasc_gen.explain(spec, principal, groups)
        assert {"command": "explain", "ok": True, "exit": 0, "spec": "guide-v021.spec.yaml", "diagnostics": [], "error": None,
                "hint": None, **explained.to_json(), "items": [i.to_json() for i in explained.items]} == json.loads(cli.out)
    cli = run(["explain", "guide-v021.spec.yaml", "--format", "json"])
    assert [x.to_json() for x in jcasc_gen.explain_all(spec)] == json.loads(cli.out)["principals"]


def test_explain_answers_from_the_matrix() -> None:
    spec = jcasc_gen.load(CASES / "minimal-pomerium.spec.yaml")
    data = spec.data
    admin = next(g["user"] for g in data["authorization"]["grants"] if "user" in g)
    assert "Overall/Administer" in jcasc_gen.explain(spec, admin).allowed()
    assert "Overall/Administer" in jcasc_gen.explain(spec, admin.upper()).allowed()  # Jenkins ignores case
    assert "Overall/Administer" not in jcasc_gen.explain(spec, "user:nobody@example.com").allowed()
    with pytest.raises(TypeError):
        jcasc_gen.explain(spec, "alice", "devs")  # one string is not a list of groups


def test_generate_refuses_a_spec_lint_rejects() -> None:
    spec = jcasc_gen.load(CASES / "lint-lockout.spec.yaml")  # loads: the problem is a lint error (JG001)
    with pytest.raises(jcasc_gen.SpecError) as info:
        jcasc_gen.generate(spec)
    assert [d.code for d in info.value.diagnostics if d.severity == "error"] == ["JG001"]


def test_explain_answers_per_item_like_the_command() -> None:
    samples = CASES.parent.parent / "samples"
    spec = jcasc_gen.load(samples / "team-folders.yaml")
    # a bare name the spec knows only as a group in an item matrix is that group
    explained = jcasc_gen.explain(spec, "team-payments")
    assert explained.identity.user is None and "team-payments" in explained.identity.groups
    assert explained.items and any(i.visible for i in explained.items)
    cli = run(["explain", "team-folders.yaml", "team-payments", "--format", "json"], cwd=samples)
    assert {"command": "explain", "ok": True, "exit": 0, "spec": "team-folders.yaml", "diagnostics": [], "error": None,
            "hint": None, **explained.to_json(), "items": [i.to_json() for i in explained.items]} == json.loads(cli.out)

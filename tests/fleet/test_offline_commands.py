"""validate, lint, generate, check, diff and explain on a spec with controllers: every controller
at once (generate in one atomic step), or the ones `--controller` names."""

from __future__ import annotations

import json
import pathlib
import shutil

import pytest
import yaml

from jcasc_gen.exitcodes import ExitCode
from jcasc_gen.fleet import load_fleet
from tests.generator._cli import REPO, run, tree

SAMPLE = REPO / "samples" / "fleet.yaml"
NAMES = ["prod", "staging", "team-data"]


@pytest.fixture
def spec(tmp_path: pathlib.Path) -> pathlib.Path:
    path = tmp_path / "fleet.yaml"
    shutil.copy(SAMPLE, path)
    return path


def test_the_sample_is_clean_and_generates_every_controller(tmp_path: pathlib.Path) -> None:
    assert run(["lint", str(SAMPLE), "--strict"]).code == ExitCode.OK
    out = tmp_path / "out"
    r = run(["generate", str(SAMPLE), "-o", str(out), "--strict"])
    assert r.code == ExitCode.OK and r.err == "", r.err
    files = tree(out)
    for name in NAMES:
        assert {f"{name}/{f}" for f in ("jenkins.yaml", "plugins.txt", "plugins.yaml", "pomerium/config.yaml")} <= set(files)
    assert run(["check", str(SAMPLE), "-o", str(out)]).code == ExitCode.OK


def _flat(member_data: dict, tmp: pathlib.Path, name: str) -> pathlib.Path:
    path = tmp / f"{name}.yaml"
    path.write_text(yaml.safe_dump(dict(member_data), sort_keys=False))
    return path


def test_each_controller_generates_what_its_merged_spec_written_out_alone_generates(spec: pathlib.Path, tmp_path: pathlib.Path) -> None:
    out = tmp_path / "out"
    assert run(["generate", str(spec), "-o", str(out)]).code == ExitCode.OK
    files = tree(out)
    for member in load_fleet(spec).members:
        alone = tmp_path / f"alone-{member.name}"
        flat = _flat(member.loaded.spec.data, tmp_path, str(member.name))
        assert run(["generate", str(flat), "-o", str(alone)]).code == ExitCode.OK
        assert {f"{member.name}/{rel}": text for rel, text in tree(alone).items()} == {
            k: v for k, v in files.items() if k.startswith(f"{member.name}/")}
    prod = yaml.safe_load(files["prod/jenkins.yaml"])["jenkins"]
    entries = {next(iter(e.values()))["name"]: next(iter(e.values()))["permissions"]
               for e in prod["authorizationStrategy"]["globalMatrix"]["entries"]}
    assert entries["auditors"] == ["Job/Read", "Overall/Read"]  # prod's redefined role
    assert "release-managers" in entries and "qa" not in entries


def test_generate_writes_all_controllers_or_none(spec: pathlib.Path, tmp_path: pathlib.Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import errno
    import os

    out = tmp_path / "out"
    real_fsync, calls = os.fsync, []

    def full_disk_on_the_sixth(fd: int) -> None:  # prod's four files are written by then
        calls.append(fd)
        if len(calls) == 6:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", full_disk_on_the_sixth)
    r = run(["generate", str(spec), "-o", str(out)])
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert r.code == ExitCode.USAGE and "No space left on device" in r.err and len(calls) == 6
    assert tree(out) == {}  # no controller's files, and no temporary file left behind
    # a file where a controller's folder must go: refused before anything is written
    out.mkdir(exist_ok=True)
    (out / "team-data").write_text("a file where the controller's folder must go\n")
    r = run(["generate", str(spec), "-o", str(out)])
    assert r.code == ExitCode.USAGE and "nothing was written" in r.err
    assert sorted(p.name for p in out.iterdir()) == ["team-data"]


def test_an_error_in_one_controller_writes_nothing_for_any(spec: pathlib.Path, tmp_path: pathlib.Path) -> None:
    spec.write_text(spec.read_text().replace("        - group: qa\n", "        - user: anonymous\n          permissions: [Overall/Administer]\n        - group: qa\n"))
    out = tmp_path / "out"
    r = run(["generate", str(spec), "-o", str(out)])
    assert r.code == ExitCode.USAGE and not out.exists()
    assert "staging: " in r.err and "[JG013]" in r.err and "prod" not in r.err.split("[JG013]")[0].splitlines()[-1]


def test_check_covers_every_controller_and_names_a_removed_one_extra(spec: pathlib.Path, tmp_path: pathlib.Path) -> None:
    out = tmp_path / "out"
    assert run(["generate", str(spec), "-o", str(out)]).code == ExitCode.OK
    edited = out / "staging" / "plugins.txt"
    edited.write_text(edited.read_text() + "git:5.7.0\n")  # edited by hand, the header kept
    r = run(["check", str(spec), "-o", str(out), "--format", "json"])
    assert r.code == ExitCode.DIFFERENCES
    doc = json.loads(r.out)
    assert doc["stale"] == ["staging/plugins.txt"] and doc["controllers"] == NAMES
    # one controller: only its folder
    assert run(["check", str(spec), "-o", str(out), "--controller", "prod"]).code == ExitCode.OK
    r = run(["check", str(spec), "-o", str(out), "--controller", "staging"])
    assert r.code == ExitCode.DIFFERENCES and "stale    " in r.out and "staging/plugins.txt" in r.out
    assert f"generate {spec} -o {out} --controller staging" in r.err
    # a controller removed from the spec leaves files the tool wrote: extra
    assert run(["generate", str(spec), "-o", str(out)]).code == ExitCode.OK
    text = spec.read_text()
    spec.write_text(text[:text.index("  team-data:")])
    r = run(["check", str(spec), "-o", str(out), "--format", "json"])
    assert r.code == ExitCode.DIFFERENCES
    assert sorted(json.loads(r.out)["extra"]) == ["team-data/jenkins.yaml", "team-data/plugins.txt", "team-data/plugins.yaml",
                                                  "team-data/pomerium/config.yaml"]


def test_generate_for_one_controller_leaves_the_others_alone(spec: pathlib.Path, tmp_path: pathlib.Path) -> None:
    out = tmp_path / "out"
    r = run(["generate", str(spec), "-o", str(out), "--controller", "staging"])
    assert r.code == ExitCode.OK
    assert sorted(p.name for p in out.iterdir()) == ["staging"]


def test_an_unknown_controller_is_a_located_usage_error_with_a_did_you_mean(spec: pathlib.Path) -> None:
    for command in ("validate", "lint", "generate", "check", "diff", "explain"):
        r = run([command, str(spec), "--controller", "stagign"])
        assert r.code == ExitCode.USAGE, command
        assert r.err.splitlines()[:2] == [
            f"{spec}:33:1: controllers: no controller named 'stagign'",
            "  hint: did you mean 'staging'? the spec defines: prod, staging, team-data"], command


def test_validate_and_lint_name_the_controllers(spec: pathlib.Path) -> None:
    r = run(["validate", str(spec)])
    assert r.code == ExitCode.OK and r.err == f"{spec}: valid for controllers prod, staging, team-data\n"
    spec.write_text(spec.read_text().replace("auditor: [Overall/Read, Job/Read, Run/Replay]", "auditor: [Overall/Read, Job/Read, Run/Replay, Job/Raed]"))
    r = run(["lint", str(spec), "--format", "json"])
    assert r.code == ExitCode.USAGE
    # the top-level role every controller but prod (which redefines it) inherits
    assert [(d["controllers"], d["path"], d["message"]) for d in json.loads(r.out)["diagnostics"]] == [
        (["staging", "team-data"], "authorization.roles.auditor[3]", "unknown permission 'Job/Raed'")]


def test_lint_findings_name_their_controller(spec: pathlib.Path) -> None:
    spec.write_text(spec.read_text().replace("        - group: qa\n", "        - user: anonymous\n          permissions: [Job/Read]\n        - group: qa\n"))
    r = run(["lint", str(spec), "--format", "json"])
    assert r.code == ExitCode.OK
    findings = json.loads(r.out)["findings"]
    assert [(f["controllers"], f["code"], f["path"]) for f in findings] == [
        (["staging"], "JG002", "controllers.staging.authorization.grants[0]")]


def test_diff_against_the_output_folder_covers_the_controllers(spec: pathlib.Path, tmp_path: pathlib.Path) -> None:
    out = tmp_path / "out"
    assert run(["generate", str(spec), "-o", str(out)]).code == ExitCode.OK
    assert run(["diff", str(spec), "-o", str(out)]).code == ExitCode.OK
    spec.write_text(spec.read_text().replace("        - group: qa\n", "        - group: qa-team\n"))
    r = run(["diff", str(spec), "-o", str(out), "--format", "json"])
    assert r.code == ExitCode.DIFFERENCES
    changed = {f["path"]: f for f in json.loads(r.out)["files"] if f["status"] != "unchanged"}
    assert "staging/jenkins.yaml" in changed and "changes" in changed["staging/jenkins.yaml"]
    assert all(path.startswith("staging/") for path in changed)  # the other controllers' files are what they were


def test_explain_per_controller(spec: pathlib.Path) -> None:
    r = run(["explain", str(spec), "group:auditors", "--format", "json"])
    assert r.code == ExitCode.OK
    by_name = {c["controller"]: c for c in json.loads(r.out)["controllers"]}
    assert list(by_name) == NAMES

    def allowed(name: str) -> set[str]:
        return {row["permission"] for row in by_name[name]["permissions"] if row["allowed"]}

    assert "Run/Replay" in allowed("staging") and "Run/Replay" not in allowed("prod")
    r = run(["explain", str(spec), "group:qa", "--controller", "staging"])
    assert r.code == ExitCode.OK and r.out.startswith("# controller staging\n")


def test_generate_removes_a_removed_controllers_files_but_only_in_the_folders_it_owns(spec: pathlib.Path,
                                                                                   tmp_path: pathlib.Path) -> None:
    out = tmp_path / "out"
    assert run(["generate", str(spec), "-o", str(out)]).code == ExitCode.OK
    (out / "prod" / "NOTES.md").write_text("written by hand\n")
    # a file the tool wrote once (it carries the header) and no longer generates, in prod's folder
    (out / "prod" / "old.txt").write_text((out / "prod" / "plugins.txt").read_text())
    r = run(["generate", str(spec), "-o", str(out), "--controller", "staging"])
    assert r.code == ExitCode.OK and "removed" not in r.out  # prod's folder is not this run's
    assert (out / "prod" / "old.txt").exists()
    assert run(["check", str(spec), "-o", str(out), "--controller", "staging"]).code == ExitCode.OK
    text = spec.read_text()
    spec.write_text(text[:text.index("  team-data:")])
    r = run(["generate", str(spec), "-o", str(out)])
    assert r.code == ExitCode.OK
    removed = sorted(pathlib.Path(line.split()[1]).resolve() for line in r.out.splitlines() if line.startswith("removed"))
    assert removed == [out.resolve() / rel for rel in ("prod/old.txt", "team-data/jenkins.yaml", "team-data/plugins.txt",
                                                  "team-data/plugins.yaml", "team-data/pomerium/config.yaml")]
    assert sorted(p.name for p in out.iterdir()) == ["prod", "staging"]  # team-data's emptied folder goes too
    assert (out / "prod" / "NOTES.md").read_text() == "written by hand\n"
    assert run(["check", str(spec), "-o", str(out)]).code == ExitCode.OK


def test_a_grant_added_to_one_controller_changes_one_generated_file(spec: pathlib.Path, tmp_path: pathlib.Path) -> None:
    """The pull request that adds a grant to staging changes staging/jenkins.yaml and nothing
    else; one added at the top level changes each controller's jenkins.yaml and nothing else."""
    out = tmp_path / "out"
    assert run(["generate", str(spec), "-o", str(out)]).code == ExitCode.OK
    before = tree(out)
    spec.write_text(spec.read_text().replace("        - group: qa\n", "        - group: qa-leads\n          permissions: [Job/Configure]\n"
                                              "        - group: qa\n"))
    r = run(["generate", str(spec), "-o", str(out), "--format", "json"])
    assert r.code == ExitCode.OK
    assert [f["path"] for f in json.loads(r.out)["files"] if f["status"] != "unchanged"] == ["staging/jenkins.yaml"]
    after = tree(out)
    assert {rel for rel in after if after[rel] != before.get(rel)} == {"staging/jenkins.yaml"}
    spec.write_text(spec.read_text().replace("    - group: auditors\n      roles: [auditor]\n",
                                              "    - group: auditors\n      roles: [auditor]\n    - group: sre\n      roles: [auditor]\n"))
    r = run(["generate", str(spec), "-o", str(out), "--format", "json"])
    assert sorted(f["path"] for f in json.loads(r.out)["files"] if f["status"] != "unchanged") == [
        f"{name}/jenkins.yaml" for name in NAMES]

"""The output folder is data, not paths to follow (issue 10, class 7).

A pull request can commit a symlink, a FIFO or a folder where a generated file belongs, or make
`generated/` itself a symlink. `check` and `diff` run on every pull request in CI; `generate`
runs on a developer's machine. None of them may read through such a path (a symlink to a file
of the CI machine would print it into the job log), hang on it, exhaust memory on it, or write
through it. `generate` also never overwrites a file it did not generate (without --force) and
leaves the old set of files or the new one, whatever happens while it renames.
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import signal
import stat
import subprocess
import sys
import textwrap

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jcasc_gen import fsio
from jcasc_gen.exitcodes import ExitCode

from ._cli import CASES, REPO, run, tree

GOOD = CASES / "guide-v021.spec.yaml"
COMPOSE = CASES / "secret-files.spec.yaml"
CANARY = "CANARY-7f3a9-do-not-print"


@pytest.fixture
def work(tmp_path: pathlib.Path) -> pathlib.Path:
    """A checkout: the spec, its generated/ folder, and a secret of the CI machine elsewhere."""
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copy(GOOD, repo / "spec.yaml")
    (tmp_path / "secret.txt").write_text(f"token={CANARY}\n", encoding="utf-8")
    (tmp_path / "outside").mkdir()
    assert run(["generate", "spec.yaml", "-o", "generated"], cwd=repo).code == ExitCode.OK
    return repo


def _everything(*results: object) -> str:
    return "".join(getattr(r, "out", "") + getattr(r, "err", "") for r in results)


def _snapshot(root: pathlib.Path) -> dict[str, object]:
    """Every entry under `root` with what it is; symlinks by their target, never followed."""
    out: dict[str, object] = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            p = pathlib.Path(folder, name)
            info = p.lstat()
            rel = p.relative_to(root).as_posix()
            if stat.S_ISLNK(info.st_mode):
                out[rel] = ("link", os.readlink(p))
            elif stat.S_ISREG(info.st_mode):
                out[rel] = p.read_bytes()
            else:
                out[rel] = stat.S_IFMT(info.st_mode)
    return out


def _plant(path: pathlib.Path, kind: str, tmp: pathlib.Path) -> None:
    """Put something hostile at `path` (a file there is removed first)."""
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)
    if kind == "symlink-to-secret":
        path.symlink_to(tmp / "secret.txt")
    elif kind == "symlink-to-dev-zero":
        path.symlink_to("/dev/zero")
    elif kind == "dangling-symlink":
        path.symlink_to(tmp / "nothing-here")
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "folder":
        path.mkdir()
        (path / "inside.txt").write_text(CANARY, encoding="utf-8")
    else:  # pragma: no cover
        raise AssertionError(kind)


KINDS = ["symlink-to-secret", "symlink-to-dev-zero", "dangling-symlink", "fifo", "folder"]
FILES = ["jenkins.yaml", "plugins.txt", "plugins.yaml", "pomerium/config.yaml"]


@pytest.mark.parametrize("kind", KINDS)
def test_check_and_diff_never_follow_or_open_what_is_not_a_file(work: pathlib.Path, kind: str) -> None:
    target = work / "generated" / "jenkins.yaml"
    _plant(target, kind, work.parent)
    before = _snapshot(work.parent)
    check = run(["check", "spec.yaml", "-o", "generated"], cwd=work)
    diff = run(["diff", "spec.yaml", "-o", "generated", "--no-color"], cwd=work)
    check_json = json.loads(run(["check", "spec.yaml", "-o", "generated", "--format", "json"], cwd=work).out)
    diff_json = json.loads(run(["diff", "spec.yaml", "-o", "generated", "--format", "json"], cwd=work).out)
    assert check.code == diff.code == ExitCode.DIFFERENCES
    what = "is a symlink; refusing to follow it" if "symlink" in kind else "not a regular file; refusing to read it"
    assert f"unsafe   generated/jenkins.yaml: generated/jenkins.yaml {'is a FIFO (named pipe), ' if kind == 'fifo' else ''}" \
           f"{'is a folder, ' if kind == 'folder' else ''}" in check.out or what in check.out
    assert what in check.out and what in diff.out
    assert check_json["unsafe"] == [{"path": "jenkins.yaml", "problem": check_json["unsafe"][0]["problem"]}]
    assert what in check_json["unsafe"][0]["problem"]
    assert [f["status"] for f in diff_json["files"] if f["path"] == "jenkins.yaml"] == ["unsafe"]
    everything = _everything(check, diff) + json.dumps([check_json, diff_json])
    assert CANARY not in everything
    assert _snapshot(work.parent) == before  # nothing written, nothing consumed


def test_a_fifo_does_not_hang_check(work: pathlib.Path) -> None:
    """In a fresh process with a deadline: opening a FIFO for reading without O_NONBLOCK waits
    for a writer forever."""
    _plant(work / "generated" / "plugins.txt", "fifo", work.parent)
    proc = subprocess.run([sys.executable, "-m", "jcasc_gen", "check", "spec.yaml", "-o", "generated"], cwd=work,
                          capture_output=True, text=True, timeout=60, env=_env())
    assert proc.returncode == ExitCode.DIFFERENCES and "is a FIFO (named pipe)" in proc.stdout


def test_a_device_is_refused(work: pathlib.Path) -> None:
    target = work / "generated" / "plugins.yaml"
    target.unlink()
    try:
        os.mknod(target, 0o600 | stat.S_IFCHR, os.makedev(1, 5))  # /dev/zero's numbers
    except (PermissionError, OSError):
        pytest.skip("cannot create a device node here")
    r = run(["check", "spec.yaml", "-o", "generated"], cwd=work)
    assert r.code == ExitCode.DIFFERENCES and "generated/plugins.yaml is a device, not a regular file" in r.out


def test_an_oversized_file_is_not_read(work: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fsio, "MAX_FILE_BYTES", 1000)
    r = run(["check", "spec.yaml", "-o", "generated"], cwd=work)
    assert r.code == ExitCode.DIFFERENCES and "over the 1000-byte limit; refusing to read it" in r.out


@pytest.mark.parametrize("where", ["generated", "generated/pomerium"])
def test_symlinked_folders_are_neither_read_nor_written_through(work: pathlib.Path, where: str) -> None:
    outside = work.parent / "outside"
    real = work / where
    shutil.copytree(real, outside, dirs_exist_ok=True)
    shutil.rmtree(real)
    real.symlink_to(outside)
    (outside / "jenkins.yaml").write_text(f"{CANARY}\n", encoding="utf-8")
    (work / "spec.yaml").write_text((work / "spec.yaml").read_text(encoding="utf-8").replace("jenkins.corp", "ci.corp"),
                                    encoding="utf-8")
    before = _snapshot(work.parent)
    gen = run(["generate", "spec.yaml", "-o", "generated"], cwd=work)
    assert gen.code == ExitCode.USAGE
    assert f"error: {where} is a symlink; refusing to use it as a folder" in gen.err and "nothing was written" in gen.err
    check = run(["check", "spec.yaml", "-o", "generated"], cwd=work)
    diff = run(["diff", "spec.yaml", "-o", "generated"], cwd=work)
    assert check.code == diff.code == ExitCode.DIFFERENCES
    assert f"{where} is a symlink; refusing to use it as a folder" in check.out
    assert CANARY not in _everything(gen, check, diff)
    assert _snapshot(work.parent) == before


@pytest.mark.parametrize("kind", KINDS)
def test_generate_never_replaces_what_is_not_a_file_even_with_force(work: pathlib.Path, kind: str) -> None:
    _plant(work / "generated" / "jenkins.yaml", kind, work.parent)
    before = _snapshot(work.parent)
    for extra in ([], ["--force"]):
        r = run(["generate", "spec.yaml", "-o", "generated", *extra], cwd=work)
        assert r.code == ExitCode.USAGE and "generated/jenkins.yaml" in r.err and "refusing to replace it" in r.err
        assert _snapshot(work.parent) == before


def test_generate_overwrites_a_file_without_the_header_only_with_force(work: pathlib.Path) -> None:
    mine = work / "generated" / "plugins.txt"
    mine.write_text("my own list, not generated\n", encoding="utf-8")
    before = _snapshot(work)
    r = run(["generate", "spec.yaml", "-o", "generated"], cwd=work)
    assert r.code == ExitCode.USAGE
    assert "generated/plugins.txt exists and was not generated by this tool" in r.err and "--force" in r.err
    assert _snapshot(work) == before
    r = run(["generate", "spec.yaml", "-o", "generated", "--force"], cwd=work)
    assert r.code == ExitCode.OK and mine.read_text(encoding="utf-8").startswith("# Generated by jcasc-gen")
    assert run(["check", "spec.yaml", "-o", "generated"], cwd=work).code == ExitCode.OK


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(planted=st.dictionaries(st.sampled_from(FILES), st.sampled_from(KINDS + ["foreign-file", "stale"]), min_size=1, max_size=3))
def test_hostile_output_folders(tmp_path_factory: pytest.TempPathFactory, planted: dict[str, str]) -> None:
    """Whatever is planted: generate refuses before touching anything (or, for stale files of
    its own, rewrites them); check and diff terminate, report, and print no planted content."""
    tmp = tmp_path_factory.mktemp("hostile")
    repo = tmp / "repo"
    repo.mkdir()
    shutil.copy(GOOD, repo / "spec.yaml")
    (tmp / "secret.txt").write_text(f"token={CANARY}\n", encoding="utf-8")
    assert run(["generate", "spec.yaml", "-o", "generated"], cwd=repo).code == ExitCode.OK
    good = tree(repo / "generated")
    for rel, kind in planted.items():
        path = repo / "generated" / rel
        if kind == "foreign-file":
            path.write_text(f"{CANARY}\n", encoding="utf-8")
        elif kind == "stale":  # our header, other content
            path.write_bytes(path.read_bytes().splitlines(keepends=True)[0])
        else:
            _plant(path, kind, tmp)
    before = _snapshot(tmp)
    check = run(["check", "spec.yaml", "-o", "generated", "--format", "json"], cwd=repo)
    diff = run(["diff", "spec.yaml", "-o", "generated", "--format", "json"], cwd=repo)
    assert check.code == diff.code == ExitCode.DIFFERENCES
    assert CANARY not in check.out + check.err + "".join(
        f.get("problem", "") + json.dumps(f.get("changes", "")) for f in json.loads(diff.out)["files"])
    gen = run(["generate", "spec.yaml", "-o", "generated"], cwd=repo)
    if all(kind == "stale" for kind in planted.values()):
        assert gen.code == ExitCode.OK and tree(repo / "generated") == good
    else:
        assert gen.code == ExitCode.USAGE and "nothing was written" in gen.err
        assert _snapshot(tmp) == before
    assert not [p for p in (repo / "generated").rglob("*") if fsio.TEMP_MARK in p.name]


# --- the rename phase: the old set or the new one, never a mix, no temp files ---------------------


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO)}


_CHILD = textwrap.dedent("""
    import os, signal, sys
    from jcasc_gen import fsio
    from jcasc_gen.cli import main
    when, signame = sys.argv[1], sys.argv[2]
    signum = getattr(signal, signame)
    real_replace, real_fsync, calls = os.replace, os.fsync, {"replace": 0, "fsync": 0}
    def replace(*a, **k):
        real_replace(*a, **k)
        calls["replace"] += 1
        if when == "rename" and calls["replace"] == 1:
            os.kill(os.getpid(), signum)  # between the first rename and the rest
    def fsync(fd):
        real_fsync(fd)
        calls["fsync"] += 1
        if when == "write" and calls["fsync"] == 2:
            os.kill(os.getpid(), signum)  # while temp files are being written
    fsio.os.replace, fsio.os.fsync = replace, fsync
    sys.exit(main(["generate", "spec.yaml", "-o", "generated"]))
""")


@pytest.mark.parametrize("signame", ["SIGTERM", "SIGINT", "SIGHUP"])
@pytest.mark.parametrize("when", ["write", "rename"])
def test_a_signal_leaves_the_old_or_the_new_set(work: pathlib.Path, when: str, signame: str) -> None:
    old = tree(work / "generated")
    (work / "spec.yaml").write_text((work / "spec.yaml").read_text(encoding="utf-8").replace("jenkins.corp", "ci.corp"),
                                    encoding="utf-8")
    new_out = work.parent / "new"
    assert run(["generate", str(work / "spec.yaml"), "-o", str(new_out)]).code == ExitCode.OK
    new = tree(new_out)
    changed = [rel for rel in new if new[rel] != old.get(rel)]
    assert len(changed) >= 2  # a mix would be visible
    proc = subprocess.run([sys.executable, "-c", _CHILD, when, signame], cwd=work, capture_output=True, text=True,
                          timeout=120, env=_env())
    signum = getattr(signal, signame)
    assert proc.returncode in (-signum, 128 + signum, 130), proc.stderr
    assert "Traceback" not in proc.stderr
    got = tree(work / "generated")
    assert got == (new if when == "rename" else old)
    assert not [p for p in (work / "generated").rglob("*") if fsio.TEMP_MARK in p.name]


def test_a_failed_rename_is_undone(work: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old = tree(work / "generated")
    (work / "spec.yaml").write_text((work / "spec.yaml").read_text(encoding="utf-8").replace("jenkins.corp", "ci.corp"),
                                    encoding="utf-8")
    real, calls = os.replace, {"n": 0}

    def flaky(*a: object, **k: object) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(13, "Permission denied")
        real(*a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(fsio.os, "replace", flaky)
    r = run(["generate", "spec.yaml", "-o", "generated"], cwd=work)
    assert r.code == ExitCode.USAGE and "Permission denied" in r.err and "Traceback" not in r.err
    assert calls["n"] >= 3  # the first rename was undone
    assert tree(work / "generated") == old
    assert not [p for p in (work / "generated").rglob("*") if fsio.TEMP_MARK in p.name]


# --- single files: init, import's output ------------------------------------------------------------


def test_init_and_import_refuse_to_write_through_a_symlink(tmp_path: pathlib.Path) -> None:
    (tmp_path / "secret.txt").write_text(CANARY, encoding="utf-8")
    (tmp_path / "spec.yaml").symlink_to(tmp_path / "secret.txt")
    r = run(["init", "spec.yaml", "--force"], cwd=tmp_path)
    assert r.code == ExitCode.USAGE and "spec.yaml is a symlink; refusing to replace it" in r.err
    r = run(["import", "--from-export", str(REPO / "tests/gitops/fixtures/matrix-v3.yaml"), "--jenkins-url",
             "https://jenkins.example.com", "--authenticate-url", "https://authenticate.example.com", "--idp-provider", "google",
             "-o", "spec.yaml", "--force"], cwd=tmp_path)
    assert r.code == ExitCode.USAGE and "refusing to replace it" in r.err
    assert (tmp_path / "secret.txt").read_text(encoding="utf-8") == CANARY and (tmp_path / "spec.yaml").is_symlink()
    (tmp_path / "jcasc-gen.schema.json").symlink_to(tmp_path / "secret.txt")
    r = run(["init", "other.yaml"], cwd=tmp_path)
    assert r.code == ExitCode.USAGE and "jcasc-gen.schema.json is a symlink" in r.err
    assert (tmp_path / "secret.txt").read_text(encoding="utf-8") == CANARY

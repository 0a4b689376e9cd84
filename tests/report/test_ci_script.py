""".ci/run installs the tools tests compare against (Chromium, Go, a JDK) where apt can, never fails because of it, and
still runs exactly the README's test command."""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
README = "# x\n\n<!-- test-command -->\n```sh\necho the-tests-ran\n```\n<!-- /test-command -->\n"


def _sandbox(tmp_path: pathlib.Path, apt: str | None) -> tuple[pathlib.Path, dict[str, str]]:
    """A copy of .ci/run beside a README, and a PATH with only the tools it needs (no chromium, go or java)."""
    (tmp_path / ".ci").mkdir()
    shutil.copy(REPO / ".ci" / "run", tmp_path / ".ci" / "run")
    (tmp_path / "README.md").write_text(README)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "sed", "dirname", "id", "cat", "echo"):
        found = shutil.which(tool)
        if found:
            (bin_dir / tool).symlink_to(found)
    if apt is not None:
        fake = bin_dir / "apt-get"
        fake.write_text(f"#!{shutil.which('bash')}\necho \"apt-get $*\" >> {tmp_path}/apt.log\n{apt}\n")
        fake.chmod(0o755)
    return tmp_path, {"PATH": str(bin_dir), "HOME": str(tmp_path)}


@pytest.mark.skipif(os.geteuid() != 0, reason="the install path runs as root (CI runs as root)")
@pytest.mark.parametrize("apt,installed", [("exit 0", True), ("exit 100", False), (None, False)])
def test_ci_installs_chromium_when_it_can_and_runs_the_readme_command(tmp_path: pathlib.Path, apt: str | None,
                                                                      installed: bool) -> None:
    root, env = _sandbox(tmp_path, apt)
    r = subprocess.run(["bash", str(root / ".ci" / "run")], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[-1] == "the-tests-ran"
    log = (root / "apt.log").read_text() if (root / "apt.log").exists() else ""
    if apt is None:
        assert log == "" and "chromium" not in r.stdout
    else:
        assert "apt-get update -qq" in log
        wanted = "chromium golang-go openjdk-17-jdk-headless"  # the sandbox PATH has none of them
        assert (f"apt-get install -y -qq --no-install-recommends {wanted}" in log) == installed  # no install after a failed update
        assert (f"could not install {wanted}" in r.stderr) == (not installed)

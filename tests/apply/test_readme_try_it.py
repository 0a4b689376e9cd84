"""The README's "Try it by hand" path, with the README's exact commands: the simulator's
command line, plan, apply, apply again, verify. Only the two port numbers change (to free
ones), in the commands and in the copy of samples/try-it.yaml the commands read."""

from __future__ import annotations

import os
import pathlib
import re
import shlex
import socket
import subprocess
import sys

from jcasc_gen.exitcodes import ExitCode

REPO = pathlib.Path(__file__).resolve().parents[2]
SECTION = "### Try it by hand (no Jenkins needed)"


def _blocks() -> list[list[str]]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split(SECTION, 1)[1].split("\n#", 1)[0]
    return [[line for line in block.splitlines() if line.strip()] for block in re.findall(r"```sh\n(.*?)```", section, re.S)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_readme_try_it_by_hand_path_works_as_written(tmp_path: pathlib.Path) -> None:
    sim_block, commands = _blocks()
    assert len(sim_block) == 1 and sim_block[0].startswith("python -m tests.jenkins_sim ")
    ports = {"18080": str(_free_port()), "18081": str(_free_port())}

    def ported(text: str) -> str:
        for old, new in ports.items():
            text = text.replace(old, new)
        return text

    (tmp_path / "samples").mkdir()
    (tmp_path / "samples" / "try-it.yaml").write_text(ported((REPO / "samples" / "try-it.yaml").read_text(encoding="utf-8")))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JENKINS_", "JCASC_GEN"))}
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    argv = shlex.split(ported(sim_block[0]))
    assert argv[:3] == ["python", "-m", "tests.jenkins_sim"]
    sim = subprocess.Popen([sys.executable, *argv[1:]], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
    try:
        assert sim.stdout is not None
        first = sim.stdout.readline()
        assert first.startswith("Jenkins simulator: http://127.0.0.1:" + ports["18080"]), first
        for _ in range(4):  # the users, the JWKS URL, the key file, the admin assertion
            sim.stdout.readline()
        expected = iter([ExitCode.DIFFERENCES, ExitCode.OK, ExitCode.OK, ExitCode.OK])
        for line in commands:
            words = shlex.split(ported(line), comments=True)
            if words[0] == "export":
                env.update(w.split("=", 1) for w in words[1:])
                continue
            assert words[0] == "jcasc-gen", line
            r = subprocess.run([sys.executable, "-m", "jcasc_gen", *words[1:]], cwd=tmp_path, env=env,
                               capture_output=True, text=True, timeout=120)
            assert r.returncode == next(expected), f"{line}\n{r.stdout}{r.stderr}"
            assert "Traceback" not in r.stderr
            if words[1] == "apply" and "nothing to change" in r.stderr + r.stdout:
                assert "skipping every step" in r.stderr
        assert next(expected, None) is None, "the README has fewer commands than this test expects"
    finally:
        sim.terminate()
        sim.wait(timeout=10)

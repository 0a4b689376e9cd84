"""The pre-commit hooks and the CI examples call commands and flags that exist, and the
offline steps pass on a freshly generated repository."""

from __future__ import annotations

import pathlib
import re
import shlex

import pytest
import yaml

from jcasc_gen.cli import build_parser, main

from .conftest import SPEC

REPO = pathlib.Path(__file__).resolve().parents[2]


def _invocations(text: str) -> list[list[str]]:
    """Every `jcasc-gen ...` command line in a shell snippet, with variables filled in."""
    out = []
    for m in re.finditer(r"(?m)(?:^\s*|sh '|&& |\|\| \{ |run: )(?:\.venv/bin/)?jcasc-gen ([^\n;|>&}']+)", text):
        line = m.group(1).replace('"$SPEC"', "spec.yaml").replace('"$RUNNER_TEMP/signing-key.pem"', "key.pem")
        line = line.replace('"$SIGNING_KEY_FILE"', "key.pem").replace('"$JCASC_GEN"', "")
        words = shlex.split(line)
        if words and not words[0].startswith("=="):
            out.append(words)
    return out


@pytest.mark.parametrize("path", [".pre-commit-hooks.yaml", "examples/github-actions/jenkins-config.yml", "examples/jenkins/Jenkinsfile"])
def test_examples_use_real_commands_and_flags(path: str) -> None:
    text = (REPO / path).read_text()
    if path.endswith((".yml", ".yaml")):
        yaml.safe_load(text)  # well-formed
    if path == ".pre-commit-hooks.yaml":
        calls = [h["entry"].split()[1:] + h["args"] for h in yaml.safe_load(text)]
    else:
        calls = _invocations(text)
    assert calls
    parser = build_parser()
    for words in calls:
        parser.parse_args(words)  # argparse exits (SystemExit) on an unknown command or flag


def test_workflow_shape() -> None:
    wf = yaml.safe_load((REPO / "examples/github-actions/jenkins-config.yml").read_text())
    jobs = wf["jobs"]
    assert set(jobs) == {"check", "plan", "apply"}
    assert "pull_request" in jobs["plan"]["if"] and "refs/heads/main" in jobs["apply"]["if"]
    assert jobs["apply"]["concurrency"]
    steps = " ".join(s.get("run", "") for s in jobs["apply"]["steps"])
    assert "jcasc-gen apply" in steps and "jcasc-gen verify" in steps


def test_offline_ci_steps_and_hooks_pass_on_a_fresh_repository(tmp_path: pathlib.Path) -> None:
    spec = tmp_path / "jcasc-gen.yaml"
    spec.write_text(SPEC)
    assert main(["generate", str(spec)]) == 0
    for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text()):
        assert main(h["entry"].split()[1:] + [str(spec)]) == 0, h["id"]
    assert main(["validate", str(spec)]) == 0
    assert main(["check", str(spec)]) == 0

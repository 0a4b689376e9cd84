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


@pytest.mark.parametrize("path", [".pre-commit-hooks.yaml", "examples/github-actions/jenkins-config.yml", "examples/jenkins/Jenkinsfile",
                                  "examples/github-actions/jenkins-helm.yml", "examples/github-actions/jenkins-fleet.yml"])
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


def test_helm_workflow_checks_offline_and_waits_for_the_sync_on_main() -> None:
    wf = yaml.safe_load((REPO / "examples/github-actions/jenkins-helm.yml").read_text())
    jobs = wf["jobs"]
    assert set(jobs) == {"check", "verify-after-sync"}
    check = " ".join(s.get("run", "") for s in jobs["check"]["steps"])
    assert 'jcasc-gen check "$SPEC"' in check and "secrets" not in str(jobs["check"])
    assert "refs/heads/main" in jobs["verify-after-sync"]["if"] and jobs["verify-after-sync"]["concurrency"]
    steps = " ".join(s.get("run", "") for s in jobs["verify-after-sync"]["steps"])
    assert "jcasc-gen apply" in steps and "--via-reload" in steps


def test_argocd_application_passes_the_generated_values_last() -> None:
    app = yaml.safe_load((REPO / "examples/argocd/application.yaml").read_text())
    assert app["apiVersion"] == "argoproj.io/v1alpha1" and app["kind"] == "Application"
    chart, values = app["spec"]["sources"]
    assert chart["chart"] == "jenkins" and chart["repoURL"] == "https://charts.jenkins.io"
    from jcasc_gen.helm import CHART_CHECKED

    assert chart["targetRevision"] == CHART_CHECKED[1]  # a chart version the values were checked against
    assert chart["helm"]["valueFiles"][-1].endswith("generated/helm/values.yaml") and values["ref"] == "values"
    # the release name makes the sidecar's label the ConfigMap default (output.kubernetes)
    from jcasc_gen.model import DEFAULT_CONFIGMAP_LABEL

    assert f"{chart['helm']['releaseName']}-jenkins-config" == DEFAULT_CONFIGMAP_LABEL


def test_helm_check_passes_on_a_fresh_repository_and_catches_a_hand_edit(tmp_path: pathlib.Path) -> None:
    spec = tmp_path / "jcasc-gen.yaml"
    spec.write_text(SPEC.replace("output:\n", "output:\n  helm: true\n"))
    assert main(["generate", str(spec)]) == 0
    values = tmp_path / "generated" / "helm" / "values.yaml"
    assert values.exists()
    assert main(["check", str(spec)]) == 0
    values.write_text(values.read_text().replace("installLatestPlugins: false", "installLatestPlugins: true"))
    assert main(["check", str(spec)]) == 1


def test_offline_ci_steps_and_hooks_pass_on_a_fresh_repository(tmp_path: pathlib.Path) -> None:
    spec = tmp_path / "jcasc-gen.yaml"
    spec.write_text(SPEC)
    assert main(["generate", str(spec)]) == 0
    for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text()):
        assert main(h["entry"].split()[1:] + [str(spec)]) == 0, h["id"]
    assert main(["validate", str(spec)]) == 0
    assert main(["check", str(spec)]) == 0

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
    assert set(jobs) == {"check", "review", "plan", "apply"}
    assert "pull_request" in jobs["plan"]["if"] and "refs/heads/main" in jobs["apply"]["if"]
    assert jobs["apply"]["concurrency"]
    steps = " ".join(s.get("run", "") for s in jobs["apply"]["steps"])
    assert "jcasc-gen apply" in steps and "jcasc-gen verify" in steps


def test_pull_requests_get_one_comment_of_effective_changes_updated_on_every_push() -> None:
    """The review job needs no secret: the spec against its base branch's spec, as the markdown
    diff prints it, posted once and then updated (found by the marker jcasc-gen writes first)."""
    from jcasc_gen.change_markdown import MARKER

    wf = yaml.safe_load((REPO / "examples/github-actions/jenkins-config.yml").read_text())
    review = wf["jobs"]["review"]
    assert "pull_request" in review["if"] and "secrets" not in str(review) and review["permissions"]["pull-requests"] == "write"
    run = " ".join(s.get("run", "") for s in review["steps"])
    assert 'jcasc-gen diff "$SPEC" -o "$RUNNER_TEMP/base-out" --format markdown > comment.md' in run
    assert 'git worktree add "$RUNNER_TEMP/base" "origin/$BASE_REF"' in run
    (script,) = [s["with"]["script"] for s in review["steps"] if s.get("uses", "").startswith("actions/github-script@")]
    assert f"'{MARKER}'" in script and "updateComment" in script and "createComment" in script
    assert "comment" not in " ".join(s.get("name", "") for s in wf["jobs"]["plan"]["steps"])  # one comment, not two


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


def test_the_review_step_runs_as_written(tmp_path: pathlib.Path) -> None:
    """The review job's shell step, verbatim, in a repository whose pull request grants alice
    Job/Configure: the comment says so."""
    import os
    import subprocess
    import sys

    wf = yaml.safe_load((REPO / "examples/github-actions/jenkins-config.yml").read_text())
    (step,) = [s for s in wf["jobs"]["review"]["steps"] if "jcasc-gen diff" in s.get("run", "")]
    repo = tmp_path / "repo"
    (repo / "jenkins").mkdir(parents=True)
    spec = repo / "jenkins" / "jcasc-gen.yaml"
    base = (REPO / "samples" / "minimal.yaml").read_text()
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    spec.write_text(base)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "base"], check=True)
    subprocess.run([*git, "update-ref", "refs/remotes/origin/main", "main"], check=True)
    subprocess.run([*git, "checkout", "-qb", "pr"], check=True)
    spec.write_text(base + "    - user: alice@example.com\n      permissions: [Job/Configure]\n")
    runner = tmp_path / "runner"
    runner.mkdir()
    env = dict(os.environ, SPEC="jenkins/jcasc-gen.yaml", BASE_REF="main", RUNNER_TEMP=str(runner),
               GITHUB_STEP_SUMMARY=str(tmp_path / "summary.md"),
               PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    r = subprocess.run(["bash", "-eo", "pipefail", "-c", step["run"]], cwd=repo, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    comment = (repo / "comment.md").read_text()
    assert "| user `alice@example.com` (new) | Jenkins | + Job/Configure (and 3 it implies) |" in comment
    assert (tmp_path / "summary.md").read_text() == comment

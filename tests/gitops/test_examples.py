"""The pre-commit hooks and the CI examples call commands and flags that exist, and the
offline steps pass on a freshly generated repository."""

from __future__ import annotations

import pathlib
import re
import shlex
from typing import Any

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


# --- installing the tool: from the repository, at one pinned commit ---------------------------

INSTALL_DOCS = ["README.md", "docs/gitops.md", "docs/kubernetes.md", "docs/fleet.md", ".pre-commit-hooks.yaml",
                "examples/github-actions/jenkins-config.yml", "examples/github-actions/jenkins-helm.yml",
                "examples/github-actions/jenkins-fleet.yml", "examples/jenkins/Jenkinsfile"]
SHA = re.compile(r"\b[0-9a-f]{40}\b")


def test_every_install_is_from_the_repository_never_an_unpublished_package() -> None:
    """jcasc-gen is not on PyPI: `pip install jcasc-gen==...` fails for every user. Each install
    line takes it from its git repository at a pinned commit, or from a local checkout or wheel."""
    for path in INSTALL_DOCS:
        text = (REPO / path).read_text()
        assert not re.search(r"jcasc-gen\s*==|install\s+(--\S+\s+)*jcasc-gen\b(?!\s*@)", text), path
        for m in re.finditer(r"pip install[^\n]*", text):
            line = m.group(0)
            if "jcasc-gen @" in line:
                assert re.search(r"git\+(\$\{JCASC_GEN_REPO\}|https://\S+\.git|<[^>]+>)@(\$\{JCASC_GEN_REV\}|[0-9a-f]{40}|<[^>]+>)",
                                 line), (path, line)


def _pins() -> dict[str, set[str]]:
    return {path: set(SHA.findall((REPO / path).read_text())) for path in INSTALL_DOCS if SHA.search((REPO / path).read_text())}


def test_one_pin_everywhere_and_it_is_a_commit_of_this_repository_with_the_hooks() -> None:
    import subprocess

    pins = _pins()
    assert {".pre-commit-hooks.yaml", "docs/gitops.md", "examples/github-actions/jenkins-config.yml",
            "examples/jenkins/Jenkinsfile"} <= set(pins)
    [pin] = set().union(*pins.values())  # the same commit in every example
    git = subprocess.run(["git", "-C", str(REPO), "cat-file", "-t", pin], capture_output=True, text=True)
    if git.returncode != 0 and "not a git repository" in git.stderr:
        pytest.skip("not a git checkout: the commit cannot be looked up")
    assert git.stdout.strip() == "commit", f"{pin} is not a commit of this repository"
    at = lambda path: subprocess.run(["git", "-C", str(REPO), "show", f"{pin}:{path}"], capture_output=True,  # noqa: E731
                                     text=True, check=True).stdout
    hooks = {h["id"]: h for h in yaml.safe_load(at(".pre-commit-hooks.yaml"))}
    assert {"jcasc-gen-lint", "jcasc-gen-check"} <= set(hooks)
    assert all(h["language"] == "python" and h["entry"].startswith("jcasc-gen ") for h in hooks.values())
    pyproject = at("pyproject.toml")
    assert 'name = "jcasc-gen"' in pyproject and 'jcasc-gen = "jcasc_gen.cli:main"' in pyproject


def _pre_commit(*args: str, cwd: pathlib.Path) -> Any:
    import subprocess
    import sys

    pytest.importorskip("pre_commit")
    return subprocess.run([sys.executable, "-m", "pre_commit", *args], cwd=cwd, capture_output=True, text=True)


def test_the_hooks_manifest_and_the_documented_config_are_what_pre_commit_accepts(tmp_path: pathlib.Path) -> None:
    r = _pre_commit("validate-manifest", str(REPO / ".pre-commit-hooks.yaml"), cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    docs = (REPO / "docs" / "gitops.md").read_text()
    config = docs.split("## Pre-commit hooks", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    (tmp_path / ".pre-commit-config.yaml").write_text(config)
    r = _pre_commit("validate-config", ".pre-commit-config.yaml", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    ids = {h["id"] for repo in yaml.safe_load(config)["repos"] for h in repo["hooks"]}
    assert ids == {h["id"] for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}


def test_each_hook_runs_as_pre_commit_runs_it(tmp_path: pathlib.Path) -> None:
    """pre-commit runs `entry` with `args` (no file names: pass_filenames is false) in the
    repository's root, through the installed console script."""
    import shutil
    import subprocess
    import sys

    script = shutil.which("jcasc-gen", path=str(pathlib.Path(sys.executable).parent))
    assert script, "the console script jcasc-gen is installed beside the interpreter"
    (tmp_path / "jcasc-gen.yaml").write_text(SPEC)
    assert main(["generate", str(tmp_path / "jcasc-gen.yaml")]) == 0
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())

    def hook(hook_id: str) -> int:
        h = next(h for h in hooks if h["id"] == hook_id)
        assert h["pass_filenames"] is False
        cmd = [script, *h["entry"].split()[1:], *h["args"]]
        return subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True).returncode

    assert (hook("jcasc-gen-lint"), hook("jcasc-gen-check")) == (0, 0)
    (tmp_path / "jcasc-gen.yaml").write_text(SPEC.replace("permissions: [Overall/Read", "permissions: [Overall/Read, Job/Build", 1))
    assert hook("jcasc-gen-check") == 1  # the spec changed, generate was not run
    (tmp_path / "jcasc-gen.yaml").write_text(SPEC.replace("Overall/Administer", "Overall/Read"))
    assert hook("jcasc-gen-lint") == 2  # nobody administers: lint error JG001

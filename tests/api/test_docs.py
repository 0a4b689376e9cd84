"""The documented examples run as written: every ```python block of docs/api.md, in order, in
one session (they continue from one another), the README's Python API example, and
examples/api/plan_changes.py, all against the Jenkins simulator."""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys

import pytest

from .conftest import CANARY_TOKEN, Site

REPO = pathlib.Path(__file__).resolve().parents[2]
PLAN_CHANGES = REPO / "examples" / "api" / "plan_changes.py"


def _python_blocks(text: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", text, re.M | re.S)


@pytest.fixture
def documented_env(site: Site, monkeypatch: pytest.MonkeyPatch) -> Site:
    """What the docs assume: a folder with jcasc-gen.yaml, and the conventional variables."""
    monkeypatch.chdir(site.folder)
    monkeypatch.setenv("JENKINS_URL", site.sim.url)
    monkeypatch.setenv("JENKINS_USER_ID", "admin")
    monkeypatch.setenv("JENKINS_API_TOKEN", CANARY_TOKEN)
    monkeypatch.setenv("POMERIUM_SIGNING_KEY_FILE", str(site.key_path))
    return site


def _run_session(blocks: list[str], source: str) -> dict[str, object]:
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for i, block in enumerate(blocks):
        try:
            exec(compile(block, f"{source} block {i + 1}", "exec"), namespace)  # noqa: S102 - our own documentation
        except Exception as exc:  # pragma: no cover - the message is the point
            raise AssertionError(f"{source}, example {i + 1} fails as written:\n{block}") from exc
    return namespace


def test_docs_api_examples_run_as_written(documented_env: Site, capsys: pytest.CaptureFixture[str]) -> None:
    site = documented_env
    blocks = _python_blocks((REPO / "docs" / "api.md").read_text(encoding="utf-8"))
    assert len(blocks) >= 10, "docs/api.md lost its examples"
    ns = _run_session(blocks, "docs/api.md")
    out = capsys.readouterr().out
    # what the examples say they show, they show
    assert "install jwt-auth 0.3.0" in out and "realm: local -> jwtAuth" in out
    assert "no answer:" in out and "portal-form:" in out
    assert "[1/8] preflight: nothing to change; skipping every step" in out and "steps said: ['preflight']" in out
    assert site.sim.security_realm.class_name.endswith("JwtAuthSecurityRealm"), "the apply example did not apply"
    assert (site.folder / "verify.xml").read_text().startswith("<?xml")
    assert sorted(p.name for p in (site.folder / "generated").iterdir()) == ["jenkins.yaml", "plugins.txt", "plugins.yaml", "pomerium"]
    assert ns["verified"].ok  # type: ignore[attr-defined]
    # the report examples: the spec's review written out, and the live one agreeing with it
    assert (site.folder / "access.html").read_text().startswith("<!DOCTYPE html>")
    assert (site.folder / "access.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert out.count("{None: ['user alice@example.com']}") == 2
    site.assert_hidden(out)


def test_readme_python_api_example_runs_as_written(documented_env: Site, capsys: pytest.CaptureFixture[str]) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Python API", 1)[1].split("\n## ", 1)[0]
    blocks = _python_blocks(section)
    assert blocks, "the README's Python API section has no example"
    _run_session(blocks, "README.md")
    out = capsys.readouterr().out
    assert "install jwt-auth 0.3.0" in out
    documented_env.assert_hidden(out)


def _plan_changes(site: Site, *extra: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, JENKINS_URL=site.sim.url, JENKINS_USER_ID="admin", JENKINS_API_TOKEN=CANARY_TOKEN,
               PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, str(PLAN_CHANGES), str(site.spec_path), *extra], capture_output=True, text=True,
                          timeout=120, env=env, cwd=site.folder)


def test_plan_changes_example_prints_what_apply_would_change(site: Site) -> None:
    before = _plan_changes(site, "--signing-key-file", str(site.key_path))
    assert before.returncode == 1, before.stderr
    lines = before.stdout.splitlines()
    assert lines[:4] == ["security realm  local -> jwtAuth", "authorization   the permission matrix changes (diff below)",
                         "plugin          install jwt-auth 0.3.0",
                         "restart         Jenkins restarts safely after the plugins are installed"]
    assert "+    globalMatrix:" in before.stdout
    site.assert_hidden(before.stdout + before.stderr)

    import jcasc_gen

    jenkins = jcasc_gen.Jenkins(site.sim.url, user="admin", token=CANARY_TOKEN, signing_key=site.key_pem, on_event=lambda m: None)
    assert jenkins.apply(jcasc_gen.load(site.spec_path), poll_interval=0.02).ok

    after = _plan_changes(site, "--signing-key-file", str(site.key_path))
    assert after.returncode == 0, after.stderr
    assert after.stdout.startswith("nothing to change on Jenkins 2.516.3")
    # once jwt-auth is the realm the API token alone is anonymous: a located error, exit 3
    token_only = _plan_changes(site)
    assert token_only.returncode == 3 and "treated as anonymous" in token_only.stderr
    assert "Traceback" not in token_only.stderr


def test_plan_changes_example_on_bad_input(site: Site, tmp_path: pathlib.Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\njenkins: {url: https://j.example.com}\n")
    env = dict(os.environ, JENKINS_URL=site.sim.url, PYTHONPATH=str(REPO))
    r = subprocess.run([sys.executable, str(PLAN_CHANGES), str(bad)], capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode == 2 and f"{bad}:1:1: $: missing required key 'authorization'" in r.stderr
    r = subprocess.run([sys.executable, str(PLAN_CHANGES), str(site.spec_path)], capture_output=True, text=True, timeout=60,
                       env=dict(env, JENKINS_URL="http://127.0.0.1:9/", JENKINS_USER_ID="admin", JENKINS_API_TOKEN=CANARY_TOKEN))
    assert r.returncode == 3 and "cannot connect" in r.stderr and "Traceback" not in r.stderr

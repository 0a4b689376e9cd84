"""Managed sections on disk (issue 9 item 7): JCasC merges its files into every apply,
concatenating sequences (so a matrix's `entries` become a union) and refusing a scalar set
twice, and re-applies the files at every start. plan says which file declares which
section; apply waits for the deployed files when one declares the realm or the matrix
(live/reload.py, tests/apply/test_reload.py), posts as usual when none does, and with
--via-api says what the merge will do before it posts anyway."""

from __future__ import annotations

from typing import Any, Callable

from jcasc_gen.exitcodes import ExitCode
from jcasc_gen.model import load_spec_text
from jcasc_gen.render import render
from tests.jenkins_sim import DEFAULT_PLUGINS

from .conftest import Env, assert_no_secret, spec_text

OLD_MATRIX = """\
jenkins:
  authorizationStrategy:
    globalMatrix:
      entries:
      - user: {name: admin, permissions: [Overall/Administer]}
      - group: {name: authenticated, permissions: [Overall/Administer]}
"""
DISK = "/var/jenkins_home/casc_configs/00.yaml"
POSTS = {"/configuration-as-code/apply", "/configuration-as-code/configure", "/pluginManager/installNecessaryPlugins",
         "/safeRestart"}


def _posted(env: Env) -> list[tuple[str, str]]:
    # the empty-body probe of /configure changes nothing (400 before anything runs)
    return [r for r in env.sim.requests if r[0] == "POST" and r[1] in POSTS][1:]


def test_plan_names_the_file_and_what_the_merge_would_do(make_env: Callable[..., Env]) -> None:
    env = make_env(plugins={**DEFAULT_PLUGINS, "jwt-auth": "0.3.0"}, casc_files=[OLD_MATRIX])
    plan = env.plan()
    assert plan.code == ExitCode.DIFFERENCES, plan.out + plan.err
    assert f"{DISK} declares authorizationStrategy" in plan.out
    assert "a matrix's entries the union of both, so no grant could be removed" in plan.out
    assert "`apply` waits for them to equal the spec (--via-reload)" in plan.out
    assert plan_json(env)["disk"]["declared"] == {DISK: ["authorizationStrategy"]}


def plan_json(env: Env) -> Any:
    return env.plan("--format", "json").json


def test_apply_waits_for_the_file_instead_of_granting_the_union(make_env: Callable[..., Env]) -> None:
    # before, posting the spec's matrix over this file granted the union (authenticated kept
    # Overall/Administer) until verify failed and the run rolled back
    env = make_env(plugins={**DEFAULT_PLUGINS, "jwt-auth": "0.3.0"}, casc_files=[OLD_MATRIX])
    before = env.sim.export_yaml()
    run = env.apply("--reload-timeout", "0.5")
    assert run.code == ExitCode.DIFFERENCES, run.err  # the files never came: what differs is printed
    assert f"{DISK} declares authorizationStrategy" in run.err
    assert "waiting for the deployed files instead of posting" in run.err
    assert _posted(env) == [] and env.sim.export_yaml() == before
    assert_no_secret(run, env)


def test_via_api_says_what_the_merge_will_do_then_rolls_the_union_back(make_env: Callable[..., Env]) -> None:
    env = make_env(plugins={**DEFAULT_PLUGINS, "jwt-auth": "0.3.0"}, casc_files=[OLD_MATRIX])
    before = env.sim.export_yaml()
    run = env.apply("--via-api")
    assert run.code == ExitCode.ROLLED_BACK, run.err
    assert f"{DISK} declares authorizationStrategy" in run.err and "warning: --via-api: posting anyway" in run.err
    assert env.sim.export_yaml() == before


def test_files_without_the_managed_sections_do_not_stop_apply(make_env: Callable[..., Env]) -> None:
    # JCasC configures other things from disk: posting the realm and matrix merges with nothing
    env = make_env(plugins={**DEFAULT_PLUGINS, "jwt-auth": "0.3.0"}, casc_files=["jenkins:\n  systemMessage: from disk\n"])
    plan = env.plan()
    assert "none declares securityRealm or authorizationStrategy" in plan.out
    assert "`apply` posts the realm and matrix as usual" in plan.out
    run = env.apply()
    assert run.code == ExitCode.OK, run.err
    assert env.sim.security_realm.class_name.endswith("JwtAuthSecurityRealm") and env.sim.system_message == "from disk"


def test_the_gitops_stack_is_told_where_changes_go(make_env: Callable[..., Env], pomerium_side: Any) -> None:
    # the compose stack: Jenkins already configured from the generated file on disk
    text = spec_text(pomerium_side.jwks_url)
    on_disk = render(load_spec_text(text).spec)["jenkins.yaml"]
    env = make_env(text, plugins={**DEFAULT_PLUGINS, "jwt-auth": "0.3.0"}, casc_files=[on_disk])
    plan = env.plan()
    assert plan.code == ExitCode.OK, plan.out + plan.err
    assert f"{DISK} declares securityRealm and authorizationStrategy" in plan.out

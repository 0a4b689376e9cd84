"""A spec that grants permissions plugins define (Job/Move: cloudbees-folder, Credentials/*:
credentials): plan and apply install those plugins before the matrix is checked, so
matrix-auth (in the simulator, as in Jenkins) can parse the permissions."""

from __future__ import annotations

import textwrap

from jcasc_gen.exitcodes import ExitCode

from .conftest import ADMIN, Env, spec_text

GRANTS = textwrap.dedent(f"""\
    - user: {ADMIN}
      permissions: [Overall/Administer]
    - group: release
      permissions: [Overall/Read, Job/Read, Job/Move, Credentials/View]
    """)


def test_apply_installs_the_plugins_granted_permissions_need(make_env, pomerium_side) -> None:  # type: ignore[no-untyped-def]
    env: Env = make_env(spec_text(pomerium_side.jwks_url, grants=GRANTS))
    plan = env.plan()
    assert plan.code == ExitCode.DIFFERENCES, plan.err
    assert "install cloudbees-folder 6.1100.ve9eed61d16c4" in plan.out
    assert "install credentials 1502.v5c95e620ddfe" in plan.out
    assert "workflow-cps" not in plan.out  # Run/Replay is not granted

    run = env.apply()
    assert run.code == ExitCode.OK, run.err
    assert env.sim.plugins["cloudbees-folder"].active and env.sim.plugins["credentials"].active
    assert env.sim.authorization.grants[("GROUP", "release")] == {"Overall/Read", "Job/Read", "Job/Move", "Credentials/View"}
    again = env.apply()
    assert again.code == ExitCode.OK and "nothing to change" in again.err


def test_dry_run_does_not_blame_the_matrix_for_a_plugin_it_would_install(make_env, pomerium_side) -> None:  # type: ignore[no-untyped-def]
    """Before the plugins are installed, Jenkins' check cannot know Job/Move: a dry run checks
    offline instead of reporting the matrix as refused."""
    from tests.jenkins_sim import DEFAULT_PLUGINS

    env: Env = make_env(spec_text(pomerium_side.jwks_url, grants=GRANTS), plugins={**DEFAULT_PLUGINS, "jwt-auth": "0.3.0"})
    run = env.apply("--dry-run")
    assert run.code == ExitCode.OK, run.err
    assert "the server cannot check yet (cloudbees-folder, credentials not installed); checked offline" in run.err
    assert "cloudbees-folder" not in env.sim.plugins

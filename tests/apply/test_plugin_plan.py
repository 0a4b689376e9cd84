"""What plan and apply say about plugins before anything changes: a disabled plugin, which
no restart enables (issue 9 item 8), and a pinned version the update centre does not offer,
which Jenkins would silently skip (issue 9 item 12)."""

from __future__ import annotations

from typing import Any, Callable

from jcasc_gen.exitcodes import ExitCode
from tests.jenkins_sim import DEFAULT_PLUGINS

from .conftest import Env, assert_no_secret, spec_text

PIN = 'configuration-as-code: "1987.v4ade2e49fb_b_c"\n'


def _changes(env: Env) -> list[tuple[str, str]]:
    return [r for r in env.sim.requests if r[0] == "POST" and (r[1] in ("/safeRestart", "/pluginManager/installNecessaryPlugins")
                                                              or r[1].startswith("/configuration-as-code/") and r[1] != "/configuration-as-code/check"
                                                              and r[1] != "/configuration-as-code/export")]


def test_a_disabled_plugin_is_not_promised_to_a_restart(make_env: Callable[..., Env]) -> None:
    env = make_env(plugins={**DEFAULT_PLUGINS, "jwt-auth": "0.3.0"}, disabled_plugins=["jwt-auth"])
    plan = env.plan()
    assert plan.code == ExitCode.USAGE, plan.err + plan.out
    assert "jwt-auth 0.3.0 is disabled" in plan.out and "a restart does not enable it" in plan.out
    assert "inactive until a restart" not in plan.out
    assert "pluginManager/plugin/jwt-auth/makeEnabled" in plan.out
    run = env.apply()
    assert run.code == ExitCode.USAGE, run.err
    assert "jwt-auth 0.3.0 is disabled" in run.err and "nothing was changed" in run.err
    assert _changes(env) == [] and env.sim.restart_count == 0  # no restart in vain
    assert_no_secret(run, env)


def test_plan_json_names_the_disabled_plugin(make_env: Callable[..., Env]) -> None:
    env = make_env(plugins={**DEFAULT_PLUGINS, "jwt-auth": "0.3.0"}, disabled_plugins=["jwt-auth"])
    plan = env.plan("--format", "json")
    assert plan.code == ExitCode.USAGE
    change = next(p for p in plan.json["plugins"] if p["name"] == "jwt-auth")
    assert change["action"] == "enable"
    assert any("disabled" in b for b in plan.json["blockers"])


def test_an_inactive_but_enabled_plugin_is_activated_by_the_restart(make_env: Callable[..., Env]) -> None:
    env = make_env(plugins=dict(DEFAULT_PLUGINS))
    env.sim.install_plugin_now("jwt-auth", "0.3.0", active=False)  # installed, loaded at the next start
    run = env.apply()
    assert run.code == ExitCode.OK, run.err
    assert env.sim.plugins["jwt-auth"].active


def test_a_pinned_version_the_update_centre_does_not_offer_is_refused_before_anything_changes(
        make_env: Callable[..., Env], pomerium_side: Any) -> None:
    # installNecessaryPlugins skips a plugin the update centre offers only in an older version
    # (PluginManager.prevalidateConfig): before, apply installed nothing, restarted, and exit 4
    spec = spec_text(pomerium_side.jwks_url).replace(PIN, PIN + '    jwt-auth: "0.4.0"\n')
    env = make_env(spec)
    plan = env.plan()
    assert plan.code == ExitCode.USAGE, plan.err + plan.out
    assert "the update centre offers jwt-auth 0.3.0, older than the pinned 0.4.0" in plan.out
    run = env.apply()
    assert run.code == ExitCode.USAGE, run.err
    assert "older than the pinned 0.4.0" in run.err and "nothing was changed" in run.err
    assert _changes(env) == [] and env.sim.restart_count == 0


def test_a_plugin_the_update_centre_does_not_offer_at_all(make_env: Callable[..., Env]) -> None:
    env = make_env(available_plugins={})
    run = env.apply()
    assert run.code == ExitCode.USAGE, run.err
    assert "the update centre does not offer jwt-auth" in run.err
    assert _changes(env) == []


def test_the_simulators_update_centre_offers_every_built_in_pin() -> None:
    # the README's try-it-by-hand path installs the built-in pins from the simulator
    from jcasc_gen import pins
    from tests.jenkins_sim import DEFAULT_AVAILABLE

    for name, version in pins.KNOWN_GOOD.items():
        installed = DEFAULT_PLUGINS.get(name)
        offered = DEFAULT_AVAILABLE.get(name)
        assert (installed and not pins.older_than(installed, version)) or (offered and not pins.older_than(offered, version)), name

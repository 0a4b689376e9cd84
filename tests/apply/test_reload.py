"""`apply --via-reload` (and the automatic choice) against a simulated Jenkins whose security
comes from files, as under the Helm chart: a background thread plays the reload sidecar after
the user's GitOps sync. It replaces the files in JCasC's folder and POSTs the token reload
(kiwigrid/k8s-sidecar; the chart's REQ_URL), or, when the plugins change, the pod restarts with
them. apply posts nothing; it waits, then verifies with JWTs; on timeout it exits 1 with what
still differs."""

from __future__ import annotations

import threading
import time
import urllib.request
from typing import Any, Callable

import pytest

from jcasc_gen.exitcodes import ExitCode
from jcasc_gen.model import load_spec_text
from jcasc_gen.render import render
from tests.jenkins_sim import DEFAULT_PLUGINS

from .conftest import ADMIN, Env, assert_no_secret, spec_text

FOLDER = "/var/jenkins_home/casc_configs"  # the chart's CASC_JENKINS_CONFIG (sidecar folder)
POD = "jenkins-0"  # the chart's reload token is the pod's name
CHART_SECURITY = ("jenkins:\n  securityRealm:\n    local:\n      allowsSignup: false\n"
                  "  authorizationStrategy:\n    loggedInUsersCanDoAnything:\n      allowAnonymousRead: false\n")
CHART_REST = "jenkins:\n  numExecutors: 0\n"  # the chart's default config once our script holds the security keys
CHANGING = {"/configuration-as-code/apply", "/configuration-as-code/configure", "/pluginManager/installNecessaryPlugins",
            "/safeRestart", "/configuration-as-code/reload"}


def _chart_env(make_env: Callable[..., Env], pomerium_side: Any, *, jwt_auth: bool = True) -> Env:
    plugins = {**DEFAULT_PLUGINS, **({"jwt-auth": "0.3.0"} if jwt_auth else {})}
    return make_env(spec_text(pomerium_side.jwks_url), plugins=plugins, env={"CASC_RELOAD_TOKEN": POD},
                    casc_files=[(f"{FOLDER}/jcasc-default-config.yaml", CHART_SECURITY + "  numExecutors: 0\n")])


def _generated(env: Env) -> str:
    return render(load_spec_text(env.spec.read_text()).spec)["jenkins.yaml"]


def _exports(env: Env) -> int:
    return sum(1 for r in list(env.sim.requests) if r[1] == "/configuration-as-code/export")


def _sidecar(env: Env, delay: float, *, restart_with: dict[str, str] | None = None,
             also: Callable[[], Any] = lambda: None) -> threading.Thread:
    """Once apply has read the export twice (it is waiting) and `delay` later: the sync's new
    files land in the folder, then the sidecar POSTs the token reload (or, with
    `restart_with`, the pod restarts with those plugins installed)."""
    generated = _generated(env)

    def play() -> None:
        give_up = time.monotonic() + 20
        while _exports(env) < 2 and time.monotonic() < give_up:
            time.sleep(0.01)
        time.sleep(delay)
        with env.sim.lock:
            env.sim.casc_files[:] = [(f"{FOLDER}/jcasc-default-config.yaml", CHART_REST),
                                     (f"{FOLDER}/jcasc-gen.yaml", generated)]
        also()
        if restart_with is not None:
            for name, version in restart_with.items():
                env.sim.install_plugin_now(name, version)
            env.sim.begin_restart()
            return
        req = urllib.request.Request(f"{env.sim.url}reload-configuration-as-code/?casc-reload-token={POD}", data=b"", method="POST")
        with urllib.request.urlopen(req, timeout=5) as resp:
            assert resp.status == 200

    thread = threading.Thread(target=play, daemon=True)
    thread.start()
    return thread


def _changing(env: Env) -> list[tuple[str, str]]:
    return [r for r in env.sim.requests if r[0] == "POST" and r[1] in CHANGING]


def _apply(env: Env, *extra: str) -> Any:
    return env.run("apply", str(env.spec), *env.base(), "--yes", "--poll-interval", "0.05", "--timeout", "5", *extra)


def test_via_reload_waits_for_the_sidecar_then_verifies(make_env: Callable[..., Env], pomerium_side: Any) -> None:
    env = _chart_env(make_env, pomerium_side)
    assert env.sim.security_realm.class_name == "hudson.security.HudsonPrivateSecurityRealm"
    sidecar = _sidecar(env, 0.6)
    run = _apply(env, "--via-reload", "--reload-timeout", "20")
    sidecar.join()
    assert run.code == ExitCode.OK, run.err
    assert "[2/4] wait: still differs" in run.err and "realm local, not the spec's jwtAuth" in run.err
    assert "[2/4] wait: the live Jenkins equals the spec" in run.err
    assert "[4/4] verify: passed" in run.err
    assert _changing(env) == []  # nothing posted, installed or restarted by apply
    ident = env.sim.identify({"X-Pomerium-Jwt-Assertion": env.pomerium.mint(ADMIN)})
    assert ident.name == ADMIN and env.sim.has_permission(ident, "Overall/Administer")
    assert_no_secret(run, env)


def test_apply_chooses_the_reload_when_jenkins_reads_jcasc_from_disk(make_env: Callable[..., Env], pomerium_side: Any) -> None:
    env = _chart_env(make_env, pomerium_side)
    sidecar = _sidecar(env, 0.3)
    run = _apply(env, "--reload-timeout", "20", "--format", "json")
    sidecar.join()
    assert run.code == ExitCode.OK, run.err
    assert f"Jenkins reads JCasC files from disk ({FOLDER})" in run.err
    assert "waiting for the deployed files instead of posting (`--via-api` posts anyway)" in run.err
    assert _changing(env) == []
    assert [s["step"] for s in run.json["steps"]][-3:] == ["wait", "items", "verify"] and run.json["ok"] is True


def test_timeout_exits_1_with_what_still_differs(make_env: Callable[..., Env], pomerium_side: Any) -> None:
    env = _chart_env(make_env, pomerium_side)
    before = env.sim.export_yaml()
    run = _apply(env, "--via-reload", "--reload-timeout", "0.5")
    assert run.code == ExitCode.DIFFERENCES, run.err
    assert "did not reach the spec within 0.5s; what still differs:" in run.err
    assert "realm    local -> jwtAuth" in run.err and "+    jwtAuth:" in run.err.split("what still differs")[1]
    assert "is the generated file deployed" in run.err
    assert "verify" not in run.err.split("what still differs")[1]
    assert env.sim.export_yaml() == before and _changing(env) == []


def test_a_sync_that_changes_plugins_restarts_the_pod(make_env: Callable[..., Env], pomerium_side: Any) -> None:
    env = _chart_env(make_env, pomerium_side, jwt_auth=False)
    sidecar = _sidecar(env, 0.4, restart_with={"jwt-auth": "0.3.0"})
    run = _apply(env, "--via-reload", "--reload-timeout", "20")
    sidecar.join()
    assert run.code == ExitCode.OK, run.err
    assert "plugins: install jwt-auth 0.3.0" in run.err  # what the wait said before the restart
    assert "[2/4] wait: the live Jenkins equals the spec" in run.err
    assert env.sim.restart_count == 1 and "/pluginManager/installNecessaryPlugins" not in {r[1] for r in env.sim.requests}


def test_a_failed_verify_after_the_reload_is_exit_1_with_nothing_rolled_back(make_env: Callable[..., Env],
                                                                             pomerium_side: Any) -> None:
    env = _chart_env(make_env, pomerium_side)
    generated = _generated(env)
    # once the files are deployed, Jenkins lets anonymous read its dashboard although the matrix does not
    sidecar = _sidecar(env, 0.1, also=lambda: env.sim.fail_next("/api/json", count=100, status=200))
    run = _apply(env, "--via-reload", "--reload-timeout", "20")
    sidecar.join()
    assert run.code == ExitCode.DIFFERENCES, run.err
    assert "[2/4] wait: the live Jenkins equals the spec" in run.err
    assert "FAIL" in run.err and "nothing to roll back: the configuration is what was deployed" in run.err
    assert env.sim.casc_files[-1][1] == generated and _changing(env) == []


def test_plan_says_jenkins_reads_its_security_from_disk(make_env: Callable[..., Env], pomerium_side: Any) -> None:
    env = _chart_env(make_env, pomerium_side)
    run = env.plan()
    assert run.code == ExitCode.DIFFERENCES
    assert f"disk     Jenkins reads JCasC files from disk ({FOLDER})" in run.out
    assert "`apply` waits for them to equal the spec (--via-reload)" in run.out
    as_json = env.plan("--format", "json").json
    assert as_json["disk"] == {"sources": [FOLDER], "from_disk": True,
                               "declared": {f"{FOLDER}/jcasc-default-config.yaml": ["securityRealm", "authorizationStrategy"]}}


def test_plan_without_files_on_disk_says_nothing_about_them(env: Env) -> None:
    run = env.plan()
    assert "disk" not in run.out
    assert env.plan("--format", "json").json["disk"] == {"sources": [], "from_disk": False, "declared": {}}


@pytest.mark.parametrize("flags", [["--via-reload", "--via-api"], ["--via-reload", "--dry-run"], ["--reload-timeout", "0"]])
def test_usage_errors(env: Env, flags: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        code = _apply(env, *flags).code
        raise SystemExit(code)
    assert exit_info.value.code == ExitCode.USAGE


@pytest.mark.parametrize("output,sources", [
    ('["/var/jenkins_home/casc_configs"]\n', ("/var/jenkins_home/casc_configs",)),
    ("[]\n", ()),
    ('["a, b","c"]\n', ("a, b", "c")),
    ("groovy.lang.MissingPropertyException: No such property: io for class: Script1\n\tat Script1.run(Script1.groovy:1)\n", None),
    ("[not json\n", None),
    ("Result: [x]\n", None),
])
def test_the_sources_are_read_from_the_script_output_only(output: str, sources: Any) -> None:
    from jcasc_gen.live.disk import parse_sources

    assert parse_sources(output) == sources

"""Secrets on the command line and in URLs (issue 10 class 10): a URL carrying user info is
refused before anything is contacted, and its password appears nowhere; a token or JWT given
as a flag keeps working, with one warning pointing to the environment or a file."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jcasc_gen.exitcodes import ExitCode

from .conftest import CANARY_TOKEN, Env, assert_no_secret

PASSWORD = "url-canary-pw-93f1c0"


def _with_userinfo(url: str, userinfo: str) -> str:
    return url.replace("http://", f"http://{userinfo}@", 1)


@pytest.mark.parametrize("command", ["plan", "apply", "verify", "diff", "import"])
@pytest.mark.parametrize("form", ["user:pw", "pw-only", "env"])
def test_user_info_in_the_url_is_refused_and_never_shown(env: Env, command: str, form: str,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    url = _with_userinfo(env.sim.url, {"user:pw": f"admin:{PASSWORD}", "pw-only": f":{PASSWORD}", "env": f"admin:{PASSWORD}"}[form])
    url_args: list[str] = []
    if form == "env":
        monkeypatch.setenv("JENKINS_URL", url)
    else:
        url_args = ["--url", url]
    creds = ["--user", "admin", "--token", CANARY_TOKEN]
    if command == "import":
        if form == "env":
            pytest.skip("import takes the URL from --url only")
        argv = ["import", *url_args, *creds]
    elif command == "diff":
        argv = ["diff", str(env.spec), "--live", *url_args, *creds, "--format", "json"]
    else:
        argv = [command, str(env.spec), *url_args, *creds, "--format", "json", "--signing-key-file", str(env.key)]
        if command == "apply":
            argv.append("--yes")
    run = env.run(*argv)
    assert run.code == ExitCode.USAGE, run.text()
    assert PASSWORD not in run.text()
    assert "user info" in run.err and "JENKINS_USER_ID" in run.err and "JENKINS_API_TOKEN" in run.err
    assert env.sim.requests == [], "nothing may be contacted with a refused URL"
    assert_no_secret(run, env)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=6, max_size=30))
def test_no_form_of_a_url_password_is_echoed(generated: str) -> None:
    # the shared check, for passwords of every shape, and for URLs too broken to parse; the
    # marker keeps a password from matching the message's own words ("jenkins" in its example)
    from jcasc_gen.commands._live import CLI_NAMES
    from jcasc_gen.live.credentials import CredentialError, check_url

    password = "pw\u00a7" + generated

    for url in (f"http://admin:{password}@jenkins:8080/", f"admin:{password}@jenkins:8080", f"ftp://u:{password}@x/",
                f"http://admin:{password}@"):
        with pytest.raises(CredentialError) as caught:
            check_url(url)
        # as the API says it (url=) and as the command line does (--url)
        assert password not in str(caught.value)
        assert password not in str(caught.value.renamed(CLI_NAMES))


def test_token_and_jwt_flags_work_and_warn_once(env: Env, pomerium_side: Any) -> None:
    run = env.plan()
    assert run.code in (ExitCode.OK, ExitCode.DIFFERENCES), run.err
    warnings = [line for line in run.err.splitlines() if "visible to other local users" in line]
    assert len(warnings) == 1 and "--token" in warnings[0] and "JENKINS_API_TOKEN" in warnings[0]
    jwt = pomerium_side.mint("alice@example.com", [], expires_in=600)
    run = env.run("plan", str(env.spec), "--url", env.sim.url, "--user", "admin", "--token", CANARY_TOKEN, "--jwt", jwt)
    warnings = [line for line in run.err.splitlines() if "visible to other local users" in line]
    assert len(warnings) == 1 and "--token" in warnings[0] and "--jwt" in warnings[0] and "--jwt-file" in warnings[0]
    assert_no_secret(run, env)


def test_secrets_from_the_environment_give_no_warning(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JENKINS_USER_ID", "admin")
    monkeypatch.setenv("JENKINS_API_TOKEN", CANARY_TOKEN)
    run = env.run("plan", str(env.spec), "--url", env.sim.url)
    assert run.code in (ExitCode.OK, ExitCode.DIFFERENCES), run.err
    assert "visible to other local users" not in run.err


def test_no_secret_in_the_json_of_the_new_refusals(make_env: Any, pomerium_side: Any) -> None:
    # the canary over every new JSON path: blockers (disk, update centre, disabled plugin),
    # a given JWT refused for its signature, a run that watched for a late change
    from tests.jenkins_sim import DEFAULT_PLUGINS

    env = make_env(plugins={**DEFAULT_PLUGINS, "jwt-auth": "0.3.0"}, disabled_plugins=["jwt-auth"],
                   casc_files=["jenkins:\n  authorizationStrategy:\n    globalMatrix:\n      entries: []\n"])
    runs = [env.plan("--format", "json")]
    forged = pomerium_side.mint_with_foreign_key("alice@example.com", [], expires_in=3600)
    runs.append(env.run("apply", str(env.spec), "--url", env.sim.url, "--user", "admin", "--token", CANARY_TOKEN,
                        "--jwt", forged, "--yes", "--format", "json"))
    late = make_env()
    late.sim.delay_changes(0.0, 1.2)
    runs.append(late.apply("--timeout", "0.3", "--format", "json"))
    for run in runs:
        assert run.json, run.err
        assert_no_secret(run, env)
        assert forged not in run.text()

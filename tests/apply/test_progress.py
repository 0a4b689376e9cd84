"""Progress that says what it waits for (issue 11 item 8): during a restart, a quiet-down and a
plugin download, apply says where the wait stands at least every --progress-interval seconds;
on a terminal as one updating line, otherwise as plain lines; the same events are in
`--format json` (`events`) and reach `on_event` as `jcasc_gen.Event`s. The simulator is made
slow (a restart of about two seconds, a build, a slow download) instead of the tests sleeping."""

from __future__ import annotations

import io
import json
import sys
from typing import Any, Callable

import pytest

import jcasc_gen
from jcasc_gen.cli import main
from jcasc_gen.commands._progress import StatusLine
from jcasc_gen.exitcodes import ExitCode
from jcasc_gen.progress import Event
from tests.jenkins_sim import DEFAULT_PLUGINS

from .conftest import CANARY_TOKEN, Env, spec_text
from .test_restart import PIN

FAST = ("--poll-interval", "0.05", "--progress-interval", "0.2")


def _upgrade(make_env: Callable[..., Env], pomerium_side: Any, **sim: Any) -> Env:
    """jwt-auth installed; the spec upgrades matrix-auth, so apply restarts Jenkins."""
    spec = spec_text(pomerium_side.jwks_url).replace(PIN, PIN + '    matrix-auth: "3.2.9"\n')
    sim.setdefault("restart_notice_seconds", 0.5)
    sim.setdefault("restart_seconds", 1.5)
    return make_env(spec, plugins={**DEFAULT_PLUGINS, "jwt-auth": "0.3.0"}, **sim)


def _waits(events: list[dict[str, Any]], activity: str) -> list[dict[str, Any]]:
    return [e for e in events if e["kind"] == "waiting" and e["activity"] == activity]


def test_a_slow_restart_is_said_while_it_lasts_in_text_and_json(make_env: Callable[..., Env], pomerium_side: Any) -> None:
    env = _upgrade(make_env, pomerium_side)
    run = env.apply(*FAST, "--format", "json")
    assert run.code == ExitCode.OK, run.err
    events = run.json["events"]
    restart = _waits(events, "restart")
    assert len(restart) >= 2, run.err
    assert all(e["step"] == "plugins" and e["limit"] == 10 for e in restart)
    assert [e["elapsed"] for e in restart] == sorted(e["elapsed"] for e in restart)
    assert any("Jenkins is restarting: it answers 503; done when it answers with a new X-Jenkins-Session" in e["message"]
               for e in restart), restart
    assert restart[0]["message"].startswith("[3/8] plugins: waiting ")
    # not a terminal: plain lines, and exactly the events of the JSON, in order
    assert "\r" not in run.err
    rest = iter(run.err.splitlines())
    assert all(any(line == e["message"] for line in rest) for e in events if "\n" not in e["message"])
    assert {"progress", "waiting"} <= {e["kind"] for e in events}


def test_running_builds_are_said_while_they_keep_jenkins_quiet(make_env: Callable[..., Env], pomerium_side: Any) -> None:
    env = _upgrade(make_env, pomerium_side, restart_seconds=0.1, restart_notice_seconds=0.1)
    begin_restart = env.sim.begin_restart

    def a_build_runs_when_the_restart_is_asked() -> None:
        env.sim.start_build(2.0)
        begin_restart()

    env.sim.begin_restart = a_build_runs_when_the_restart_is_asked
    run = env.apply(*FAST, "--format", "json")
    assert run.code == ExitCode.OK, run.err
    quiet = _waits(run.json["events"], "quiet-down")
    assert all("Jenkins is quieting down: " in e["message"] for e in quiet)
    # (the last may come in the moment between the build's end and the restart: "no build runs")
    said = [e for e in quiet if "waiting for 1 running build to finish before it restarts" in e["message"]]
    assert len(said) >= 2, quiet


def test_a_slow_plugin_download_is_said(make_env: Callable[..., Env]) -> None:
    env = make_env(install_seconds=1.5, restart_notice_seconds=0.05, restart_seconds=0.05)
    run = env.apply(*FAST, "--format", "json")
    assert run.code == ExitCode.OK, run.err
    download = _waits(run.json["events"], "plugin-download")
    assert len(download) >= 2, run.err
    said = " ".join(e["message"] for e in download)
    assert "installing jwt-auth (Pending)" in said or "installing jwt-auth (Installing)" in said, said


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _screen(raw: str) -> list[str]:
    """What a terminal shows: each line as the carriage returns left it."""
    shown = []
    for line in raw.split("\n"):
        cells: list[str] = []
        col = 0
        for ch in line:
            if ch == "\r":
                col = 0
                continue
            if col < len(cells):
                cells[col] = ch
            else:
                cells.append(ch)
            col += 1
        shown.append("".join(cells).rstrip())
    return shown


def test_on_a_terminal_a_wait_is_one_updating_line(make_env: Callable[..., Env], pomerium_side: Any,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    env = _upgrade(make_env, pomerium_side)
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    code = main(["apply", str(env.spec), *env.base(), "--yes", "--restart-timeout", "10", "--timeout", "5", *FAST])
    assert code == ExitCode.OK
    raw = terminal.getvalue()
    assert raw.count("[3/8] plugins: waiting ") >= 2  # said several times ...
    screen = _screen(raw)
    assert not any("plugins: waiting" in line for line in screen), screen  # ... each over the last, then cleared
    assert "[3/8] plugins: Jenkins restarted (X-Jenkins-Session changed)" in screen
    assert screen[-2].startswith("[7/8] verify: passed") and screen[-1] == ""


def test_the_status_line_pads_over_a_longer_one_and_clears_before_a_line() -> None:
    terminal = _Terminal()
    line = StatusLine(terminal)
    line(Event("waiting 1s: a long description", kind="waiting"))
    line(Event("waiting 2s: short", kind="waiting"))
    assert _screen(terminal.getvalue()) == ["waiting 2s: short"]
    line("[3/8] plugins: done")
    line.close()
    assert _screen(terminal.getvalue()) == ["[3/8] plugins: done", ""]
    piped = io.StringIO()
    StatusLine(piped)(Event("waiting 1s: a", kind="waiting"))
    assert piped.getvalue() == "waiting 1s: a\n"


def test_on_event_gets_events_and_the_result_keeps_them(make_env: Callable[..., Env], pomerium_side: Any) -> None:
    env = _upgrade(make_env, pomerium_side)
    got: list[str] = []
    jenkins = jcasc_gen.Jenkins(env.sim.url, user="admin", token=CANARY_TOKEN, signing_key=pomerium_side.private_key_pem,
                                timeout=5, on_event=got.append)
    applied = jenkins.apply(jcasc_gen.load(env.spec), poll_interval=0.05, progress_interval=0.2, restart_timeout=10)
    assert applied.ok
    assert all(isinstance(e, jcasc_gen.Event) for e in got)
    assert [e.text for e in applied.events] == [str(e) for e in got]  # warnings before the run aside, none here
    restart = [e for e in applied.events if e.kind == "waiting" and e.activity == "restart"]
    assert len(restart) >= 2 and all(e.elapsed is not None and e.limit == 10 for e in restart)
    assert json.loads(json.dumps(applied.to_json()))["events"] == [e.to_json() for e in applied.events]
    with pytest.raises(jcasc_gen.JcascGenError, match="progress_interval"):
        jenkins.apply(jcasc_gen.load(env.spec), progress_interval=0)


def test_the_steps_of_a_move_are_events_of_their_own(make_env: Callable[..., Env], pomerium_side: Any) -> None:
    from .move_helpers import OLD_STATES, jwt_jenkins

    state = OLD_STATES["route-host"]
    env = jwt_jenkins(make_env, pomerium_side, state)
    run = env.apply(*state.flags, "--format", "json")
    assert run.code == ExitCode.OK, run.err
    move = [e["message"].split(": ", 1)[1] for e in run.json["events"] if e["activity"] == "move"]
    assert [m for m in move if not m.endswith(": done")] == [
        "bridge matrix (the spec's entries + Overall/Administer for 'alice@example.com' while the realm moves) ...",
        "bridge realm jwtAuth accepting issuers ['jenkins.example.com', 'jenkins-old.example.com'] and audiences "
        "['jenkins.example.com', 'jenkins-old.example.com'] ...",
        "under the bridge realm, the JWT for the current values (iss 'jenkins-old.example.com', aud "
        "'jenkins-old.example.com') administers Jenkins as 'alice@example.com'",
        "under the bridge realm, the JWT for the spec's values administers Jenkins as 'alice@example.com'",
        "realm jwtAuth (the spec's values only) ...",
        "under the spec's realm, the JWT for the spec's values administers Jenkins as 'alice@example.com'",
    ]


def test_a_progress_interval_that_is_not_positive_is_refused(env: Env) -> None:
    run = env.apply("--progress-interval", "0")
    assert run.code == ExitCode.USAGE
    assert "--progress-interval" in run.err and "must be positive" in run.err, run.err
    assert env.sim.requests == []

"""Step 3: install or upgrade what the plan asks for, restart safely, wait until the
plugins are active. Nothing here touches the security configuration."""

from __future__ import annotations

import time
from typing import Any

from ... import pins
from ...client import JenkinsError, ServerError, Unreachable
from ...exitcodes import ExitCode
from ..plan import Plan
from .context import ApplyRun

__all__ = ["install_and_restart"]


def install_and_restart(run: ApplyRun, plan: Plan) -> None:
    step = "plugins"
    if not plan.plugins:
        run.log(step, "all present, active and at least the pinned versions")
        run.record(step, "passed")
        return
    if run.opts.dry_run:
        for p in plan.plugins:
            run.log(step, f"would {p.describe()}")
        run.record(step, "skipped", "dry run")
        return
    assert run.acting is not None
    wanted = [(p.name, p.want) for p in plan.plugins if p.action in ("install", "upgrade")]
    try:
        if wanted:
            for name, version in wanted:
                run.log(step, f"installing {name} {version or '(latest)'} ...", activity="plugin-download")
            run.acting.install_plugins(wanted)
            _wait_for_installs(run, [n for n, _ in wanted])
        before = run.acting.controller_status()
        if before.unavailable:
            raise Unreachable("Jenkins does not answer right before the restart", hint="run apply again")
        run.log(step, "restarting safely ...", activity="restart")
        run.acting.safe_restart()
        live = _await_restart(run, before.session)
    except JenkinsError as exc:
        code = ExitCode.UNREACHABLE if isinstance(exc, Unreachable) else ExitCode.ROLLED_BACK
        raise run.stop(step, code, exc.message + "; the security configuration was not touched", exc.hint, cause=exc) from None
    bad = []
    for p in plan.plugins:
        have = live.get(p.name)
        if have is None or not have.active or (p.want and pins.older_than(have.version, p.want)):
            bad.append(f"{p.name} is {'missing' if have is None else have.version + ('' if have.active else ' (inactive)')}")
        else:
            run.log(step, f"{p.name} {have.version} active")
    if bad:
        raise run.stop(step, ExitCode.ROLLED_BACK, "after the restart " + ", ".join(bad) + "; the security configuration was not touched",
                       "look at the Jenkins log and the plugin manager")
    run.record(step, "passed", ", ".join(p.describe() for p in plan.plugins))


def _await_restart(run: ApplyRun, before: str | None) -> dict[str, Any]:
    """Follow a safe restart to its end and return the plugins Jenkins then has.

    A safe restart is asynchronous (core Jenkins.java safeRestart): Jenkins quiets down and
    keeps answering normally for as long as builds run, then answers 503 for about 10 s, then
    restarts. So "it answers" proves nothing; a new X-Jenkins-Session does (one per JVM start).
    Without that header (a proxy dropping it) the restart is taken as seen once Jenkins has
    been unavailable and answers again."""
    assert run.acting is not None
    limit = run.opts.restart_timeout
    deadline = time.monotonic() + limit
    busy_said: int | None | bool = False  # the last count reported (False: nothing yet)
    went_down = False
    quiet = run.wait("plugins", "quiet-down", limit)
    restart = run.wait("plugins", "restart", limit)
    while True:
        st = run.acting.controller_status()
        if st.unavailable:
            if not went_down:
                run.log("plugins", "Jenkins is restarting (it answers 503 or not at all) ...", activity="restart")
                restart = run.wait("plugins", "restart", limit)  # its time counts from going down
            went_down = True
            restart.update("Jenkins is restarting: " + (f"it answers {st.status}" if st.answered else "no answer")
                           + "; done when it answers with a new X-Jenkins-Session")
        elif (before is not None and st.session is not None and st.session != before) or (before is None and went_down):
            run.acting.reset_session()
            run.log("plugins", "Jenkins restarted (X-Jenkins-Session changed)" if before is not None
                    else "Jenkins answers again after being unavailable (it sends no X-Jenkins-Session to compare)",
                    activity="restart")
            return run.acting.plugins()
        elif st.quieting_down is False and st.session == before and before is not None:
            raise ServerError("the safe restart was cancelled: Jenkins no longer quiets down and has not restarted",
                              hint="someone cancelled the quiet down (Manage Jenkins); run apply again")
        elif st.quieting_down:
            busy = run.acting.busy_executors()
            said = ("Jenkins is quieting down: " + (
                f"waiting for {_builds(busy)} to finish before it restarts" if busy else
                "waiting for running builds to finish before it restarts" if busy is None else
                "no build runs; the restart follows shortly"))
            if busy != busy_said:
                run.log("plugins", said + f" (up to --restart-timeout {run.opts.restart_timeout:g}s)", activity="quiet-down")
                busy_said = busy
            quiet.update(said)
        else:
            restart.update("Jenkins answers with the same X-Jenkins-Session: the restart has not begun")
        if time.monotonic() >= deadline:
            if st.quieting_down and not st.unavailable:
                busy = run.acting.busy_executors()
                raise Unreachable(f"Jenkins is still quieting down after {run.opts.restart_timeout:g}s"
                                  + (f": {_builds(busy)} keep it from restarting" if busy else "")
                                  + "; the restart stays queued and happens when the builds end",
                                  hint="run apply again once Jenkins has restarted (or raise --restart-timeout); "
                                       "POST /cancelQuietDown cancels the restart")
            raise Unreachable(f"Jenkins did not come back within {run.opts.restart_timeout:g}s",
                              hint="look at the Jenkins log; raise --restart-timeout for a slow start")
        run.creds.conn.sleep(run.opts.poll)


def _builds(n: int | None) -> str:
    return f"{n} running build" + ("" if n == 1 else "s")


def _wait_for_installs(run: ApplyRun, names: list[str]) -> None:
    """Poll the update center's jobs (hudson/model/UpdateCenter.java InstallationJob;
    status types Pending, Installing, Success, SuccessButRequiresRestart, Failure).
    PluginManager skips a plugin the update center does not offer without a job."""
    assert run.acting is not None
    deadline = time.monotonic() + run.opts.install_timeout
    pending, polls = set(names), 0
    download = run.wait("plugins", "plugin-download", run.opts.install_timeout)
    while pending:
        jobs = {}
        for job in run.acting.update_center().get("jobs") or []:
            name = job.get("name") or (job.get("plugin") or {}).get("name")
            jobs[name] = job
        for name in sorted(pending):
            job = jobs.get(name)
            status = ((job or {}).get("status") or {}).get("type", "")
            if status in ("Success", "SuccessButRequiresRestart"):
                pending.discard(name)
                run.log("plugins", f"{name}: {'installed, active after the restart' if status.endswith('Restart') else 'installed'}",
                        activity="plugin-download")
            elif status == "Failure":
                raise ServerError(f"installing {name} failed: {(job or {}).get('errorMessage') or 'see the update center'}")
        polls += 1
        unoffered = sorted(n for n in pending if n not in jobs)
        if unoffered and polls >= 3:
            raise ServerError(f"Jenkins did not start installing {', '.join(unoffered)}: its update center does not offer "
                              "that plugin (or version)", hint="check the update site and the pinned version")
        if not pending:
            break
        # the update centre's job status (Pending, Installing); it exports no percentage
        download.update("installing " + ", ".join(
            f"{n} ({((jobs.get(n) or {}).get('status') or {}).get('type') or 'no job yet'})" for n in sorted(pending)))
        if time.monotonic() > deadline:
            raise Unreachable(f"plugin installation did not finish within {run.opts.install_timeout:g}s: {sorted(pending)}")
        run.creds.conn.sleep(run.opts.poll)

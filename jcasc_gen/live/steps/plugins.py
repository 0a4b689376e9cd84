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
    wanted = [(p.name, p.want) for p in plan.plugins if p.action != "activate"]
    try:
        if wanted:
            for name, version in wanted:
                run.log(step, f"installing {name} {version or '(latest)'} ...")
            run.acting.install_plugins(wanted)
            _wait_for_installs(run, [n for n, _ in wanted])
        run.log(step, "restarting safely ...")
        run.acting.safe_restart()
        live = _await_restart(run, plan)
    except JenkinsError as exc:
        code = ExitCode.UNREACHABLE if isinstance(exc, Unreachable) else ExitCode.ROLLED_BACK
        raise run.stop(step, code, exc.message + "; the security configuration was not touched", exc.hint) from None
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


def _await_restart(run: ApplyRun, plan: Plan) -> dict[str, Any]:
    """Wait until Jenkins is back with the plugins active. A safe restart first waits for
    running builds, and a fast restart can be over before we look, so "back" means the
    plugins are active, not merely that Jenkins answers."""
    assert run.acting is not None
    deadline = time.monotonic() + run.opts.restart_timeout
    live: dict[str, Any] = {}
    while True:
        remaining = max(deadline - time.monotonic(), run.opts.poll)
        run.acting.wait_until_ready(remaining, poll=run.opts.poll)
        try:
            live = run.acting.plugins()
        except Unreachable:
            live = {}
        if live and all(live.get(p.name) is not None and live[p.name].active for p in plan.plugins):
            run.log("plugins", "Jenkins is back")
            return live
        if time.monotonic() >= deadline:
            return live
        run.creds.conn.sleep(run.opts.poll)


def _wait_for_installs(run: ApplyRun, names: list[str]) -> None:
    """Poll the update center's jobs (hudson/model/UpdateCenter.java InstallationJob;
    status types Pending, Installing, Success, SuccessButRequiresRestart, Failure).
    PluginManager skips a plugin the update center does not offer without a job."""
    assert run.acting is not None
    deadline = time.monotonic() + run.opts.install_timeout
    pending, polls = set(names), 0
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
                run.log("plugins", f"{name}: {'installed, active after the restart' if status.endswith('Restart') else 'installed'}")
            elif status == "Failure":
                raise ServerError(f"installing {name} failed: {(job or {}).get('errorMessage') or 'see the update center'}")
        polls += 1
        unoffered = sorted(n for n in pending if n not in jobs)
        if unoffered and polls >= 3:
            raise ServerError(f"Jenkins did not start installing {', '.join(unoffered)}: its update center does not offer "
                              "that plugin (or version)", hint="check the update site and the pinned version")
        if not pending:
            break
        if time.monotonic() > deadline:
            raise Unreachable(f"plugin installation did not finish within {run.opts.install_timeout:g}s: {sorted(pending)}")
        run.creds.conn.sleep(run.opts.poll)

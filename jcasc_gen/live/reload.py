"""`apply --via-reload`: for a Jenkins that reads its security from files (the Helm chart's config
scripts, CASC_JENKINS_CONFIG), change nothing over HTTP. The user's GitOps sync deploys the
generated files; the chart's reload sidecar writes them into JCasC's folder and POSTs the token
reload, or a restart reads them. This waits until the live Jenkins equals the spec (export and
plugins), printing what still differs, then proves it with JWTs as `verify` does.

  1 preflight   reachable, a credential that reads the export and the plugins, the plan
  2 wait        poll until nothing differs, up to --reload-timeout; exit 1 with the rest
  3 verify      the checks of `verify` (exit 1 when one fails: nothing to roll back, the
                configuration is what the sync deployed)

Posting instead would merge the posted sections with the files: JCasC concatenates lists and
refuses a value set twice (live/disk.py). Plugins are not installed through the update center
either: the chart installs `controller.installPlugins` in its init container at every start.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from ..client import Auth, JenkinsClient, JenkinsError, Unreachable
from ..exitcodes import ExitCode
from ..model import Spec
from .apply import ApplyResult
from .credentials import Credentials
from .disk import DiskConfig, read_disk_config
from .plan import Plan, make_plan
from .redact import say
from .state import LiveState, read_state
from .verify import print_checks, run_checks, summary

__all__ = ["ReloadOptions", "ReloadWaiter", "RELOAD_STEPS", "difference"]

RELOAD_STEPS = ("preflight", "wait", "verify")


@dataclass
class ReloadOptions:
    timeout: float = 600.0
    poll: float = 1.0
    progress_every: float = 30.0  # a progress line at least this often while nothing changes


def difference(plan: Plan) -> str:
    """What still differs, in one line."""
    parts = []
    if plan.realm_changes:
        parts.append(f"realm {plan.current_realm or '(none)'}, not the spec's jwtAuth" if plan.current_realm != "jwtAuth"
                     else "jwtAuth attributes differ")
    if plan.strategy_changes:
        parts.append("matrix differs")
    if plan.plugins:
        parts.append("plugins: " + ", ".join(p.describe() for p in plan.plugins))
    return "; ".join(parts) or "nothing"


class _Stop(Exception):
    def __init__(self, code: int) -> None:
        self.code = code


class ReloadWaiter:
    def __init__(self, spec: Spec, creds: Credentials, opts: ReloadOptions, emit: Callable[[str], None] = say,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.spec = spec
        self.creds = creds
        self.opts = opts
        self.emit = emit
        self.clock = clock
        self.result = ApplyResult()
        self.acting: JenkinsClient | None = None
        self.acting_name = ""

    def log(self, step: str, message: str) -> None:
        self.emit(f"[{RELOAD_STEPS.index(step) + 1}/{len(RELOAD_STEPS)}] {step}: {message}")

    def record(self, step: str, status: str, detail: str = "") -> None:
        self.result.steps.append({"step": step, "status": status, "detail": detail})

    def client(self, auth: Auth | None) -> JenkinsClient:
        return JenkinsClient(self.creds.conn, auth or Auth.anonymous())

    # ------------------------------------------------------------------ reading

    def find_reader(self) -> tuple[JenkinsClient, str] | None:
        """The credential Jenkins accepts now: the JWT first (once the sync has switched the
        realm to jwtAuth, API tokens are anonymous), then the API token."""
        candidates = ([self.creds.post.auth()] if self.creds.post else []) + ([self.creds.pre] if self.creds.pre else [])
        for auth in candidates:
            c = self.client(auth)
            try:
                me = c.whoami()
                if not me.anonymous:
                    return c, me.name
            except Unreachable:
                raise
            except JenkinsError:
                continue
        return None

    def read(self) -> LiveState:
        if self.acting is not None:
            try:
                if not self.acting.whoami().anonymous:
                    return read_state(self.acting)
            except Unreachable:
                raise
            except JenkinsError:
                pass
        found = self.find_reader()
        if found is None:
            raise JenkinsError("no credential is accepted by Jenkins now (neither the JWT nor the API token)",
                               hint="pass --signing-key-file (or --jwt) for after the switch and --user/--token for before it")
        self.acting, self.acting_name = found
        return read_state(self.acting)

    # ------------------------------------------------------------------ the run

    def run(self, *, acting: JenkinsClient | None = None, acting_name: str = "", state: LiveState | None = None,
            disk: DiskConfig | None = None) -> ApplyResult:
        """From the start, or (`state` given) continuing `apply`'s own preflight."""
        self.acting, self.acting_name = acting, acting_name
        try:
            plan = self.preflight(state, disk, continuing=state is not None)
            if plan.changed:
                self.wait(plan)
            else:
                self.log("wait", "the live Jenkins already equals the spec")
                self.record("wait", "passed", "nothing to wait for")
            self.verify()
        except _Stop as stop:
            self.result.code = stop.code
        return self.result

    def preflight(self, state: LiveState | None, disk: DiskConfig | None, *, continuing: bool) -> Plan:
        step = "preflight"
        try:
            if state is None:
                version = self.client(None).version()
                self.result.jenkins_version = version
                self.log(step, f"{self.creds.conn.url} answers" + (f", Jenkins {version}" if version else ""))
                state = self.read()
            if disk is None and self.acting is not None:
                disk = read_disk_config(self.acting)
        except JenkinsError as exc:
            self.log(step, f"error: {exc.message}" + (f"\n  hint: {exc.hint}" if exc.hint else ""))
            self.record(step, "failed", exc.message)
            self.result.unanswered = exc if isinstance(exc, Unreachable) else None
            raise _Stop(exc.exit_code) from None
        self.log(step, f"reading as {self.acting_name!r}; not posting anything: waiting for the deployed files")
        if disk is not None:
            self.log(step, disk.describe())
            if disk.sources == ():
                self.log(step, "warning: nothing will change unless Jenkins starts reading the generated files "
                               "(CASC_JENKINS_CONFIG, the Helm chart's configScripts); without them use `apply --via-api`")
        plan = make_plan(self.spec, state)
        self.result.plan = plan
        if not continuing:  # apply's own preflight printed the plan already
            for line in plan.lines():
                self.emit("    " + line if line else "")
        self.record(step, "passed", f"reading as {self.acting_name}")
        return plan

    def wait(self, plan: Plan) -> None:
        step = "wait"
        timeout, poll = self.opts.timeout, self.opts.poll
        self.log(step, f"until the live export and plugins equal the spec (deploy the generated files: your GitOps sync, "
                       f"then the reload sidecar or a restart), up to {timeout:g}s")
        start = self.clock()
        deadline = start + timeout
        last_said, last_time = "", start - self.opts.progress_every  # the first poll says where things stand
        trouble = ""
        while True:
            now = self.clock()
            if now >= deadline:
                break
            self.creds.conn.sleep(min(poll, max(deadline - now, 0.0)))
            try:
                plan = make_plan(self.spec, self.read())
                trouble = ""
            except JenkinsError as exc:
                said = f"Jenkins does not answer as expected ({exc.message}); a restarting pod?"
                if said != trouble:
                    self.log(step, said)
                trouble = said
                continue
            if not plan.changed:
                self.result.plan = plan
                self.log(step, f"the live Jenkins equals the spec after {self.clock() - start:.0f}s")
                self.record(step, "passed")
                return
            said = difference(plan)
            now = self.clock()
            if said != last_said or now - last_time >= self.opts.progress_every:
                self.log(step, f"still differs ({max(deadline - now, 0):.0f}s left): {said}")
                last_said, last_time = said, now
        self.result.plan = plan
        lines = [f"error: the live Jenkins did not reach the spec within {timeout:g}s; what still differs:"]
        lines += ["    " + line if line else "" for line in plan.lines()]
        if trouble:
            lines.append(f"  (the last poll failed: {trouble})")
        lines.append("  hint: is the generated file deployed (git push, the sync's status), and does the reload sidecar "
                     "run? Its log says when it reloads; JCasC's refusals are in the Jenkins log.")
        self.emit("\n".join(lines))
        self.record(step, "failed", f"timed out after {timeout:g}s: {difference(plan)}")
        raise _Stop(ExitCode.DIFFERENCES)

    def verify(self) -> None:
        step = "verify"
        try:
            found = self.find_reader()
        except JenkinsError as exc:
            self.log(step, f"error: {exc.message}")
            self.record(step, "failed", exc.message)
            self.result.unanswered = exc if isinstance(exc, Unreachable) else None
            raise _Stop(exc.exit_code) from None
        admin = found[0] if found else self.client(None)
        self.log(step, f"checking as {found[1] if found else 'anonymous'!r}, anonymous and with minted tokens ...")
        results = run_checks(self.spec, admin_client=admin, anonymous_client=self.client(None), post=self.creds.post,
                             jwt_client=lambda token, who: self.client(Auth.jwt(self.spec.jwt.header, token, who)))
        self.result.checks = results
        print_checks(results, self.emit)
        counts = summary(results)
        if counts["failed"]:
            self.log(step, f"{counts['failed']} check(s) failed; nothing to roll back: the configuration is what was deployed")
            self.record(step, "failed", f"{counts['failed']} check(s) failed")
            raise _Stop(ExitCode.DIFFERENCES)
        self.log(step, f"passed ({counts['passed']} checks" + (f", {counts['skipped']} skipped" if counts["skipped"] else "") + ")")
        self.record(step, "passed")

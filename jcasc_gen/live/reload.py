"""`apply --via-reload`: for a Jenkins that reads its security from files (the Helm chart's config
scripts, CASC_JENKINS_CONFIG), change nothing over HTTP. The user's GitOps sync deploys the
generated files; the chart's reload sidecar writes them into JCasC's folder and POSTs the token
reload, or a restart reads them. This waits until the live Jenkins equals the spec (export and
plugins), printing what still differs, then proves it with JWTs as `verify` does.

  1 preflight   reachable, a credential that reads the export and the plugins, the plan; the
                items of authorization.items read (their snapshot), refused as under the API
                path (exit 2, nothing changed), and the confirmation when items will change
  2 wait        poll until nothing differs, up to --reload-timeout; exit 1 with the rest
  3 items       no reload or restart sets an item's matrix (JCasC has none): each changed
                item's config.xml, written and read back as `--via-api` does
                (live/reload_items.py); a failure puts them back (exit 4, or 5)
  4 verify      the checks of `verify`. When one fails: the items this run wrote are put back
                (exit 4, or 5); with none written, exit 1: nothing to roll back, the
                configuration is what the sync deployed

Posting instead would merge the posted sections with the files: JCasC concatenates lists and
refuses a value set twice (live/disk.py). Plugins are not installed through the update center
either: the chart installs `controller.installPlugins` in its init container at every start.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Callable, Mapping, Sequence

from ..client import Auth, JenkinsClient, JenkinsError, Unreachable
from ..exitcodes import ExitCode
from ..model import Spec
from ..progress import Event, kind_of
from .apply import ApplyResult
from .credentials import Credentials
from .disk import DiskConfig, read_disk_config
from .items import ItemChange
from .plan import Plan, make_plan
from .redact import say
from .reload_items import ReloadItems
from .state import LiveState, read_state
from .steps.preflight import item_refusals
from .guard import Refusal
from .verify import print_checks, run_checks, summary
from .waiting import Wait

__all__ = ["ReloadOptions", "ReloadWaiter", "RELOAD_STEPS", "difference"]

RELOAD_STEPS = ("preflight", "wait", "items", "verify")


@dataclass
class ReloadOptions:
    timeout: float = 600.0
    poll: float = 1.0
    progress_every: float = 5.0  # where the wait stands, at least this often while nothing changes (live/waiting.py)
    create_folders: bool = False  # create missing items of authorization.items as empty folders
    confirm: Callable[[str], bool] | None = None  # asked before items will be written; None: --yes


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
        self._emit = emit
        self.clock = clock
        self.result = ApplyResult()
        self.acting: JenkinsClient | None = None
        self.acting_name = ""
        self.items = ReloadItems(self.log)
        self.planned: tuple[tuple[ItemChange, ...], tuple[tuple[str, tuple[str, ...]], ...]] = ((), ())
        self.last_state: LiveState | None = None

    def emit(self, message: str) -> None:
        """Say it (to `on_event`) and keep it for the result's `events`."""
        event = Event._of(message)
        self.result.events.append(event)
        self._emit(event)

    def label(self, step: str) -> str:
        where = f"[{RELOAD_STEPS.index(step) + 1}/{len(RELOAD_STEPS)}] " if step in RELOAD_STEPS else ""
        return f"{where}{step}: "

    def log(self, step: str, message: str, *, activity: str | None = None) -> None:
        self.emit(Event(self.label(step) + message, kind=kind_of(message), step=step, activity=activity))

    def record(self, step: str, status: str, detail: str = "") -> None:
        self.result.steps.append({"step": step, "status": status, "detail": detail})

    def client(self, auth: Auth | None) -> JenkinsClient:
        return JenkinsClient(self.creds.conn, auth or Auth.anonymous())

    # ------------------------------------------------------------------ reading

    def find_reader(self) -> tuple[JenkinsClient, str] | None:
        """The credential Jenkins accepts now: the JWT first (once the sync has switched the
        realm to jwtAuth, API tokens are anonymous), then the API token."""
        from .move import choose_current

        for role in self.creds.roles():
            if role == "current":
                choose_current(self.creds, self.client)
            c = self.client(self.creds.auth_of(role))
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
                    self.last_state = read_state(self.acting)
                    return self.last_state
            except Unreachable:
                raise
            except JenkinsError:
                pass
        found = self.find_reader()
        if found is None:
            raise JenkinsError("no credential is accepted by Jenkins now (neither the JWT nor the API token)",
                               hint="pass --signing-key-file (or --jwt) for after the switch and --user/--token for before it")
        self.acting, self.acting_name = found
        self.last_state = read_state(self.acting)
        return self.last_state

    # ------------------------------------------------------------------ the run

    def run(self, *, acting: JenkinsClient | None = None, acting_name: str = "", state: LiveState | None = None,
            disk: DiskConfig | None = None,
            items: tuple[Sequence[ItemChange], Mapping[str, Sequence[str]]] | None = None) -> ApplyResult:
        """From the start, or (`state` given) continuing `apply`'s own preflight, which may
        have read the items already (`items`: their changes and effects)."""
        self.acting, self.acting_name = acting, acting_name
        if items is not None:
            self.items.take(*items)
        try:
            plan = self.preflight(state, disk, continuing=state is not None, items_read=items is not None)
            if plan.plugins or plan.config_changes:
                self.wait(plan)
            else:
                self.log("wait", "the live Jenkins already equals the spec")
                self.record("wait", "passed", "nothing to wait for")
            self.write_items()
            self.verify()
        except _Stop as stop:
            self.result.code = stop.code
        if self.result.plan is not None and self.planned[0]:
            self.result.plan = replace(self.result.plan, items=self.planned[0], item_effects=self.planned[1])
        return self.result

    def preflight(self, state: LiveState | None, disk: DiskConfig | None, *, continuing: bool, items_read: bool = False) -> Plan:
        step = "preflight"
        try:
            if state is None:
                version = self.client(None).version()
                self.result.jenkins_version = version
                self.log(step, f"{self.creds.conn.url} answers" + (f", Jenkins {version}" if version else ""))
                state = self.read()
            if disk is None and self.acting is not None:
                disk = read_disk_config(self.acting)
            if self.spec.authorization.items and not items_read and self.acting is not None:
                self.items.read(self.acting, self.spec, state.document, create_folders=self.opts.create_folders)
                self.log(step, f"read {len(self.items.changes)} item{'s' if len(self.items.changes) != 1 else ''} "
                               "of authorization.items")
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
        plan = make_plan(self.spec, state, self.items.changes, self.items.effects)
        self.result.plan = plan
        self.planned = (plan.items, plan.item_effects)
        if not continuing:  # apply's own preflight printed the plan already
            for line in plan.lines():
                self.emit("    " + line if line else "")
        self._refuse(step, item_refusals(plan), "nothing was changed")
        if self.items.todo and self.opts.confirm is not None and not self.opts.confirm(
                f"Apply these changes to {self.creds.conn.url}? [y/N] "):
            self.emit("not confirmed; nothing was changed (use --yes in CI)")
            self.record("confirm", "failed", "not confirmed; nothing was changed (use --yes in CI)")
            raise _Stop(ExitCode.USAGE)
        self.record(step, "passed", f"reading as {self.acting_name}")
        return replace(plan, items=(), item_effects=())  # what the wait compares: the deployed part

    def wait(self, plan: Plan) -> None:
        step = "wait"
        timeout, poll = self.opts.timeout, self.opts.poll
        self.log(step, f"until the live export and plugins equal the spec (deploy the generated files: your GitOps sync, "
                       f"then the reload sidecar or a restart), up to {timeout:g}s", activity="reload")
        start = self.clock()
        deadline = start + timeout
        waiting = Wait(self.emit, label=self.label(step), step=step, activity="reload", limit=timeout,
                       interval=self.opts.progress_every, clock=self.clock)
        last_said = ""  # the first poll says where things stand
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
                    self.log(step, said, activity="reload")
                else:
                    waiting.update(said)
                trouble = said
                continue
            if not plan.changed:
                self.result.plan = plan
                self.log(step, f"the live Jenkins equals the spec after {self.clock() - start:.0f}s", activity="reload")
                self.record(step, "passed")
                return
            said = difference(plan)
            if said != last_said:
                self.log(step, f"still differs ({max(deadline - self.clock(), 0):.0f}s left): {said}", activity="reload")
                last_said = said
            else:
                waiting.update(f"still differs: {said}")
        self.result.plan = plan
        lines = [f"error: the live Jenkins did not reach the spec within {timeout:g}s; what still differs:"]
        # all of it, the YAML diff too: what is deployed differs from what was generated somewhere
        lines += ["    " + line if line else "" for line in plan.lines(verbose=True)]
        if trouble:
            lines.append(f"  (the last poll failed: {trouble})")
        lines.append("  hint: is the generated file deployed (git push, the sync's status), and does the reload sidecar "
                     "run? Its log says when it reloads; JCasC's refusals are in the Jenkins log.")
        self.emit("\n".join(lines))
        self.record(step, "failed", f"timed out after {timeout:g}s: {difference(plan)}")
        raise _Stop(ExitCode.DIFFERENCES)

    def write_items(self) -> None:
        step = "items"
        if self.spec.authorization.items and self.items.todo:
            self.reread_items()
        todo = self.items.todo
        if not todo:
            if self.spec.authorization.items:
                self.log(step, "every item of authorization.items already holds the spec's matrix")
            self.record(step, "skipped", "nothing to write")
            return
        assert self.acting is not None  # the credential that read the live Jenkins equal to the spec
        self.log(step, f"as {self.acting_name!r}: no reload sets an item's matrix (JCasC has none); writing "
                       f"{len(todo)} through each config.xml, as --via-api does")
        try:
            self.items.write(self.acting)
        except Exception as exc:  # anything while writing: put back what this run wrote
            message = getattr(exc, "message", None) or str(exc)
            self.log(step, f"error: {message}")
            self.record(step, "failed", message)
            raise _Stop(self.roll_back_items()) from None
        self.record(step, "passed", f"{len(todo)} item matri{'x' if len(todo) == 1 else 'ces'} written and read back")

    def reread_items(self) -> None:
        """The items again, now that the deployed files are live: the snapshot each write
        compares with is taken here, so what the reload itself did to an item (a Job DSL
        script in the deployed file regenerates its folders) is not taken for someone else's
        change, and an item that holds the spec's matrix already is left alone."""
        step = "items"
        try:
            state = self.last_state if self.last_state is not None else self.read()
            assert self.acting is not None
            self.items.read(self.acting, self.spec, state.document, create_folders=self.opts.create_folders)
        except JenkinsError as exc:
            self.log(step, f"error: reading the items: {exc.message}")
            self.record(step, "failed", exc.message)
            raise _Stop(exc.exit_code) from None
        self._refuse(step, item_refusals(make_plan(self.spec, state, self.items.changes)),
                     "no item was written (the deployed files are live: they are the deployment's)")

    def _refuse(self, step: str, refusals: Sequence[Refusal], said: str) -> None:
        """Stop with exit 2 when the items hold anything apply refuses (item_refusals)."""
        if not refusals:
            return
        for r in refusals:
            self.log(step, f"refused: {r}")
        self.record(step, "failed", "; ".join(r.message for r in refusals))
        self.emit(said)
        raise _Stop(ExitCode.USAGE)

    def roll_back_items(self) -> int:
        step = "rollback"
        client = self.acting
        try:
            found = self.find_reader()
            client = found[0] if found else client
        except JenkinsError:
            pass
        if client is None:
            self.log(step, "error: no credential is accepted by Jenkins now; the items this run wrote stay as written")
            self.record(step, "failed", "no credential")
            return ExitCode.NOT_ROLLED_BACK
        code, said = self.items.roll_back(client)
        if code == ExitCode.ROLLED_BACK:
            self.log(step, said)
            self.record(step, "passed", said)
        else:
            self.emit(f"error: the rollback failed: {said}")
            self.record(step, "failed", said.split("\n")[0])
        return code

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
            self.record(step, "failed", f"{counts['failed']} check(s) failed")
            if self.items.written:
                self.log(step, f"{counts['failed']} check(s) failed; putting back the item matrices this run wrote "
                               "(the realm and the global matrix are what was deployed)")
                raise _Stop(self.roll_back_items())
            self.log(step, f"{counts['failed']} check(s) failed; nothing to roll back: the configuration is what was deployed")
            raise _Stop(ExitCode.DIFFERENCES)
        self.log(step, f"passed ({counts['passed']} checks" + (f", {counts['skipped']} skipped" if counts["skipped"] else "") + ")")
        self.record(step, "passed")

"""`apply` as an explicit sequence of steps, each reported as it happens, with rollback.

  1 preflight   reachable, version, a credential with Overall/Administer, JCasC present
  2 guard       refuse (exit 2) what would lock everybody out or could not be verified
  3 plugins     install/upgrade, safe restart, wait, confirm active
  4 snapshot    the live export, for rollback
  5 check       server-side JCasC check of the generated file
  6 apply       in single-section steps ordered so no failure strands the administrator
  7 verify      with the post-switch JWT
  8 rollback    on any failure after the snapshot: the snapshot's sections back, verified

Why the apply is split (jenkins-facts A.2, B.3, C.1): JCasC configures
authorizationStrategy before securityRealm within one document, and a failure between them
would leave the new matrix on the old realm, which on the first switch to JWT shuts out
the API-token user. Once jwt-auth is the realm, API tokens are anonymous. So the change
goes in three documents, each replacing one section only:

  a. bridge matrix: the spec's entries plus Overall/Administer for the identity we act as
     now (API token). Under the old realm the API token still administers; under jwtAuth
     the spec's admin (the post-switch JWT, checked by the guard) does.
  b. realm: jwtAuth. The last API-token call.
  c. final matrix, applied with the JWT.

A failure after any one of them leaves a working administrator credential, and rollback
walks back the same way (bridge, old realm, old strategy).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

from .. import permissions, pins
from ..client import Auth, CascRejected, JenkinsClient, JenkinsError, ServerError, Unreachable
from ..exitcodes import ExitCode
from ..jcasc import managed_sections, normalize_managed, target_document, unescape_interpolation
from ..model import Spec
from ..render import yaml_document
from .guard import Refusal, check as guard_check
from .item_step import ItemRun, apply_items, plan_items, rollback_items
from .credentials import Credentials
from .plan import Plan, make_plan
from .redact import say
from .state import LiveState, parse_export, read_state, realm_symbol, strategy_symbol
from .verify import CheckResult, print_checks, run_checks, summary

__all__ = ["ApplyOptions", "ApplyResult", "Applier", "STEPS", "PREFLIGHT_DOC"]

STEPS = ("preflight", "guard", "plugins", "snapshot", "check", "apply", "verify", "rollback")
# A document JCasC validates and ignores (root keys starting with `x-` are skipped,
# jenkins-facts A.4): `check` needs Overall/Administer, so it proves we hold it.
PREFLIGHT_DOC = "x-jcasc-gen-preflight: true\n"


@dataclass
class ApplyOptions:
    yes: bool = False
    dry_run: bool = False
    restart_timeout: float = 300.0
    install_timeout: float = 600.0
    poll: float = 1.0
    generated_name: str = "jenkins.yaml"  # where check messages are located
    jwks_check: bool = True  # refuse a realm switch when Jenkins could not fetch our key
    confirm: Callable[[str], bool] | None = None
    # "auto": wait for the deployed files (live/reload.py) when Jenkins reads JCasC from disk,
    # else post; "api": always post (`--via-reload` runs live/reload.py on its own)
    via: str = "auto"
    reload_timeout: float = 600.0
    create_folders: bool = False  # create missing items of authorization.items as empty folders


@dataclass
class ApplyResult:
    code: int = ExitCode.OK
    steps: list[dict[str, str]] = field(default_factory=list)
    plan: Plan | None = None
    checks: list[CheckResult] = field(default_factory=list)
    jenkins_version: str | None = None
    unanswered: Unreachable | None = field(default=None, repr=False)  # why it stopped, when Jenkins did not answer

    def to_json(self) -> dict[str, Any]:
        from .redact import redact

        return {
            "command": "apply",
            "ok": self.code == ExitCode.OK,
            "exit": int(self.code),
            "plan": self.plan.to_json() if self.plan else None,
            "steps": [{k: redact(v) for k, v in s.items()} for s in self.steps],
            "checks": [c.to_json() for c in self.checks],
        }


class _Stop(Exception):
    """End the run with this exit code (the message has been reported)."""

    def __init__(self, code: int) -> None:
        self.code = code


def _wrap(section: str, value: Any) -> dict[str, Any]:
    return {"jenkins": {section: value}}


def _unescape(value: Any) -> Any:
    """Export values carry `^${` (JCasC escapes on export); posting them back goes through
    `yaml_scalar`, which escapes again, so undo it first."""
    if isinstance(value, dict):
        return {k: _unescape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unescape(v) for v in value]
    return unescape_interpolation(value) if isinstance(value, str) else value


def _restorable_realm(realm: Any) -> Any:
    """The snapshot's realm as it is safe to post back. Local users live in their own User
    records, not in the realm object, and posting the exported `users` list would re-add
    each exported user property (configuration-as-code-plugin
    plugin/src/main/java/io/jenkins/plugins/casc/core/HudsonPrivateSecurityRealmConfigurator.java,
    setter -> User.addProperty), the API-token store among them, so they stay out."""
    if isinstance(realm, dict) and isinstance(realm.get("local"), dict):
        return {"local": {k: v for k, v in realm["local"].items() if k != "users"}}
    return realm


class Applier:
    def __init__(self, spec: Spec, creds: Credentials, jenkins_yaml: str, opts: ApplyOptions,
                 emit: Callable[[str], None] = say) -> None:
        self.spec = spec
        self.creds = creds
        self.text = jenkins_yaml
        self.opts = opts
        self.emit = emit
        self.result = ApplyResult()
        self.acting: JenkinsClient | None = None
        self.acting_name = ""
        self.snapshot: dict[str, Any] | None = None
        self.use_configure = False
        self.known: dict[str, str] = {}  # what we last applied successfully, for exit-5 reports
        self.items = ItemRun()  # the item matrices this run writes (live/item_step.py)

    # ------------------------------------------------------------------ reporting

    def log(self, step: str, message: str) -> None:
        n = STEPS.index(step) + 1
        self.emit(f"[{n}/{len(STEPS)}] {step}: {message}")

    def record(self, step: str, status: str, detail: str = "") -> None:
        self.result.steps.append({"step": step, "status": status, "detail": detail})

    def stop(self, step: str, code: int, message: str, hint: str | None = None, *, cause: Exception | None = None) -> _Stop:
        self.log(step, "error: " + message + (f"\n  hint: {hint}" if hint else ""))
        self.record(step, "failed", message)
        self.result.unanswered = cause if isinstance(cause, Unreachable) else None
        return _Stop(code)

    # ------------------------------------------------------------------ clients

    def client(self, auth: Auth | None) -> JenkinsClient:
        return JenkinsClient(self.creds.conn, auth or Auth.anonymous())

    def post_client(self) -> JenkinsClient | None:
        post = self.creds.post
        return self.client(post.auth()) if post is not None else None

    def _admin(self, client: JenkinsClient) -> tuple[bool, str, JenkinsError | None]:
        """Does this client act as someone with Overall/Administer? (ok, name or why not, error)"""
        try:
            me = client.whoami()
            if me.anonymous:
                if client.auth.kind == "jwt" and self.creds.post is not None:
                    message, hint = self.creds.post.rejected()
                    return False, f"{message} (hint: {hint})", None
                return False, f"{client.auth.describe()} is treated as anonymous", None
            client.casc_check(PREFLIGHT_DOC)
            return True, me.name, None
        except JenkinsError as exc:
            return False, exc.message, exc

    def working_admin(self) -> JenkinsClient | None:
        """The credential that administers Jenkins now: the post-switch JWT first, then
        the pre-switch API token (rollback order, issue 4 step 8)."""
        for auth in ([self.creds.post.auth()] if self.creds.post else []) + ([self.creds.pre] if self.creds.pre else []):
            c = self.client(auth)
            if self._admin(c)[0]:
                return c
        return None

    # ------------------------------------------------------------------ the run

    def run(self) -> ApplyResult:
        try:
            state = self.preflight()
            changes, effects = self.read_items(state)
            plan = make_plan(self.spec, state, changes, effects)
            self.result.plan = plan
            for line in plan.lines():
                self.emit("    " + line if line else "")
            if not plan.changed:
                self.log("preflight", "nothing to change; skipping every step")
                self.record("preflight", "passed", "nothing to change")
                return self.result
            if self.opts.via != "api" and self.reads_from_disk(state):
                return self.result
            self.guard(plan)
            self.confirm(plan)
            self.plugins(plan)
            self.take_snapshot()
            self.server_check(plan)
            if self.opts.dry_run:
                self.emit("dry run: nothing was changed")
                return self.result
            try:
                if plan.config_changes:
                    self.apply_change(plan)
                else:
                    self.log("apply", "realm and matrix already match the spec")
                    self.record("apply", "skipped" if not plan.item_changes else "passed")
                if plan.item_changes:
                    apply_items(self, self.items, plan.items)
                self.verify()
            except _Stop:
                raise
            except Exception as exc:  # anything after the snapshot: put it back
                self.result.code = self.rollback(str(exc))
                return self.result
        except _Stop as stop:
            self.result.code = stop.code
        except Exception as exc:  # before the snapshot: the security configuration is untouched
            self.emit(f"error: {type(exc).__name__}: {exc}; the security configuration was not touched")
            self.record("preflight" if self.result.plan is None else "plugins", "failed", str(exc))
            self.result.code = ExitCode.UNREACHABLE
            self.result.unanswered = exc if isinstance(exc, Unreachable) else None
        return self.result

    # 1 ---------------------------------------------------------------------
    def preflight(self) -> LiveState:
        step = "preflight"
        anon = self.client(None)
        try:
            version = anon.version()
        except JenkinsError as exc:
            raise self.stop(step, ExitCode.UNREACHABLE, exc.message, exc.hint, cause=exc) from None
        self.result.jenkins_version = version
        self.log(step, f"{self.creds.conn.url} answers" + (f", Jenkins {version}" if version else " (no X-Jenkins header: is this Jenkins?)"))
        notes = []
        candidates = ([self.creds.pre] if self.creds.pre else []) + ([self.creds.post.auth()] if self.creds.post else [])
        for auth in candidates:
            c = self.client(auth)
            ok, why, error = self._admin(c)
            if ok:
                self.acting, self.acting_name = c, why
                break
            if isinstance(error, ServerError) and error.status == 404:
                raise self.stop(step, ExitCode.USAGE, "the configuration-as-code plugin does not answer (404)",
                                "install configuration-as-code (it is in the generated plugins.txt) and run again")
            if isinstance(error, Unreachable):
                raise self.stop(step, ExitCode.UNREACHABLE, error.message, error.hint, cause=error)
            notes.append(why)
        if self.acting is None:
            raise self.stop(step, ExitCode.UNREACHABLE, "no credential administers Jenkins: " + "; ".join(notes),
                            "the API token (or JWT) must belong to someone with Overall/Administer; "
                            "once jwtAuth is the realm only a JWT works")
        self.log(step, f"acting as {self.acting_name!r} ({self.acting.auth.describe()}) with Overall/Administer")
        try:
            state = read_state(self.acting)
        except JenkinsError as exc:
            raise self.stop(step, exc.exit_code, exc.message, exc.hint, cause=exc) from None
        casc = state.plugins.get("configuration-as-code")
        self.log(step, f"configuration-as-code {casc.version if casc else '?'}; realm {realm_symbol(state.document)}, "
                       f"strategy {strategy_symbol(state.document)}")
        self.record(step, "passed", f"acting as {self.acting_name}")
        return state

    def reads_from_disk(self, state: LiveState) -> bool:
        """When Jenkins reads JCasC files from disk, posting the sections would merge with them:
        wait for the deployed files instead (live/reload.py). True when that took over."""
        from .disk import read_disk_config
        from .reload import ReloadOptions, ReloadWaiter

        assert self.acting is not None
        disk = read_disk_config(self.acting)
        if not disk.from_disk:
            if disk.sources is None:
                self.log("preflight", f"note: {disk.describe()}; posting the realm and matrix")
            return False
        self.log("preflight", disk.describe())
        if self.opts.dry_run:
            self.emit("dry run: apply would wait for the deployed files to equal the spec (`--via-api` posts anyway); "
                      "nothing was changed")
            return True
        self.log("preflight", "waiting for the deployed files instead of posting (`--via-api` posts anyway)")
        waiter = ReloadWaiter(self.spec, self.creds, ReloadOptions(self.opts.reload_timeout, self.opts.poll), self.emit)
        reloaded = waiter.run(acting=self.acting, acting_name=self.acting_name, state=state, disk=disk)
        self.result.code, self.result.checks = reloaded.code, reloaded.checks
        self.result.steps += reloaded.steps
        self.result.plan = reloaded.plan or self.result.plan
        return True
    def read_items(self, state: LiveState) -> tuple[list[Any], dict[str, list[str]]]:
        """Every item of authorization.items as Jenkins has it now (the items' snapshot)."""
        if not self.spec.authorization.items:
            return [], {}
        assert self.acting is not None
        try:
            changes, effects = plan_items(self.acting, self.spec, state.document, create_folders=self.opts.create_folders)
        except JenkinsError as exc:
            raise self.stop("preflight", exc.exit_code, f"reading the items: {exc.message}", exc.hint) from None
        self.log("preflight", f"read {len(changes)} item{'s' if len(changes) != 1 else ''} of authorization.items")
        return changes, effects

    # 2 ---------------------------------------------------------------------
    def guard(self, plan: Plan) -> None:
        refusals = guard_check(self.spec, plan, self.creds.post)
        refusals += [Refusal(p, "create the item in Jenkins first, or pass --create-folders to create missing ones as empty folders"
                             if "does not exist" in p else "fix the spec or the item, then run again") for p in plan.item_problems]
        if not refusals and plan.realm_changes and self.creds.post is not None:
            refusals = self.jwks_refusals()
        if refusals:
            for r in refusals:
                self.log("guard", f"refused: {r}")
            self.record("guard", "failed", "; ".join(r.message for r in refusals))
            self.emit("nothing was changed")
            raise _Stop(ExitCode.USAGE)
        post = self.creds.post
        self.log("guard", "passed" + (f": after the switch, {post.principal!r} ({post.source}) is accepted and administers Jenkins"
                                      if post else ""))
        self.record("guard", "passed")

    def jwks_refusals(self) -> list[Refusal]:
        from ..client import fetch
        from .jwks import check_jwks

        if not self.opts.jwks_check:
            self.log("guard", "warning: --no-jwks-check: not checking that Jenkins can fetch the JWKS")
            return []
        assert self.acting is not None and self.creds.post is not None
        verdict = check_jwks(self.spec.jwt.jwks_url, self.creds.post.kid(), run_script=self.acting.run_script,
                             fetch_here=lambda url: fetch(url, timeout=self.creds.conn.timeout))
        for note in verdict.notes:
            self.log("guard", note)
        return verdict.refusals

    def confirm(self, plan: Plan) -> None:
        if self.opts.yes or self.opts.dry_run:
            return
        ask = self.opts.confirm
        if ask is None or not ask(f"Apply these changes to {self.creds.conn.url}? [y/N] "):
            self.emit("not confirmed; nothing was changed (use --yes in CI)")
            raise _Stop(ExitCode.USAGE)

    # 3 ---------------------------------------------------------------------
    def plugins(self, plan: Plan) -> None:
        step = "plugins"
        if not plan.plugins:
            self.log(step, "all present, active and at least the pinned versions")
            self.record(step, "passed")
            return
        if self.opts.dry_run:
            for p in plan.plugins:
                self.log(step, f"would {p.describe()}")
            self.record(step, "skipped", "dry run")
            return
        assert self.acting is not None
        wanted = [(p.name, p.want) for p in plan.plugins if p.action != "activate"]
        try:
            if wanted:
                for name, version in wanted:
                    self.log(step, f"installing {name} {version or '(latest)'} ...")
                self.acting.install_plugins(wanted)
                self.wait_for_installs([n for n, _ in wanted])
            self.log(step, "restarting safely ...")
            self.acting.safe_restart()
            live = self.await_restart(plan)
        except JenkinsError as exc:
            code = ExitCode.UNREACHABLE if isinstance(exc, Unreachable) else ExitCode.ROLLED_BACK
            raise self.stop(step, code, exc.message + "; the security configuration was not touched", exc.hint, cause=exc) from None
        bad = []
        for p in plan.plugins:
            have = live.get(p.name)
            if have is None or not have.active or (p.want and pins.older_than(have.version, p.want)):
                bad.append(f"{p.name} is {'missing' if have is None else have.version + ('' if have.active else ' (inactive)')}")
            else:
                self.log(step, f"{p.name} {have.version} active")
        if bad:
            raise self.stop(step, ExitCode.ROLLED_BACK, "after the restart " + ", ".join(bad) + "; the security configuration was not touched",
                            "look at the Jenkins log and the plugin manager")
        self.record(step, "passed", ", ".join(p.describe() for p in plan.plugins))

    def await_restart(self, plan: Plan) -> dict[str, Any]:
        """Wait until Jenkins is back with the plugins active. A safe restart first waits for
        running builds, and a fast restart can be over before we look, so "back" means the
        plugins are active, not merely that Jenkins answers."""
        assert self.acting is not None
        deadline = time.monotonic() + self.opts.restart_timeout
        live: dict[str, Any] = {}
        while True:
            remaining = max(deadline - time.monotonic(), self.opts.poll)
            self.acting.wait_until_ready(remaining, poll=self.opts.poll)
            try:
                live = self.acting.plugins()
            except Unreachable:
                live = {}
            if live and all(live.get(p.name) is not None and live[p.name].active for p in plan.plugins):
                self.log("plugins", "Jenkins is back")
                return live
            if time.monotonic() >= deadline:
                return live
            self.creds.conn.sleep(self.opts.poll)

    def wait_for_installs(self, names: list[str]) -> None:
        """Poll the update center's jobs (hudson/model/UpdateCenter.java InstallationJob;
        status types Pending, Installing, Success, SuccessButRequiresRestart, Failure).
        PluginManager skips a plugin the update center does not offer without a job."""
        assert self.acting is not None
        deadline = time.monotonic() + self.opts.install_timeout
        pending, polls = set(names), 0
        while pending:
            jobs = {}
            for job in self.acting.update_center().get("jobs") or []:
                name = job.get("name") or (job.get("plugin") or {}).get("name")
                jobs[name] = job
            for name in sorted(pending):
                job = jobs.get(name)
                status = ((job or {}).get("status") or {}).get("type", "")
                if status in ("Success", "SuccessButRequiresRestart"):
                    pending.discard(name)
                    self.log("plugins", f"{name}: {'installed, active after the restart' if status.endswith('Restart') else 'installed'}")
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
                raise Unreachable(f"plugin installation did not finish within {self.opts.install_timeout:g}s: {sorted(pending)}")
            self.creds.conn.sleep(self.opts.poll)

    # 4 ---------------------------------------------------------------------
    def take_snapshot(self) -> None:
        step = "snapshot"
        assert self.acting is not None
        try:
            doc = parse_export(self.acting.casc_export())
        except JenkinsError as exc:
            raise self.stop(step, exc.exit_code, exc.message + "; nothing was changed", exc.hint, cause=exc) from None
        self.snapshot = _unescape(managed_sections(doc))
        self.known = {"realm": str(realm_symbol(doc)), "strategy": str(strategy_symbol(doc))}
        self.log(step, f"saved the live realm ({self.known['realm']}) and strategy ({self.known['strategy']})")
        self.record(step, "passed")

    # 5 ---------------------------------------------------------------------
    def server_check(self, plan: Plan) -> None:
        step = "check"
        assert self.acting is not None
        try:
            warnings = self.acting.casc_check(self.text)
        except CascRejected as exc:
            # the plugins the document itself needs: the realm's, the strategy's, and those that
            # define permissions the matrix grants (Jenkins cannot parse those before they load)
            needs = {"jwt-auth", "matrix-auth", *self.spec.authorization.needed_plugins()}
            missing = [p.name for p in plan.plugins if p.name in needs]
            if self.opts.dry_run and missing:
                self.log(step, f"the server cannot check yet ({', '.join(missing)} not installed); checked offline: "
                               "the generated file parses back to the spec")
                self.record(step, "skipped", "checked offline")
                return
            for m in exc.messages:
                self.emit(self._locate(m.line, m.message))
            raise self.stop(step, ExitCode.USAGE, "Jenkins' JCasC check refused the generated configuration; nothing was changed") from None
        except JenkinsError as exc:
            raise self.stop(step, exc.exit_code, exc.message + "; nothing was changed", exc.hint, cause=exc) from None
        for w in warnings:
            self.emit(self._locate(w.line, "warning: " + w.message))
        self.log(step, "passed" + (f" with {len(warnings)} warning(s)" if warnings else ""))
        self.record(step, "passed")

    def _locate(self, line: int, message: str) -> str:
        where = f"{self.opts.generated_name}:{line}" if line > 0 else self.opts.generated_name
        return f"{where}: {message}"

    # 6 ---------------------------------------------------------------------
    def apply_change(self, plan: Plan) -> None:
        step = "apply"
        assert self.acting is not None
        self.use_configure = self.acting.casc_has_configure()
        self.log(step, "through /configuration-as-code/" + ("configure" if self.use_configure else "apply (this JCasC has no configure endpoint)"))
        target = target_document(self.spec)["jenkins"]
        strategy = target["authorizationStrategy"]
        if plan.realm_changes:
            post_name = self.creds.post.principal if self.creds.post else ""
            # the post-switch principal is granted by name too, so its right to administer does
            # not hinge on how Jenkins reads its groups claim
            admins = [n for n in dict.fromkeys((self.acting_name, post_name)) if n]
            self.post_document("bridge matrix (the spec's entries + Overall/Administer for "
                               f"{' and '.join(repr(n) for n in admins)} while the realm changes)", self.acting,
                               _wrap("authorizationStrategy", self.bridge(strategy, admins)), "strategy",
                               "bridge (the spec's entries + Overall/Administer for " + ", ".join(repr(n) for n in admins) + ")")
            self.post_document("realm jwtAuth (the last API-token call)" if self.acting.auth.kind == "token" else "realm jwtAuth",
                               self.acting, _wrap("securityRealm", target["securityRealm"]), "realm", "jwtAuth")
            post = self.post_client()
            assert post is not None
            ok, name, error = self._admin(post)
            if not ok:
                raise RuntimeError(f"after the switch the post-switch JWT does not administer Jenkins: {name} "
                                   "(is jwt.jwks_url reachable from Jenkins, and the signing key the one Pomerium publishes?)")
            self.log(step, f"Jenkins accepts the JWT for {name!r}")
            self.acting, self.acting_name = post, name
        if plan.strategy_changes or plan.realm_changes:
            self.post_document("matrix (the spec's)", self.acting, _wrap("authorizationStrategy", strategy), "strategy", "spec")
        self.record(step, "passed")

    def bridge(self, strategy: dict[str, Any], admins: list[str]) -> dict[str, Any]:
        (symbol, body), = strategy.items()
        entries = list(body["entries"]) + [{"user": {"name": n, "permissions": [permissions.ADMINISTER]}} for n in admins if n]
        return {symbol: {"entries": entries}}

    def post_document(self, label: str, client: JenkinsClient, doc: dict[str, Any], what: str, known_as: str) -> None:
        self.log("apply", f"{label} ...")
        text = yaml_document(doc, "jcasc")
        try:
            client.casc_apply(text, use_configure=self.use_configure)
        except CascRejected as exc:
            raise RuntimeError(self.explain_apply_failure(exc)) from None
        except Unreachable as exc:
            if exc.timed_out:
                self.settle()
            raise
        self.known[what] = known_as
        self.log("apply", f"{label}: done")

    def settle(self) -> None:
        """A change whose answer we did not get may still be running in Jenkins; give it
        one more timeout period to land before rolling back, so it cannot land after."""
        self.log("apply", f"no answer; waiting {self.creds.conn.timeout:g}s for a change still in flight before rolling back")
        self.creds.conn.sleep(self.creds.conn.timeout)

    def explain_apply_failure(self, exc: CascRejected) -> str:
        said = "; ".join(m.message for m in exc.messages)
        conflict = "conflicting configuration" in said.lower()
        lines = [f"JCasC refused the change after the check passed: {said}", "likely causes:"]
        merge = ("`apply`/`configure` merge the posted YAML with the on-disk configuration (CASC_JENKINS_CONFIG or "
                 "$JENKINS_HOME/jenkins.yaml), and a key set in both fails with `Found conflicting configuration`")
        lines.append(("  1. (this one) " if conflict else "  1. ") + merge)
        lines.append("     ways out: deploy the generated jenkins.yaml as a file in CASC_JENKINS_CONFIG (or the Helm chart's "
                     "config script) and reload, then `apply --via-reload` waits for it and verifies; or remove "
                     "securityRealm/authorizationStrategy from the on-disk file")
        if not conflict:
            lines.append("  2. a plugin failed while configuring (the Jenkins log has the stack trace)")
        return "\n".join(lines)

    # 7 ---------------------------------------------------------------------
    def verify(self) -> None:
        step = "verify"
        results = self.run_verify()
        self.result.checks = results
        print_checks(results, self.emit)
        counts = summary(results)
        if counts["failed"]:
            self.record(step, "failed", f"{counts['failed']} check(s) failed")
            raise RuntimeError(f"verification failed: {counts['failed']} check(s)")
        self.log(step, f"passed ({counts['passed']} checks" + (f", {counts['skipped']} skipped" if counts["skipped"] else "") + ")")
        self.record(step, "passed")

    def run_verify(self) -> list[CheckResult]:
        assert self.acting is not None
        self.log("verify", f"checking as {self.acting_name!r}, anonymous and with minted tokens ...")
        return run_checks(self.spec, admin_client=self.acting, anonymous_client=self.client(None), post=self.creds.post,
                          jwt_client=lambda token, who: self.client(Auth.jwt(self.spec.jwt.header, token, who)))

    # 8 ---------------------------------------------------------------------
    def rollback(self, reason: str) -> int:
        step = "rollback"
        self.log(step, f"{reason}")
        self.record("apply" if not self.result.checks else "verify", "failed", reason)
        snap = self.snapshot
        assert snap is not None
        self.log(step, "restoring the snapshot's realm and strategy ...")
        try:
            client = self.working_admin()
            if client is None:
                return self.fatal("no credential administers Jenkins any more (neither the JWT nor the API token)")
            if self.items.records:
                item_problems = rollback_items(self, self.items, client)
                if item_problems:
                    snapshots = "\n".join(f"  {path}: " + (rec.previous.decode("utf-8", "replace") if rec.previous is not None
                                                             else "(no matrix property)")
                                           for path, rec in self.items.records.items())
                    return self.fatal("items not restored: " + "; ".join(item_problems)
                                      + "\nthe items' matrix properties before this run (put them back into each config.xml):\n"
                                      + snapshots)
            live = parse_export(client.casc_export())
            snap_j = snap["jenkins"]
            pre_name = self.pre_name()
            if normalize_managed(live)["jenkins"].get("securityRealm") != normalize_managed(snap)["jenkins"].get("securityRealm"):
                admins = [n for n in (pre_name, self.creds.post.principal if self.creds.post else None) if n]
                symbol = self.spec.authorization.symbol
                bridge = {symbol: {"entries": [{"user": {"name": n, "permissions": [permissions.ADMINISTER]}} for n in admins]}}
                self.rollback_document("bridge matrix (Overall/Administer for both credentials)", client, _wrap("authorizationStrategy", bridge))
                self.rollback_document(f"realm {realm_symbol(snap)}", client, _wrap("securityRealm", _restorable_realm(snap_j["securityRealm"])))
                client = self.working_admin()
                if client is None:
                    return self.fatal("after restoring the realm no credential administers Jenkins")
            if "authorizationStrategy" in snap_j:
                self.rollback_document(f"strategy {strategy_symbol(snap)}", client, _wrap("authorizationStrategy", snap_j["authorizationStrategy"]))
            after = parse_export(client.casc_export())
        except JenkinsError as exc:
            return self.fatal(f"{exc.message}")
        except RuntimeError as exc:
            return self.fatal(str(exc))
        if normalize_managed(after) != normalize_managed(snap):
            return self.fatal("after the rollback the live realm/strategy still differ from the snapshot")
        if not self._admin(client)[0]:
            return self.fatal("after the rollback the credential no longer administers Jenkins")
        self.log(step, f"Jenkins is back to its snapshot (realm {realm_symbol(after)}, strategy {strategy_symbol(after)}), "
                       "verified against the export")
        self.record(step, "passed", "restored the snapshot")
        return ExitCode.ROLLED_BACK

    def pre_name(self) -> str | None:
        if self.creds.pre is None:
            return None
        return self.creds.pre.user

    def rollback_document(self, label: str, client: JenkinsClient, doc: dict[str, Any]) -> None:
        self.log("rollback", f"{label} ...")
        try:
            client.casc_apply(yaml_document(doc, "jcasc"), use_configure=self.use_configure)
        except Unreachable as exc:
            if exc.timed_out:
                self.settle()
            raise
        except CascRejected as exc:
            raise RuntimeError(f"JCasC refused the rollback document ({label}): " + "; ".join(m.message for m in exc.messages)) from None
        key = "realm" if "securityRealm" in doc["jenkins"] else "strategy"
        self.known[key] = "snapshot" if not label.startswith("bridge") else "rollback bridge"

    def fatal(self, reason: str) -> int:
        step = "rollback"
        self.record(step, "failed", reason)
        lines = [f"error: the rollback failed: {reason}", "Jenkins is in this state:"]
        state = self.describe_state()
        lines += [f"  {k}: {v}" for k, v in state.items()]
        lines += [
            "Manual recovery:",
            "  1. Save the snapshot below as a file JCasC reads at startup (a file in CASC_JENKINS_CONFIG, or "
            "$JENKINS_HOME/jenkins.yaml) and restart Jenkins; JCasC applies it before anyone logs in.",
            "  2. If that is not possible: stop Jenkins, and in $JENKINS_HOME/config.xml replace <authorizationStrategy> "
            "with <authorizationStrategy class=\"hudson.security.FullControlOnceLoggedInAuthorizationStrategy\"/> and "
            "<securityRealm> with the local realm (<securityRealm class=\"hudson.security.HudsonPrivateSecurityRealm\"/>), "
            "start Jenkins, log in with a local user and run `jcasc-gen apply` again.",
            "snapshot (managed sections before this run):",
        ]
        snap = self.snapshot or {}
        if snap:
            restorable = {k: (_restorable_realm(v) if k == "securityRealm" else v) for k, v in snap["jenkins"].items()}
            lines += ["  " + line for line in yaml_document({"jenkins": restorable}, "jcasc").splitlines()]
        else:
            lines.append("  (none taken)")
        self.emit("\n".join(lines))
        return ExitCode.NOT_ROLLED_BACK

    def describe_state(self) -> dict[str, str]:
        out = {"realm (last applied by this run)": self.known.get("realm", "unknown"),
               "strategy (last applied by this run)": self.known.get("strategy", "unknown")}
        for label, auth in (("API token", self.creds.pre), ("JWT", self.creds.post.auth() if self.creds.post else None)):
            if auth is None:
                continue
            try:
                me = self.client(auth).whoami()
                out[f"{label} ({auth.user})"] = "treated as anonymous" if me.anonymous else f"accepted as {me.name!r}"
            except JenkinsError as exc:
                out[f"{label} ({auth.user})"] = f"no answer ({exc.message})"
        return out

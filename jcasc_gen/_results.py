"""What `Jenkins.plan`, `.apply` and `.verify` return: `ok`, `exit_code`, the details, and
`to_json()`, the document `jcasc-gen plan|apply|verify --format json` prints.

Every text a result holds has been through the redactor when the result was made, so no
token, JWT or key can reach its repr, its JSON or its report lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, final

from .exitcodes import ExitCode
from .progress import Event

if TYPE_CHECKING:
    from .live.apply import ApplyResult as _Applied
    from .live.disk import DiskConfig
    from .live.plan import Plan, PluginChange
    from .live.verify import CheckResult
    from .model import Spec as ModelSpec

__all__ = ["PlanResult", "ApplyResult", "VerifyResult", "ApplyStep", "scrub"]


def scrub(value: Any) -> Any:
    """`value` with every string redacted (JSON-shaped data: dicts, lists, strings, scalars)."""
    from .live.redact import redact

    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [scrub(v) for v in value]
    return value


def _clean_checks(checks: Any) -> tuple[CheckResult, ...]:
    from .live.verify import CheckResult

    return tuple(CheckResult(scrub(c.name), c.status, scrub(c.detail)) for c in checks)


@final
class PlanResult:
    """What `apply` would change: plugins to install, upgrade or activate, and the security
    realm and authorization matrix (compared by meaning, not by text).

    `exit_code` is 0 when nothing would change, 1 when something would, 2 when `apply` would
    refuse to start (`blockers` say why), 3 when Jenkins refused every credential (then
    `error` says why and there is nothing to show).
    """

    __slots__ = ("exit_code", "jenkins_version", "error", "hint", "url", "_plan", "_disk", "_live")
    exit_code: int
    jenkins_version: str | None
    error: str | None  # why there is no plan (Jenkins refused every credential)
    hint: str | None
    url: str | None  # the Jenkins it was read from (`Jenkins.url`)

    def __init__(self, exit_code: int, *, jenkins_version: str | None = None, plan: Plan | None = None,
                 disk: DiskConfig | None = None, error: str | None = None, hint: str | None = None,
                 url: str | None = None) -> None:
        self.exit_code = int(exit_code)
        self.jenkins_version = jenkins_version
        self.error = scrub(error)
        self.hint = scrub(hint)
        self.url = url
        self._plan = plan
        self._disk = disk
        # (the spec model, the live JCasC export) the plan was made from: what the pull-request
        # markdown (plan --format markdown) compares; None for a plan made elsewhere
        self._live: tuple[ModelSpec, Any] | None = None

    @classmethod
    def _of(cls, plan: Plan, jenkins_version: str | None, disk: DiskConfig | None = None,
            live: tuple[ModelSpec, Any] | None = None, url: str | None = None) -> PlanResult:
        # apply would refuse before touching anything: say so to CI before anyone runs it
        code = ExitCode.USAGE if plan.blockers else ExitCode.DIFFERENCES if plan.changed else ExitCode.OK
        result = cls(code, jenkins_version=jenkins_version, plan=plan, disk=disk, url=url)
        result._live = live
        return result

    @property
    def ok(self) -> bool:
        """True when nothing would change."""
        return self.exit_code == ExitCode.OK

    @property
    def changed(self) -> bool:
        return self._plan is not None and self._plan.changed

    @property
    def plugins(self) -> tuple[PluginChange, ...]:
        """Each plugin to install, upgrade or activate (`name`, `have`, `want`, `action`)."""
        return self._plan.plugins if self._plan is not None else ()

    @property
    def blockers(self) -> tuple[str, ...]:
        """Why `apply` would refuse to start, changing nothing (a disabled plugin, a pinned
        version the update centre does not offer); () when nothing blocks it."""
        return tuple(scrub(b) for b in self._plan.blockers) if self._plan is not None else ()

    @property
    def notes(self) -> tuple[str, ...]:
        """What could not be checked (say, the update centre could not be read)."""
        return tuple(scrub(n) for n in self._plan.notes) if self._plan is not None else ()

    @property
    def restart(self) -> bool:
        """Whether apply would restart Jenkins (it does after installing plugins)."""
        return self._plan is not None and self._plan.restart

    @property
    def realm_changes(self) -> bool:
        return self._plan is not None and self._plan.realm_changes

    @property
    def strategy_changes(self) -> bool:
        return self._plan is not None and self._plan.strategy_changes

    @property
    def current_realm(self) -> str | None:
        """The live security realm's JCasC symbol, e.g. "local" or "jwtAuth"."""
        return self._plan.current_realm if self._plan is not None else None

    @property
    def move(self) -> dict[str, Any] | None:
        """How `apply` moves the live jwtAuth realm to the spec's issuer, audience, header and
        JWKS URL (with `Jenkins(current_issuers=..., current_audiences=...)`): `from`, `to` and
        the token that acts; None when there is nothing to move."""
        move = self._plan.move if self._plan is not None else None
        return move.to_json() if move is not None else None

    @property
    def reads_from_disk(self) -> bool | None:
        """Whether Jenkins reads JCasC files from disk (then, when a file declares the realm or the
        matrix, `apply` waits for the deployed files instead of posting); None when that could
        not be told."""
        return self._disk.from_disk if self._disk is not None and self._disk.sources is not None else None

    @property
    def disk_sources(self) -> tuple[str, ...] | None:
        """The JCasC sources Jenkins configures from (files and folders); None when unknown."""
        return self._disk.sources if self._disk is not None else None

    @property
    def changes(self) -> dict[str, Any] | None:
        """The realm and matrix compared by meaning, as `diff --live` reports them: `strategy`,
        `realm`, `realm_fields`, `principals` (`added`, `removed`, `changed`, each with `kind`,
        `name` and the permissions `added`/`removed`) and `problems`; None without a plan."""
        changes = self._plan.changes if self._plan is not None else None
        return scrub(changes.to_json()) if changes is not None else None

    @property
    def diff(self) -> str:
        """A unified diff of the managed sections (realm and matrix), live -> spec; "" when equal."""
        return scrub(self._plan.diff) if self._plan is not None else ""

    def lines(self, *, verbose: bool = False) -> list[str]:
        """The plan as `jcasc-gen plan` prints it, one line each: first each principal whose
        permissions change (`- user bob@corp.example.com: Job/Configure`), then plugins, the
        realm, items and what blocks apply; `verbose` (`plan -v`) adds the YAML diff of the
        realm and matrix."""
        if self._plan is None:
            return [f"error: {self.error}" + (f"\n  hint: {self.hint}" if self.hint else "")]
        lines = self._plan.lines(verbose=verbose)
        disk = self._disk
        if disk is not None and disk.from_disk:
            then = ("`apply` posts the realm and matrix as usual" if disk.security_from_disk is False else
                    "`apply` waits for them to equal the spec (--via-reload)")
            lines.append(f"disk     {disk.describe()}; {then}")
        elif disk is not None and disk.sources is None and self._plan.changed:
            lines.append(f"disk     {disk.describe()}")
        return [scrub(line) for line in lines]

    def to_json(self) -> dict[str, Any]:
        """The document `jcasc-gen plan --format json` prints (docs/json.md), less what only the
        command line knows (the spec file's name, the diagnostics it printed)."""
        head = {"command": "plan", "ok": self.ok, "exit": self.exit_code, "url": self.url}
        if self._plan is None:
            return {**head, "error": self.error, "hint": self.hint}
        error = None
        if self.blockers:  # exit 2 says why in one line; `blockers` has each
            error = f"apply would refuse to start: {self.blockers[0]}" + (
                f" (and {len(self.blockers) - 1} more)" if len(self.blockers) > 1 else "")
        out: dict[str, Any] = scrub({**head, "error": error, "hint": None, "jenkins_version": self.jenkins_version,
                                     **self._plan.to_json(), "disk": self._disk.to_json() if self._disk is not None else None})
        return out

    def __repr__(self) -> str:
        return f"PlanResult(ok={self.ok}, exit_code={self.exit_code}, changed={self.changed})"


@final
@dataclass(frozen=True)
class ApplyStep:
    """One step of an apply run: `name` (preflight, guard, plugins, snapshot, check, apply,
    verify, rollback; `wait` when it waits for deployed files), `status` (passed, failed,
    skipped) and what happened."""

    name: str
    status: str
    detail: str = ""


@final
class ApplyResult:
    """How an apply run ended, step by step.

    `exit_code`: 0 applied and verified (or nothing to change, or a dry run that found no
    problem), 1 (waiting for deployed files) the live Jenkins did not reach the spec in time
    or its verification failed, 2 refused before anything was touched (lockout guard, not
    confirmed, the server-side check), 3 Jenkins refused the credentials, 4 failed and rolled
    back, 5 failed and not rolled back (the events said how to recover).
    """

    __slots__ = ("exit_code", "steps", "plan", "checks", "end_state", "events", "url", "_json")
    exit_code: int
    steps: tuple[ApplyStep, ...]
    plan: PlanResult | None  # what preflight found to change; None when preflight failed
    checks: tuple[CheckResult, ...]  # the verification after the change
    end_state: dict[str, str] | None  # after a rollback: the realm and strategy Jenkins holds at the end
    events: tuple[Event, ...]  # everything the run said (as `on_event` got it), waits included
    url: str | None  # the Jenkins it changed (`Jenkins.url`)

    def __init__(self, applied: _Applied, url: str | None = None) -> None:
        self.exit_code = int(applied.code)
        self.steps = tuple(ApplyStep(s["step"], s["status"], scrub(s.get("detail", ""))) for s in applied.steps)
        self.plan = PlanResult._of(applied.plan, applied.jenkins_version, url=url) if applied.plan is not None else None
        self.checks = _clean_checks(applied.checks)
        self.end_state = scrub(applied.end_state) if applied.end_state is not None else None
        self.events = tuple(Event._of(e, scrub(e.text)) for e in applied.events)
        self.url = url
        failed = next((s for s in self.steps if s.status == "failed"), None)
        # the first failed step says why the run stopped (its detail is the refusal or the failure)
        error = None if self.exit_code in (ExitCode.OK, ExitCode.DIFFERENCES) or failed is None else (
            f"{failed.name}: {failed.detail}" if failed.detail else f"{failed.name} failed")
        self._json = {"command": "apply", "ok": self.ok, "exit": self.exit_code, "url": url, "error": error, "hint": None,
                      **{k: v for k, v in scrub(applied.to_json()).items() if k not in ("command", "ok", "exit")}}

    @property
    def ok(self) -> bool:
        return self.exit_code == ExitCode.OK

    @property
    def rolled_back(self) -> bool:
        return self.exit_code == ExitCode.ROLLED_BACK

    def to_json(self) -> dict[str, Any]:
        import copy

        return copy.deepcopy(self._json)

    def to_junit(self) -> str:
        """The verification checks as a JUnit XML report."""
        from .live.verify import to_junit

        return to_junit(list(self.checks), suite="jcasc-gen apply verify")

    def __repr__(self) -> str:
        last = self.steps[-1] if self.steps else None
        return (f"ApplyResult(ok={self.ok}, exit_code={self.exit_code}"
                + (f", last_step={last.name!r} {last.status}" if last else "") + ")")


@final
class VerifyResult:
    """Whether the live Jenkins is what the spec says: configuration, plugins, behaviour.

    `exit_code` 0 when every check passed (skipped ones aside), 1 when one failed, 3 when
    Jenkins answered the first request with an error, or its realm rejects the spec's JWT and
    nothing else administers it, or it refused every credential given (`error` says which,
    `hint` how to proceed).
    """

    __slots__ = ("exit_code", "checks", "error", "hint", "url")
    exit_code: int
    checks: tuple[CheckResult, ...]
    error: str | None  # why nothing was checked (Jenkins answered the first request with an error)
    hint: str | None
    url: str | None  # the Jenkins it checked (`Jenkins.url`)

    def __init__(self, exit_code: int, checks: tuple[CheckResult, ...] = (), *, error: str | None = None,
                 hint: str | None = None, url: str | None = None) -> None:
        self.exit_code = int(exit_code)
        self.checks = _clean_checks(checks)
        self.error = scrub(error)
        self.hint = scrub(hint)
        self.url = url

    @property
    def ok(self) -> bool:
        return self.exit_code == ExitCode.OK

    @property
    def summary(self) -> dict[str, int]:
        """How many checks passed, failed and were skipped."""
        from .live.verify import summary

        return summary(self.checks)

    def lines(self) -> list[str]:
        """One line per check, as `jcasc-gen verify` prints them."""
        from .live.verify import print_checks

        out: list[str] = []
        print_checks(self.checks, out.append)
        return out

    def to_json(self) -> dict[str, Any]:
        from .live.verify import to_json

        head = {"command": "verify", "ok": self.ok, "exit": self.exit_code, "url": self.url, "error": self.error,
                "hint": self.hint}
        if self.error is not None:
            return head
        return {**head, **{k: v for k, v in to_json(list(self.checks)).items() if k != "ok"}}

    def to_junit(self) -> str:
        from .live.verify import to_junit

        return to_junit(list(self.checks))

    def __repr__(self) -> str:
        s = self.summary
        return f"VerifyResult(ok={self.ok}, exit_code={self.exit_code}, passed={s['passed']}, failed={s['failed']}, skipped={s['skipped']})"

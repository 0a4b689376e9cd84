"""One controller's plan, apply, verify or diff --live as a fleet task (runner.py): the same
calls the single-controller commands make, with progress to the controller's Reporter and the
outcome (exit code, a word for the summary, the JSON document, the checks) returned.

Nothing here prints directly: each controller's lines go through its Reporter, prefixed with
its name, and every text is redacted on the way out.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, replace
from typing import Any, Callable, Sequence

from ..exitcodes import ExitCode
from ..model import Spec
from ..runner import SKIPPED, Outcome, Reporter
from .credentials import Credentials
from .redact import redact

__all__ = ["Target", "plan_task", "apply_task", "verify_task", "diff_task", "junit_document", "failed_for", "RESULT_WORDS"]


@dataclass(frozen=True)
class Target:
    """One controller to act on: its spec, the URL it is reached at, its credentials."""

    name: str
    spec: Spec
    url: str
    creds: Credentials
    files: dict[str, str]  # what generate writes for it (apply posts jenkins.yaml)
    generated_name: str  # where its jenkins.yaml is written, for messages


# Words for the summary, by exit code; 0 and 1 depend on the command.
RESULT_WORDS: dict[int, str] = {ExitCode.USAGE: "refused", ExitCode.UNREACHABLE: "not reached", ExitCode.ROLLED_BACK: "rolled back",
                ExitCode.NOT_ROLLED_BACK: "NOT rolled back"}


def _word(code: int, ok: str, differences: str) -> str:
    if code == ExitCode.OK:
        return ok
    if code == ExitCode.DIFFERENCES:
        return differences
    return RESULT_WORDS.get(code, "failed")


def failed_for(command: str) -> Callable[[Outcome], bool]:
    """What stops a run under --fail-fast: for plan, apply and diff exit 1 means "there are
    differences", not a failure; for verify it is a failed check."""
    threshold = ExitCode.DIFFERENCES if command == "verify" else ExitCode.USAGE
    return lambda o: o.exit_code is not None and o.exit_code >= threshold


def _error(t: Target, r: Reporter, command: str, exc: Any) -> Outcome:
    r.line(f"error: {exc}")
    code = int(exc.exit_code)
    return Outcome(t.name, code, _word(code, "", ""), document={"command": command, "ok": False, "error": redact(exc.message)},
                   error=redact(exc.message))




def plan_task(t: Target, *, text: bool, create_folders: bool = False, walk: bool = True) -> Callable[[Reporter], Outcome]:
    def run(r: Reporter) -> Outcome:
        from ..client import JenkinsError
        from .plan import make_plan
        from .reads import plan_json, plan_lines, read_for_plan

        try:
            state, disk, items = read_for_plan(t.creds, t.spec, create_folders=create_folders, walk=walk)
        except JenkinsError as exc:
            return _error(t, r, "plan", exc)
        plan = make_plan(t.spec, state, *items)
        if text:
            r.block(plan_lines(plan, disk))
        # a plan apply would refuse is exit 2, as for one controller: CI learns it before anyone applies
        code = ExitCode.USAGE if plan.blockers else ExitCode.DIFFERENCES if plan.changed else ExitCode.OK
        return Outcome(t.name, int(code), _word(code, "no changes", "changes"), plan.change_count, plan_json(plan, state, disk))
    return run


@dataclass(frozen=True)
class ApplySettings:
    dry_run: bool
    yes: bool
    restart_timeout: float
    poll: float
    jwks_check: bool
    via: str  # "auto" | "api" | "reload"
    reload_timeout: float
    create_folders: bool = False
    confirm: Callable[[str], bool] | None = None


def apply_task(t: Target, s: ApplySettings) -> Callable[[Reporter], Outcome]:
    def run(r: Reporter) -> Outcome:
        from ..render import without_job_dsl
        from .apply import Applier, ApplyOptions

        if s.via == "reload":
            from .reload import ReloadOptions, ReloadWaiter

            result = ReloadWaiter(t.spec, t.creds, ReloadOptions(s.reload_timeout, s.poll), emit=r.line).run()
        else:
            opts = ApplyOptions(yes=s.yes, dry_run=s.dry_run, restart_timeout=s.restart_timeout, poll=s.poll,
                                generated_name=t.generated_name, confirm=s.confirm, jwks_check=s.jwks_check, via=s.via,
                                reload_timeout=s.reload_timeout, create_folders=s.create_folders)
            result = Applier(t.spec, t.creds, without_job_dsl(t.files["jenkins.yaml"]), opts, emit=r.line).run()
        code = int(result.code)
        changes = result.plan.change_count if result.plan is not None else None
        ok = "checked" if s.dry_run else "applied" if changes else "unchanged"
        return Outcome(t.name, code, _word(code, ok, "differences"), changes, result.to_json(), tuple(result.checks))
    return run


def verify_task(t: Target, *, text: bool) -> Callable[[Reporter], Outcome]:
    def run(r: Reporter) -> Outcome:
        from ..client import JenkinsError
        from .reads import verify_live
        from .verify import print_checks, summary, to_json

        try:
            results = verify_live(t.spec, t.creds)
        except JenkinsError as exc:
            return _error(t, r, "verify", exc)
        counts = summary(results)
        if text:
            lines: list[str] = []
            print_checks(results, lines.append)
            r.block(lines + [f"{counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped"])
        code = ExitCode.DIFFERENCES if counts["failed"] else ExitCode.OK
        return Outcome(t.name, int(code), _word(code, "verified", "failed checks"), None,
                       {"command": "verify", **to_json(results)}, tuple(results))
    return run


def diff_task(t: Target, *, text: bool, colour: bool) -> Callable[[Reporter], Outcome]:
    def run(r: Reporter) -> Outcome:
        from ..client import JenkinsError
        from ..diffing import colorize
        from .reads import live_diff, read_export

        try:
            live, items = read_export(t.creds, t.spec)
        except JenkinsError as exc:
            return _error(t, r, "diff", exc)
        different, lines, fields = live_diff(t.spec, live, items)
        if text:
            r.block(colorize(lines, colour).splitlines())
        changes = fields["changes"]
        count = (sum(len(changes["principals"][k]) for k in ("added", "removed", "changed")) + len(changes["realm_fields"])
                 + int(changes["strategy"] is not None) + int(changes["realm"] is not None)
                 + sum(1 for item in fields["items"] if item.get("action") != "none"))
        code = ExitCode.DIFFERENCES if different else ExitCode.OK
        return Outcome(t.name, int(code), _word(code, "matches", "differs"), count,
                       {"command": "diff", "ok": not different, "against": "live", **fields})
    return run


def junit_document(outcomes: Sequence[Outcome], command: str) -> str:
    """One <testsuite> per controller: its checks, or one case saying why there are none."""
    from .verify import CheckResult, junit_suite

    root = ET.Element("testsuites", name=f"jcasc-gen {command}")
    for o in outcomes:
        errors: list[tuple[str, str]] = []
        checks: list[CheckResult] = list(o.checks)
        if o.result == SKIPPED:
            checks = [CheckResult(command, "skipped", "not started: --fail-fast stopped the run after a failure")]
        elif not checks:
            if o.exit_code:
                errors = [(command, f"{o.result} (exit {o.exit_code})" + (f": {o.error}" if o.error else ""))]
            else:
                checks = [CheckResult(command, "passed", o.result)]
        root.append(junit_suite(checks, o.controller, errors=errors))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def with_url(o: Outcome, url: str, shown: Callable[[str], str]) -> Outcome:
    return replace(o, document={"controller": o.controller, "url": shown(url), "exit_code": o.exit_code, "result": o.result,
                                **o.document})

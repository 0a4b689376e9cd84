"""One controller's plan, apply, verify or diff --live as a fleet task (runner.py): the Python
API's call (`jcasc_gen.Jenkins(...).plan/apply/verify`), with its events going to the
controller's Reporter and the outcome (exit code, a word for the summary, the JSON document,
the checks) returned.

Nothing here prints directly: each controller's lines go through its Reporter, prefixed with
its name, and every text is redacted on the way out (the API's results are already).
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from .. import colour
from ..exitcodes import ExitCode
from ..runner import SKIPPED, Outcome, Reporter
from .redact import redact

if TYPE_CHECKING:
    from .._api import Spec
    from .._jenkins import Jenkins
    from .credentials import Credentials

__all__ = ["Events", "Target", "ApplySettings", "plan_task", "apply_task", "verify_task", "diff_task", "junit_document",
           "failed_for", "with_url", "RESULT_WORDS"]


class Events:
    """A controller's `on_event`: before its task starts the events are kept (the run says them
    once it knows which are every controller's); then they go to its Reporter as they happen."""

    def __init__(self) -> None:
        self.early: list[str] = []
        self.reporter: Reporter | None = None

    def __call__(self, message: str) -> None:
        if self.reporter is not None:
            self.reporter.line(colour.line(message) if colour.enabled(sys.stderr) else message)
        else:
            self.early.append(message)


@dataclass(frozen=True)
class Target:
    """One controller to act on: its spec, where it is reached, the `Jenkins` that reaches it
    (with the names its messages give the inputs), and its credentials, checked."""

    name: str
    spec: Spec
    url: str
    jenkins: Jenkins
    names: Mapping[str, str]
    creds: Credentials
    events: Events = field(default_factory=Events)


# Words for the summary, by exit code; 0 and 1 depend on the command.
RESULT_WORDS: dict[int, str] = {ExitCode.USAGE: "refused", ExitCode.UNREACHABLE: "not reached",
                                ExitCode.ROLLED_BACK: "rolled back", ExitCode.NOT_ROLLED_BACK: "NOT rolled back"}


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


def _changes(plan: Mapping[str, Any] | None) -> int | None:
    """How many things apply changes (would change): each plugin, the realm, the matrix, each item."""
    if not plan or "plugins" not in plan:
        return None
    return (len(plan["plugins"]) + int(bool(plan.get("realm_changes"))) + int(bool(plan.get("strategy_changes")))
            + sum(1 for item in plan.get("items") or () if item.get("action") != "none"))


def _call(t: Target, r: Reporter, command: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, Outcome | None]:
    """The API call with the controller's reporter listening; an Unreachable carries its result;
    a CredentialError (say, no principal to mint a JWT for) is this controller's exit 2."""
    from .._errors import Unreachable
    from .credentials import CredentialError

    t.events.reporter = r
    try:
        return fn(*args, **kwargs), None
    except Unreachable as exc:
        return exc.result, None
    except CredentialError as exc:
        message = str(exc.renamed(dict(t.names)))
        r.line(f"error: {message}")
        return None, Outcome(t.name, int(exc.exit_code), _word(exc.exit_code, "", ""),
                             document={"command": command, "ok": False, "error": redact(message)}, error=redact(message))


def _say_error(r: Reporter, result: Any) -> None:
    if getattr(result, "error", None) is not None:
        r.line(f"error: {result.error}" + (f"\n  hint: {result.hint}" if result.hint else ""))


def plan_task(t: Target, *, text: bool, create_folders: bool = False, walk: bool = True,
              verbose: bool = False) -> Callable[[Reporter], Outcome]:
    def run(r: Reporter) -> Outcome:
        result, refused = _call(t, r, "plan", t.jenkins.plan, t.spec, create_folders=create_folders, walk=walk)
        if refused is not None:
            return refused
        _say_error(r, result)
        if text and result.error is None:
            r.block(colour.lines(result.lines(verbose=verbose), sys.stdout))
        document = result.to_json()
        code = result.exit_code
        return Outcome(t.name, code, _word(code, "no changes", "changes"), _changes(document), document, error=result.error)
    return run


@dataclass(frozen=True)
class ApplySettings:
    dry_run: bool
    restart_timeout: float
    poll: float
    jwks_check: bool
    via: str  # "auto" | "api" | "reload"
    reload_timeout: float
    create_folders: bool = False
    confirm: Callable[[str], bool] | None = None  # None: do not ask (--yes)
    progress_interval: float = 5.0  # each controller's waits: plain lines (several controllers share one terminal)


def apply_task(t: Target, s: ApplySettings) -> Callable[[Reporter], Outcome]:
    def run(r: Reporter) -> Outcome:
        ask = s.confirm
        confirm = None if ask is None else (lambda plan: ask(f"Apply these changes to {t.jenkins.url}? [y/N] "))
        result, refused = _call(t, r, "apply", t.jenkins.apply, t.spec, dry_run=s.dry_run, confirm=confirm,
                                restart_timeout=s.restart_timeout, poll_interval=s.poll, jwks_check=s.jwks_check,
                                via=s.via, reload_timeout=s.reload_timeout, create_folders=s.create_folders,
                                progress_interval=s.progress_interval)
        if refused is not None:
            return refused
        document = result.to_json()
        code = result.exit_code
        changes = _changes(document.get("plan"))
        ok = "checked" if s.dry_run else "applied" if changes else "unchanged"
        return Outcome(t.name, code, _word(code, ok, "differs"), changes, document, tuple(result.checks))
    return run


def verify_task(t: Target, *, text: bool) -> Callable[[Reporter], Outcome]:
    def run(r: Reporter) -> Outcome:
        result, refused = _call(t, r, "verify", t.jenkins.verify, t.spec)
        if refused is not None:
            return refused
        _say_error(r, result)
        if text and result.error is None:
            counts = result.summary
            r.block(colour.lines(result.lines(), sys.stdout)
                    + [f"{counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped"])
        code = result.exit_code
        return Outcome(t.name, code, _word(code, "verified", "failed checks"), None, result.to_json(), tuple(result.checks),
                       error=result.error)
    return run


def diff_task(t: Target, *, text: bool) -> Callable[[Reporter], Outcome]:
    """`diff --live` is not in the Python API: it reads with the credentials the API checked."""
    def run(r: Reporter) -> Outcome:
        from ..client import JenkinsError
        from .reads import live_diff, read_export

        t.events.reporter = r
        model = t.spec._loaded.spec
        try:
            live, items = read_export(t.creds, model)
        except JenkinsError as exc:
            r.line(f"error: {exc}")
            code = int(exc.exit_code)
            return Outcome(t.name, code, _word(code, "", ""), document={"command": "diff", "ok": False, "error": redact(exc.message)},
                           error=redact(exc.message))
        different, lines, fields = live_diff(model, live, items)
        if text:
            r.block("".join(colour.lines(lines, sys.stdout)).splitlines())
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
    """The controller's document in the run's JSON: the command's own (the API result's
    `to_json()`, or why there is none) with the controller, where it was reached, its exit code
    (null: never started) and the summary's word."""
    doc = {k: v for k, v in o.document.items() if k not in ("command", "url")}
    return replace(o, document={"controller": o.controller, "url": shown(url), "ok": o.exit_code == 0, "exit": o.exit_code,
                                "result": o.result, **{k: v for k, v in doc.items() if k not in ("ok", "exit")}})

"""What every step of `apply` shares: the options, the result being built, the reporting
(`[n/8] step: message`), and the credentials the run acts with."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from ...client import Auth, JenkinsClient, JenkinsError, Unreachable
from ...exitcodes import ExitCode
from ...model import Spec
from ..credentials import Credentials
from ..plan import Plan
from ...progress import Event, kind_of
from ..redact import say
from ..verify import CheckResult
from ..waiting import Wait

__all__ = ["ApplyOptions", "ApplyResult", "ApplyRun", "Stop", "STEPS", "PREFLIGHT_DOC", "wrap"]

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
    progress_interval: float = 5.0  # a wait says where it stands at least this often (live/waiting.py)


@dataclass
class ApplyResult:
    code: int = ExitCode.OK
    steps: list[dict[str, str]] = field(default_factory=list)
    plan: Plan | None = None
    checks: list[CheckResult] = field(default_factory=list)
    # after a rollback: the realm and strategy Jenkins holds at the end, read from it
    end_state: dict[str, str] | None = None
    jenkins_version: str | None = None
    # why the run stopped, when Jenkins did not answer (the Python API raises it, result attached)
    unanswered: Unreachable | None = field(default=None, repr=False)
    events: list[Event] = field(default_factory=list, repr=False)  # everything the run said, in order

    def to_json(self) -> dict[str, Any]:
        from ..redact import redact

        return {
            "command": "apply",
            "ok": self.code == ExitCode.OK,
            "exit": int(self.code),
            "plan": self.plan.to_json() if self.plan else None,
            "steps": [{k: redact(v) for k, v in s.items()} for s in self.steps],
            "checks": [c.to_json() for c in self.checks],
            "end_state": self.end_state,
            "events": [{**e.to_json(), "message": redact(e.text)} for e in self.events],
        }


class Stop(Exception):
    """End the run with this exit code (the message has been reported)."""

    def __init__(self, code: int) -> None:
        self.code = code


def wrap(section: str, value: Any) -> dict[str, Any]:
    """A JCasC document holding one section of `jenkins:` only."""
    return {"jenkins": {section: value}}


class ApplyRun:
    """The state of one `apply` run, handed to every step."""

    def __init__(self, spec: Spec, creds: Credentials, jenkins_yaml: str, opts: ApplyOptions,
                 emit: Callable[[str], None] = say) -> None:
        self.spec = spec
        self.creds = creds
        self.text = jenkins_yaml
        self.opts = opts
        self._emit = emit
        self.result = ApplyResult()
        self.acting: JenkinsClient | None = None
        self.acting_name = ""
        # acting with the JWT for the live realm's current values: the realm moves (live/move.py)
        self.moving = False
        self.moving_from_name = ""  # whom the live realm took the current values' JWT for
        self.live_document: dict[str, Any] | None = None  # the export preflight read
        self.snapshot: dict[str, Any] | None = None
        self.use_configure = False
        self.known: dict[str, str] = {}  # what we last applied successfully, for exit-5 reports
        from ..item_step import ItemRun

        self.items = ItemRun()  # the item matrices this run writes (live/item_step.py)
        self.in_flight: list[str] = []  # sections of changes that got no answer and had not landed when we stopped watching
        self.late_landing = False  # such a change landed after the rollback

    # ------------------------------------------------------------------ reporting

    def emit(self, message: str) -> None:
        """Say it (to `on_event`) and keep it for the result's `events`."""
        event = Event._of(message)
        self.result.events.append(event)
        self._emit(event)

    def label(self, step: str) -> str:
        return f"[{STEPS.index(step) + 1}/{len(STEPS)}] {step}: "

    def log(self, step: str, message: str, *, activity: str | None = None) -> None:
        self.emit(Event(self.label(step) + message, kind=kind_of(message), step=step, activity=activity))

    def wait(self, step: str, activity: str, limit: float) -> Wait:
        """A wait of this run that says where it stands at least every --progress-interval."""
        return Wait(self.emit, label=self.label(step), step=step, activity=activity, limit=limit,
                    interval=self.opts.progress_interval)

    def record(self, step: str, status: str, detail: str = "") -> None:
        self.result.steps.append({"step": step, "status": status, "detail": detail})

    def stop(self, step: str, code: int, message: str, hint: str | None = None, *, cause: Exception | None = None) -> Stop:
        """Report and record a failed step; `cause` is the error that ended it, if any."""
        self.log(step, "error: " + message + (f"\n  hint: {hint}" if hint else ""))
        self.record(step, "failed", message)
        self.result.unanswered = cause if isinstance(cause, Unreachable) else None
        return Stop(code)

    # ------------------------------------------------------------------ clients

    def client(self, auth: Auth | None) -> JenkinsClient:
        return JenkinsClient(self.creds.conn, auth or Auth.anonymous())

    def post_client(self) -> JenkinsClient | None:
        post = self.creds.post
        return self.client(post.auth()) if post is not None else None

    def admin_check(self, client: JenkinsClient) -> tuple[bool, str, JenkinsError | None]:
        """Does this client act as someone with Overall/Administer? (ok, name or why not, error)"""
        try:
            me = client.whoami()
            if me.anonymous:
                return False, f"{client.auth.describe()} is treated as anonymous", None
            client.casc_check(PREFLIGHT_DOC)
            return True, me.name, None
        except JenkinsError as exc:
            return False, exc.message, exc

    def working_admin(self) -> JenkinsClient | None:
        """The credential that administers Jenkins now: the post-switch JWT first, then (a
        move) the JWT for the realm's previous values, then the pre-switch API token (rollback
        order, issue 4 step 8)."""
        for auth in self.creds.readers():
            c = self.client(auth)
            if self.admin_check(c)[0]:
                return c
        return None

    # ------------------------------------------------------------------ late answers

    @property
    def settle_window(self) -> float:
        """How long a change that got no answer is watched for (three request timeouts)."""
        return 3 * self.creds.conn.timeout

    def live_sections(self) -> dict[str, Any] | None:
        """The managed sections Jenkins holds now (normalised), read with whichever
        credential can (the JWT first: after a realm switch the API token is anonymous)."""
        from ...jcasc import normalize_managed
        from ..state import parse_export

        for auth in self.creds.readers():
            try:
                return dict(normalize_managed(parse_export(self.client(auth).casc_export()))["jenkins"])
            except JenkinsError:
                continue
        return None

    def settle(self, step: str, section: str, posted: Any) -> bool:
        """A change whose answer did not come may still be running in Jenkins (a request
        thread is not stopped when its client goes). Watch what Jenkins holds until it holds
        the posted section (True: the change landed) or the settle window passes (False:
        remembered in `in_flight`, so the rollback watches for it afterwards)."""
        import time

        from ...jcasc import normalize_managed

        want = normalize_managed(wrap(section, posted))["jenkins"].get(section)
        window = self.settle_window
        self.log(step, f"no answer within {self.creds.conn.timeout:g}s: the change may still be running in Jenkins; "
                       f"watching what Jenkins holds for up to {window:g}s ...", activity="late-change")
        deadline = time.monotonic() + window
        waiting = self.wait(step, "late-change", window)
        while True:
            live = self.live_sections()
            if live is not None and live.get(section) == want:
                self.log(step, f"the change landed late: Jenkins holds the posted {section}", activity="late-change")
                return True
            if time.monotonic() >= deadline:
                self.in_flight.append(section)
                self.log(step, f"the change had not landed {window:g}s later; rolling back, then watching for it again",
                         activity="late-change")
                return False
            waiting.update(f"the posted {section} got no answer; watching whether Jenkins holds it"
                           + ("" if live is not None else " (Jenkins could not be read just now)"))
            self.creds.conn.sleep(self.opts.poll)

"""The live half of the public API: `Jenkins(url, ...)` with `plan`, `apply`, `verify` and
`report`.

Importing this module is cheap: requests, python-jenkins, cryptography and PyJWT load when
a `Jenkins` is made (the signing key and JWT are checked then) or first talks to Jenkins.

Nothing here prints. Progress goes to `on_event` (or the `jcasc_gen` logger), redacted;
what happened comes back as a result. A Jenkins that answers with an error is a result
(`ok` False, `exit_code` 3 or as the step says); one that does not answer at all raises
`Unreachable` (with the result attached). `report` returns a document, not the story of an
attempt: a Jenkins that refuses its reads raises (JcascGenError, exit code 3).
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Callable, Literal, Sequence, final

from ._api import Spec, generate, lint
from ._results import ApplyResult, PlanResult, VerifyResult
from .exitcodes import ExitCode

if TYPE_CHECKING:
    from datetime import datetime

    from ._review import AccessReport
    from .client import Auth, JenkinsClient
    from .live.apply import ApplyResult as _Applied
    from .live.credentials import Credentials
    from .progress import Event

__all__ = ["Jenkins"]

_log = logging.getLogger("jcasc_gen")
# A library's logger stays silent until the application configures logging (no lastResort
# output on stderr): the API never prints.
_log.addHandler(logging.NullHandler())


@final
class Jenkins:
    """One Jenkins controller, and who to be on it.

    `url` is where Jenkins answers directly (not the Pomerium route: Pomerium strips the
    assertion header sent to it). Credentials: `user` + `token` (an API token; what works
    before the switch to jwt-auth), and `signing_key` (Pomerium's signing key, PEM text,
    str or bytes: JWTs are minted exactly as the spec's Pomerium version sends them, for
    `principal` in `groups`, by default the spec's first user with Overall/Administer) or
    `jwt` (a token jwt-auth accepts). `ca_bundle` is a CA file to verify Jenkins' certificate
    with, `insecure` turns verification off. Reads are retried `retries` times on no answer
    or 502-504, waiting `retry_backoff` seconds, doubled each time; changes never are.
    `on_event(message)` receives progress and warnings, redacted; without it they go to the
    `jcasc_gen` logger.

    Moving a Jenkins already on jwt-auth to the spec's issuer or audience (a new route host, a
    Pomerium upgrade across 0.21.3): `current_issuers` and `current_audiences` are the values its
    realm accepts now (one per item; the first pair it accepts is used), `current_header` the
    header it reads now when that is not the spec's. Tokens for them are minted with
    `signing_key`; plan and verify read with them, apply moves the realm through one that
    accepts both (docs/apply.md, "Moving a running setup").

    Raises `JcascGenError` (exit code 2) for unusable input: no credentials, a malformed
    URL, a key or JWT that cannot be read.
    """

    __slots__ = ("_login", "_on_event")

    def __init__(self, url: str, *, user: str | None = None, token: str | None = None, jwt: str | None = None,
                 signing_key: str | bytes | None = None, ca_bundle: str | os.PathLike[str] | None = None,
                 timeout: float = 30, principal: str | None = None, groups: Sequence[str] = (), insecure: bool = False,
                 retries: int = 3, retry_backoff: float = 0.5, on_event: Callable[[Event], None] | None = None,
                 current_issuers: Sequence[str] = (), current_audiences: Sequence[str] = (),
                 current_header: str | None = None) -> None:
        from .live.credentials import login

        if isinstance(groups, str):
            raise TypeError("groups must be a sequence of group names, not one string")
        self._on_event = on_event
        self._login = login(url, user=user, token=token, jwt=jwt, signing_key=signing_key,
                            ca_bundle=os.fspath(ca_bundle) if ca_bundle is not None else None, insecure=insecure,
                            timeout=timeout, retries=retries, retry_backoff=retry_backoff, principal=principal,
                            groups=groups, current_issuers=current_issuers, current_audiences=current_audiences,
                            current_header=current_header, warn=self._event)

    @property
    def url(self) -> str:
        """The URL requests go to (any user:password part left out)."""
        from .live.credentials import shown_url

        return shown_url(self._login.conn.url)

    def __repr__(self) -> str:
        given = [name for name, value in (("token", self._login.pre), ("jwt", self._login.jwt), ("signing_key", self._login.key))
                 if value is not None]
        return f"Jenkins({self.url!r}, credentials={given})"

    # ------------------------------------------------------------------ plumbing

    def _event(self, message: str) -> None:
        from .live.redact import redact
        from .progress import Event

        text = redact(message)
        if self._on_event is not None:
            self._on_event(Event._of(message, text))
        else:
            level = logging.WARNING if text.startswith("warning:") else logging.ERROR if text.startswith("error:") else logging.INFO
            _log.log(level, "%s", text)

    @staticmethod
    def _given_jwt_refusals(creds: Credentials, spec: Spec, client: JenkinsClient) -> tuple[str, ...]:
        """Why apply would refuse the given JWT before changing the realm or matrix: it does
        not verify against the JWKS the spec names (live/given_jwt.py)."""
        from .client import fetch
        from .live.given_jwt import check_given

        assert creds.post is not None
        refusals, _ = check_given(creds.post, spec._loaded.spec.jwt.jwks_url, run_script=client.run_script,
                                  fetch_here=lambda url: fetch(url, timeout=creds.conn.timeout))
        return tuple(r.message + (f" (hint: {r.hint})" if r.hint else "") for r in refusals)

    def _credentials(self, spec: Spec) -> Credentials:
        """Refuse a spec with errors (SpecError), then the credentials for it."""
        from .diagnostics import SpecError
        from .live.credentials import for_spec

        if not isinstance(spec, Spec):
            raise TypeError(f"expected a Spec from jcasc_gen.load(), got {type(spec).__name__}")
        found = lint(spec)
        if any(d.blocking for d in found):
            raise SpecError(found)
        return for_spec(self._login, spec._loaded.spec, self._event)

    def _client(self, creds: Credentials, auth: Auth | None) -> JenkinsClient:
        from .client import Auth, JenkinsClient

        return JenkinsClient(creds.conn, auth or Auth.anonymous())

    # ------------------------------------------------------------------ the calls

    def plan(self, spec: Spec, *, create_folders: bool = False, walk: bool = True) -> PlanResult:
        """What `apply` would change. Nothing is changed.

        Reads with the API token, or the JWT once jwt-auth is the realm (whichever Jenkins
        accepts). `exit_code` 0: nothing to change, 1: changes, 2: changes `apply` would refuse
        before touching anything (`blockers`: a disabled plugin, a version the update centre does
        not offer), 3: every credential refused.
        `create_folders`: show items of `authorization.items` that do not exist as folders
        `apply(create_folders=True)` would create. `walk=False`: do not walk every folder for
        item matrices the spec does not list (one request per folder and per unlisted item).
        """
        from dataclasses import replace

        from .client import JenkinsError, Unreachable
        from .live.disk import read_disk_config
        from .live.items import read_live_items
        from .live.move import choose_current, diagnose, move_plan
        from .live.plan import make_plan
        from .live.state import read_state

        creds = self._credentials(spec)
        errors: list[JenkinsError] = []
        anonymous: set[str] = set()
        for role in creds.roles(token_first=True):
            try:
                if role == "current":
                    choose_current(creds, lambda a: self._client(creds, a))
                auth = creds.auth_of(role)
                client = self._client(creds, auth)
                if client.whoami().anonymous:
                    anonymous.add(role)
                    raise JenkinsError(f"{auth.describe()} is treated as anonymous",
                                       hint="once jwtAuth is the realm, API tokens are anonymous: pass --signing-key-file or --jwt"
                                       if creds.post is None else "check the API token's user")
                state = read_state(client, offers=True)  # installs the update centre does not offer are blockers
                disk = read_disk_config(client)
                items = read_live_items(client, spec._loaded.spec, state.document, create_folders=create_folders, walk=walk)
            except JenkinsError as exc:
                errors.append(exc)
                continue
            plan = make_plan(spec._loaded.spec, state, *items)
            if role == "current" and creds.current is not None:
                plan = replace(plan, move=move_plan(spec._loaded.spec, state.document, creds.current))
            if plan.config_changes and creds.post is not None and creds.post.given is not None:
                plan = replace(plan, refusals=self._given_jwt_refusals(creds, spec, client))
            return PlanResult._of(plan, state.version, disk, (spec._loaded.spec, state.document), url=self.url)
        assert errors  # there is always a credential (login refuses none)
        error: JenkinsError | None = next((e for e in errors if isinstance(e, Unreachable)), None)
        if error is None and "post" in anonymous and ("pre" in anonymous or creds.pre is None):
            # an API token is anonymous only under jwtAuth: the live realm rejects the spec's token
            message, hint = diagnose(creds, spec._loaded.spec, lambda a: self._client(creds, a))
            error = JenkinsError(message, hint=hint)
        elif error is None:
            # a refusal (the API token's 401) says more than the anonymous JWT after it
            error = next((e for e, r in zip(errors, creds.roles(token_first=True)) if r not in anonymous), errors[-1])
        assert error is not None
        result = PlanResult(error.exit_code, error=error.message, hint=error.hint, url=self.url)
        if isinstance(error, Unreachable):
            error.result = result
            raise error
        return result

    def apply(self, spec: Spec, *, dry_run: bool = False, confirm: Callable[[PlanResult], bool] | None = None,
              restart_timeout: float = 300.0, poll_interval: float = 1.0, jwks_check: bool = True,
              via: Literal["auto", "api", "reload"] = "auto", reload_timeout: float = 600.0,
              create_folders: bool = False, progress_interval: float = 5.0) -> ApplyResult:
        """Change Jenkins to the spec, prove it with a real JWT, and roll back if anything fails.

        Steps: preflight, lockout guard, plugins (install, safe restart), snapshot, server-side
        check, apply (in single-section steps), verify, and rollback on failure; each is
        reported to `on_event` as it happens and recorded in the result's `steps`.
        `dry_run` runs preflight, guard, snapshot and check and changes nothing. `confirm`,
        when given, is asked with the plan before anything changes; False stops the run
        (exit code 2). `restart_timeout` bounds the wait for Jenkins after a restart,
        `poll_interval` is how often it and plugin installs are polled. `jwks_check=False`
        skips refusing a realm switch when nobody can confirm the JWKS lists the key.

        `via`: how the realm and matrix get to Jenkins. "api" posts them through
        /configuration-as-code; "reload" posts nothing and waits (up to `reload_timeout`
        seconds) until the live Jenkins equals the spec, for a Jenkins that reads its JCasC
        files from disk (the Helm chart, the compose stack: your deployment brings the
        generated files), then writes the folder and job matrices of `authorization.items`
        through their config.xml (no reload sets them; the same checks and rollback as
        "api", and `confirm` is asked when items will change), then verifies; "auto" waits when a JCasC file on disk declares the
        realm or the matrix (JCasC would merge posted sections with it) and posts otherwise;
        "api" with such a file posts anyway (a realm then conflicts, a matrix becomes the union
        of both, which the verification finds and the rollback undoes).

        `create_folders`: create the items of `authorization.items` that do not exist as
        empty folders; without it such an item is refused before anything changes.
        """
        from .live.apply import Applier, ApplyOptions
        from .live.credentials import CredentialError
        from .render import without_job_dsl

        if not restart_timeout > 0 or not poll_interval > 0 or not reload_timeout > 0 or not progress_interval > 0:
            raise CredentialError("must be positive", params=("restart_timeout", "poll_interval", "reload_timeout",
                                                               "progress_interval"))
        if via not in ("auto", "api", "reload"):
            raise ValueError(f"via must be 'auto', 'api' or 'reload', not {via!r}")
        if via == "reload" and dry_run:
            raise CredentialError("{via_reload} posts nothing but the item matrices; to see what differs (items included), "
                                  "run a plan (`jcasc-gen plan`)")
        creds = self._credentials(spec)
        if via == "reload":
            from .live.reload import ReloadOptions, ReloadWaiter

            waiter: ReloadWaiter

            def ask_reload(_prompt: str) -> bool:
                plan = waiter.result.plan
                return confirm is not None and plan is not None and bool(
                    confirm(PlanResult._of(plan, waiter.result.jenkins_version, url=self.url)))

            waiter = ReloadWaiter(spec._loaded.spec, creds,
                                  ReloadOptions(reload_timeout, poll_interval, progress_every=progress_interval,
                                                create_folders=create_folders, confirm=None if confirm is None else ask_reload),
                                  self._event)
            return self._apply_result(waiter.run(), self.url)
        files = generate(spec)
        applier: Applier

        def ask(_prompt: str) -> bool:
            plan = applier.result.plan
            return confirm is not None and plan is not None and bool(
                confirm(PlanResult._of(plan, applier.result.jenkins_version, url=self.url)))

        opts = ApplyOptions(yes=confirm is None, dry_run=dry_run, restart_timeout=restart_timeout, poll=poll_interval,
                            generated_name=os.path.relpath(os.path.join(spec.output_dir, "jenkins.yaml")),
                            confirm=ask, jwks_check=jwks_check, via="api" if via == "api" else "auto",
                            reload_timeout=reload_timeout, create_folders=create_folders, progress_interval=progress_interval)
        applier = Applier(spec._loaded.spec, creds, without_job_dsl(files["jenkins.yaml"]), opts, emit=self._event)
        return self._apply_result(applier.run(), self.url)

    @staticmethod
    def _apply_result(applied: _Applied, url: str) -> ApplyResult:
        """The public result; raised inside Unreachable when Jenkins did not answer."""
        result = ApplyResult(applied, url)
        if applied.code == ExitCode.UNREACHABLE and applied.unanswered is not None:
            applied.unanswered.result = result
            raise applied.unanswered
        return result

    def report(self, spec: Spec, *, title: str | None = None, generated_at: datetime | None = None) -> AccessReport:
        """The access review of what this Jenkins holds: its global matrix and the matrices of
        its folders and jobs (those `authorization.items` lists, and every other one a walk of
        the folders finds), each cell with its reason, as `jcasc_gen.report` gives for a spec.
        Nothing is changed. The spec says which items to read and whom to mint JWTs for (a spec
        whose `lint` reports an error raises `SpecError`, as for `plan`). Reads with the API
        token, or the JWT once jwt-auth is the realm. `title` defaults to this Jenkins' URL,
        `generated_at` to now.

        There is no report without the read: a Jenkins that refuses every credential raises
        `JcascGenError` (`exit_code` 3), one that does not answer `Unreachable`."""
        from ._review import AccessReport, at_second
        from .live.reads import read_export
        from .access_report import build, controller_from_live

        when = at_second(generated_at)
        creds = self._credentials(spec)
        model = spec._loaded.spec
        document, items = read_export(creds, model)
        section = controller_from_live(model, document, items, creds.conn.url, name=spec.controller)
        return AccessReport(build([section], title=title if title is not None else section.url, generated_at=when))

    def verify(self, spec: Spec) -> VerifyResult:
        """Prove the live Jenkins is what the spec says: its realm and matrix, its plugins, and
        its behaviour for anonymous, the administrator's JWT, a non-administrator's JWT and
        tokens with a wrong issuer or audience (those need the signing key to mint).
        Nothing is changed. `exit_code` 0: every check passed, 1: one failed, 3: Jenkins did
        not answer, or its realm rejects the spec's JWT and nothing else administers it
        (`error` says which issuer and audience the token had, and `hint` how to proceed), or it
        refused every credential given (a wrong API token)."""
        from .client import Auth, CredentialsRefused, JenkinsError, Unreachable
        from .live.move import choose_current, diagnose
        from .live.verify import run_checks

        creds = self._credentials(spec)
        model = spec._loaded.spec
        try:
            self._client(creds, None).version()
        except JenkinsError as exc:
            result = VerifyResult(exc.exit_code, error=exc.message, hint=exc.hint, url=self.url)
            if isinstance(exc, Unreachable):
                exc.result = result
                raise
            return result
        # Reads go with whichever credential Jenkins accepts now: the JWT, else (a move not done
        # yet) the JWT for the realm's current values, else the API token.
        admin = None
        post_anonymous = False
        refused: JenkinsError | None = None
        for role in creds.roles():
            if role == "current":
                choose_current(creds, lambda a: self._client(creds, a))
            client = self._client(creds, creds.auth_of(role))
            try:
                if not client.whoami().anonymous:
                    admin = client
                    break
                post_anonymous = post_anonymous or role == "post"
            except CredentialsRefused as exc:
                refused = exc
            except JenkinsError:
                continue
        if admin is None and post_anonymous:
            # the live realm rejects the spec's JWT (and nothing else administers): credentials
            # refused, as for plan and apply; what it had, what the realm accepts, the flags
            message, hint = diagnose(creds, model, lambda a: self._client(creds, a))
            return VerifyResult(ExitCode.UNREACHABLE, error=message, hint=hint, url=self.url)
        if admin is None and refused is not None:
            # a credential Jenkins refuses (a wrong API token: 401) is the caller's to fix, not a
            # failed check of Jenkins: every check would read as anonymous and fail for that reason
            return VerifyResult(refused.exit_code, error=refused.message, hint=refused.hint, url=self.url)
        anonymous = self._client(creds, None)
        checks = run_checks(model, admin_client=admin or anonymous, anonymous_client=anonymous, post=creds.post,
                            jwt_client=lambda token, who: self._client(creds, Auth.jwt(model.jwt.header, token, who)),
                            previous=creds.current)
        failed = any(c.status == "failed" for c in checks)
        return VerifyResult(1 if failed else 0, tuple(checks), url=self.url)


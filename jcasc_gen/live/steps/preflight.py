"""Steps 1 and 2: who answers and who we act as (preflight), then what is refused before
anything changes (guard, the JWKS reachability check, the confirmation)."""

from __future__ import annotations

from typing import Any

from ...client import JenkinsError, ServerError, Unreachable
from ...exitcodes import ExitCode
from ..guard import Refusal, check as guard_check
from ..plan import Plan
from ..state import LiveState, read_state, realm_symbol, strategy_symbol
from .context import ApplyRun, Stop

__all__ = ["preflight", "read_items", "reads_from_disk", "guard", "item_refusals", "confirm"]


def preflight(run: ApplyRun) -> LiveState:
    step = "preflight"
    anon = run.client(None)
    try:
        version = anon.version()
    except JenkinsError as exc:
        raise run.stop(step, ExitCode.UNREACHABLE, exc.message, exc.hint, cause=exc) from None
    run.result.jenkins_version = version
    run.log(step, f"{run.creds.conn.url} answers" + (f", Jenkins {version}" if version else " (no X-Jenkins header: is this Jenkins?)"))
    notes = []
    anonymous: set[str] = set()  # roles Jenkins treated as anonymous
    for role in run.creds.roles(token_first=True):
        if role == "current":
            from ..move import choose_current

            choose_current(run.creds, run.client)
        c = run.client(run.creds.auth_of(role))
        ok, why, error = run.admin_check(c)
        if ok:
            run.acting, run.acting_name = c, why
            run.moving = role == "current"
            run.moving_from_name = why if run.moving else ""
            break
        if isinstance(error, ServerError) and error.status == 404:
            raise run.stop(step, ExitCode.USAGE, "the configuration-as-code plugin does not answer (404)",
                           "install configuration-as-code (it is in the generated plugins.txt) and run again")
        if isinstance(error, Unreachable):
            raise run.stop(step, ExitCode.UNREACHABLE, error.message, error.hint, cause=error)
        if error is None:
            anonymous.add(role)
        notes.append(why)
    if run.acting is None:
        if "post" in anonymous and ("pre" in anonymous or run.creds.pre is None):
            # an API token is anonymous only under jwtAuth: the live realm rejects the spec's token
            from ..move import diagnose

            message, hint = diagnose(run.creds, run.spec, run.client)
            raise run.stop(step, ExitCode.UNREACHABLE, message, hint)
        raise run.stop(step, ExitCode.UNREACHABLE, "no credential administers Jenkins: " + "; ".join(notes),
                       "the API token (or JWT) must belong to someone with Overall/Administer; "
                       "once jwtAuth is the realm only a JWT works")
    if run.creds.current is not None and not run.moving:
        run.log(step, f"note: {run.creds.current.flags()} not needed: " + (
            "the live realm accepts the spec's JWT" if run.acting.auth.kind == "jwt" else "the realm is not jwtAuth yet"))
    run.log(step, f"acting as {run.acting_name!r} ({run.acting.auth.describe()}) with Overall/Administer")
    try:
        state = read_state(run.acting, offers=True)
    except JenkinsError as exc:
        raise run.stop(step, exc.exit_code, exc.message, exc.hint, cause=exc) from None
    casc = state.plugins.get("configuration-as-code")
    run.log(step, f"configuration-as-code {casc.version if casc else '?'}; realm {realm_symbol(state.document)}, "
                  f"strategy {strategy_symbol(state.document)}")
    run.record(step, "passed", f"acting as {run.acting_name}")
    return state


def read_items(run: ApplyRun, state: LiveState) -> tuple[list[Any], dict[str, list[str]]]:
    """Every item of authorization.items as Jenkins has it now (the items' snapshot)."""
    from ..item_step import plan_items

    if not run.spec.authorization.items:
        return [], {}
    assert run.acting is not None
    try:
        changes, effects = plan_items(run.acting, run.spec, state.document, create_folders=run.opts.create_folders)
    except JenkinsError as exc:
        raise run.stop("preflight", exc.exit_code, f"reading the items: {exc.message}", exc.hint, cause=exc) from None
    run.log("preflight", f"read {len(changes)} item{'s' if len(changes) != 1 else ''} of authorization.items")
    return changes, effects


def reads_from_disk(run: ApplyRun, state: LiveState, items: tuple[Any, Any] | None = None) -> bool:
    """When a JCasC file on disk declares the realm or the matrix, posting them would merge
    with it (a conflict, or a matrix's entries the union of both) and every restart would
    put the file's back: wait for the deployed files instead (live/reload.py), which then
    writes the item matrices (`items`: the changes and effects preflight read). True when
    that took over. With `--via-api` it only says so, and posts."""
    from ..disk import read_disk_config
    from ..reload import ReloadOptions, ReloadWaiter

    assert run.acting is not None
    disk = read_disk_config(run.acting)
    if not disk.from_disk:
        if disk.sources is None:
            run.log("preflight", f"note: {disk.describe()}; posting the realm and matrix")
        return False
    run.log("preflight", disk.describe())
    if disk.security_from_disk is False:
        return False  # the files configure other things: posting the managed sections merges with nothing
    if run.opts.via == "api":
        run.log("preflight", "warning: --via-api: posting anyway; a realm in a file is then a conflict and a matrix the "
                             "union of both, which the verification finds and the rollback undoes")
        return False
    writes_items = bool(items and any(c.action != "none" for c in items[0]))
    if run.opts.dry_run:
        run.emit("dry run: apply would wait for the deployed files to equal the spec (`--via-api` posts anyway)"
                 + (", then write the item matrices" if writes_items else "") + "; nothing was changed")
        return True
    run.log("preflight", "waiting for the deployed files instead of posting (`--via-api` posts anyway)"
            + ("; the item matrices are written once they are live" if writes_items else ""))
    opts = ReloadOptions(run.opts.reload_timeout, run.opts.poll, progress_every=run.opts.progress_interval,
                         create_folders=run.opts.create_folders,
                         confirm=None if run.opts.yes else (run.opts.confirm or (lambda _prompt: False)))
    waiter = ReloadWaiter(run.spec, run.creds, opts, run.emit)
    reloaded = waiter.run(acting=run.acting, acting_name=run.acting_name, state=state, disk=disk, items=items)
    run.result.code, run.result.checks = reloaded.code, reloaded.checks
    run.result.steps += reloaded.steps
    run.result.plan = reloaded.plan or run.result.plan
    return True


def guard(run: ApplyRun, plan: Plan) -> None:
    refusals = [Refusal(b, "") for b in plan.blockers] or guard_check(run.spec, plan, run.creds.post)
    refusals += item_refusals(plan)
    if not refusals and plan.realm_changes and run.moving and run.creds.current is not None:
        from ..move import guard_refusals

        refusals = guard_refusals(run.spec, run.live_document, run.creds.current)
    if not refusals and plan.realm_changes and run.creds.post is not None:
        refusals = _jwks_refusals(run)
    if not refusals and plan.config_changes and run.creds.post is not None and run.creds.post.given is not None:
        refusals = _given_jwt_refusals(run, plan)
    if refusals:
        for r in refusals:
            run.log("guard", f"refused: {r}")
        run.record("guard", "failed", "; ".join(r.message for r in refusals))
        run.emit("nothing was changed")
        raise Stop(ExitCode.USAGE)
    post = run.creds.post
    run.log("guard", "passed" + (f": after the switch, {post.principal!r} ({post.source}) is accepted and administers Jenkins"
                                 if post else ""))
    run.record("guard", "passed")


def item_refusals(plan: Plan) -> list[Refusal]:
    """The items apply refuses before anything changes (both the API and the reload path)."""
    return [Refusal(p, "create the item in Jenkins first, or pass --create-folders to create missing ones as empty folders"
                    if "does not exist" in p else "fix the spec or the item, then run again") for p in plan.item_problems]


def _jwks_refusals(run: ApplyRun) -> list[Refusal]:
    from ...client import fetch
    from ..jwks import check_jwks

    if not run.opts.jwks_check:
        run.log("guard", "warning: --no-jwks-check: not checking that Jenkins can fetch the JWKS")
        return []
    assert run.acting is not None and run.creds.post is not None
    verdict = check_jwks(run.spec.jwt.jwks_url, run.creds.post.kid(), run_script=run.acting.run_script,
                         fetch_here=lambda url: fetch(url, timeout=run.creds.conn.timeout))
    for note in verdict.notes:
        run.log("guard", note)
    return verdict.refusals


def run_budget(run: ApplyRun, plan: Plan) -> tuple[float, str]:
    """How long a credential must stay valid from now on (seconds, and why): the change and
    its verification take well under a minute; a plugin install adds a restart that may
    take up to --restart-timeout."""
    if plan.plugins:
        return 60.0 + run.opts.restart_timeout, (f"up to {60 + run.opts.restart_timeout:g}s: plugins, a restart that may take "
                                                 f"--restart-timeout {run.opts.restart_timeout:g}s, then the change")
    return 60.0, "up to a minute for the change and its verification"


def _given_jwt_refusals(run: ApplyRun, plan: Plan) -> list[Refusal]:
    from ...client import fetch
    from ..given_jwt import check_given, expiry_refusal

    post = run.creds.post
    assert post is not None and run.acting is not None
    refusals, note = check_given(post, run.spec.jwt.jwks_url, run_script=run.acting.run_script,
                                 fetch_here=lambda u: fetch(u, timeout=run.creds.conn.timeout), jwks_check=run.opts.jwks_check)
    if note:
        run.log("guard", note)
    if refusals:
        return refusals
    must_last, why = run_budget(run, plan)
    late = expiry_refusal(post, must_last, why)
    return [late] if late else []


def confirm(run: ApplyRun, plan: Plan) -> None:
    if run.opts.yes or run.opts.dry_run:
        return
    ask = run.opts.confirm
    if ask is None or not ask(f"Apply these changes to {run.creds.conn.url}? [y/N] "):
        run.emit("not confirmed; nothing was changed (use --yes in CI)")
        run.record("confirm", "failed", "not confirmed; nothing was changed (use --yes in CI)")
        raise Stop(ExitCode.USAGE)

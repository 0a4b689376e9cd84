"""Steps 4 to 7: the snapshot for rollback, JCasC's server-side check, the change itself
in single-section documents (see jcasc_gen/live/apply.py for why), and the verification."""

from __future__ import annotations

from typing import Any

from ... import permissions
from ...client import CascRejected, JenkinsClient, JenkinsError, Unreachable
from ...exitcodes import ExitCode
from ...jcasc import managed_sections, target_document, unescape_interpolation
from ...render import yaml_document
from ..plan import Plan
from ..state import parse_export, realm_symbol, strategy_symbol
from ..verify import CheckResult, print_checks, run_checks, summary
from .context import ApplyRun, wrap

__all__ = ["take_snapshot", "server_check", "apply_change", "verify", "post_document", "bridge_matrix"]


def _unescape(value: Any) -> Any:
    """Export values carry `^${` (JCasC escapes on export); posting them back goes through
    `yaml_scalar`, which escapes again, so undo it first."""
    if isinstance(value, dict):
        return {k: _unescape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unescape(v) for v in value]
    return unescape_interpolation(value) if isinstance(value, str) else value


# 4 -------------------------------------------------------------------------
def take_snapshot(run: ApplyRun) -> None:
    step = "snapshot"
    assert run.acting is not None
    try:
        doc = parse_export(run.acting.casc_export())
    except JenkinsError as exc:
        raise run.stop(step, exc.exit_code, exc.message + "; nothing was changed", exc.hint, cause=exc) from None
    run.snapshot = _unescape(managed_sections(doc))
    run.known = {"realm": str(realm_symbol(doc)), "strategy": str(strategy_symbol(doc))}
    run.log(step, f"saved the live realm ({run.known['realm']}) and strategy ({run.known['strategy']})")
    run.record(step, "passed")


# 5 -------------------------------------------------------------------------
def server_check(run: ApplyRun, plan: Plan) -> None:
    step = "check"
    assert run.acting is not None
    try:
        warnings = run.acting.casc_check(run.text)
    except CascRejected as exc:
        # the plugins the document itself needs: the realm's, the strategy's, and those that
        # define permissions the matrix grants (Jenkins cannot parse those before they load)
        needs = {"jwt-auth", "matrix-auth", *run.spec.authorization.needed_plugins()}
        missing = [p.name for p in plan.plugins if p.name in needs]
        if run.opts.dry_run and missing:
            run.log(step, f"the server cannot check yet ({', '.join(missing)} not installed); checked offline: "
                          "the generated file parses back to the spec")
            run.record(step, "skipped", "checked offline")
            return
        for m in exc.messages:
            run.emit(_locate(run, m.line, m.message))
        raise run.stop(step, ExitCode.USAGE, "Jenkins' JCasC check refused the generated configuration; nothing was changed") from None
    except JenkinsError as exc:
        raise run.stop(step, exc.exit_code, exc.message + "; nothing was changed", exc.hint, cause=exc) from None
    for w in warnings:
        run.emit(_locate(run, w.line, "warning: " + w.message))
    run.log(step, "passed" + (f" with {len(warnings)} warning(s)" if warnings else ""))
    run.record(step, "passed")


def _locate(run: ApplyRun, line: int, message: str) -> str:
    where = f"{run.opts.generated_name}:{line}" if line > 0 else run.opts.generated_name
    return f"{where}: {message}"


# 6 -------------------------------------------------------------------------
def apply_change(run: ApplyRun, plan: Plan) -> None:
    step = "apply"
    assert run.acting is not None
    run.use_configure = run.acting.casc_has_configure()
    run.log(step, "through /configuration-as-code/" + ("configure" if run.use_configure else "apply (this JCasC has no configure endpoint)"))
    target = target_document(run.spec)["jenkins"]
    strategy = target["authorizationStrategy"]
    if plan.realm_changes and run.moving:
        from ..move import switch

        _recheck_before_switch(run, plan)
        switch(run, target["securityRealm"]["jwtAuth"], strategy)
    elif plan.realm_changes:
        _recheck_before_switch(run, plan)
        post_name = run.creds.post.principal if run.creds.post else ""
        # the post-switch principal is granted by name too, so its right to administer does
        # not hinge on how Jenkins reads its groups claim
        admins = [n for n in dict.fromkeys((run.acting_name, post_name)) if n]
        post_document(run, "bridge matrix (the spec's entries + Overall/Administer for "
                            f"{' and '.join(repr(n) for n in admins)} while the realm changes)", run.acting,
                       wrap("authorizationStrategy", bridge_matrix(strategy, admins)), "strategy",
                       "bridge (the spec's entries + Overall/Administer for " + ", ".join(repr(n) for n in admins) + ")")
        post_document(run, "realm jwtAuth (the last API-token call)" if run.acting.auth.kind == "token" else "realm jwtAuth",
                       run.acting, wrap("securityRealm", target["securityRealm"]), "realm", "jwtAuth")
        post = run.post_client()
        assert post is not None
        ok, name, error = run.admin_check(post)
        if not ok:
            raise RuntimeError(f"after the switch the post-switch JWT does not administer Jenkins: {name} "
                               "(is jwt.jwks_url reachable from Jenkins, and the signing key the one Pomerium publishes?)")
        run.log(step, f"Jenkins accepts the JWT for {name!r}")
        run.acting, run.acting_name = post, name
    if plan.strategy_changes or plan.realm_changes:
        post_document(run, "matrix (the spec's)", run.acting, wrap("authorizationStrategy", strategy), "strategy", "spec")
    run.record(step, "passed")


def _recheck_before_switch(run: ApplyRun, plan: Plan) -> None:
    """Minutes may have passed since the guard (plugins, a restart): the credential we act
    with must still administer Jenkins, and a given JWT must outlive the switch, or the
    switch does not start."""
    from ..given_jwt import expiry_refusal

    assert run.acting is not None
    problems = []
    ok, why, error = run.admin_check(run.acting)
    if not ok:
        problems.append(f"{run.acting.auth.describe()} no longer administers Jenkins ({why})")
    post = run.creds.post
    if post is not None and post.given is not None:
        late = expiry_refusal(post, 60.0, "the switch and its verification take up to a minute")
        if late:
            problems.append(late.message)
    if problems:
        # nothing changed yet: a Jenkins that did not answer is exit 3, as anywhere before a change
        code = (ExitCode.ROLLED_BACK if plan.plugins else ExitCode.UNREACHABLE if isinstance(error, Unreachable)
                else ExitCode.USAGE)
        raise run.stop("apply", code, "right before the realm switch: " + "; ".join(problems)
                       + "; the security configuration was not touched",
                       "run apply again with fresh credentials (--signing-key-file mints a token for every step)")


def bridge_matrix(strategy: dict[str, Any], admins: list[str]) -> dict[str, Any]:
    (symbol, body), = strategy.items()
    entries = list(body["entries"]) + [{"user": {"name": n, "permissions": [permissions.ADMINISTER]}} for n in admins if n]
    return {symbol: {"entries": entries}}


def post_document(run: ApplyRun, label: str, client: JenkinsClient, doc: dict[str, Any], what: str, known_as: str, *,
                  activity: str | None = None) -> None:
    run.log("apply", f"{label} ...", activity=activity)
    text = yaml_document(doc, "jcasc")
    try:
        client.casc_apply(text, use_configure=run.use_configure)
    except CascRejected as exc:
        raise RuntimeError(_explain_apply_failure(exc)) from None
    except Unreachable as exc:
        (section, value), = doc["jenkins"].items()
        if not exc.timed_out or not run.settle("apply", section, value):
            raise
    run.known[what] = known_as
    run.log("apply", f"{label}: done", activity=activity)


def _explain_apply_failure(exc: CascRejected) -> str:
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


# 7 -------------------------------------------------------------------------
def verify(run: ApplyRun) -> None:
    step = "verify"
    results = _run_verify(run)
    run.result.checks = results
    print_checks(results, run.emit)
    counts = summary(results)
    if counts["failed"]:
        run.record(step, "failed", f"{counts['failed']} check(s) failed")
        raise RuntimeError(f"verification failed: {counts['failed']} check(s)")
    run.log(step, f"passed ({counts['passed']} checks" + (f", {counts['skipped']} skipped" if counts["skipped"] else "") + ")")
    run.record(step, "passed")


def _run_verify(run: ApplyRun) -> list[CheckResult]:
    from ...client import Auth

    assert run.acting is not None
    run.log("verify", f"checking as {run.acting_name!r}, anonymous and with minted tokens ...")
    return run_checks(run.spec, admin_client=run.acting, anonymous_client=run.client(None), post=run.creds.post,
                      jwt_client=lambda token, who: run.client(Auth.jwt(run.spec.jwt.header, token, who)),
                      previous=run.creds.current if run.moving else None)

"""Step 8: put the snapshot's realm and strategy back with whichever credential still
administers Jenkins, verified against the export; when that fails (exit 5), say what
state Jenkins is in and how to recover by hand."""

from __future__ import annotations

from typing import Any

from ... import permissions
from ...client import CascRejected, JenkinsClient, JenkinsError, Unreachable
from ...exitcodes import ExitCode
from ...jcasc import normalize_managed
from ...render import yaml_document
from ..state import parse_export, realm_symbol, strategy_symbol
from .context import ApplyRun, wrap

__all__ = ["rollback", "restorable_realm"]


def restorable_realm(realm: Any) -> Any:
    """The snapshot's realm as it is safe to post back. Local users live in their own User
    records, not in the realm object, and posting the exported `users` list would re-add
    each exported user property (configuration-as-code-plugin
    plugin/src/main/java/io/jenkins/plugins/casc/core/HudsonPrivateSecurityRealmConfigurator.java,
    setter -> User.addProperty), the API-token store among them, so they stay out."""
    if isinstance(realm, dict) and isinstance(realm.get("local"), dict):
        return {"local": {k: v for k, v in realm["local"].items() if k != "users"}}
    return realm


def rollback(run: ApplyRun, reason: str) -> int:
    step = "rollback"
    run.log(step, f"{reason}")
    run.record("apply" if not run.result.checks else "verify", "failed", reason)
    code = _restore(run)
    if code == ExitCode.ROLLED_BACK and run.in_flight:
        # a change that got no answer had not landed when we stopped waiting for it: it may
        # land now, over the snapshot; watch, and put the snapshot back once more if it does
        landed = _watch_for_late_change(run)
        if landed is not None:
            held = (f"Jenkins held realm {_symbol(landed.get('securityRealm'))}, strategy "
                    f"{_symbol(landed.get('authorizationStrategy'))}" if landed else "no credential can read Jenkins' configuration now")
            run.log(step, f"a change that got no answer landed after the rollback ({held}); rolling back again")
            run.in_flight.clear()
            run.late_landing = True
            code = _restore(run)
    if code == ExitCode.ROLLED_BACK:
        _report_end_state(run)
    return code


def _symbol(section: Any) -> str:
    if isinstance(section, dict) and len(section) == 1:
        return str(next(iter(section)))
    return str(section)


def _watch_for_late_change(run: ApplyRun) -> dict[str, Any] | None:
    """Watch the live sections for the settle window; the sections if they left the snapshot."""
    import time

    assert run.snapshot is not None
    snap = dict(normalize_managed(run.snapshot)["jenkins"])
    run.log("rollback", f"watching for {run.settle_window:g}s for the change that got no answer ...", activity="late-change")
    deadline = time.monotonic() + run.settle_window
    waiting = run.wait("rollback", "late-change", run.settle_window)
    while time.monotonic() < deadline:
        live = run.live_sections()
        if live != snap:  # different, or unreadable where it was readable a moment ago: it landed
            return live or {}
        waiting.update("Jenkins still holds the snapshot; watching whether the change that got no answer lands")
        run.creds.conn.sleep(run.opts.poll)
    return None


def _report_end_state(run: ApplyRun) -> None:
    live = run.live_sections()
    if live is None:
        return
    realm, strategy = _symbol(live.get("securityRealm")), _symbol(live.get("authorizationStrategy"))
    run.result.end_state = {"realm": realm, "strategy": strategy}
    run.log("rollback", f"Jenkins holds at the end: realm {realm}, strategy {strategy}")
    if run.in_flight:
        run.log("rollback", f"warning: a change that got no answer ({', '.join(run.in_flight)}) had not landed "
                            f"{run.settle_window:g}s after its timeout; if Jenkins still applies it, it will hold that instead: "
                            "`jcasc-gen plan` shows what it holds")


def _restore(run: ApplyRun) -> int:
    step = "rollback"
    snap = run.snapshot
    assert snap is not None
    run.log(step, "restoring the snapshot's realm and strategy ...")
    try:
        client = run.working_admin()
        if client is None:
            return _fatal(run, "no credential administers Jenkins any more (neither the JWT nor the API token)")
        if run.items.records:
            from ..item_step import rollback_items

            item_problems = rollback_items(run, run.items, client)
            if item_problems:
                snapshots = "\n".join(f"  {path}: " + (rec.previous.decode("utf-8", "replace") if rec.previous is not None
                                                         else "(no matrix property)")
                                       for path, rec in run.items.records.items())
                return _fatal(run, "items not restored: " + "; ".join(item_problems)
                              + "\nthe items' matrix properties before this run (put them back into each config.xml):\n"
                              + snapshots)
        live = parse_export(client.casc_export())
        snap_j = snap["jenkins"]
        pre_name = run.creds.pre.user if run.creds.pre is not None else None
        if normalize_managed(live)["jenkins"].get("securityRealm") != normalize_managed(snap)["jenkins"].get("securityRealm"):
            admins = [n for n in dict.fromkeys((pre_name, run.creds.post.principal if run.creds.post else None,
                                                run.moving_from_name)) if n]
            symbol = run.spec.authorization.symbol
            bridge = {symbol: {"entries": [{"user": {"name": n, "permissions": [permissions.ADMINISTER]}} for n in admins]}}
            _rollback_document(run, "bridge matrix (Overall/Administer for both credentials)", client, wrap("authorizationStrategy", bridge))
            _rollback_document(run, f"realm {realm_symbol(snap)}", client, wrap("securityRealm", restorable_realm(snap_j["securityRealm"])))
            client = run.working_admin()
            if client is None:
                return _fatal(run, "after restoring the realm no credential administers Jenkins")
        if "authorizationStrategy" in snap_j:
            _rollback_document(run, f"strategy {strategy_symbol(snap)}", client, wrap("authorizationStrategy", snap_j["authorizationStrategy"]))
        after = parse_export(client.casc_export())
    except JenkinsError as exc:
        return _fatal(run, f"{exc.message}")
    except RuntimeError as exc:
        return _fatal(run, str(exc))
    if normalize_managed(after) != normalize_managed(snap):
        return _fatal(run, "after the rollback the live realm/strategy still differ from the snapshot")
    if not run.admin_check(client)[0]:
        return _fatal(run, "after the rollback the credential no longer administers Jenkins")
    if run.moving and run.creds.current is not None:
        # the old realm is back: prove it with a token for its values, the one people's proxy sends
        ok, why, _ = run.admin_check(run.client(run.creds.current.auth()))
        if not ok:
            return _fatal(run, f"after the rollback {run.creds.current.describe()} does not administer Jenkins: {why}")
        run.log(step, f"{run.creds.current.describe()} administers Jenkins again, as {why!r}")
    run.log(step, f"Jenkins is back to its snapshot (realm {realm_symbol(after)}, strategy {strategy_symbol(after)}), "
                  "verified against the export")
    run.record(step, "passed", "restored the snapshot")
    return ExitCode.ROLLED_BACK


def _rollback_document(run: ApplyRun, label: str, client: JenkinsClient, doc: dict[str, Any]) -> None:
    run.log("rollback", f"{label} ...")
    try:
        client.casc_apply(yaml_document(doc, "jcasc"), use_configure=run.use_configure)
    except Unreachable as exc:
        (section, value), = doc["jenkins"].items()
        if not exc.timed_out or not run.settle("rollback", section, value):
            raise
    except CascRejected as exc:
        raise RuntimeError(f"JCasC refused the rollback document ({label}): " + "; ".join(m.message for m in exc.messages)) from None
    key = "realm" if "securityRealm" in doc["jenkins"] else "strategy"
    run.known[key] = "snapshot" if not label.startswith("bridge") else "rollback bridge"


def _fatal(run: ApplyRun, reason: str) -> int:
    step = "rollback"
    run.record(step, "failed", reason)
    lines = [f"error: the rollback failed: {reason}"]
    if run.late_landing:
        lines.append("(a change that got no answer within --timeout landed after the first rollback, over the snapshot)")
    lines.append("Jenkins is in this state:")
    state = _describe_state(run)
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
    snap = run.snapshot or {}
    if snap:
        restorable = {k: (restorable_realm(v) if k == "securityRealm" else v) for k, v in snap["jenkins"].items()}
        lines += ["  " + line for line in yaml_document({"jenkins": restorable}, "jcasc").splitlines()]
    else:
        lines.append("  (none taken)")
    run.emit("\n".join(lines))
    return ExitCode.NOT_ROLLED_BACK


def _describe_state(run: ApplyRun) -> dict[str, str]:
    live = run.live_sections()
    if live is not None:
        out = {"realm (read from Jenkins now)": _symbol(live.get("securityRealm")),
               "strategy (read from Jenkins now)": _symbol(live.get("authorizationStrategy"))}
    else:
        out = {"realm (last applied by this run; no credential can read it now)": run.known.get("realm", "unknown"),
               "strategy (last applied by this run; no credential can read it now)": run.known.get("strategy", "unknown")}
        if run.late_landing:
            out["strategy (last applied by this run; no credential can read it now)"] += (
                ", unless the change that landed late replaced it")
    for label, auth in (("API token", run.creds.pre), ("JWT", run.creds.post.auth() if run.creds.post else None),
                        ("JWT for the current values", run.creds.current.auth() if run.creds.current else None)):
        if auth is None:
            continue
        try:
            me = run.client(auth).whoami()
            out[f"{label} ({auth.user})"] = "treated as anonymous" if me.anonymous else f"accepted as {me.name!r}"
        except JenkinsError as exc:
            out[f"{label} ({auth.user})"] = f"no answer ({exc.message})"
    return out

"""The read-only live calls (plan, verify, diff --live) as functions of the credentials, so one
controller (the commands) and many (the fleet runner) use the same code. Each raises
JenkinsError when Jenkins cannot be read; nothing here prints."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..model import Spec
from .credentials import Credentials
from .state import LiveState, parse_export, read_state
from .verify import CheckResult, run_checks

if TYPE_CHECKING:
    from .disk import DiskConfig
    from .plan import Plan

__all__ = ["read_for_plan", "plan_lines", "plan_json", "read_export", "live_diff", "verify_live"]

# live/items.read_live_items: each listed item's change, their effects, unlisted items' matrices, truncated?
LiveItems = tuple[list[Any], dict[str, list[str]], list[tuple[str, Any]], bool]


def _auths(creds: Credentials) -> list[Any]:
    return ([creds.pre] if creds.pre else []) + ([creds.post.auth()] if creds.post else [])


def read_for_plan(creds: Credentials, spec: Spec, *, create_folders: bool = False,
                  walk: bool = True) -> tuple[LiveState, DiskConfig, LiveItems]:
    """The live state, where Jenkins reads its JCasC from and the items, read with the API
    token, or the JWT once jwt-auth is the realm (whichever Jenkins accepts); the last refusal
    when none is."""
    from ..client import JenkinsClient, JenkinsError
    from .disk import read_disk_config
    from .items import read_live_items

    error: JenkinsError | None = None
    for auth in _auths(creds):
        try:
            client = JenkinsClient(creds.conn, auth)
            if client.whoami().anonymous:
                if auth.kind == "jwt" and creds.post is not None:
                    message, hint = creds.post.rejected()
                    raise JenkinsError(message, hint=hint)
                raise JenkinsError(f"{auth.describe()} is treated as anonymous",
                                   hint="once jwtAuth is the realm, API tokens are anonymous: pass --signing-key-file or --jwt"
                                   if creds.post is None else "check the API token's user")
            state = read_state(client, offers=True)
            disk = read_disk_config(client)
            return state, disk, read_live_items(client, spec, state.document, create_folders=create_folders, walk=walk)
        except JenkinsError as exc:
            error = exc
    assert error is not None  # resolve() refuses to return no credential at all
    raise error


def plan_lines(plan: Plan, disk: DiskConfig) -> list[str]:
    """The plan as `plan` prints it."""
    lines = list(plan.lines())
    if disk.from_disk:
        then = ("`apply` posts the realm and matrix as usual" if disk.security_from_disk is False else
                "`apply` waits for them to equal the spec (--via-reload)")
        lines.append(f"disk     {disk.describe()}; {then}")
    elif disk.sources is None and plan.changed:
        lines.append(f"disk     {disk.describe()}")
    return lines


def plan_json(plan: Plan, state: LiveState, disk: DiskConfig) -> dict[str, Any]:
    return {"command": "plan", "jenkins_version": state.version, **plan.to_json(), "disk": disk.to_json()}


def read_export(creds: Credentials, spec: Spec) -> tuple[dict[str, Any], LiveItems]:
    """The live JCasC export as data, and the items; tries the pre-switch credential, then the
    JWT one."""
    from ..client import CredentialsRefused, Denied, JenkinsClient, JenkinsError
    from .items import read_live_items

    last: JenkinsError | None = None
    for auth in _auths(creds):
        try:
            client = JenkinsClient(creds.conn, auth)
            document = parse_export(client.casc_export())
            return document, read_live_items(client, spec, document)
        except (Denied, CredentialsRefused) as exc:
            last = exc  # the realm may already be jwt-auth (API tokens become anonymous): try the next
    assert last is not None
    raise last


def live_diff(spec: Spec, live: dict[str, Any], items: LiveItems) -> tuple[bool, list[str], dict[str, Any]]:
    """`diff --live`: (different?, the report's lines, its JSON fields)."""
    from ..diffing import canonical_yaml, semantic_changes, summary_lines, unified
    from ..jcasc import target_document
    from .items import item_lines, unmanaged_lines

    item_changes, effects, unmanaged, truncated = items
    target = target_document(spec)
    changes = semantic_changes(live, target)
    different = not changes.empty or any(c.action != "none" for c in item_changes)
    lines = summary_lines(changes)
    if not changes.empty:
        lines += unified(canonical_yaml(live), canonical_yaml(target), "live", "spec")
    lines += [line + "\n" for line in item_lines(item_changes, effects) + unmanaged_lines(unmanaged, truncated)]
    fields = {"changes": changes.to_json(), "items": [dict(c.to_json(), effective=effects.get(c.path, [])) for c in item_changes],
              "unmanaged_items": [{"path": p, "inherit": m.inherit} for p, m in unmanaged]}
    return different, lines, fields


def verify_live(spec: Spec, creds: Credentials) -> list[CheckResult]:
    """Every verification check; JenkinsError when Jenkins does not answer the first request."""
    from ..client import Auth, JenkinsClient, JenkinsError

    def client(auth: Any) -> JenkinsClient:
        return JenkinsClient(creds.conn, auth or Auth.anonymous())

    client(None).version()
    # Reads go with whichever credential Jenkins accepts now: the JWT, else the API token.
    admin = None
    for auth in ([creds.post.auth()] if creds.post else []) + ([creds.pre] if creds.pre else []):
        c = client(auth)
        try:
            if not c.whoami().anonymous:
                admin = c
                break
        except JenkinsError:
            continue
    return run_checks(spec, admin_client=admin or client(None), anonymous_client=client(None), post=creds.post,
                      jwt_client=lambda token, who: client(Auth.jwt(spec.jwt.header, token, who)))

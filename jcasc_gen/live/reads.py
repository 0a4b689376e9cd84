"""`diff --live`'s read and comparison as functions of the credentials, so one controller (the
command) and many (the fleet runner) use the same code; plan, apply and verify are the Python
API's (`jcasc_gen.Jenkins`). Raises JenkinsError when Jenkins cannot be read; nothing here prints."""

from __future__ import annotations

from typing import Any

from ..model import Spec
from .credentials import Credentials
from .state import parse_export

__all__ = ["read_export", "live_diff"]

# live/items.read_live_items: each listed item's change, their effects, unlisted items' matrices, truncated?
LiveItems = tuple[list[Any], dict[str, list[str]], list[tuple[str, Any]], bool]


def read_export(creds: Credentials, spec: Spec) -> tuple[dict[str, Any], LiveItems]:
    """The live JCasC export as data, and the items; tries the pre-switch credential, then the
    JWT one, then (a move, --current-issuer) the JWT for what the live realm accepts now. When
    the live realm rejects the spec's JWT, the error says which values it had and how to proceed
    (live/move.diagnose)."""
    from ..client import CredentialsRefused, Denied, JenkinsClient, JenkinsError
    from .items import read_live_items
    from .move import choose_current, diagnose

    def client_for(auth: Any) -> JenkinsClient:
        return JenkinsClient(creds.conn, auth)

    last: JenkinsError | None = None
    for role in creds.roles(token_first=True):
        try:
            if role == "current":
                choose_current(creds, client_for)
            client = client_for(creds.auth_of(role))
            document = parse_export(client.casc_export())
            return document, read_live_items(client, spec, document)
        except (Denied, CredentialsRefused) as exc:
            last = exc  # the realm may already be jwt-auth (API tokens become anonymous): try the next
    assert last is not None
    if creds.post is not None:
        try:
            rejected = client_for(creds.post.auth()).whoami().anonymous
        except JenkinsError:
            rejected = False
        if rejected:  # what the live realm accepts instead, and the flags to read it with
            message, hint = diagnose(creds, spec, client_for)
            raise JenkinsError(message, hint=hint)
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

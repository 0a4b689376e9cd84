"""verify for folder and job matrices: the configuration, then the behaviour, with real JWTs.

- Configuration: every item of authorization.items is read (its config.xml) and its matrix
  compared with the spec's (inheritance and every typed entry).
- Behaviour: for a sample of items, a JWT for a member of one of the item's grants (a user
  grant's user, or a probe user in a group grant's group) must be able to read the item, and a
  JWT for an outsider (a probe user in no group) must get what the spec says: for a team folder,
  404, as Jenkins answers for an item its requester cannot read (core Jenkins.getItem,
  cloudbees-folder AbstractFolder.getItem). Expected answers come from the item ACL model
  (item_acl), inheritance and the global matrix included.
- The sample: every item when there are at most ITEM_PROBE_LIMIT, else ITEM_PROBE_LIMIT items
  spread evenly over the spec's items in Jenkins' order (deterministic, so two runs probe the
  same ones). Each probed item costs two requests; the configuration check one per item.
"""

from __future__ import annotations

from typing import Any, Callable

from .. import names
from ..client import item_url
from ..effective import Identity
from ..item_acl import from_spec
from ..model import Spec
from .credentials import PostCredential
from .items import read_items, targets

__all__ = ["ITEM_PROBE_LIMIT", "item_checks", "sample"]

ITEM_PROBE_LIMIT = 20


def sample(paths: list[str], limit: int = ITEM_PROBE_LIMIT) -> list[str]:
    if len(paths) <= limit:
        return list(paths)
    step = len(paths) / limit
    return [paths[int(i * step)] for i in range(limit)]


def _result(name: str, status: str, detail: str = "") -> Any:
    from .verify import CheckResult

    return CheckResult(name, status, detail)  # type: ignore[arg-type]


def config_checks(spec: Spec, admin_client: Any) -> list[Any]:
    out = []
    try:
        live = read_items(admin_client, [m.path for m in spec.authorization.items])
    except Exception as exc:  # client.JenkinsError: the items could not be read at all
        return [_result("item matrices: read every item of the spec", "failed", str(exc))]
    for target in targets(spec):
        name = f"item {target.path}: its matrix equals the spec"
        item = live[target.path]
        if item.missing:
            out.append(_result(name, "failed", "the item does not exist (404)"))
            continue
        m = item.matrix
        if m is None:
            out.append(_result(name, "failed", item.error or "the item has no matrix property"))
            continue
        problems = []
        if m.inherit != target.inherit:
            problems.append(f"inherit is {m.inherit}, the spec says {target.inherit}")
        missing = sorted(f"{e.type} {e.sid}: {e.permission}" for e in target.entries - m.entries)
        extra = sorted(f"{e.type} {e.sid}: {e.permission}" for e in m.entries - target.entries)
        if missing:
            problems.append("missing " + "; ".join(missing))
        if extra:
            problems.append("not in the spec " + "; ".join(extra))
        out.append(_result(name, "failed", ", ".join(problems)) if problems else _result(name, "passed"))
    return out


def _member(spec: Spec, path: str, acl: Any) -> tuple[str, tuple[str, ...], str] | None:
    """(username, groups, description) of someone an item grant names who, by the spec, can
    read the item; None when nobody can but administrators."""
    probe = f"jcasc-gen-probe@{spec.jenkins_host or 'example.invalid'}"
    item = next(m for m in spec.authorization.items if m.path == path)
    for g in item.entries():
        if names.is_anonymous(g.name) or names.is_authenticated(g.name) or names.is_everyone(g.name):
            continue
        name, groups, desc = (probe, (g.name,), f"a member of group {g.name!r}") if g.kind == "group" else (g.name, (), f"user {g.name!r}")
        if acl.visible(path, Identity(name, groups)):
            return name, groups, desc
    return None


def behaviour_checks(spec: Spec, post: PostCredential, jwt_client: Callable[[str, str], Any]) -> list[Any]:
    acl = from_spec(spec)
    out = []
    outsider = f"jcasc-gen-outsider@{spec.jenkins_host or 'example.invalid'}"
    for path in sample([m.path for m in spec.authorization.items]):
        url = item_url(path) + "api/json"
        member = _member(spec, path, acl)
        probes: list[tuple[str, str, tuple[str, ...]]] = []
        if member is None:
            out.append(_result(f"item {path}: a member of its grants can read it", "skipped",
                               "no grant of the item lets a non-administrator read it (lint JG030/JG033)"))
        else:
            probes.append((f"item {path}: {member[2]} can read it", member[0], member[1]))
        probes.append((f"item {path}: an outsider (signed in, no groups)", outsider, ()))
        for label, name, groups in probes:
            expect = acl.visible(path, Identity(name, groups))
            label = label if name != outsider else label + (" can read it" if expect else " cannot see it (404)")
            try:
                reply = jwt_client(post.mint(name, groups), name).probe("GET", url)
            except Exception as exc:  # client.JenkinsError: no answer at all
                out.append(_result(label, "failed", str(exc)))
                continue
            if expect and reply.status == 200 or not expect and reply.status == 404:
                out.append(_result(label, "passed", f"GET /{url}: {reply.status}"))
            else:
                out.append(_result(label, "failed", f"GET /{url} answered {reply.status}; by the spec it should "
                                                    f"{'answer 200' if expect else 'be invisible (404)'}"))
    if len(spec.authorization.items) > ITEM_PROBE_LIMIT:
        out.append(_result(f"items probed with JWTs: {ITEM_PROBE_LIMIT} of {len(spec.authorization.items)}", "passed",
                           "spread over the spec's items; every item's matrix was compared above"))
    return out


def item_checks(spec: Spec, *, admin_client: Any, post: PostCredential | None, jwt_client: Callable[[str, str], Any]) -> list[Any]:
    if not spec.authorization.items:
        return []
    out = config_checks(spec, admin_client)
    if post is None or not post.can_mint:
        out.append(_result("items: members read, outsiders get 404", "skipped", "needs --signing-key-file to mint tokens"))
        return out
    return out + behaviour_checks(spec, post, jwt_client)

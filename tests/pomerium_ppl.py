"""What Pomerium decides for a request on a route, as a test oracle for the generated policy, and
which request paths Jenkins would hand to JCasC's token reload action. Imports nothing from
jcasc_gen.

Pomerium (pomerium/pomerium v0.33.1; the same in v0.21.0 where a line is named):
- `policy` is a rule or a list of rules; each rule has one action, `allow` or `deny`, holding
  logical operators `and` (all), `or` (any), `not` (none: "(NOT A) AND (NOT B)") and `nor` (not
  all: "(NOT A) OR (NOT B)"), each a list of criteria (pkg/policy/generator/generator.go:50-104,
  conditionals.go:54-112). The rules of one action are or-ed.
- A `deny` that matches wins; otherwise an `allow` that matches lets the request through;
  otherwise it is denied (authorize/check_response.go:63-75; v0.21.0 :51-56).
- `http_path` is a string matcher on the request path after `url.PathUnescape` of the raw path,
  the error dropped, so a path with an invalid escape reads as "" (authorize/checkrequest/
  checkrequest.go:16-32; v0.21.0 authorize/grpc.go:151-166); string matchers `is`, `contains`,
  `starts_with`, `ends_with`, `in`, `not_in`, `not`, a bare value meaning `is`, all of an
  object's matchers must hold (pkg/policy/criteria/matchers.go:13-40).
Only the criteria the tests use are evaluated; any other raises `Unsupported`.

Jenkins (deliberately generous: it says "reaches the action" for more paths than Jetty and
Stapler would accept): the path is percent-decoded once (an invalid escape kept as it is),
split on `/`, `;parameters` dropped from each segment, empty and `.` segments dropped, `..`
going up; the action is reached when the first segment is its URL name, or the second after
`manage` (core Jenkins.getDynamic matches the URL name with `equals`,
jenkins-2.568.2:core/src/main/java/jenkins/model/Jenkins.java:4010-4021; ManageJenkinsAction
falls back to Jenkins, core/src/main/java/hudson/model/ManageJenkinsAction.java:97-100).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Unsupported", "Request", "decide", "pomerium_path", "jenkins_reaches"]


class Unsupported(Exception):
    pass


@dataclass(frozen=True)
class Request:
    raw_path: str
    email: str | None = None  # None: not signed in
    claims: dict[str, Any] = field(default_factory=dict)
    user_id: str = ""  # the IdP subject, what the `user` criterion matches


_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")


def pomerium_path(raw_path: str) -> str:
    """url.PathUnescape(raw), or "" when it fails (an `%` without two hex digits)."""
    raw = raw_path.split("?", 1)[0]
    if re.search(r"%(?![0-9A-Fa-f]{2})", raw):
        return ""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), raw)


def _string_match(value: str, matcher: Any) -> bool:
    if not isinstance(matcher, dict):
        matcher = {"is": matcher}
    ops = {
        "is": lambda v, a: v == a,
        "contains": lambda v, a: a in v,
        "starts_with": lambda v, a: v.startswith(a),
        "ends_with": lambda v, a: v.endswith(a),
        "not": lambda v, a: v != a,
        "in": lambda v, a: v in a,
        "not_in": lambda v, a: v not in a,
    }
    for op, arg in matcher.items():
        if op not in ops:
            raise Unsupported(f"unknown string matcher operator: {op}")
        if not ops[op](value, arg):
            return False
    return True


def _criterion(req: Request, criterion: dict[str, Any]) -> bool:
    ((name, arg),) = criterion.items()
    if name == "http_path":
        return _string_match(pomerium_path(req.raw_path), arg)
    if name == "accept":
        return bool(arg)
    if name == "reject":
        return not arg
    if name == "authenticated_user":
        return req.email is not None
    if name == "user":
        return req.email is not None and _string_match(req.user_id, arg)
    if name == "email":
        return req.email is not None and _string_match(req.email, arg)
    if name == "domain":
        return req.email is not None and "@" in req.email and _string_match(req.email.rsplit("@", 1)[1], arg)
    if name.startswith("claim/"):
        values = req.claims.get(name[len("claim/"):])
        values = values if isinstance(values, list) else [] if values is None else [values]
        if isinstance(arg, dict):
            raise Unsupported("claim list matchers")
        return req.email is not None and arg in values
    raise Unsupported(f"criterion {name}")


def _rule_matches(req: Request, body: dict[str, Any]) -> bool:
    results = []
    for op, criteria in body.items():
        hits = [_criterion(req, c) for c in criteria]
        if op == "and":
            results.append(all(hits))
        elif op == "or":
            results.append(any(hits))
        elif op == "not":
            results.append(not any(hits))
        elif op == "nor":
            results.append(not all(hits))
        else:
            raise Unsupported(f"operator {op}")
    return any(results)


def decide(policy: Any, req: Request) -> bool:
    """True when Pomerium lets the request through to the upstream."""
    rules = policy if isinstance(policy, list) else [policy]
    verdict = {"allow": False, "deny": False}
    for rule in rules:
        ((action, body),) = rule.items()
        if _rule_matches(req, body):
            verdict[action] = True
    return verdict["allow"] and not verdict["deny"]


def jenkins_reaches(raw_path: str, url_name: str) -> bool:
    """Would Jenkins (generously) dispatch this path to the root action `url_name`?"""
    raw = raw_path.split("?", 1)[0]
    decoded = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), raw)
    segments: list[str] = []
    for seg in decoded.split("/"):
        seg = seg.split(";", 1)[0]
        if seg in ("", "."):
            continue
        if seg == "..":
            if segments:
                segments.pop()
            continue
        segments.append(seg)
    if segments[:1] == [url_name]:
        return True
    return segments[:2] == ["manage", url_name]

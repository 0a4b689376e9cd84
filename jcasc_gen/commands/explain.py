"""`jcasc-gen explain SPEC [PRINCIPAL] [--group G ...]`: what a user or group can actually do.

With a principal: one table of every permission, allowed or not, and why (the grant, the
implication, `group: authenticated`, `user: anonymous` reaching everyone, permissions Jenkins
disables). Without: a matrix of principals by permission.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any, Sequence

if TYPE_CHECKING:
    from .._api import Spec
    from ..item_acl import ItemExplanation

from ..exitcodes import ExitCode
from ._common import add_format_argument, add_spec_argument, emit_json, usage_error
from ._fleet import add_controller_argument, load_fleet_or_report


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_spec_argument(p)
    p.add_argument("principal", metavar="PRINCIPAL", nargs="?",
                   help="user:NAME, group:NAME, or a bare NAME (a user unless the spec only knows it as a group); "
                        "`anonymous` or group:anonymous = not signed in, `authenticated` = any signed-in user")
    p.add_argument("-g", "--group", dest="groups", action="append", default=[], metavar="GROUP",
                   help="an IdP group the user is in (repeat); what Pomerium puts in the groups claim")
    p.add_argument("--allowed-only", action="store_true", help="list only the permissions that are allowed")
    add_format_argument(p)
    add_controller_argument(p)


def _table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows) + "\n"


def run(args: argparse.Namespace) -> int:
    if args.principal is None and args.groups:
        return usage_error("--group needs a PRINCIPAL", "name the user the groups are for, e.g. `explain SPEC "
                           "user:alice@example.com --group devs`")
    chosen = load_fleet_or_report(args, command="explain")
    if not chosen.has_controllers:
        payload, text = _explain(args, chosen.specs[0][1])
        if args.format == "json":
            emit_json({"command": "explain", "spec": args.spec, **payload})
        else:
            sys.stdout.write(text)
        return ExitCode.OK
    # one section per controller: its name, then what a spec of its own would print
    results = [(name, *_explain(args, spec)) for name, spec in chosen.specs]
    if args.format == "json":
        emit_json({"command": "explain", "spec": args.spec,
                   "controllers": [{"controller": name, **payload} for name, payload, _ in results]})
    else:
        sys.stdout.write("\n".join(f"# controller {name}\n{text}" for name, _, text in results))
    return ExitCode.OK


def _explain(args: argparse.Namespace, spec: Spec) -> tuple[dict[str, Any], str]:
    """(the JSON fields, the text) of one spec."""
    from .._api import explain, explain_all

    if args.principal is None:
        table = explain_all(spec)
        if args.format == "json":
            return {"principals": [x.to_json() for x in table]}, ""
        out = ["Effective permissions (X granted, + implied, ~ granted but disabled in Jenkins, . no;\n"
               " * disabled by default in Jenkins: only implied grants count)\n"]
        out += [f"  [{i}] {x.identity.label}\n" for i, x in enumerate(table, 1)]
        rows = [["PERMISSION", *[f"[{i}]" for i in range(1, len(table) + 1)]]]
        for n, pid in enumerate(row.permission for row in table[0].rows):
            cells = []
            for x in table:
                r = x.rows[n]
                cells.append("X" if r.direct else "+" if r.allowed else "~" if r.granted_but_disabled else ".")
            if args.allowed_only and not any(c in "X+" for c in cells):
                continue
            rows.append([pid + ("*" if table[0].rows[n].disabled else ""), *cells])
        return {}, "".join(out) + _table(rows)

    result = explain(spec, args.principal, args.groups)
    who, items = result.identity, result.items
    if args.format == "json":
        return {**result.to_json(), "items": [i.to_json() for i in items]}, ""
    lines = [f"{who.label}\n"]
    if result.matching:
        lines.append("matching grants: " + "; ".join(e.label for e in result.matching) + "\n")
    else:
        lines.append("no grant in the spec matches" + (" (check the name and --group)" if who.signed_in else "") + "\n")
    rows = [["PERMISSION", "ALLOWED", "WHY"]]
    for r in result.rows:
        if args.allowed_only and not r.allowed:
            continue
        rows.append([r.permission, "yes" if r.allowed else "no", r.why])
    return {}, "".join(lines) + _table(rows) + (_items_text(items, args.allowed_only) if items else "")


def _items_text(items: Sequence["ItemExplanation"], allowed_only: bool) -> str:
    """Per item: whether the principal can see it at all, then each item permission and why."""
    out = ["\nitems (folders and jobs of authorization.items and the folders above them; an item the spec does not list "
           "has no matrix of its own here and takes its folder's):\n"]
    rows = [["ITEM", "PERMISSION", "ALLOWED", "WHY"]]
    for item in items:
        label = item.path + ("" if item.inherit is None else f" (inherit {item.inherit})")
        rows.append([label, "(sees it)", "yes" if item.visible else "no",
                     "Overall/Read and Job/Read on it and every folder above" if item.visible else
                     "404: it lacks Overall/Read, or Job/Read on it or a folder above"])
        for pid, d in item.rows:
            if allowed_only and not d.allowed:
                continue
            rows.append(["", pid, "yes" if d.allowed else "no", d.why])
    return "".join(out) + _table(rows)

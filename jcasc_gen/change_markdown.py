"""Effective permission changes as a pull-request comment (GitHub-flavoured markdown).

`diff --format markdown` and `plan --format markdown` print, per principal, the permissions
gained and lost after roles, implications and inheritance (access.effective_changes, the same
computation as explain), as a short table, with the raw file diff folded below in `<details>`.

To stay short, the table leaves out what another row already says:
- a change every signed-in user gets is listed once, on `authenticated`, not on each user and
  group again;
- an item is listed for a principal only where its change differs from the principal's change
  on Jenkins as a whole (matrix-auth's inheritance usually carries it down);
- a permission implied by another one the same row gains (or loses) is counted, not listed.

Principal names and item paths are code spans (`md_code`: shown literally, never a mention,
link or emoji; a `|` is written `\\|`, which GFM tables read as a pipe inside the cell, code spans
included); other text escapes what markdown reads inline (`md_text`). Control characters
are shown as `\\uXXXX`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Sequence

from . import item_paths, names, permissions
from .access import AccessState, PrincipalChange, ScopeChange, effective_changes
from .item_acl import all_paths

__all__ = ["md_text", "md_code", "changes_markdown", "sections_markdown", "Section", "fenced", "MAX_ROWS", "MAX_DETAILS", "MARKER"]

MAX_ROWS = 100
MAX_DETAILS = 40_000  # characters of raw diff; a GitHub comment holds 65,536 in all
MARKER = "<!-- jcasc-gen:effective-changes -->"  # lets a CI job find and update its own comment
# ASCII punctuation that means something inline in CommonMark/GFM (code, emphasis, links,
# images, HTML, entities, tables, strikethrough, math, headings, references).
_INLINE = frozenset("\\`*_[]<>&|~$!#(){}")
# an ordered-list marker where a block starts; up to three spaces before it still start one
_BLOCK_START = re.compile(r"^( {0,3}\d+)([.)])")


def _visible(text: str) -> str:
    """Control and other unprintable characters as `\\uXXXX` (a name cannot hold a line end in markdown)."""
    return "".join(c if c.isprintable() or c == " " else f"\\u{ord(c):04x}" for c in text)


def md_text(text: str) -> str:
    """`text` as inline markdown that renders as exactly this text (after `- ` or in a table cell)."""
    out = "".join("\\" + c if c in _INLINE else c for c in _visible(text))
    lead = len(out) - len(out.lstrip(" "))
    if lead <= 3 and out[lead:lead + 1] in ("-", "+", "=", ">"):  # a list, setext or quote marker where a block starts
        out = out[:lead] + "\\" + out[lead:]
    return _BLOCK_START.sub(lambda m: m.group(1) + "\\" + m.group(2), out)


def _backticks(text: str) -> int:
    """The longest run of backticks in `text`."""
    longest = run = 0
    for c in text:
        run = run + 1 if c == "`" else 0
        longest = max(longest, run)
    return longest


def md_code(text: str, *, in_table: bool = True) -> str:
    """`text` as a code span: shown literally, never a mention, link or emoji on GitHub. In a
    table cell a `|` is written `\\|` (GFM reads it as a pipe of the cell, inside code too)."""
    shown = _visible(text)
    if in_table:
        shown = shown.replace("|", "\\|")
    fence = "`" * (_backticks(shown) + 1)
    # CommonMark strips one space from each end of a code span unless it is all spaces
    pad = " " if shown.strip(" ") and (shown[:1] in ("`", " ") or shown[-1:] in ("`", " ")) else ""
    return f"{fence}{pad}{shown}{pad}{fence}"


def fenced(text: str, info: str = "") -> str:
    """A fenced code block that no line of `text` can close."""
    fence = "`" * max(3, _backticks(text) + 1)
    return f"{fence}{info}\n{text if text.endswith(chr(10)) or not text else text + chr(10)}{fence}\n"


def _who(change: PrincipalChange, named: tuple[set[tuple[str, str]], set[tuple[str, str]]]) -> str:
    p = change.principal
    if p.kind == "anonymous":
        return "**anonymous** (not signed in)"
    if p.kind == "authenticated":
        return "**authenticated** (every signed-in user)"
    before, after = named
    tag = " (new)" if p.key not in before else " (no longer named)" if p.key not in after else ""
    return f"{p.kind.replace('_', '-')} {md_code(p.name)}{tag}"


def _named(state: AccessState) -> set[tuple[str, str]]:
    return {(e.kind, names.fold(e.name)) for e in (*state.entries, *(e for n in state.items for e in n.entries))}


def _where(scope: str | None) -> str:
    return "Jenkins" if scope is None else "item " + md_code(scope)


def _listed(perms: Sequence[str]) -> str:
    """The permissions, leaving out (and counting) those implied by another one in the list."""
    held = set(perms)
    shown = [p for p in perms if not any(q != p and permissions.has_permission({q}, p) for q in held)]
    implied = len(perms) - len(shown)
    text = ", ".join(md_text(p) for p in shown)
    return text + (f" (and {implied} it implies)" if implied else "")


def _cell(sc: ScopeChange, known: bool) -> str:
    if not known:
        return _listed(sc.after) if sc.after else "nothing"
    parts = []
    if sc.gained:
        parts.append("+ " + _listed(sc.gained))
    if sc.lost:
        parts.append("- " + _listed(sc.lost))
    return "<br>".join(parts) if parts else "no change here"


_EMPTY: tuple[str, ...] = ()


def _rows(changes: Sequence[PrincipalChange], known: bool, at: Sequence[str | None], item_permissions: Iterable[str],
          named: tuple[set[tuple[str, str]], set[tuple[str, str]]]) -> list[tuple[str, str, str]]:
    """(principal, where, change) for the table, leaving out what another row says."""
    everyone = next((c for c in changes if c.principal.kind == "authenticated"), None)
    on_items = set(item_permissions)
    by_key = {item_paths.item_key(p): p for p in at if p is not None}
    rows = []
    for change in changes:
        if not known:
            rows += [(_who(change, named), _where(sc.scope), _cell(sc, known)) for sc in change.scopes]
            continue
        baseline = everyone if change.principal.kind not in ("anonymous", "authenticated") else None

        def own(scope: str | None) -> tuple[frozenset[str], frozenset[str], ScopeChange | None]:
            sc = change.at(scope)
            base = baseline.at(scope) if baseline is not None else None
            gained = frozenset(sc.gained if sc else _EMPTY) - frozenset(base.gained if base else _EMPTY)
            lost = frozenset(sc.lost if sc else _EMPTY) - frozenset(base.lost if base else _EMPTY)
            return gained, lost, sc

        for scope in at:
            gained, lost, sc = own(scope)
            if scope is None:
                if not gained and not lost:
                    continue  # nothing beyond the authenticated row
            else:
                parent = item_paths.parent(scope)
                up_gained, up_lost, _ = own(by_key.get(item_paths.item_key(parent)) if parent is not None else None)
                if gained == up_gained & on_items and lost == up_lost & on_items:
                    continue  # what it gets above, inherited
            shown = ScopeChange(scope, tuple(p for p in (sc.gained if sc else ()) if p in gained),
                                tuple(p for p in (sc.lost if sc else ()) if p in lost), sc.after if sc else ())
            rows.append((_who(change, named), _where(scope), _cell(shown, known)))
    return rows


@dataclass(frozen=True)
class Section:
    """One controller's change: `name` None for a spec of one controller."""

    name: str | None
    before: AccessState
    after: AccessState
    other: Sequence[str] = ()  # changes that decide who gets in at all (realm, strategy)


def changes_markdown(title: str, before: AccessState, after: AccessState, *, details: Sequence[tuple[str, str]] = (),
                     other: Sequence[str] = (), max_rows: int = MAX_ROWS, max_details: int = MAX_DETAILS) -> str:
    """The comment for one controller (`sections_markdown` for several)."""
    return sections_markdown(title, [Section(None, before, after, other)], details=details, max_rows=max_rows,
                             max_details=max_details)


def sections_markdown(title: str, sections: Sequence[Section], *, details: Sequence[tuple[str, str]] = (),
                      max_rows: int = MAX_ROWS, max_details: int = MAX_DETAILS) -> str:
    """The comment: a heading; per controller the effective changes table and the other changes
    that decide who gets in at all; then each `details` (summary, diff text) folded."""
    out = [MARKER, f"### {title}"]
    left = max_rows
    any_rows = False
    for section in sections:
        out.append("")
        if section.name is not None:
            out += [f"#### Controller {md_code(section.name, in_table=False)}", ""]
        before, after = section.before, section.after
        if before.problems:
            out += [f"The current matrix could not be read ({md_text('; '.join(before.problems))}): effective permissions "
                    "before the change are not known.", ""]
        elif not before.known:
            out += [f"The current authorization strategy is {md_text(str(before.strategy))}, not a matrix: what each principal "
                    "can do afterwards is listed, not what changes.", ""]
        at = [None, *all_paths([n.path for n in (*before.items, *after.items)])]
        changes = effective_changes(before, after, at=at)
        rows = _rows(changes, before.known, at, after.item_permissions, (_named(before), _named(after)))
        if rows:
            any_rows = True
            head = "can then" if not before.known else "effective change"
            out += [f"| principal | where | {head} |", "|---|---|---|"]
            out += [f"| {w} | {s} | {c} |" for w, s, c in rows[:max(left, 0)]]
            if len(rows) > left:
                out += ["", f"… and {len(rows) - max(left, 0)} more rows, not shown to keep the comment short."]
            left -= len(rows)
        else:
            out.append("No effective permission changes: nobody gains or loses a permission.")
        if section.other:
            out += ["", "Other changes that decide who gets in:", ""] + [f"- {md_text(line)}" for line in section.other]
    if any_rows:
        out += ["", "After roles, implied permissions and folder inheritance (the same computation as `jcasc-gen explain`). "
                "A change every signed-in user gets is listed once, on **authenticated**; an item is listed only where "
                "it differs from the change on Jenkins as a whole."]
    for summary, body in details:
        if body:
            out += ["", f"<details><summary>{_html(summary)}</summary>", "", fenced(_capped(body, max_details), "diff"), "</details>"]
    return "\n".join(out).rstrip("\n") + "\n"


def _capped(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a line end, saying how many lines were left out."""
    if len(text) <= limit:
        return text
    kept = text[:limit].rsplit("\n", 1)[0] + "\n"
    left = text[len(kept):].count("\n") + (0 if text.endswith("\n") else 1)
    return kept + f"... {left} more line{'s' if left != 1 else ''} (the whole diff: jcasc-gen diff without --format markdown)\n"


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

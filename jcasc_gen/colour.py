"""Colour for what the commands show people: one palette, one rule for when.

When: `--color` always, `--no-color` never, else only on a terminal and only when NO_COLOR
is unset or empty (no-color.org). The rule is asked per stream: stderr can be a terminal while
stdout goes to a file. The command line sets the choice once (`configure`); the Python API
never colours.

What: the same mark means the same thing in every command. A line is painted by what it
starts with (after its indentation):

  + (a principal gains, a line added, `wrote`)                      green
  - (a principal loses, a line removed, `removed`, `missing`, `FAIL`,
    `refused`, `error:`)                                           red
  ~ (a change, `stale`, `extra`, `plugin`, `realm`, `restart`,
    `matrix`, `warning:`)                                           yellow
  ! (what could not be compared, `unsafe`)                         magenta
  @@ (a hunk)  cyan;  ---/+++ (a file)  bold;  `unchanged`, `skip`  dim;  `ok`  green

A diagnostic's first line takes its severity's colour (error red, warning yellow, info cyan;
an accepted finding is dim, with its `accepted:` line green).
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Iterable, Literal, Mapping, TextIO

if TYPE_CHECKING:
    from .diagnostics import Diagnostic

__all__ = ["Choice", "configure", "choice", "enabled", "paint", "line", "lines", "diagnostic", "RESET"]

Choice = Literal["auto", "always", "never"]

RESET = "\033[0m"
_STYLE = {"green": "\033[32m", "red": "\033[31m", "yellow": "\033[33m", "magenta": "\033[35m", "cyan": "\033[36m",
          "bold": "\033[1m", "dim": "\033[2m"}
_MARKS = (("+++", "bold"), ("---", "bold"), ("@@", "cyan"), ("+", "green"), ("-", "red"), ("~", "yellow"), ("!", "magenta"))
_WORDS = {
    "wrote": "green", "ok": "green", "added": "green",
    "removed": "red", "missing": "red", "FAIL": "red", "refused": "red", "error:": "red",
    "stale": "yellow", "extra": "yellow", "changed": "yellow", "plugin": "yellow", "realm": "yellow", "restart": "yellow",
    "matrix": "yellow", "warning:": "yellow",
    "unsafe": "magenta",
    "unchanged": "dim", "skip": "dim",
}
_FIRST_WORD = re.compile(r"\s*(\S+)")

_choice: Choice = "auto"


def configure(value: str | None) -> None:
    """The command line's choice for this run (`--color`, `--no-color`, or auto)."""
    global _choice
    _choice = value if value in ("always", "never") else "auto"  # type: ignore[assignment]


def choice() -> Choice:
    return _choice


def enabled(stream: TextIO | object, value: str | None = None, environ: Mapping[str, str] | None = None) -> bool:
    """Colour on this stream? `value` overrides the configured choice."""
    chosen = value or _choice
    if chosen in ("always", "never"):
        return chosen == "always"
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (OSError, ValueError):  # a closed or detached stream
        return False


def paint(text: str, style: str) -> str:
    """`text` in `style` (a key of the palette), the reset before any line end."""
    body, nl = (text[:-1], "\n") if text.endswith("\n") else (text, "")
    return f"{_STYLE[style]}{body}{RESET}{nl}" if body else text


def _style_of(text: str) -> str | None:
    stripped = text.lstrip()
    for mark, style in _MARKS:
        if stripped.startswith(mark):
            return style
    m = _FIRST_WORD.match(text)
    return _WORDS.get(m.group(1)) if m else None


def line(text: str) -> str:
    """One line painted by what it starts with (the palette above); others as they are."""
    style = _style_of(text)
    return paint(text, style) if style else text


def lines(texts: Iterable[str], stream: TextIO | object) -> list[str]:
    """The lines painted when `stream` takes colour, else unchanged."""
    texts = list(texts)
    return [line(t) for t in texts] if enabled(stream) else texts


def diagnostic(d: Diagnostic, stream: TextIO | object) -> str:
    """`d.format()`, its first line in its severity's colour when `stream` takes colour."""
    text = d.format()
    if not enabled(stream):
        return text
    head, *rest = text.split("\n")
    style = "dim" if d.accepted else {"error": "red", "warning": "yellow"}.get(d.severity, "cyan")
    out = [paint(head, style)]
    for extra in rest:
        label, _, value = extra.partition(": ")
        out.append(paint(label + ":", "green" if label.strip() == "accepted" else "bold") + " " + value if value else extra)
    return "\n".join(out)

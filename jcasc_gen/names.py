"""Names as Jenkins compares them, case-insensitively (`String.equalsIgnoreCase`).

Only `fold` for now (item names, jcasc_gen/item_paths.py); the names-files branch grows this
module into the one place for principal names too.

`equalsIgnoreCase` compares per code point: equal, or equal after `Character.toUpperCase`, or
after `Character.toLowerCase` of those upper-cased (openjdk StringUTF16.compareToCIImpl). Java's
per-character mappings are Unicode's simple mappings; Python's str.upper()/lower() give the full
ones, which differ only where the full mapping has several characters: then the simple upper
mapping is the single-character title case if there is one, else the character itself, and the
simple lower mapping of U+0130 is 'i'.
"""

from __future__ import annotations

from functools import lru_cache

__all__ = ["fold", "same"]


@lru_cache(maxsize=4096)
def _java_upper(c: str) -> str:
    up = c.upper()
    if len(up) == 1:
        return up
    title = c.title()
    return title if len(title) == 1 else c


@lru_cache(maxsize=4096)
def _fold_char(c: str) -> str:
    low = _java_upper(c).lower()
    return low if len(low) == 1 else low[0]


def fold(name: str) -> str:
    """The key under which Java's equalsIgnoreCase treats two strings as the same."""
    if name.isascii():
        return name.lower()
    return "".join(_fold_char(c) for c in name)


def same(a: str, b: str) -> bool:
    return fold(a) == fold(b)

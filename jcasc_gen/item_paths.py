"""Item full names (`team-a/ci`) as Jenkins reads, compares and orders them.

One place for what a path in `authorization.items` may be and when two paths are the same item.

- A full name is the item names from the top down joined by "/" (core `Item.getFullName`), so
  a path has no leading or trailing "/" and no empty segment.
- Each name passes core `Jenkins.checkGoodName` (jenkinsci/jenkins@jenkins-2.568.2
  core/src/main/java/jenkins/model/Jenkins.java:4268-4293): not empty, not "." or ".."
  (trimmed), no ISO control character (`Character.isISOControl`: U+0000-U+001F,
  U+007F-U+009F), none of ``?*/\\%!@#$^&|<>[]:;``, and (trimmed) not ending in "." (SECURITY-2424,
  the default). `createItem` trims the name it is given (ItemGroupMixIn.java:162-168), so an
  item never has leading or trailing spaces: a path segment with them matches no item.
- Item lookup is case-insensitive: Jenkins and every folder keep their items in a
  `CopyOnWriteMap.Tree` ordered by `String.CASE_INSENSITIVE_ORDER` (Jenkins.java:489,
  cloudbees-folder-plugin@6.1100.ve9eed61d16c4 AbstractFolder.java:188) and look names up in
  it (Jenkins.java:3021-3033, AbstractFolder.java:935-950). That comparator is
  `compareToIgnoreCase`, the same character fold as `equalsIgnoreCase`: `team-A` and `team-a`
  are one item. `item_key` folds each name with `names.fold`-equivalent Java folding.
"""

from __future__ import annotations

from typing import Iterator

__all__ = ["UNSAFE_CHARACTERS", "name_problem", "path_problem", "item_key", "sort_key", "parent", "ancestors", "segments"]

# Jenkins.checkGoodName's list (Jenkins.java:4281)
UNSAFE_CHARACTERS = "?*/\\%!@#$^&|<>[]:;"


def _fold(name: str) -> str:
    """Java's `equalsIgnoreCase` key for one name (String.CASE_INSENSITIVE_ORDER equality)."""
    from .names import fold

    return fold(name)


def _java_trim(s: str) -> str:
    """Java's String.trim(): only characters up to U+0020 go (not U+00A0 and other spaces)."""
    return s.strip("".join(chr(c) for c in range(0x21)))


def _iso_control(c: str) -> bool:
    code = ord(c)
    return code <= 0x1F or 0x7F <= code <= 0x9F


def name_problem(name: str) -> tuple[str, str] | None:
    """(message, hint) when Jenkins would refuse `name` as an item name (or no item can have it)."""
    if name == "":
        return "an empty item name (two '/' in a row?)", "write the full name as Jenkins shows it, e.g. team-a/ci"
    if _java_trim(name) in (".", ".."):
        return f"{_java_trim(name)!r} is not allowed as an item name", "write the full name from the top, naming each folder"
    for c in name:
        if 0xD800 <= ord(c) <= 0xDFFF:
            return f"an item name must not contain a lone surrogate (U+{ord(c):04X})", "it cannot be written as UTF-8 in a URL; retype the name"
        if _iso_control(c):
            return f"an item name must not contain control characters (U+{ord(c):04X})", "remove it"
        if c in UNSAFE_CHARACTERS:
            return f"{c!r} is not allowed in an item name", f"Jenkins refuses these characters in item names: {UNSAFE_CHARACTERS}"
    if name != _java_trim(name):
        return f"item name {name!r} has leading or trailing spaces", "Jenkins trims item names when it creates them: remove the spaces"
    if name.endswith("."):
        return f"item name {name!r} ends with '.'", "Jenkins refuses item names ending with a dot (SECURITY-2424)"
    return None


def path_problem(path: str) -> tuple[str, str] | None:
    """(message, hint) when `path` is not a well-formed item full name."""
    if path.startswith("/") or path.endswith("/"):
        return (f"path {path!r} starts or ends with '/'",
                f"write the full name without slashes around it: {path.strip('/')!r}" if path.strip("/") else
                "write an item's full name, e.g. team-a/ci")
    for name in path.split("/"):
        problem = name_problem(name)
        if problem is not None:
            return problem
    return None


def segments(path: str) -> list[str]:
    return path.split("/")


def item_key(path: str) -> str:
    """Equal for two paths exactly when Jenkins finds the same item by them."""
    return "/".join(_fold(name) for name in path.split("/"))


def sort_key(path: str) -> tuple[tuple[str, ...], tuple[bytes, ...]]:
    """The order Jenkins lists items in: folder by folder, names case-insensitively
    (CASE_INSENSITIVE_ORDER); a folder before what it holds, however either is spelt; the
    exact spelling only breaks ties between paths that are one item.

    compareToIgnoreCase returns the difference of the folded *code points* where two names
    first differ (StringUTF16.compareToCIImpl widens surrogates before it compares), so the
    folded names are compared as Python strs (code point order), not as UTF-16 units: a
    letter of the supplementary planes sorts after U+FF41 although its high surrogate is
    below it."""
    from .model import java_sort_key

    names = path.split("/")
    return tuple(_fold(n) for n in names), tuple(java_sort_key(n) for n in names)


def parent(path: str) -> str | None:
    """The full name of the folder holding `path` (None at the top level)."""
    head, sep, _ = path.rpartition("/")
    return head if sep else None


def ancestors(path: str) -> Iterator[str]:
    """The folders holding `path`, nearest first."""
    cur = parent(path)
    while cur is not None:
        yield cur
        cur = parent(cur)

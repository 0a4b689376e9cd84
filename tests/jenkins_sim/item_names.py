"""Item names and URLs: how Jenkins compares, checks and encodes a name, and how Stapler
turns a URL path back into names. One module for the whole class (names, paths, encodings).

Sources (docs/fidelity.md "Folders and item matrices"):
- jenkinsci/jenkins@jenkins-2.568.2: Jenkins.java:489 and cloudbees-folder
  AbstractFolder.java:188 (children in a `CopyOnWriteMap.Tree(String.CASE_INSENSITIVE_ORDER)`),
  Util.java:882-998 (rawEncode), Jenkins.java:4268-4306 (checkGoodName).
- jenkinsci/stapler@2088.v915606dc8e86 TokenList.java:58-72, :163-201 (split on '/' and
  '\\', each token %-decoded as UTF-8).
"""

from __future__ import annotations

from . import idstrategy


class ItemError(Exception):
    """A request Jenkins refuses with `Failure` (400 and the message in X-Error), or a test
    that asks the Python API for something Jenkins would not have."""


# ------------------------------------------------------------------ names
def name_key(name: str) -> tuple[int, ...]:
    """The key of String.CASE_INSENSITIVE_ORDER, under which Jenkins and every folder keep
    their children (`CopyOnWriteMap.Tree`): two names are one item exactly when their keys are
    equal, and listings come in the keys' order. Java's own walk (compareToIgnoreCase) is
    ported in idstrategy.py; the key is its order (see `case_insensitive_order_key`), so
    `İ` (U+0130) is the same item as `i` and `I` (Character.toLowerCase(U+0130) is `i`), as
    are `ſ` and `s`, the Kelvin sign and `k`."""
    return idstrategy.case_insensitive_order_key(name)


# Util.rawEncode keeps these ASCII characters (the `raw` map of Util.java:882-896)
_RAW_KEPT = frozenset("!$&'()*+,-.0123456789=@ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz")


def raw_encode(name: str) -> str:
    """hudson.Util.rawEncode: one path segment; UTF-8 %XX (upper-case hex) for everything but
    the characters above. A lone surrogate encodes as '?' (Java's replacement)."""
    out = []
    for c in name:
        if c in _RAW_KEPT:
            out.append(c)
        else:
            out.extend(f"%{b:02X}" for b in c.encode("utf-8", "replace"))
    return "".join(out)


def stapler_decode(token: str) -> str:
    """org.kohsuke.stapler.TokenList.decode: %HH runs as UTF-8 (invalid sequences become
    U+FFFD), a truncated %H at the end is dropped, hex digits read leniently (fromHex)."""
    if "%" not in token:
        return token
    out: list[str] = []
    pending = bytearray()
    i = 0
    while i < len(token):
        c = token[i]
        if c == "%":
            if i + 2 < len(token):  # else a truncated %H: dropped
                hi, lo = token[i + 1], token[i + 2]
                pending.append((_from_hex(hi) * 16 + _from_hex(lo)) & 0xFF)
            i += 3
            continue
        if pending:
            out.append(pending.decode("utf-8", "replace"))
            pending.clear()
        out.append(c)
        i += 1
    if pending:
        out.append(pending.decode("utf-8", "replace"))
    return "".join(out)


def _from_hex(c: str) -> int:
    o = ord(c)
    return (o & 0xF) + (9 if o & 0x40 else 0)


def url_tokens(path: str) -> list[str]:
    """Stapler's raw tokens: the path split on '/' and '\\', empty tokens dropped."""
    return [t for t in path.replace("\\", "/").split("/") if t]


def endpoint_of(path: str) -> str:
    """A request path with its item part collapsed: `/job/a/job/b/config.xml` ->
    `/{item}/config.xml`, so request counts can be compared per endpoint."""
    tokens = url_tokens(path)
    i = 0
    while i + 1 < len(tokens) and tokens[i] == "job":
        i += 2
    if i == 0:
        return path
    rest = "/".join(tokens[i:])
    return "/{item}/" + rest + ("/" if rest and path.endswith("/") else "")


_UNSAFE = "?*/\\%!@#$^&|<>[]:;"


def check_good_name(name: str) -> None:
    """Jenkins.checkGoodName (Jenkins.java:4268-4293), the messages of
    hudson/model/Messages.properties (Hudson.NoName, .ControlCodeNotAllowed, .UnsafeChar,
    .TrailingDot, Jenkins.NotAllowedName)."""
    if not name:
        raise ItemError("No name is specified")
    if java_trim(name) in (".", ".."):
        raise ItemError(f"“{java_trim(name)}” is not an allowed name")
    for ch in name:
        if _iso_control(ch):
            printable = "".join(f"\\u{ord(c)};" if _iso_control(c) else c for c in name)
            raise ItemError(f"No control code is allowed: {printable}")
        if ch in _UNSAFE:
            raise ItemError(f"‘{ch}’ is an unsafe character")
    if java_trim(name).endswith("."):
        raise ItemError("A name cannot end with ‘.’")


def _iso_control(c: str) -> bool:
    return ord(c) <= 0x1F or 0x7F <= ord(c) <= 0x9F  # Character.isISOControl


def java_trim(s: str) -> str:
    """String.trim(): strips characters <= U+0020 at both ends (not Unicode spaces)."""
    start, end = 0, len(s)
    while start < end and s[start] <= " ":
        start += 1
    while end > start and s[end - 1] <= " ":
        end -= 1
    return s[start:end]

"""Principal names as Jenkins compares them, and the characters a name must not hold.

Every place the product compares user or group ids (validation, lint, the lockout guard,
explain, import, diff, verify) goes through `fold`; nothing else lower-cases a name.

How Jenkins compares ids
------------------------
matrix-auth matches a grant's sid to a requester with the realm's IdStrategy
(matrix-auth-3.2.8 AuthorizationContainer.java:301-322: an exact PermissionEntry first,
then `strategy.equals(entry.getSid(), sid)`); jwt-auth keeps core's default
`IdStrategy.CASE_INSENSITIVE` (core SecurityRealm.java:185-186). Its `equals` is:

- up to Jenkins 2.575 and LTS 2.568.1: `id1.equalsIgnoreCase(id2)`
  (jenkins-2.568.1 core/src/main/java/jenkins/model/IdStrategy.java:214-216), which is
  `StringUTF16.compareToCIImpl(...) == 0` for strings of equal UTF-16 length: per code point
  (surrogate pairs joined), `Character.toUpperCase` on both, and if they still differ,
  `Character.toLowerCase` of those (openjdk/jdk StringUTF16.java compareToCIImpl and
  compareCodePointCI; JDK 16+, JDK-8248655). So 'ſ' (U+017F) equals 's', 'ı' (U+0131)
  equals 'i', the Kelvin sign equals 'k', 'ς' equals 'σ'.
- from Jenkins 2.576 and LTS 2.568.2 (SECURITY-3924, core commit 0e88fcee42):
  `keyFor(id1).equals(keyFor(id2))` with `keyFor(id) = id.toLowerCase(Locale.ENGLISH)`
  (jenkins-2.568.2 IdStrategy.java:208-216): full lower-case mapping, so 'ſ' is no longer 's'.

`fold` is the first rule as a key: `fold(a) == fold(b)` exactly when
`a.equalsIgnoreCase(b)`. Java's simple case mappings never move a code point between the BMP
and the supplementary planes (checked by tests/generator/test_names.py against the tables), so
folding per code point keeps the UTF-16 length and alignment that compareToCIImpl relies on.
Names holding a character the two rules treat differently are `version_dependent`: lint warns
(JG016) and the guard only trusts an exact match for them. For every other name the two rules
agree (`fold(s) == s.toLowerCase(Locale.ENGLISH)` character by character).

Java's per-character tables from Python
---------------------------------------
`Character.toUpperCase(int)`/`toLowerCase(int)` are Unicode's *simple* mappings
(UnicodeData.txt fields 12/13; a character without one maps to itself). Python's str.upper()
and lower() give the *full* mappings (SpecialCasing.txt). Where the full mapping is one
character it is the simple mapping. Where it is longer: for upper case, the simple mapping is
the single-character title case where there is one (the Greek letters with ypogegrammeni,
U+1F80..U+1FFC: 'ᾀ' -> 'ᾈ') and the character itself otherwise ('ß' stays 'ß'); for lower
case only U+0130 has a longer mapping ('i' + U+0307) and its simple mapping is 'i'. This
derivation was compared with every code point of OpenJDK 17 and Temurin 25 (the test
`test_tables_and_comparisons_match_the_jdk` does it again when a `java` is on PATH): they differ only where
Unicode versions differ, listed in `_UNICODE_VERSION_DEPENDENT` (Java 17 has Unicode 13,
Java 21 Unicode 15, Java 25 Unicode 16; Python 3.10 to 3.14 have 13 to 16). Those characters
are version-dependent too, so the fold of any name that is not version-dependent is the same
on every Python and every Java this tool meets.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Iterable

__all__ = ["ANONYMOUS", "AUTHENTICATED", "EVERYONE", "fold", "same", "is_anonymous", "is_authenticated", "is_everyone",
           "java_upper", "java_lower", "version_dependent", "matches_everywhere", "unsafe_characters", "describe",
           "lookalike_problems", "scripts"]

ANONYMOUS = "anonymous"  # core ACL.ANONYMOUS_USERNAME; also the authority of anonymous requests
AUTHENTICATED = "authenticated"  # core SecurityRealm.AUTHENTICATED_AUTHORITY2, every signed-in request
# core SidACL.toString(EVERYONE) (jenkins-2.568.2 SidACL.java:127-128): the group-type sid
# checked for every request (AUTOMATIC_SIDS), so `group: role_everyone` reaches everyone.
EVERYONE = "role_everyone"

# Code points whose case mapping differs between Unicode 13 (Java 17), 15 (Java 21) and
# 16 (Java 25): found by dumping Character.toUpperCase/toLowerCase for every code point on
# OpenJDK 17.0.15 and Temurin 25 and comparing (docs/fidelity.md, "Names").
_UNICODE_VERSION_DEPENDENT: tuple[tuple[int, int], ...] = (
    (0x019B, 0x019B), (0x0264, 0x0264), (0x1C89, 0x1C8A), (0x2C2F, 0x2C2F), (0x2C5F, 0x2C5F),
    (0xA7C0, 0xA7C1), (0xA7CB, 0xA7CD), (0xA7D0, 0xA7D1), (0xA7D6, 0xA7DC), (0x10570, 0x105BC),
    (0x10D50, 0x10D65), (0x10D70, 0x10D85),
)
# Full lower-case mappings that differ from the simple one in Locale.ENGLISH: U+0130 maps to
# two characters, U+03A3 to 'σ' or 'ς' by context (openjdk StringUTF16.toLowerCase; both go
# through ConditionalSpecialCasing).
_FULL_LOWER_DIFFERS = frozenset({0x0130, 0x03A3})


@lru_cache(maxsize=4096)
def java_upper(cp: int) -> int:
    """`Character.toUpperCase(int)`: Unicode's simple upper-case mapping (see the module doc)."""
    c = chr(cp)
    up = c.upper()
    if len(up) == 1:
        return ord(up)
    title = c.title()
    return ord(title) if len(title) == 1 else cp


@lru_cache(maxsize=4096)
def java_lower(cp: int) -> int:
    """`Character.toLowerCase(int)`: Unicode's simple lower-case mapping (see the module doc)."""
    low = chr(cp).lower()
    return ord(low) if len(low) == 1 else ord(low[0])


@lru_cache(maxsize=4096)
def _fold_char(c: str) -> str:
    return chr(java_lower(java_upper(ord(c))))


def fold(name: str) -> str:
    """The key under which Jenkins (String.equalsIgnoreCase) treats ids as the same."""
    if name.isascii():
        return name.lower()  # ASCII: Java's upper-then-lower is plain ASCII lower-casing
    return "".join(_fold_char(c) for c in name)


def same(a: str, b: str) -> bool:
    return fold(a) == fold(b)


def is_anonymous(name: str) -> bool:
    return fold(name) == ANONYMOUS


def is_authenticated(name: str) -> bool:
    return fold(name) == AUTHENTICATED


def is_everyone(name: str) -> bool:
    return fold(name) == EVERYONE


@lru_cache(maxsize=4096)
def _version_dependent_char(c: str) -> bool:
    cp = ord(c)
    if cp < 0x80:
        return False
    if cp in _FULL_LOWER_DIFFERS or java_lower(java_upper(cp)) != java_lower(cp):
        return True
    return any(lo <= cp <= hi for lo, hi in _UNICODE_VERSION_DEPENDENT)


def version_dependent(name: str) -> tuple[str, ...]:
    """The characters of `name` that Jenkins versions (or Java versions) match differently."""
    if name.isascii():
        return ()
    return tuple(dict.fromkeys(c for c in name if _version_dependent_char(c)))


def matches_everywhere(a: str, b: str) -> bool:
    """Does every Jenkins version match ids `a` and `b`? (An exact match always does:
    matrix-auth looks the exact PermissionEntry up first.) For predictions that must hold,
    like the lockout guard's."""
    if a == b:
        return True
    return fold(a) == fold(b) and not version_dependent(a) and not version_dependent(b)


# --- characters a name (or a path that reaches another tool) must not hold -------------------

# Default_Ignorable_Code_Point characters that are not format characters (DerivedCoreProperties:
# combining grapheme joiner, Hangul fillers, Khmer inherent vowels, Mongolian free variation
# selectors, variation selectors) and the braille blank, which renders as nothing.
_INVISIBLE_RANGES: tuple[tuple[int, int, str], ...] = (
    (0x034F, 0x034F, "an invisible character"), (0x115F, 0x1160, "an invisible character"),
    (0x17B4, 0x17B5, "an invisible character"), (0x180B, 0x180F, "a variation selector"),
    (0x2800, 0x2800, "an invisible character"), (0x3164, 0x3164, "an invisible character"),
    (0xFE00, 0xFE0F, "a variation selector"), (0xFFA0, 0xFFA0, "an invisible character"),
    (0xE0100, 0xE01EF, "a variation selector"),
)
_CATEGORY_WHY = {
    "Cc": "a control character",
    "Cf": "an invisible format character",
    "Cs": "a lone surrogate",
    "Co": "a private-use character",
    "Zl": "a line separator",
    "Zp": "a paragraph separator",
}


def describe(c: str) -> str:
    """`U+200B ZERO WIDTH SPACE`."""
    return f"U+{ord(c):04X} {unicodedata.name(c, 'unnamed character')}"


@lru_cache(maxsize=4096)
def _unsafe_char(c: str) -> str | None:
    cp = ord(c)
    if 0x20 < cp < 0x7F:
        return None
    if c == " ":
        return None
    cat = unicodedata.category(c)
    if cat in _CATEGORY_WHY:
        return _CATEGORY_WHY[cat]
    for lo, hi, why in _INVISIBLE_RANGES:
        if lo <= cp <= hi:
            return why
    if (cp & 0xFFFE) == 0xFFFE or 0xFDD0 <= cp <= 0xFDEF:
        return "a noncharacter"
    return None


def unsafe_characters(text: str) -> list[tuple[str, str]]:
    """(character, why) for each distinct character `text` must not hold: control, format,
    invisible and private-use characters, variation selectors, lone surrogates, noncharacters
    and line or paragraph separators. A grant named with one matches nobody the IdP sends (a
    zero-width space after an administrator's address leaves nobody administering). Spaces
    other than U+0020 are visible and may be real (an ideographic space in a Japanese display
    name): they are look-alikes (`lookalike_problems`), not refused."""
    if text.isascii() and text.isprintable():
        return []
    out: dict[str, str] = {}
    for c in text:
        why = _unsafe_char(c)
        if why is not None and c not in out:
            out[c] = why
    return list(out.items())


# --- look-alikes --------------------------------------------------------------------------------

# Scripts that mix in real names (Unicode TS #39 "Highly Restrictive"): Latin with Han and
# Japanese kana, with Han and Bopomofo, or with Han and Hangul.
_ALLOWED_MIXES: tuple[frozenset[str], ...] = (
    frozenset({"LATIN", "HAN", "HIRAGANA", "KATAKANA"}),
    frozenset({"LATIN", "HAN", "BOPOMOFO"}),
    frozenset({"LATIN", "HAN", "HANGUL"}),
)
_SCRIPT_ALIASES = {"CJK": "HAN", "IDEOGRAPHIC": "HAN", "KATAKANA-HIRAGANA": "KATAKANA"}


@lru_cache(maxsize=4096)
def _script(c: str) -> str | None:
    """The script of a letter, from its Unicode name (`CYRILLIC SMALL LETTER A` -> CYRILLIC);
    None for what is not a letter. Python has no Script property: the name's first word is
    the script for letters of every script the name-based heuristic knows."""
    if not unicodedata.category(c).startswith("L"):
        return None
    compat = unicodedata.normalize("NFKC", c)
    if compat != c and compat[:1].isalpha():
        c = compat[0]  # the Kelvin sign is Latin, the Ohm sign Greek (their names do not say so)
    words = unicodedata.name(c, "").split()
    while words and words[0] in ("FULLWIDTH", "HALFWIDTH"):
        words = words[1:]
    if not words:
        return None
    return _SCRIPT_ALIASES.get(words[0], words[0])


def scripts(name: str) -> list[str]:
    """The scripts of the letters of `name`, in order of first use."""
    return list(dict.fromkeys(s for s in (_script(c) for c in name) if s is not None))


def lookalike_problems(name: str) -> list[str]:
    """Why `name` may not be what a reviewer reads: letters of several scripts (a Cyrillic
    'а' in a Latin name), compatibility characters (fullwidth, ligatures, 'ſ', the Kelvin
    sign: NFKC changes them) and characters not in composed form. Empty for plain names."""
    if name.isascii():
        return []
    out = []
    found = scripts(name)
    if len(found) > 1 and not any(set(found) <= mix for mix in _ALLOWED_MIXES):
        out.append("mixes letters of " + " and ".join(s.title() for s in found) + " script")
    nfkc = unicodedata.normalize("NFKC", name)
    if nfkc != name:
        odd = [c for c in dict.fromkeys(name) if unicodedata.normalize("NFKC", c) != c]
        if odd:
            out.append("has compatibility characters (" + ", ".join(
                f"{describe(c)}, which looks like {unicodedata.normalize('NFKC', c)!r}" for c in odd[:3]) + ")")
        else:
            out.append(f"is not in composed form (NFC: {unicodedata.normalize('NFC', name)!r})")
    return out


def folded_set(names: Iterable[str]) -> set[str]:
    return {fold(n) for n in names}

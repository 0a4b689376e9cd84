"""core IdStrategy.CASE_INSENSITIVE: how Jenkins decides that two user or group ids are the
same, written from the Java sources (this module imports nothing from jcasc_gen; the product
has its own implementation in jcasc_gen/names.py and a test compares the two).

Jenkins changed the rule in SECURITY-3924:
- jenkins-2.568.1 core/src/main/java/jenkins/model/IdStrategy.java:214-216:
  `id1.equalsIgnoreCase(id2)`;
- jenkins-2.568.2 (and weekly 2.576) IdStrategy.java:208-216:
  `keyFor(id1).equals(keyFor(id2))`, `keyFor(id) = id.toLowerCase(Locale.ENGLISH)`.

String.equalsIgnoreCase (openjdk/jdk String.java) is `length() == other.length() &&
regionMatches(true, 0, other, 0, length())`, which for UTF-16 strings is
StringUTF16.regionMatchesCI -> compareToCIImpl(...) == 0: a walk over UTF-16 code units;
equal units, or units whose `Character.toUpperCase` agree, or whose `Character.toLowerCase`
of those agree, continue; otherwise a surrogate unit is widened to its whole code point
(codePointIncluding; a high surrogate also advances that side's index) and compared the same
way. `_compare_ci` below walks the same way.

String.toLowerCase(Locale.ENGLISH) (StringUTF16.toLowerCase / toLowerCaseEx): each code point
through `Character.toLowerCase`, except U+03A3 and U+0130, which go through
ConditionalSpecialCasing: U+0130 becomes "i\u0307"; U+03A3 becomes U+03C2 when it is
"Final_Cased" (a cased letter before it and none after it, within the word around it; Java
finds the word with BreakIterator.getWordInstance, approximated here by runs of letters, marks
and digits: an assumption, see docs/fidelity.md "Names").
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

__all__ = ["equals", "equals_ignore_case", "compare_to_ignore_case", "case_insensitive_order_key", "compare_key",
           "to_lower_case_english", "rule_for_version", "char_upper", "char_lower"]


@lru_cache(maxsize=8192)
def char_upper(cp: int) -> int:
    """Character.toUpperCase(int): the simple mapping of UnicodeData.txt, itself when none.

    Python's str.upper() is the full mapping; it equals the simple one when it is one
    character. The longer full mappings have no simple upper case except the Greek letters
    with ypogegrammeni, whose simple upper case is their one-character title case.
    """
    if 0xD800 <= cp <= 0xDFFF:
        return cp  # a lone surrogate unit maps to itself (CharacterData00 has no entry)
    full = chr(cp).upper()
    if len(full) == 1:
        return ord(full)
    title = chr(cp).title()
    return ord(title) if len(title) == 1 else cp


@lru_cache(maxsize=8192)
def char_lower(cp: int) -> int:
    """Character.toLowerCase(int). Only U+0130 has a longer full lower case ("i\u0307");
    its simple mapping is 'i'."""
    if 0xD800 <= cp <= 0xDFFF:
        return cp
    full = chr(cp).lower()
    return ord(full) if len(full) == 1 else (0x69 if cp == 0x130 else cp)


def _units(s: str) -> list[int]:
    """The UTF-16 code units Java holds for `s` (lone surrogates pass through)."""
    data = s.encode("utf-16-be", "surrogatepass")
    return [int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data), 2)]


def _compare_code_point_ci(a: int, b: int) -> int:
    a, b = char_upper(a), char_upper(b)
    if a != b:
        a, b = char_lower(a), char_lower(b)
        if a != b:
            return a - b
    return 0


def _code_point_including(units: list[int], cp: int, index: int, start: int, end: int) -> int:
    """StringUTF16.codePointIncluding: negative when a high surrogate took the next unit."""
    if not 0xD800 <= cp <= 0xDFFF:
        return cp
    if 0xDC00 <= cp <= 0xDFFF:
        if index > start and 0xD800 <= units[index - 1] <= 0xDBFF:
            return 0x10000 + ((units[index - 1] - 0xD800) << 10) + (cp - 0xDC00)
    elif index + 1 < end and 0xDC00 <= units[index + 1] <= 0xDFFF:
        return -(0x10000 + ((cp - 0xD800) << 10) + (units[index + 1] - 0xDC00))
    return cp


def _compare_ci(a: list[int], b: list[int]) -> int:
    """StringUTF16.compareToCIImpl over whole strings."""
    k1 = k2 = 0
    while k1 < len(a) and k2 < len(b):
        cp1, cp2 = a[k1], b[k2]
        if cp1 == cp2 or _compare_code_point_ci(cp1, cp2) == 0:
            k1 += 1
            k2 += 1
            continue
        cp1 = _code_point_including(a, cp1, k1, 0, len(a))
        if cp1 < 0:
            k1 += 1
            cp1 = -cp1
        cp2 = _code_point_including(b, cp2, k2, 0, len(b))
        if cp2 < 0:
            k2 += 1
            cp2 = -cp2
        diff = _compare_code_point_ci(cp1, cp2)
        if diff:
            return diff
        k1 += 1
        k2 += 1
    return len(a) - len(b)


def equals_ignore_case(a: str, b: str) -> bool:
    """java.lang.String.equalsIgnoreCase."""
    ua, ub = _units(a), _units(b)
    return len(ua) == len(ub) and (ua == ub or _compare_ci(ua, ub) == 0)


def compare_to_ignore_case(a: str, b: str) -> int:
    """java.lang.String.compareToIgnoreCase, which is String.CASE_INSENSITIVE_ORDER.compare
    (String.java: CaseInsensitiveComparator -> StringUTF16.compareToCI / StringLatin1.compareToCI;
    the Latin-1 forms fold the same way, per char, and every Latin-1 fold is below the
    surrogates, so the walk above gives their sign too)."""
    return _compare_ci(_units(a), _units(b))


def case_insensitive_order_key(s: str) -> tuple[int, ...]:
    """A sort and equality key for String.CASE_INSENSITIVE_ORDER: the code points, each
    through Character.toLowerCase(Character.toUpperCase(cp)).

    Why a key can stand for the walk: compareToCIImpl continues while the code units fold
    equal; where they differ it widens surrogates to whole code points and returns the
    difference of the folded code points; a string that runs out first is smaller. So the
    order is the lexicographic order of the folded code points, which is how Python compares
    tuples. It is *not* the order of the folded UTF-16 units: U+10400 sorts after U+FF41
    here (code points), though its high surrogate U+D801 is below U+FF41. tests/sim/test_items.py
    holds the key to the walk and, where a `java` is on PATH, to the JDK's own TreeMap."""
    return tuple(char_lower(char_upper(ord(c))) for c in s)


def _cased(cp: int) -> bool:
    # ConditionalSpecialCasing.isCased: Lu, Ll, Lt, or Other_Lowercase/Other_Uppercase
    # (approximated by "has a case mapping or is Lu/Ll/Lt").
    cat = unicodedata.category(chr(cp))
    return cat in ("Lu", "Ll", "Lt") or char_upper(cp) != cp or char_lower(cp) != cp


def _word_char(cp: int) -> bool:
    return unicodedata.category(chr(cp))[0] in "LMN"


def _final_cased(cps: list[int], i: int) -> bool:
    before = i - 1
    while before >= 0 and _word_char(cps[before]):
        if _cased(cps[before]):
            after = i + 1
            while after < len(cps) and _word_char(cps[after]):
                if _cased(cps[after]):
                    return False
                after += 1
            return True
        before -= 1
    return False


def to_lower_case_english(s: str) -> str:
    """java.lang.String.toLowerCase(Locale.ENGLISH) (the returned string's UTF-16 units)."""
    cps = [ord(c) for c in s.encode("utf-16-be", "surrogatepass").decode("utf-16-be", "surrogatepass")]
    out = []
    for i, cp in enumerate(cps):
        if cp == 0x130:
            out.append("i\u0307")
        elif cp == 0x3A3:
            out.append("\u03c2" if _final_cased(cps, i) else "\u03c3")
        else:
            out.append(chr(char_lower(cp)))
    return "".join(out)


def _version_tuple(version: str) -> tuple[int, ...]:
    out = []
    for part in version.split("."):
        digits = "".join(ch for ch in part if ch.isdigit())
        out.append(int(digits) if digits else 0)
    return tuple(out)


def rule_for_version(version: str) -> str:
    """"equalsIgnoreCase" before SECURITY-3924 (weekly 2.576, LTS 2.568.2), else "keyFor"."""
    v = _version_tuple(version)
    if v[:2] == (2, 568):
        return "keyFor" if v[2:3] >= (2,) else "equalsIgnoreCase"
    return "keyFor" if v[:2] >= (2, 576) else "equalsIgnoreCase"


def compare_key(version: str, s: str) -> object:
    """A sort key for IdStrategy.CASE_INSENSITIVE.compare on a Jenkins of `version` (the order
    matrix-auth's PermissionEntryComparator writes entries in, and its TreeSet's equality):
    `id1.compareToIgnoreCase(id2)` before SECURITY-3924 (jenkins-2.568.1 IdStrategy.java:219-221),
    `keyFor(id1).compareTo(keyFor(id2))` after it (jenkins-2.568.2 IdStrategy.java:219-221):
    String.compareTo is the order of UTF-16 code units."""
    if rule_for_version(version) == "keyFor":
        return to_lower_case_english(s).encode("utf-16-be", "surrogatepass")
    return case_insensitive_order_key(s)


def equals(version: str, a: str, b: str) -> bool:
    """IdStrategy.CASE_INSENSITIVE.equals(a, b) on a Jenkins of `version`."""
    if rule_for_version(version) == "keyFor":
        return to_lower_case_english(a) == to_lower_case_english(b)
    return equals_ignore_case(a, b)

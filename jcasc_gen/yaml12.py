"""How Pomerium reads a plain YAML scalar, and whether this tool reads it the same way.

The spec is YAML 1.1 (PyYAML's resolver): `NO` is false, `010` is 8, `1:30` is 90. Pomerium
reads its configuration with viper (pomerium@v0.33.1 config/options.go:388-404, go.mod: viper
v1.21.0), whose YAML codec is go.yaml.in/yaml/v3 v3.0.4 (spf13/viper@v1.21.0
internal/encoding/yaml/codec.go:3,13; its resolve.go is unchanged since go-yaml v3.0.1):
there `NO` is the text "NO", `010` is still 8 (Go's ParseInt with base 0), `1:30` is the text
"1:30", `0o17` is 15, `1e3` is 1000.0. A policy value the user wrote plain therefore means one
thing here and another in Pomerium; the spec refuses such values (quote them, or write the
value both read alike), so the policy reaches Pomerium as the user wrote it.

`resolve` follows go-yaml/yaml@v3.0.1:resolve.go `resolve` (lines 126-265) for untagged plain
scalars decoded into interface{} (decode.go `scalar`: the resolved value as is).
"""

from __future__ import annotations

import math
import re
from typing import Any

__all__ = ["resolve", "Timestamp", "same_reading", "plain_problem"]

INT64 = (-(1 << 63), (1 << 63) - 1)
UINT64_MAX = (1 << 64) - 1


class Timestamp(str):
    """A plain scalar go-yaml decodes as time.Time (parseTimestamp); its text."""


# resolve.go:52-59 resolveMap
_MAP: dict[str, Any] = {
    **{s: True for s in ("true", "True", "TRUE")},
    **{s: False for s in ("false", "False", "FALSE")},
    **{s: None for s in ("", "~", "null", "Null", "NULL")},
    **{s: math.nan for s in (".nan", ".NaN", ".NAN")},
    **{s: math.inf for s in (".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF")},
    **{s: -math.inf for s in ("-.inf", "-.Inf", "-.INF")},
}
_YAML_STYLE_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")  # resolve.go:124
_TIMESTAMP_FORMATS = (
    # resolve.go:294-301, as regular expressions of Go's time.Parse layouts
    re.compile(r"^\d{4}-\d{1,2}-\d{1,2}[Tt]\d{1,2}:\d{1,2}:\d{1,2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$"),
    re.compile(r"^\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d{1,2}:\d{1,2}(\.\d{1,9})?$"),
    re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$"),
)
_DIGITS = {2: "01", 8: "01234567", 10: "0123456789", 16: "0123456789abcdefABCDEF"}


def _go_parse_int(s: str, base: int, *, signed: bool) -> int | None:
    """strconv.ParseInt (signed) / ParseUint: the value, or None on a syntax or range error.
    Base 0 reads the prefixes 0x, 0o, 0b and a leading 0 as octal."""
    sign = 1
    if signed and s[:1] in ("+", "-"):
        sign = -1 if s[0] == "-" else 1
        s = s[1:]
    if base == 0:
        low = s[:2].lower()
        if low == "0x":
            base, s = 16, s[2:]
        elif low == "0o":
            base, s = 8, s[2:]
        elif low == "0b":
            base, s = 2, s[2:]
        elif s[:1] == "0" and len(s) > 1:
            base, s = 8, s[1:]
        else:
            base = 10
    if not s or any(c not in _DIGITS[base] for c in s):
        return None
    value = sign * int(s, base)
    if signed:
        return value if INT64[0] <= value <= INT64[1] else None
    return value if value <= UINT64_MAX else None


def _go_parse_float(s: str) -> float | None:
    """strconv.ParseFloat on text that already has decimal float syntax: None when out of range."""
    try:
        value = float(s)
    except ValueError:
        return None
    return None if math.isinf(value) else value


def _int_or_uint(plain: str, base: int) -> int | None:
    v = _go_parse_int(plain, base, signed=True)
    if v is None and plain[:1] not in ("+", "-"):
        v = _go_parse_int(plain, base, signed=False)
    return v


def resolve(text: str) -> Any:
    """What go-yaml v3 decodes an untagged plain scalar to (in interface{}): None, bool, int,
    float, a `Timestamp`, or the text itself (`<<` included: only the first characters in
    resolveTable are looked up)."""
    hint = text[:1]
    if text in _MAP:  # every key of the map starts with a character of resolveTable
        return _MAP[text]
    if hint == ".":
        return _go_parse_float(text) if re.fullmatch(r"\.[0-9]+([eE][-+]?[0-9]+)?", text) else text
    if not (hint.isdigit() and hint.isascii()) and hint not in ("+", "-"):
        return text
    if any(f.match(text) for f in _TIMESTAMP_FORMATS):
        return Timestamp(text)
    plain = text.replace("_", "")
    if not plain:
        return text
    value = _int_or_uint(plain, 0)
    if value is not None:
        return value
    if _YAML_STYLE_FLOAT.match(plain):
        f = _go_parse_float(plain)
        if f is not None:
            return f
    for prefix, base in (("0b", 2), ("-0b", 2), ("0o", 8), ("-0o", 8)):
        if plain.startswith(prefix):
            digits = plain[len(prefix):]
            v = _go_parse_int(("-" if prefix[0] == "-" else "") + digits, base, signed=True)
            if v is None and prefix[0] != "-":
                v = _go_parse_int(digits, base, signed=False)
            if v is not None:
                return v
            break
    return text


def same_reading(ours: Any, text: str) -> bool:
    """Does go-yaml read the plain scalar `text` as the value this tool read (`ours`)? Types
    must match (true is not 1, 1 is not 1.0); a timestamp counts as its text (the spec keeps
    it, and the policy gets it quoted)."""
    theirs = resolve(text)
    if isinstance(theirs, Timestamp):
        return isinstance(ours, str) and ours == text
    if type(ours) is not type(theirs):
        return False
    if isinstance(ours, float) and math.isnan(ours):
        return math.isnan(theirs)
    return bool(ours == theirs)


def _show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return "not-a-number" if math.isnan(value) else "infinity"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    return f"the text {str(value)!r}"


def plain_problem(ours: Any, text: str) -> tuple[str, str] | None:
    """(message, hint) when the plain scalar `text`, read by this tool as `ours`, must not go to
    Pomerium: it reads differently there, or it is a number Pomerium cannot carry (NaN,
    infinity, integers beyond 64 bits)."""
    quoted = "'" + text.replace("'", "''") + "'"
    if isinstance(ours, float) and (math.isnan(ours) or math.isinf(ours)):
        return (f"{text!r} is {_show(ours)}, which a policy cannot compare with", f"quote it ({quoted}) if it is text")
    if isinstance(ours, int) and not isinstance(ours, bool) and not INT64[0] <= ours <= UINT64_MAX:
        return (f"{text[:40]!r}{'...' if len(text) > 40 else ''} is a number beyond 64 bits, which Pomerium reads as "
                "an approximate float", "quote it if it is text")
    if same_reading(ours, text):
        return None
    theirs = resolve(text)
    return (f"{text!r} reads as {_show(ours)} here (YAML 1.1) but as {_show(theirs)} in Pomerium (YAML 1.2)",
            f"quote it ({quoted}) for the text, or write the value so both read it alike")

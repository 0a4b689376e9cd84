"""job_dsl.groovy_string against a reader of Groovy's single-quoted string literals, written
from the lexer grammar (apache/groovy src/antlr/GroovyLexer.g4 at 01f6a75b68: StringLiteral's
`SqStringQuotationMark SqStringCharacter* SqStringQuotationMark`, SqStringCharacter
`~['\\r\\n\\\\] | EscapeSequence`, EscapeSequence `\\[btnfrs"'\\\\]`, OctalEscape, UnicodeEscape,
DollarEscape, LineEscape), and the Job DSL script read back through YAML and Groovy."""

from __future__ import annotations

import re

from hypothesis import given, settings, strategies as st

from jcasc_gen import job_dsl
from jcasc_gen.jcasc import unescape_interpolation
from jcasc_gen.render import parse_yaml, yaml_scalar

_SIMPLE = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", "s": " ", '"': '"', "'": "'", "\\": "\\", "$": "$"}


def read_sq_literal(text: str, pos: int = 0) -> tuple[str, int]:
    """One '...' literal starting at `pos`: (its value, the index after it). Raises ValueError
    where the Groovy lexer would not accept it."""
    if text[pos] != "'":
        raise ValueError("not a single-quoted string")
    out, i = [], pos + 1
    while True:
        if i >= len(text):
            raise ValueError("unterminated")
        c = text[i]
        if c == "'":
            return "".join(out), i + 1
        if c in "\r\n":
            raise ValueError("a line break in a single-quoted string")
        if c != "\\":
            out.append(c)
            i += 1
            continue
        nxt = text[i + 1:i + 2]
        if nxt in _SIMPLE:
            out.append(_SIMPLE[nxt])
            i += 2
        elif nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", text[i + 2:i + 6]):
            out.append(chr(int(text[i + 2:i + 6], 16)))
            i += 6
        elif nxt and nxt in "01234567":
            m = re.match(r"[0-3][0-7]{2}|[0-7]{1,2}", text[i + 1:])
            assert m
            out.append(chr(int(m.group(0), 8)))
            i += 1 + len(m.group(0))
        elif nxt in ("\n", "\r"):
            i += 2 + (text[i + 1:i + 3] == "\r\n")
        else:
            raise ValueError(f"bad escape \\{nxt}")


@settings(max_examples=500)
@given(st.text())
def test_any_string_reads_back(value: str) -> None:
    literal = job_dsl.groovy_string(value)
    read, end = read_sq_literal(literal)
    assert read == value and end == len(literal)
    # no raw line break and no \u escape: a Java-style unicode pre-pass would change nothing
    assert "\n" not in literal and "\r" not in literal and "\\u" not in literal.replace("\\\\", "")


@settings(max_examples=200)
@given(st.text(min_size=1), st.text(min_size=1))
def test_the_script_carries_the_names_through_yaml_and_groovy(path: str, name: str) -> None:
    class G:
        kind = "group"

        def __init__(self) -> None:
            self.name, self.effective = name, ("Job/Read", "Job/Build")

    class Item:
        inherit = "none"

        def __init__(self) -> None:
            self.path = path

        def entries(self) -> list[G]:
            return [G()]

    script = job_dsl.script(Item())
    # through the quoting filter as jenkins.yaml writes it, and back
    back = unescape_interpolation(parse_yaml("s: " + yaml_scalar(script, "jcasc") + "\n")["s"])
    assert back == script
    folder, end = read_sq_literal(script, len("folder("))
    assert folder == path and script[end] == ")"
    start = script.index("name(") + len("name(")
    assert read_sq_literal(script, start)[0] == name
    assert "nonInheriting()" in script

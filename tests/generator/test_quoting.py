"""The one quoting filter (render.yaml_scalar), mapping keys (yaml_key) and plain data as block
YAML (yaml_document): every value reads back as itself, for PyYAML and for a reader that
knows all of YAML 1.1's booleans (yaml.org/type/bool.html: y, n, yes, on ... which PyYAML
leaves y/n out of, while Go's yaml.v2, which Pomerium's config ecosystem uses, reads them
as booleans). The escapes are YAML's short forms, so a reviewer can read a generated diff."""

from __future__ import annotations

import math
import re
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from jcasc_gen.render import RenderError, yaml_document, yaml_key, yaml_scalar


class Yaml11Loader(yaml.SafeLoader):
    """PyYAML's safe loader with YAML 1.1's complete boolean set."""


Yaml11Loader.yaml_implicit_resolvers = {k: list(v) for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}
Yaml11Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$"),
    list("yYnNtTfFoO"))


def _bool11(loader: yaml.SafeLoader, node: yaml.Node) -> bool:
    return loader.construct_scalar(node).lower() in ("y", "yes", "true", "on")  # type: ignore[arg-type,union-attr]


Yaml11Loader.add_constructor("tag:yaml.org,2002:bool", _bool11)


def read(text: str) -> Any:
    """What both readers get; they must agree."""
    strict = yaml.load(text, Loader=Yaml11Loader)  # noqa: S506 - a SafeLoader subclass
    assert strict == yaml.safe_load(text) or _nan_equal(strict, yaml.safe_load(text))
    return strict


def _nan_equal(a: Any, b: Any) -> bool:
    return isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b)


# --- scalars -----------------------------------------------------------------------------------

def test_the_yaml11_reader_reads_y_and_n_as_booleans() -> None:
    # the reader is stricter than PyYAML, or the key tests below would prove nothing
    assert yaml.load("y: n", Loader=Yaml11Loader) == {True: False}  # noqa: S506
    assert yaml.safe_load("y: n") == {"y": "n"}


@settings(max_examples=150, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",))))
def test_any_string_reads_back_as_itself(value: str) -> None:
    assert read(f"v: {yaml_scalar(value)}\n") == {"v": value}
    assert read(f"v: {yaml_scalar(value, 'jcasc')}\n") == {"v": value.replace("${", "^${")}
    assert read(f"v: {yaml_scalar(value, 'compose')}\n") == {"v": value.replace("$", "$$")}


def test_dialects_escape_only_their_own_interpolation() -> None:
    assert yaml_scalar("a ${X} $Y ^${Z}", "plain") == '"a ${X} $Y ^${Z}"'
    assert yaml_scalar("a ${X} $Y", "jcasc") == '"a ^${X} $Y"'  # JCasC: StringSubstitutor, escape ^
    assert yaml_scalar("a ${X} $Y", "compose") == '"a $${X} $$Y"'  # compose: $$ is a literal $
    assert yaml_scalar("${X}") == yaml_scalar("${X}", "plain")


def test_escapes_are_the_short_readable_forms() -> None:
    assert yaml_scalar('a"b\\c') == r'"a\"b\\c"'
    assert yaml_scalar("\n\t\r\0") == r'"\n\t\r\0"'
    assert yaml_scalar("\x01\x1b\x7f\x85\x9f") == r'"\x01\x1b\x7f\x85\x9f"'
    assert yaml_scalar("\u2028\u2029\ufeff\ufffe\uffff") == r'"\u2028\u2029\ufeff\ufffe\uffff"'
    # printable text outside ASCII stays as it is
    assert yaml_scalar("é ẞ 𝒜 ｚ \xa0") == '"é ẞ 𝒜 ｚ \xa0"'


@pytest.mark.parametrize("value,text", [(None, "null"), (True, "true"), (False, "false"), (0, "0"), (-7, "-7"),
                                        (10**20, "100000000000000000000")])
def test_null_booleans_and_integers(value: Any, text: str) -> None:
    assert yaml_scalar(value) == text
    assert read(f"v: {text}") == {"v": value}


@pytest.mark.parametrize("value,text", [
    (1.5, "1.5"), (-0.25, "-0.25"), (1e20, "1.0e+20"), (1e-05, "1.0e-05"), (1.5e300, "1.5e+300"),
    (float("inf"), ".inf"), (float("-inf"), "-.inf"), (0.0, "0.0"),
])
def test_floats_read_back_as_the_same_float(value: float, text: str) -> None:
    # PyYAML's float resolver needs a dot: a bare 1e+20 would be read as a string
    assert yaml_scalar(value) == text
    got = read(f"v: {text}")["v"]
    assert isinstance(got, float) and got == value


def test_nan_reads_back_as_nan() -> None:
    assert yaml_scalar(float("nan")) == ".nan"
    assert math.isnan(read("v: .nan")["v"])


@settings(max_examples=100, deadline=None)
@given(st.floats())
def test_any_float_reads_back(value: float) -> None:
    got = read(f"v: {yaml_scalar(value)}")["v"]
    assert isinstance(got, float)
    assert got == value or (math.isnan(got) and math.isnan(value))


@pytest.mark.parametrize("value", [b"bytes", ["a"], {"a": 1}, object()])
def test_other_types_are_a_render_error(value: Any) -> None:
    with pytest.raises(RenderError, match=f"cannot write {type(value).__name__} as a YAML scalar"):
        yaml_scalar(value)


# --- keys --------------------------------------------------------------------------------------

@pytest.mark.parametrize("key", ["from", "to", "allow_websockets", "policy", "a/b.c-d", "_x", "Yesterday", "only"])
def test_plain_keys_stay_bare(key: str) -> None:
    assert yaml_key(key) == key


@pytest.mark.parametrize("key", ["y", "Y", "n", "N", "yes", "No", "ON", "off", "true", "False", "null", "NULL"])
def test_yaml11_words_as_keys_are_quoted(key: str) -> None:
    assert yaml_key(key) == f'"{key}"'
    assert read(f"{yaml_key(key)}: 1") == {key: 1}


@pytest.mark.parametrize("key", ["", "1x", "-x", "x y", "a:b", "#", "~", "${X}", "é", "x\n"])
def test_other_keys_are_quoted(key: str) -> None:
    assert yaml_key(key) == yaml_scalar(key)
    assert read(f"{yaml_key(key)}: 1") == {key: 1}


def test_key_dialects_escape_like_values() -> None:
    assert yaml_key("${X}", "jcasc") == '"^${X}"'
    assert yaml_key("$X", "compose") == '"$$X"'


@settings(max_examples=100, deadline=None)
@given(st.one_of(st.text(st.characters(blacklist_categories=("Cs",))),
                 st.from_regex(r"[A-Za-z_][A-Za-z0-9_/.-]{0,6}", fullmatch=True)))
def test_any_key_reads_back_as_itself(key: str) -> None:
    assert read(f"{yaml_key(key)}: 1\n") == {key: 1}


# --- documents (Pomerium policy, partial JCasC documents) -------------------------------------

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                    st.text(st.characters(blacklist_categories=("Cs",)), max_size=8),
                    st.sampled_from(["y", "n", "yes", "on", "null", "~", "1e+20", "0x1F", "- x", "${X}"]))
keys = st.one_of(st.text(st.characters(blacklist_categories=("Cs",)), max_size=6),
                 st.sampled_from(["y", "n", "allow", "and", "or", "not", "email", "is"]))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(keys, inner, max_size=3)), max_leaves=12)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(keys, values, max_size=4))
def test_any_document_reads_back_as_itself(doc: dict[str, Any]) -> None:
    assert read(yaml_document(doc)) == doc


def test_document_layout() -> None:
    doc = {"routes": [{"from": "https://a", "policy": [{"allow": {"or": [{"email": {"is": "a@b"}}, {"y": True}]}}],
                       "to": ["http://b", []], "empty": {}}], "n": None, "list_in_list": [[1, [2]], {}]}
    assert yaml_document(doc) == (
        "routes:\n"
        "  - from: \"https://a\"\n"
        "    policy:\n"
        "      - allow:\n"
        "          or:\n"
        "            - email:\n"
        "                is: \"a@b\"\n"
        "            - \"y\": true\n"
        "    to:\n"
        "      - \"http://b\"\n"
        "      - []\n"
        "    empty: {}\n"
        "\"n\": null\n"
        "list_in_list:\n"
        "  - - 1\n"
        "    - - 2\n"
        "  - {}\n"
    )
    assert read(yaml_document(doc)) == doc


def test_document_scalars_use_the_dialect() -> None:
    assert yaml_document({"${K}": {"v": "${X}"}}, "jcasc") == '"^${K}":\n  v: "^${X}"\n'
    assert yaml_document({}) == "{}\n" or yaml_document({}).strip() == "{}"


def test_keys_that_are_not_strings_are_written_as_their_text() -> None:
    # a policy read from YAML may have a number or a boolean as a key
    assert yaml_document({1: "a", None: "c"}) == '"1": "a"\nNone: "c"\n'


# --- literal blocks (`q(block=N)`) and Helm's `<no value>` --------------------------------------

def test_multi_line_text_as_a_literal_block() -> None:
    assert yaml_scalar("a\nb\n", block_indent=4) == "|\n    a\n    b"
    assert yaml_scalar("a\n\nb", block_indent=2) == "|-\n  a\n\n  b"  # an empty line stays empty
    assert read("k: " + yaml_scalar("a\n\nb\n", block_indent=2) + "\n") == {"k": "a\n\nb\n"}
    assert yaml_scalar("aX\nX", block_indent=2) == "|-\n  aX\n  X"  # nothing special about a line's last letter


@pytest.mark.parametrize("value", ["one line", "one line\n", "a\nb\n\n", " a\nb", "\n :", "\n\n  x\ny", "a \nb", "a\tb\nc",
                                   "a\x07\nb"])
def test_text_a_literal_block_cannot_hold_exactly_is_quoted(value: str) -> None:
    assert yaml_scalar(value, block_indent=2) == yaml_scalar(value)
    assert read("k: " + yaml_scalar(value, block_indent=2) + "\n") == {"k": value}


def test_literal_blocks_only_in_the_plain_dialect() -> None:
    assert yaml_scalar("a\nb", "jcasc", block_indent=2) == '"a\\nb"'
    assert yaml_scalar("a\nb", "compose", block_indent=2) == '"a\\nb"'
    assert yaml_scalar(5, block_indent=2) == "5"


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), max_size=8), min_size=1, max_size=4),
       st.booleans())
def test_any_lines_read_back_from_a_block(lines: list[str], final_newline: bool) -> None:
    value = "\n".join(lines) + ("\n" if final_newline else "")
    assert read("k: " + yaml_scalar(value, block_indent=2) + "\n") == {"k": value}


def test_helms_no_value_survives_the_charts_tpl() -> None:
    # Helm deletes the text `<no value>` from what a template renders; the escape keeps it
    assert yaml_scalar("a <no value> ${x}", "jcasc-helm") == '"a <no\\x20value> ^${x}"'
    assert read("v: " + yaml_scalar("a <no value> ${x}", "jcasc-helm")) == {"v": "a <no value> ^${x}"}
    assert yaml_scalar("a <no value>", "jcasc") == '"a <no value>"'


def test_a_document_keeps_the_first_letter_of_its_first_key() -> None:
    assert yaml_document({"X": "x", "n": 1}) == 'X: "x"\n"n": 1\n'

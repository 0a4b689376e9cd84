"""How jwt-auth reads acceptedIssuer and acceptedAudience: the product (jcasc_gen/jwt_realm.py,
which writes the bridge realm of a move) and the simulator (tests/jenkins_sim: casc.py's
fixEmptyAndTrim, auth.py's tokenize) are two implementations of core's Util.tokenize; here they
are compared on many inputs, and both on the cases of core's own test."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from jcasc_gen.jwt_realm import accepted_values, join_values, tokenize
from tests.jenkins_sim.auth import tokenize as sim_tokenize
from tests.jenkins_sim.casc import _fix_empty_trim as sim_fix_empty_and_trim

# jenkinsci/jenkins@jenkins-2.568.2:cli/src/test/java/hudson/util/QuotedStringTokenizerTest.java:40-80,
# with the default delimiters of QuotedStringTokenizer(str) (:59)
CORE_CASES = [
    ("foo bar", ["foo", "bar"]),
    ('foo "bar zot"', ["foo", "bar zot"]),
    ('foo bar="quote zot"', ["foo", "bar=quote zot"]),
    ('foo\\"', ['foo"']),
    ("foo\\ bar", ["foo bar"]),
    ("foo\\\\ bar", ["foo\\", "bar"]),
    ('foo="bar\\zot"', ["foo=bar\\zot"]),
    ("", []),
]


@pytest.mark.parametrize("text,expected", CORE_CASES)
def test_both_tokenizers_pass_cores_own_cases(text: str, expected: list[str]) -> None:
    assert tokenize(text, " \t\n\r") == expected
    assert sim_tokenize(text, " \t\n\r") == expected


@pytest.mark.parametrize("setting,accepted", [
    ("a.example.com,b.example.com", ["a.example.com", "b.example.com"]),
    ("a.example.com, b.example.com", ["a.example.com", " b.example.com"]),  # not trimmed: " b" is never an issuer
    ("a,,b,", ["a", "b"]),  # empty tokens dropped
    ("'a,b',c", ["a,b", "c"]),  # quotes group
    ("''", [""]),  # a closed empty quote is a token
    ("a,'", ["a"]),  # an unclosed quote with nothing after it is none
    ("  \t", None),  # fixEmptyAndTrim: nothing, so no restriction
    (",", []),  # something that accepts nothing at all
    ("a\\ b", ["a b"]),  # space is one of ESCAPABLE_CHARS
    ("a\\b", ["a\\b"]),
])
def test_accepted_values_examples(setting: str, accepted: list[str] | None) -> None:
    assert accepted_values(setting) == accepted
    trimmed = sim_fix_empty_and_trim(setting)
    assert (None if trimmed is None else sim_tokenize(trimmed, ",")) == accepted


LIST_TEXT = st.text(alphabet=st.sampled_from(list("ab,'\"\\ \t\x01") + ["\u00a0", "é"]), max_size=14)


@given(LIST_TEXT)
@settings(max_examples=400)
@example("'")
@example("a\\")
@example("\"a'b\",\\'")
def test_the_product_reads_a_list_as_the_simulator_does(setting: str) -> None:
    trimmed = sim_fix_empty_and_trim(setting)
    assert accepted_values(setting) == (None if trimmed is None else sim_tokenize(trimmed, ","))


VALUE = st.text(alphabet=st.sampled_from(list("ab.,'\"\\ ")), min_size=1, max_size=6)


@given(LIST_TEXT.filter(lambda s: bool(s.strip())), st.lists(VALUE, max_size=3))
@settings(max_examples=300)
@example("jenkins.example.com", ["authenticate.example.com", "jenkins-old.example.com"])
def test_a_widened_list_is_read_as_the_union_or_refused(setting: str, more: list[str]) -> None:
    """The bridge realm of a move: either jwt-auth (as the simulator implements it) reads the
    widened setting as exactly the old values followed by the new ones, or the product refuses
    to write it (and apply refuses the move before anything changes)."""
    try:
        joined = join_values(setting, more)
    except ValueError:
        return
    have = accepted_values(setting)
    trimmed = sim_fix_empty_and_trim(joined)
    if have is None:
        assert joined == "" and trimmed is None  # no restriction stays no restriction
        return
    assert trimmed is not None
    assert sim_tokenize(trimmed, ",") == have + [v for v in more if v not in have]

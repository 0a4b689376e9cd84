"""The streaming parse-back check (`_events.first_difference`) catches every way generated
text can mean something else than the model; render trusts it for jenkins.yaml."""

from __future__ import annotations

import pytest
import yaml

from jcasc_gen._events import first_difference

MODEL = {"jenkins": {"securityRealm": {"jwtAuth": {"headerName": "X-Pomerium-Jwt-Assertion", "leewaySeconds": 30,
                                                   "allowVerificationFailures": False}},
                     "entries": [{"user": {"name": "alice", "permissions": ["Overall/Read"]}}]}}

GOOD = """# header
jenkins:
  entries:
  - user:
      name: "alice"
      permissions:
      - "Overall/Read"
  securityRealm:
    jwtAuth:
      allowVerificationFailures: false
      headerName: "X-Pomerium-Jwt-Assertion"
      leewaySeconds: 30
"""


def test_equal_text_in_another_key_order_reads_as_the_model() -> None:
    assert yaml.safe_load(GOOD) == MODEL  # the reference reader agrees with the fixture
    assert first_difference(GOOD, MODEL) is None


@pytest.mark.parametrize("old, new, expect", [
    ('name: "alice"', "name: yes", "reads as True"),             # an unquoted YAML keyword
    ("leewaySeconds: 30", 'leewaySeconds: "30"', "reads as '30'"),  # a string where the model has an int
    ("allowVerificationFailures: false", "allowVerificationFailures: 0", "reads as 0"),  # int is not bool
    ('      - "Overall/Read"\n', '      - "Overall/Read"\n      - "Job/Read"\n', "an item more"),
    ('      permissions:\n      - "Overall/Read"\n', "      permissions: []\n", "0 items, the model has 1"),
    ('      leewaySeconds: 30\n', "      leewaySeconds: 30\n      extra: 1\n", "key 'extra' is not in the model"),
    ('      leewaySeconds: 30\n', "", "keys of the model missing: ['leewaySeconds']"),
    ('      leewaySeconds: 30\n', "      leewaySeconds: 30\n      leewaySeconds: 30\n", "duplicate key"),
    ('name: "alice"', 'name: !custom "alice"', "tag"),
])
def test_every_kind_of_difference_is_reported_with_its_line(old: str, new: str, expect: str) -> None:
    text = GOOD.replace(old, new)
    assert text != GOOD
    problem = first_difference(text, MODEL)
    assert problem is not None and expect in problem
    assert problem.startswith("line ") or "parse" in problem


def test_aliases_a_second_document_and_syntax_errors_are_differences() -> None:
    assert "alias" in (first_difference("a: &x [1]\nb: *x\n", {"a": [1], "b": [1]}) or "")
    assert "second document" in (first_difference("a: 1\n---\na: 1\n", {"a": 1}) or "")
    assert "does not parse" in (first_difference("a: [1\n", {"a": [1]}) or "")
    assert first_difference("", {"a": 1}) == "the document is empty"

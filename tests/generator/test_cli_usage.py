"""Command-line conventions: a usage error shows the usage of the command it concerns, and a
mistyped command gets a did-you-mean."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings, strategies as st

from jcasc_gen.cli import COMMANDS

from ._cli import run


# what each command needs besides the unknown option, so argparse gets as far as the option
REQUIRED = {"init": [], "import": ["--from-export", "export.yaml"]}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_an_unknown_option_shows_the_commands_usage(command: str) -> None:
    r = run([command, *REQUIRED.get(command, ["spec.yaml"]), "--frobnicate"])
    assert r.code == 2 and r.out == ""
    lines = r.err.splitlines()
    assert lines[0].startswith(f"usage: jcasc-gen {command} ")
    assert lines[-1] == f"jcasc-gen {command}: error: unrecognized arguments: --frobnicate"
    assert "COMMAND ..." not in r.err  # not the top level's usage


def test_an_unknown_option_among_valid_arguments_still_names_the_command(tmp_path) -> None:  # type: ignore[no-untyped-def]
    r = run(["lint", str(tmp_path / "spec.yaml"), "--strict", "--explian"])
    assert r.code == 2
    assert r.err.startswith("usage: jcasc-gen lint ") and r.err.endswith("jcasc-gen lint: error: unrecognized arguments: --explian\n")


def test_a_missing_argument_shows_the_commands_usage() -> None:
    r = run(["generate"])
    assert r.code == 2 and r.err.startswith("usage: jcasc-gen generate ")
    assert r.err.endswith("jcasc-gen generate: error: the following arguments are required: SPEC\n")


def test_an_option_before_the_command_is_the_top_levels() -> None:
    r = run(["--frobnicate", "lint", "x.yaml"])
    assert r.code == 2 and r.err.startswith("usage: jcasc-gen [-h] [--version] COMMAND ...")
    assert r.err.endswith("jcasc-gen: error: unrecognized arguments: --frobnicate\n")


@pytest.mark.parametrize("typed,meant", [("lnt", "lint"), ("genrate", "generate"), ("valdiate", "validate"),
                                         ("Plan", "plan"), ("aply", "apply"), ("verfiy", "verify"), ("gen", "generate"),
                                         ("exlpain", "explain"), ("improt", "import")])
def test_a_mistyped_command_gets_a_did_you_mean(typed: str, meant: str) -> None:
    r = run([typed, "spec.yaml"])
    assert r.code == 2 and r.out == ""
    assert r.err.startswith("usage: jcasc-gen [-h] [--version] COMMAND ...")
    assert f"jcasc-gen: error: unknown command '{typed}'; did you mean '{meant}'? (commands: init, validate," in r.err


def test_an_unrelated_word_lists_the_commands_without_guessing() -> None:
    r = run(["deploy-everything", "spec.yaml"])
    assert r.code == 2 and "did you mean" not in r.err
    assert "unknown command 'deploy-everything' (commands: init, validate, lint, generate" in r.err


def test_a_usage_error_with_format_json_is_a_json_document() -> None:
    r = run(["check", "spec.yaml", "--format", "json", "--frobnicate"])
    assert r.code == 2 and r.err.startswith("usage: jcasc-gen check ")
    doc = json.loads(r.out)
    assert (doc["command"], doc["ok"], doc["exit"], doc["error"]) == ("check", False, 2, "unrecognized arguments: --frobnicate")
    assert doc["hint"] == "`jcasc-gen check --help` lists its options"
    r = run(["lint", "--format=json"])  # the = form, and a missing argument
    assert r.code == 2 and json.loads(r.out)["error"] == "the following arguments are required: SPEC"


def _distance(a: str, b: str) -> int:
    """Damerau-Levenshtein (optimal string alignment) distance."""
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


@st.composite
def _typo(draw: st.DrawFn) -> tuple[str, str]:
    word = draw(st.sampled_from(sorted(COMMANDS)))
    i = draw(st.integers(0, len(word) - 1))
    kind = draw(st.sampled_from(["delete", "replace", "insert", "swap"]))
    letter = draw(st.sampled_from("abcdefghijklmnopqrstuvwxyz"))
    if kind == "delete":
        typed = word[:i] + word[i + 1:]
    elif kind == "replace":
        typed = word[:i] + letter + word[i + 1:]
    elif kind == "insert":
        typed = word[:i] + letter + word[i:]
    else:
        typed = word[:i] + word[i + 1:i + 2] + word[i] + word[i + 2:] if i + 1 < len(word) else word[:-1]
    return word, typed


@settings(max_examples=60, deadline=None)
@given(_typo())
def test_one_slip_of_any_command_suggests_a_command_one_slip_away(typo: tuple[str, str]) -> None:
    """Any command with one letter deleted, replaced, inserted or two swapped: the suggestion
    is a command one slip away from what was typed (the intended one whenever no other is)."""
    meant, typed = typo
    if typed in COMMANDS or not typed or typed.startswith("-"):
        return
    r = run([typed, "spec.yaml"])
    assert r.code == 2
    m = re.search(r"did you mean '([a-z]+)'\?", r.err)
    close = [c for c in COMMANDS if _distance(typed, c) <= 1]
    assert m is not None, (typed, r.err)
    assert m.group(1) in close, (typed, m.group(1))
    if close == [meant]:
        assert m.group(1) == meant

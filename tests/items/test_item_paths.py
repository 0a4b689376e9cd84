"""Item full names: what Jenkins accepts (core Jenkins.checkGoodName), when two are one item
(String.CASE_INSENSITIVE_ORDER, Java's equalsIgnoreCase fold) and the order items are listed in."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from jcasc_gen import item_paths


@pytest.mark.parametrize("c", list(item_paths.UNSAFE_CHARACTERS))
def test_every_unsafe_character_is_refused(c: str) -> None:
    assert item_paths.name_problem(f"a{c}b") is not None


@pytest.mark.parametrize("code", [0x00, 0x09, 0x1F, 0x7F, 0x80, 0x9F])
def test_iso_control_characters_are_refused(code: int) -> None:
    assert "control" in item_paths.name_problem(f"a{chr(code)}b")[0]  # type: ignore[index]


@pytest.mark.parametrize("name", ["a b", "é", "team-a", "a.b", "a_b", "(x)", "{x}", "a'b", "a\"b", "a,b", "\u00a0x", "a=b", "~x", "+x"])
def test_names_jenkins_accepts(name: str) -> None:
    assert item_paths.name_problem(name) is None


@pytest.mark.parametrize("name", ["", ".", "..", " . ", "a.", "a. ", " a", "a "])
def test_names_jenkins_refuses_or_trims(name: str) -> None:
    assert item_paths.name_problem(name) is not None


@pytest.mark.parametrize("path", ["/a", "a/", "a//b", "/", "a/./b"])
def test_malformed_paths(path: str) -> None:
    assert item_paths.path_problem(path) is not None


@pytest.mark.parametrize("a,b", [("Team-A", "team-a"), ("\u212aube", "kube"), ("\u017fx", "sx"), ("\u0131x", "ix"),
                                 ("TEAM/Sub", "team/sub")])
def test_paths_that_are_the_same_item(a: str, b: str) -> None:
    assert item_paths.item_key(a) == item_paths.item_key(b)


@pytest.mark.parametrize("a,b", [("straße", "strasse"), ("a/b", "a-b"), ("ab", "a/b")])
def test_paths_that_are_different_items(a: str, b: str) -> None:
    assert item_paths.item_key(a) != item_paths.item_key(b)


_name = st.text(alphabet=st.sampled_from(list("aAbB-z.Ze")), min_size=1, max_size=4)


@settings(max_examples=200)
@given(st.lists(st.lists(_name, min_size=1, max_size=3).map("/".join), min_size=1, max_size=8))
def test_folders_come_before_what_they_hold(paths: list[str]) -> None:
    every = {p for path in paths for p in [path, *item_paths.ancestors(path)]}
    ordered = sorted(every, key=item_paths.sort_key)
    for path in every:
        for folder in item_paths.ancestors(path):
            assert ordered.index(folder) < ordered.index(path)

"""Item full names: what Jenkins accepts (core Jenkins.checkGoodName), when two are one item
(String.CASE_INSENSITIVE_ORDER, Java's equalsIgnoreCase fold) and the order items are listed in."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings, strategies as st

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


# --- the product's fold and order against the simulator's own reading of Java -------------------
# Two implementations of String.CASE_INSENSITIVE_ORDER meet here: the product's
# (item_paths.item_key / sort_key over names.fold) and the simulator's key for its item tree
# (tests/jenkins_sim/item_names.name_key), itself held to Java's walk and to the JDK's TreeMap
# in tests/sim/test_java_names.py. The characters where Java and Python part ways are drawn
# often: U+0130 and U+0131, U+017F, the Kelvin sign, the Greek sigmas, Georgian, Cherokee,
# letters of the supplementary planes, and BMP characters above the surrogates.
_SPECIAL = ["\u0130", "\u0131", "i", "I", "\u017f", "s", "S", "\u212a", "k", "K", "\u00df", "\u03a3", "\u03c3", "\u03c2",
            "\u10d0", "\u1c90", "\u10a0", "\u2d00", "\u13a0", "\uab70", "\u01c5", "\u00b5", "\u1f80", "\u1f88",
            "\uff21", "\uff41", "\ue000", "\U00010400", "\U00010428", "\U0001e900", "\U0001e922", "\U000118a0", "\U000118c0"]
_char = st.one_of(st.sampled_from(_SPECIAL), st.characters(blacklist_categories=("Cs", "Cc"),
                                                           blacklist_characters=item_paths.UNSAFE_CHARACTERS))
_item_name = st.lists(_char, min_size=1, max_size=5).map("".join)
_path = st.lists(_item_name, min_size=1, max_size=3).map("/".join)


def _sim_key(path: str) -> tuple[tuple[int, ...], ...]:
    from tests.jenkins_sim.item_names import name_key

    return tuple(name_key(segment) for segment in path.split("/"))


@settings(max_examples=400, deadline=None)
@given(_path, _path)
@example("\u0131", "\u0130/\u0130")  # the folder, spelt another way, still comes before what it holds
@example("\U00010400", "\uff41")
def test_the_products_item_fold_and_order_are_the_simulators(a: str, b: str) -> None:
    """Same item exactly when the simulator's tree finds one item; listed in the simulator's order."""
    assert (item_paths.item_key(a) == item_paths.item_key(b)) == (_sim_key(a) == _sim_key(b)), (a, b)
    if _sim_key(a) != _sim_key(b):
        assert (item_paths.sort_key(a) < item_paths.sort_key(b)) == (_sim_key(a) < _sim_key(b)), (a, b)


@pytest.mark.parametrize("a,b", [("\u0130stanbul", "istanbul"), ("\u0130", "\u0131"), ("team-\u212a/\u017fub", "TEAM-k/Sub"),
                                 ("\u03c3\u03bf\u03c6\u03b9\u03b1\u03c2", "\u03a3\u039f\u03a6\u0399\u0391\u03a3"),
                                 ("\u10d0\u10d1", "\u1c90\u1c91"), ("\u13a0", "\uab70"), ("\U00010400", "\U00010428")])
def test_special_casing_members_are_one_item(a: str, b: str) -> None:
    assert item_paths.item_key(a) == item_paths.item_key(b) and _sim_key(a) == _sim_key(b)


def test_a_supplementary_letter_is_listed_after_the_fullwidth_forms() -> None:
    """Java compares the folded code points (U+10428 > U+FF41), not their UTF-16 units (U+D801 < U+FF41)."""
    assert sorted(["\U00010400", "\uff41"], key=item_paths.sort_key) == ["\uff41", "\U00010400"]

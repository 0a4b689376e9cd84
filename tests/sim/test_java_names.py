"""Conformance: item names and user/group ids in the order and equality Java gives them.

Jenkins and every folder keep their children in a `CopyOnWriteMap.Tree(String.CASE_INSENSITIVE_ORDER)`
(jenkinsci/jenkins@jenkins-2.568.2 Jenkins.java:489; cloudbees-folder AbstractFolder.java:188),
and matrix-auth writes entries in the order of the realm's IdStrategy.compare. The simulator
holds two readings of Java's rule: the port of the walk (`idstrategy.compare_to_ignore_case`,
from openjdk StringUTF16.compareToCIImpl) and the key the item tree uses
(`item_names.name_key`). They must agree with each other, and with the JDK itself where a
`java` is on PATH. The characters that make Java differ from Python are in every draw: U+0130
(whose full lower case is two characters, the simple one `i`), U+0131, U+017F, the Kelvin
sign, Greek sigmas, Georgian Mkhedruli/Mtavruli, Cherokee, and supplementary-plane letters
(whose high surrogate sorts below U+E000..U+FFFF as a code unit but not as a code point).
"""

from __future__ import annotations

import functools
import pathlib
import shutil
import subprocess
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.jenkins_sim import JenkinsSim, idstrategy
from tests.jenkins_sim.item_names import name_key

SPECIALS = [
    "\u0130", "\u0131", "i", "I", "\u017f", "s", "S", "\u212a", "k", "K", "\u00df", "\u1e9e",
    "\u03a3", "\u03c3", "\u03c2", "\u10d0", "\u1c90", "\u10a0", "\u2d00", "\u13a0", "\uab70", "\u13f8", "\u13f0",
    "\u01c4", "\u01c5", "\u01c6", "\u00b5", "\u039c", "\u1f80", "\u1f88", "\u0345", "\u0399", "\u212b", "\u00e5",
    "\u2126", "\u03c9", "\uff21", "\uff41", "\ue000", "\ufb01", "\U00010400", "\U00010428", "\U0001e900",
    "\U0001e922", "\U000104b0", "\U000104d8", "\U000118a0", "\U000118c0", "\U0001f600", "a", "A", "z", "-", "_",
]
chars = st.one_of(st.sampled_from(SPECIALS), st.characters(blacklist_categories=("Cs",)))
names = st.lists(chars, max_size=6).map("".join)


def _sign(n: int | bool) -> int:
    return (n > 0) - (n < 0)


@settings(max_examples=400, deadline=None)
@given(names, names)
@example("\u0130", "i")
@example("\u0130STANBUL", "istanbul")
@example("\U00010400", "\uff41")
@example("\U00010428x", "\U00010400X")
@example("\u03c2", "\u03a3")
@example("\u10d0", "\u1c90")
@example("\u13a0", "\uab70")
def test_the_item_key_is_the_order_of_the_java_walk(a: str, b: str) -> None:
    """name_key's order and equality are compareToIgnoreCase's, member by member."""
    walk = idstrategy.compare_to_ignore_case(a, b)
    ka, kb = name_key(a), name_key(b)
    assert _sign((ka > kb) - (ka < kb)) == _sign(walk), (a, b)
    assert (ka == kb) == idstrategy.equals_ignore_case(a, b) == (walk == 0)


def test_dotted_capital_i_is_the_same_item_as_i() -> None:
    """The gap this module closes: the key used to take Python's full lower case of U+0130
    (two characters) and so kept `İ` apart from `i`, which Java's TreeMap does not."""
    assert name_key("\u0130") == name_key("i") == name_key("I") == name_key("\u0131")
    assert name_key("\u017f") == name_key("s") and name_key("\u212a") == name_key("k")
    assert name_key("\u00df") != name_key("ss")
    assert name_key("\U00010400") > name_key("\uff41")  # code points, not UTF-16 units


def test_a_case_variant_with_special_casing_is_the_same_item_in_the_simulator() -> None:
    with JenkinsSim(plugins={"configuration-as-code": "1", "matrix-auth": "3.2.8",
                             "cloudbees-folder": "6.1100.ve9eed61d16c4"}) as sim:
        sim.items.add_folder("\u0130stanbul")
        assert sim.items.get("istanbul") is sim.items.get("ISTANBUL") is not None
        assert sim.items.get("\u0131stanbul") is not None  # dotless ı upper-cases to I


_JAVA_TREEMAP = """
import java.io.*; import java.nio.charset.StandardCharsets; import java.util.*;
public class TreeProbe {
  public static void main(String[] args) throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    PrintStream out = new PrintStream(System.out, true, "UTF-8");
    List<String> names = new ArrayList<>();
    String line;
    while ((line = in.readLine()) != null) names.add(line);
    // what a folder does with children of these names: the first of equal names stays
    TreeMap<String, Integer> tree = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (int i = 0; i < names.size(); i++) tree.putIfAbsent(names.get(i), i);
    StringBuilder order = new StringBuilder();
    for (int i : tree.values()) order.append(i).append(' ');
    out.println(order.toString().trim());
    // and every pair, as signs of compareToIgnoreCase
    StringBuilder signs = new StringBuilder();
    for (String a : names) for (String b : names) signs.append(Integer.signum(a.compareToIgnoreCase(b)) + 1);
    out.println(signs);
  }
}
"""


def _unicode_version_dependent(text: str) -> bool:
    # letters whose case mapping the JDK on PATH (Unicode 13 in Java 17) and this Python may
    # not share: the product's list, found by dumping both JDKs (docs/fidelity.md "Names")
    from jcasc_gen import names as product_names

    return any(lo <= ord(c) <= hi for c in text for lo, hi in product_names._UNICODE_VERSION_DEPENDENT)


@pytest.mark.skipif(shutil.which("java") is None, reason="no java on PATH (apt-get install openjdk-17-jdk-headless)")
def test_the_item_key_orders_children_like_the_jdks_treemap(tmp_path: pathlib.Path) -> None:
    """The JDK is the oracle: a TreeMap(String.CASE_INSENSITIVE_ORDER) given names in order
    keeps the first of equal names and lists them in its order; the simulator's tree must do
    the same, and the walk must give every pair's sign."""
    src = tmp_path / "TreeProbe.java"
    src.write_text(_JAVA_TREEMAP, encoding="utf-8")
    words: list[str] = [c for c in SPECIALS if not _unicode_version_dependent(c)]
    words += ["\u0130stanbul", "istanbul", "ISTANBUL", "\u0131stanbul", "stra\u00dfe", "STRASSE", "\u03a3\u03bf\u03c6\u03b9\u03b1",
              "\u03c3\u03bf\u03c6\u03b9\u03b1", "\u10d0\u10d1", "\u1c90\u1c91", "\u13a0\u13a1", "\uab70\uab71",
              "\U00010400\U00010401", "\U00010428\U00010429", "\U00010400a", "\uff21a", "\ue000a", "team-\u212a", "team-k"]
    proc = subprocess.run(["java", str(src)], input="".join(w + "\n" for w in words).encode("utf-8"),
                          capture_output=True, timeout=180)
    assert proc.returncode == 0, proc.stderr.decode()
    order_line, signs = proc.stdout.decode("utf-8").splitlines()
    first: dict[Any, int] = {}
    for i, w in enumerate(words):
        first.setdefault(name_key(w), i)
    assert [first[k] for k in sorted(first)] == [int(x) for x in order_line.split()]
    n = len(words)
    for i, a in enumerate(words):
        for j, b in enumerate(words):
            java = int(signs[i * n + j]) - 1
            assert _sign(idstrategy.compare_to_ignore_case(a, b)) == java, (a, b)
    ordered = sorted(words, key=functools.cmp_to_key(idstrategy.compare_to_ignore_case))
    assert [name_key(w) for w in ordered] == sorted(name_key(w) for w in words)


@pytest.mark.parametrize("version,expected", [
    # compareToIgnoreCase: İx folds to "ix", before "iy"; folded code points put 𐐨 (U+10428)
    # after ｚ (U+FF5A)
    ("2.568.1", ["\u0130x", "iy", "\uff5a", "\U00010428"]),
    # keyFor(a).compareTo(keyFor(b)): toLowerCase(Locale.ENGLISH) makes İx "i̇x" (i, U+0307, x),
    # after "iy"; compareTo orders UTF-16 units, so 𐐨 (U+D801 U+DC28) comes before ｚ
    ("2.568.2", ["iy", "\u0130x", "\U00010428", "\uff5a"]),
])
def test_matrix_entries_follow_the_id_strategy_of_the_jenkins_version(version: str, expected: list[str]) -> None:
    """matrix-auth writes a property's entries in a TreeSet ordered by PermissionEntryComparator:
    the realm's IdStrategy.compare (matrix-auth-3.2.8 AuthorizationContainer.java:56-97), which
    SECURITY-3924 changed from compareToIgnoreCase to keyFor(...).compareTo(...)
    (jenkins-2.568.1 / jenkins-2.568.2 IdStrategy.java:219-221)."""
    from tests.jenkins_sim import DEFAULT_PLUGINS, ITEM_PLUGINS

    with JenkinsSim(version=version, plugins={**DEFAULT_PLUGINS, **ITEM_PLUGINS}) as sim:
        sim.items.add_folder("f", inherit="none", entries=[("USER", sid, "Job/Read") for sid in
                                                           ("\uff5a", "\U00010428", "iy", "\u0130x")])
        lines = [line.strip() for line in sim.items.config_xml("f").splitlines() if "<permission>" in line]
        assert lines == [f"<permission>USER:hudson.model.Item.Read:{sid}</permission>" for sid in expected]

"""Principal names: compared the way Jenkins compares them, refused when they hold what no IdP
sends, reported when they look like another name.

Two implementations of Java's case-insensitive comparison meet here: the product's key
(`jcasc_gen.names.fold`) and the simulator's walk over UTF-16 code units
(`tests.jenkins_sim.idstrategy`, written from openjdk StringUTF16.compareToCIImpl). When a
`java` is on PATH, the JDK itself is the third.
"""

from __future__ import annotations

import json
import pathlib
import shutil
import subprocess
import unicodedata
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from jcasc_gen import names
from jcasc_gen.exitcodes import ExitCode
from jcasc_gen.live import guard
from jcasc_gen.model import load_spec
from jcasc_gen.suggest import BUCKET, Suggester
from tests.jenkins_sim import idstrategy

from ._cli import run

# The characters where Java, Python and the two Jenkins rules part ways.
SPECIALS = ["\u017f", "s", "S", "\u0131", "i", "I", "\u0130", "\u212a", "k", "K", "\u00df", "\u1e9e", "SS", "\u03c2",
            "\u03c3", "\u03a3", "\U00010400", "\U00010428", "\u10d0", "\u1c90", "\u10a0", "\u2d00", "\u13a0", "\uab70",
            "\u01c4", "\u01c5", "\u01c6", "\u00b5", "\u039c", "\u1f80", "\u1f88", "\u0345", "\u212b", "\u00e5", "\u2126",
            "\u03c9", "\uff41", "a", "A", "\u0430", "\U0001e900", "\U0001e922", "\u2c2f", "\u2c5f", "\U00010570"]


def _variant(c: str, how: int) -> str:
    """Another spelling of one character that Java may or may not match with it."""
    if how == 0:
        return c.upper() if len(c.upper()) == 1 else c
    if how == 1:
        return c.lower() if len(c.lower()) == 1 else c
    if how == 2:
        return chr(names.java_upper(ord(c)))
    return c


chars = st.one_of(st.sampled_from(SPECIALS), st.characters(blacklist_categories=("Cs",)))
words = st.lists(chars, max_size=8).map("".join)


@st.composite
def pairs(draw: Any) -> tuple[str, str]:
    """Two names, the second mostly a per-character case variant of the first."""
    a = draw(words)
    if draw(st.booleans()):
        return a, draw(words)
    return a, "".join(_variant(c, draw(st.integers(0, 3))) for c in a)


@settings(max_examples=250, deadline=None)
@given(pairs())
@example(("anonymou\u017f", "anonymous"))
@example(("adm\u0131n", "ADMIN"))
@example(("\u212aey", "key"))
@example(("stra\u00dfe", "STRASSE"))
@example(("\u03a3\u03b1\u03c2", "\u03c3\u03b1\u03c3"))
@example(("\U00010400", "\U00010428"))
@example(("\u10d0", "\u1c90"))
@example(("\u13a0", "\uab70"))
def test_fold_is_equals_ignore_case(pair: tuple[str, str]) -> None:
    """The product's key agrees with the simulator's port of String.equalsIgnoreCase."""
    a, b = pair
    assert names.same(a, b) == idstrategy.equals_ignore_case(a, b)
    assert names.fold(a) == names.fold(names.fold(a))
    # The UTF-16 length stays: compareToCIImpl pairs code units position by position.
    assert len(names.fold(a).encode("utf-16-le")) == len(a.encode("utf-16-le"))


@settings(max_examples=150, deadline=None)
@given(pairs())
def test_both_jenkins_rules_agree_on_names_that_are_not_version_dependent(pair: tuple[str, str]) -> None:
    """SECURITY-3924 changed IdStrategy.CASE_INSENSITIVE from equalsIgnoreCase to
    toLowerCase(Locale.ENGLISH); for names without a `version_dependent` letter both give the
    same answer, which is what lets one fold serve every Jenkins."""
    a, b = pair
    if names.version_dependent(a) or names.version_dependent(b):
        return
    assert idstrategy.equals("2.568.1", a, b) == idstrategy.equals("2.568.2", a, b) == names.same(a, b)
    assert names.matches_everywhere(a, b) == names.same(a, b)


def test_the_known_cases() -> None:
    assert names.is_anonymous("anonymou\u017f") and names.is_anonymous("ANONYMOUS")
    assert names.is_authenticated("AUTHENT\u0131CATED") and names.is_everyone("Role_Everyone")
    assert not names.same("stra\u00dfe", "strasse")  # Python's casefold says equal; Java does not
    assert names.same("\u212a", "k") and names.same("\u03c2", "\u03a3")
    assert names.version_dependent("adm\u0131n") == ("\u0131",) and names.version_dependent("admin") == ()
    # only an exact match holds on every Jenkins for a version-dependent name
    assert names.matches_everywhere("adm\u0131n", "adm\u0131n") and not names.matches_everywhere("adm\u0131n", "admin")
    assert not names.matches_everywhere("anonymou\u017f", "anonymous")


@settings(max_examples=300, deadline=None)
@given(st.characters())
def test_case_mappings_stay_in_their_plane(c: str) -> None:
    cp = ord(c)
    for mapped in (names.java_upper(cp), names.java_lower(cp)):
        assert (mapped > 0xFFFF) == (cp > 0xFFFF)
    if not 0xD800 <= cp <= 0xDFFF:
        assert names.java_upper(cp) == idstrategy.char_upper(cp) and names.java_lower(cp) == idstrategy.char_lower(cp)


_JAVA_PROBE = """
import java.io.*; import java.nio.charset.StandardCharsets; import java.util.*;
public class Probe {
  public static void main(String[] args) throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    PrintStream out = new PrintStream(System.out, true, "UTF-8");
    StringBuilder table = new StringBuilder();
    for (int cp = 0; cp <= 0x10FFFF; cp++) {
      int u = Character.toUpperCase(cp), l = Character.toLowerCase(cp);
      if (u != cp || l != cp) table.append(cp).append(' ').append(u).append(' ').append(l).append(';');
    }
    out.println(table);
    String line;
    while ((line = in.readLine()) != null) {
      String[] p = line.split("\\t", -1);
      String a = p[0], b = p[1];
      out.println(a.equalsIgnoreCase(b) + "\\t" + a.toLowerCase(Locale.ENGLISH).equals(b.toLowerCase(Locale.ENGLISH)));
    }
  }
}
"""


def _newer_unicode(text: str) -> bool:
    return any(lo <= ord(c) <= hi for c in text for lo, hi in names._UNICODE_VERSION_DEPENDENT)


@pytest.mark.skipif(shutil.which("java") is None, reason="no java on PATH")
def test_tables_and_comparisons_match_the_jdk(tmp_path: pathlib.Path) -> None:
    """The JDK on this machine is the oracle: Character.toUpperCase/toLowerCase for every code
    point (outside the characters whose case changed between Unicode versions), and both
    Jenkins rules on the known hard pairs."""
    src = tmp_path / "Probe.java"
    src.write_text(_JAVA_PROBE, encoding="utf-8")
    probe_pairs = [(a, b) for a in SPECIALS for b in SPECIALS] + [
        ("anonymou\u017f", "anonymous"), ("adm\u0131n", "admin"), ("ADM\u0130N", "admin"), ("\u212aey", "key"),
        ("\u03a3\u0391\u03a3", "\u03c3\u03b1\u03c2"), ("\u03a3\u0391\u03a3", "\u03c3\u03b1\u03c3"), ("stra\u00dfe", "STRASSE"),
        ("\U00010400x", "\U00010428X"), ("\u10d0\u10d1", "\u1c90\u1c91")]
    stdin = "".join(f"{a}\t{b}\n" for a, b in probe_pairs)
    proc = subprocess.run(["java", str(src)], input=stdin.encode("utf-8"), capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode()
    table_line, *answers = proc.stdout.decode("utf-8").splitlines()
    jdk: dict[int, tuple[int, int]] = {}
    for item in table_line.split(";"):
        if item:
            cp, u, lo = (int(x) for x in item.split())
            jdk[cp] = (u, lo)
    moved = [cp for cp in set(jdk) | set(range(0x80, 0x2000)) if not names._version_dependent_char(chr(cp))
             and not 0xD800 <= cp <= 0xDFFF and jdk.get(cp, (cp, cp)) != (names.java_upper(cp), names.java_lower(cp))]
    assert moved == []
    for (a, b), answer in zip(probe_pairs, answers):
        if _newer_unicode(a + b):
            continue  # cased only from Unicode 14 on: this JDK may not know them
        legacy, current = answer.split("\t")
        assert names.same(a, b) == idstrategy.equals_ignore_case(a, b) == (legacy == "true"), (a, b)
        assert idstrategy.equals("2.576", a, b) == (current == "true"), (a, b)


# --- characters a name must not hold -------------------------------------------------------------

INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u202e", "\u2066", "\u061c", "\u00ad", "\U000e0041",
             "\ufe0f", "\U000e0100", "\u180b", "\u034f", "\u3164", "\u115f", "\ue000",
             "\U000f0000", "\ufffe", "\U0010ffff", "\u0000", "\u001b", "\u0085", "\u2028"]


def _spec_with(grant: dict[str, Any], roles: dict[str, Any] | None = None) -> dict[str, Any]:
    authz: dict[str, Any] = {"grants": [{"user": "admin@example.com", "permissions": ["Overall/Administer"]}, grant]}
    if roles:
        authz["roles"] = roles
    return {
        "version": 1, "jenkins": {"url": "https://jenkins.example.com"},
        "pomerium": {"authenticate_url": "https://authenticate.example.com",
                     "idp": {"provider": "google", "client_id": {"env": "IDP_CLIENT_ID"}, "client_secret": {"env": "IDP_CLIENT_SECRET"}},
                     "signing_key": {"env": "POMERIUM_SIGNING_KEY"}},
        "authorization": authz,
    }


def _write(tmp: pathlib.Path, spec: dict[str, Any]) -> pathlib.Path:
    path = tmp / "spec.yaml"
    # Without allow_unicode every character outside printable ASCII is written escaped, so the
    # spec holds exactly these strings (a raw U+FEFF or U+2028 could not stand in YAML).
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(before=st.text(st.characters(whitelist_categories=("Ll", "Lu", "Nd")), max_size=6),
       bad=st.one_of(st.sampled_from(INVISIBLE), st.characters(whitelist_categories=("Cf", "Co"))),
       after=st.text(st.characters(whitelist_categories=("Ll", "Nd")), max_size=6),
       kind=st.sampled_from(["user", "group", "user_or_group"]))
def test_invisible_characters_in_principal_names_are_located_errors(tmp_path: pathlib.Path, before: str, bad: str,
                                                                     after: str, kind: str) -> None:
    name = before + bad + after + "@example.com"
    assert names.unsafe_characters(name), name
    path = _write(tmp_path, _spec_with({kind: name, "permissions": ["Overall/Read"]}))
    result = run(["validate", "--format", "json", str(path)])
    assert result.code == ExitCode.USAGE
    diags = [d for d in json.loads(result.out)["diagnostics"] if d["severity"] == "error"]
    assert [d["path"] for d in diags] == [f"authorization.grants[1].{kind}"]
    assert diags[0]["line"] > 1 and diags[0]["col"] > 1
    assert f"U+{ord(bad):04X}" in diags[0]["message"] or "control characters" in diags[0]["message"]


@pytest.mark.parametrize("bad", ["\u200b", "\ufeff", "\u202e"])
def test_invisible_characters_in_role_names_are_errors(tmp_path: pathlib.Path, bad: str) -> None:
    path = _write(tmp_path, _spec_with({"group": "devs", "roles": ["admin" + bad]}, roles={"admin" + bad: ["Job/Read"]}))
    result = run(["validate", str(path)])
    assert result.code == ExitCode.USAGE
    assert f"authorization.roles.admin{bad}: role name 'admin\\u{ord(bad):04x}' contains U+{ord(bad):04X}" in result.err


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=12))
def test_unsafe_characters_are_exactly_the_invisible_ones(text: str) -> None:
    found = dict(names.unsafe_characters(text))
    for c in text:
        cat = unicodedata.category(c)
        if cat in ("Cc", "Cf", "Co", "Zl", "Zp") or 0xFE00 <= ord(c) <= 0xFE0F:
            assert c in found, (c, cat)
        if c.isalnum() or cat == "Zs" or c in ".@_-":
            assert c not in found


# --- look-alikes and the special names in lint --------------------------------------------------


def _lint(tmp: pathlib.Path, grant: dict[str, Any]) -> tuple[int, list[dict[str, Any]]]:
    result = run(["lint", "--format", "json", str(_write(tmp, _spec_with(grant)))])
    return result.code, json.loads(result.out)["findings"] if result.out else []


@pytest.mark.parametrize("name", ["anonymou\u017f", "ANONYMOUS", "Anonymous", "ANONYMOU\u017f"])
@pytest.mark.parametrize("kind", ["user", "user_or_group"])
def test_names_that_fold_to_anonymous_are_anonymous(tmp_path: pathlib.Path, name: str, kind: str) -> None:
    """`user_or_group: "anonymouſ"` with Administer gives every visitor Administer on a Jenkins
    before SECURITY-3924 (tests/sim/test_matrix.py shows it): an error, also without --strict."""
    code, findings = _lint(tmp_path, {kind: name, "permissions": ["Overall/Administer"]})
    assert code == ExitCode.USAGE
    assert "JG013" in [f["code"] for f in findings]
    code, findings = _lint(tmp_path, {kind: name, "permissions": ["Overall/Read"]})
    assert "JG002" in [f["code"] for f in findings]


def test_group_role_everyone_is_everyone(tmp_path: pathlib.Path) -> None:
    code, findings = _lint(tmp_path, {"group": "ROLE_EVERYONE", "permissions": ["Overall/Administer"]})
    assert code == ExitCode.USAGE and "JG013" in [f["code"] for f in findings]


@pytest.mark.parametrize("name,code", [("\u0430dmins", "JG015"), ("\uff41dmins", "JG015"), ("\u212aate", "JG015"),
                                       ("ad\u00a0mins", "JG015"), ("\u5c71\u7530\u3000\u592a\u90ce", "JG015"),
                                       ("adm\u0131ns", "JG016"), ("\u0130nfra", "JG016")])
def test_lookalike_and_version_dependent_names_are_reported(tmp_path: pathlib.Path, name: str, code: str) -> None:
    status, findings = _lint(tmp_path, {"group": name, "permissions": ["Job/Read"]})
    assert status == ExitCode.OK
    assert [f["path"] for f in findings if f["code"] == code] == ["authorization.grants[1].group"]


@pytest.mark.parametrize("name", ["山田たろう", "Müller", "Ελένη", "Δημήτρης", "Σωκράτης", "kullanici", "Иван"])
def test_plain_names_of_every_script_are_not_reported(tmp_path: pathlib.Path, name: str) -> None:
    _, findings = _lint(tmp_path, {"user": name, "permissions": ["Job/Read"]})
    assert [f["code"] for f in findings if f["code"] in ("JG015", "JG016")] == []


def test_duplicates_are_found_by_the_java_fold(tmp_path: pathlib.Path) -> None:
    spec = _spec_with({"user": "STAFF@EXAMPLE.COM", "permissions": ["Job/Read"]})
    spec["authorization"]["grants"][0]["user"] = "\u017ftaff@example.com"
    assert "is already granted by authorization.grants[0]" in run(["validate", str(_write(tmp_path, spec))]).err
    spec["authorization"]["grants"][0]["user"] = "stra\u00dfe@example.com"  # Python casefold: equal; Java: not
    spec["authorization"]["grants"][1]["user"] = "STRASSE@example.com"
    assert run(["validate", str(_write(tmp_path, spec))]).code == ExitCode.OK


def test_guard_trusts_only_exact_matches_for_version_dependent_names(tmp_path: pathlib.Path) -> None:
    """The lockout guard predicts who administers after the change: a grant to `admın` is
    `admin`'s only on Jenkins before SECURITY-3924, so the guard does not count on it."""
    spec = _spec_with({"user": "adm\u0131n", "permissions": ["Overall/Administer"]})
    loaded = load_spec(_write(tmp_path, spec)).spec
    assert guard.spec_allows(loaded, "adm\u0131n", ["authenticated"], "Overall/Administer")
    assert not guard.spec_allows(loaded, "admin", ["authenticated"], "Overall/Administer")
    assert guard.spec_allows(loaded, "ADMIN@example.com", ["authenticated"], "Overall/Administer")


# --- did-you-mean stays linear -------------------------------------------------------------------


def test_suggestions_cost_a_bounded_number_of_comparisons() -> None:
    """3,000 misspelt references to 3,000 roles once made 9 million difflib comparisons; now
    each lookup compares a bounded number of candidates (benchmarks/README.md has the time)."""
    roles = [f"team-role-{i:05d}" for i in range(3000)]
    finder = Suggester(roles)
    for i in range(3000):
        assert finder.suggest(f"taem-role-{i:05d}") == roles[i]
    assert finder.comparisons <= 40 * 3000
    # However the candidates collide (every one shares deletions with every other), a lookup
    # compares at most (length + 1) x BUCKET of them.
    crowded = Suggester([f"x{i}" for i in range(5000)] + [f"{i}x" for i in range(5000)])
    for i in range(1000):
        crowded.suggest(f"y{i}z")
    assert crowded.comparisons <= 1000 * (1 + 6 * BUCKET)
    assert Suggester(["Job/Read", "Job/Build"]).suggest("job/build") == "Job/Build"
    assert Suggester(["Job/Read", "Job/Build"]).suggest("Build") == "Job/Build"
    assert Suggester(["developer", "reader"]).suggest("develoepr") == "developer"


def test_a_thousand_misspelt_roles_validate_with_a_hint_each(tmp_path: pathlib.Path) -> None:
    import sys

    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "benchmarks"))
    from make_spec import misspelt_roles_text

    path = tmp_path / "spec.yaml"
    path.write_text(misspelt_roles_text(1000), encoding="utf-8")
    result = run(["validate", str(path)])
    assert result.code == ExitCode.USAGE
    assert result.err.count("hint: did you mean 'team-role-") == 1000
    assert yaml.safe_load(path.read_text(encoding="utf-8"))

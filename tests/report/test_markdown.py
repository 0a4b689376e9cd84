"""`diff --format markdown` / `plan --format markdown`: who gains and loses what, for reviewers."""

from __future__ import annotations

import html
import pathlib
import re
import shutil

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from jcasc_gen.access import state_from_spec
from jcasc_gen.change_markdown import MARKER, changes_markdown, fenced, md_code, md_text
from jcasc_gen.exitcodes import ExitCode
from jcasc_gen.effective import MatrixEntry
from jcasc_gen.model import load_spec_text

from .conftest import CASES, SMALL, SMALL_BEFORE, check_golden

GFM = MarkdownIt("commonmark").enable("table").enable("strikethrough")


def _spec(grants: str, items: str = "") -> str:
    return f"""\
version: 1
jenkins: {{url: https://jenkins.example.com}}
pomerium:
  authenticate_url: https://authenticate.example.com
  idp: {{provider: google, client_id: {{env: ID}}, client_secret: {{env: SECRET}}}}
  signing_key: {{env: KEY}}
authorization:
  strategy: project
  roles:
    dev: [Job/Read, Job/Build]
  grants:
    - user: admin@example.com
      permissions: [Overall/Administer]
    - group: authenticated
      permissions: [Overall/Read]
{grants}{items}"""


def _md(before: str, after: str) -> str:
    return changes_markdown("t", state_from_spec(load_spec_text(before).spec), state_from_spec(load_spec_text(after).spec))


def _table(text: str) -> list[list[str]]:
    """The rendered table's body rows, as cell texts."""
    rendered = GFM.render(text)
    body = rendered[rendered.index("<tbody>"):rendered.index("</tbody>")]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    return [[html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td>(.*?)</td>", r, re.S)] for r in rows]


def test_an_added_principal_gains() -> None:
    """The issue's "done when": the reviewer sees alice: + Job/Configure."""
    out = _md(_spec(""), _spec("    - user: alice@example.com\n      permissions: [Job/Configure]\n"))
    assert "| user `alice@example.com` (new) | Jenkins | + Job/Configure (and 3 it implies) |" in out
    rows = _table(out)
    assert rows == [["user alice@example.com (new)", "Jenkins", "+ Job/Configure (and 3 it implies)"]]


def test_a_removed_principal_loses_what_only_it_had() -> None:
    out = _md(_spec("    - user: bob@example.com\n      permissions: [Overall/Read, Job/Build]\n"), _spec(""))
    # Overall/Read stays (authenticated has it); Job/Build goes, and Credentials/UseOwn with it (impliedBy Item.BUILD)
    assert _table(out) == [["user bob@example.com (no longer named)", "Jenkins", "- Job/Build (and 1 it implies)"]]


def test_a_changed_principal_through_a_role() -> None:
    """Roles are expanded: a role change shows as what each holder gains; implications fold."""
    before = _spec("    - group: devs\n      roles: [dev]\n")
    after = before.replace("dev: [Job/Read, Job/Build]", "dev: [Job/Read, Job/Build, Job/Configure]")
    rows = _table(_md(before, after))
    # Job/ExtendedRead, Run/Replay and Credentials/UseItem are impliedBy Item.CONFIGURE
    assert rows == [["group devs", "Jenkins", "+ Job/Configure (and 3 it implies)"]]
    nothing = _md(before, before.replace("roles: [dev]", "permissions: [Job/Read, Job/Build]"))
    assert "No effective permission changes" in nothing and "|" not in nothing  # the same permissions, written out


def test_a_change_for_everyone_is_listed_once() -> None:
    before = _spec("    - user: carol@example.com\n      permissions: [Job/Build]\n")
    after = before.replace("      permissions: [Overall/Read]\n", "      permissions: [Overall/Read, Job/Read]\n", 1)
    rows = _table(_md(before, after))
    assert rows == [["authenticated (every signed-in user)", "Jenkins", "+ Job/Read (and 1 it implies)"]]  # not again on carol


ITEMS = """\
  items:
    - path: team-a
      inherit: {inherit}
      grants:
        - group: team-a
          roles: [dev]
    - path: team-a/app
      grants:
        - user: carol@example.com
          permissions: [{perm}]
"""


def test_item_changes_with_inheritance() -> None:
    before = _spec("", ITEMS.format(inherit="parent", perm="Job/Build"))
    # team-a stops inheriting: authenticated's Job/... (nothing) and admin (Administer passes) keep theirs;
    # carol gains Job/Cancel on the job; team-a's grants now reach the job by inheritance as before
    after = _spec("", ITEMS.format(inherit="none", perm="Job/Cancel"))
    rows = _table(_md(before, after))
    assert ["user carol@example.com", "item team-a/app", "+ Job/Cancel- Job/Build"] in rows
    assert all(r[0] != "user admin@example.com" for r in rows)  # Administer passes inherit none
    # an item added to the spec: its group gains there, and on the job below (inherited: not repeated)
    added = _table(_md(_spec(""), _spec("", ITEMS.format(inherit="parent", perm="Job/Build"))))
    assert added == [["group team-a (new)", "item team-a", "+ Job/Read, Job/Build (and 1 it implies)"],
                     ["user carol@example.com (new)", "item team-a/app", "+ Job/Build"]]
    removed = _table(_md(_spec("", ITEMS.format(inherit="parent", perm="Job/Build")), _spec("")))
    assert removed == [["group team-a (no longer named)", "item team-a", "- Job/Read, Job/Build (and 1 it implies)"],
                       ["user carol@example.com (no longer named)", "item team-a/app", "- Job/Build"]]


def test_an_item_that_does_not_follow_the_global_change_says_so() -> None:
    base = _spec("", ITEMS.format(inherit="none", perm="Job/Build"))
    after = base.replace("      permissions: [Overall/Read]\n", "      permissions: [Overall/Read, Job/Build]\n", 1)
    rows = _table(_md(base, after))
    assert rows[0] == ["authenticated (every signed-in user)", "Jenkins", "+ Job/Build (and 1 it implies)"]
    assert ["authenticated (every signed-in user)", "item team-a", "no change here"] in rows  # inherit none: not here


def test_golden_markdown_diff_of_the_small_spec(run_cli, tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """`diff --format markdown` against an output folder generated from the spec before the change."""
    shutil.copy(SMALL_BEFORE, tmp_path / "spec.yaml")
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli("generate", "spec.yaml", "-o", "out")
    assert code == ExitCode.OK, err
    shutil.copy(SMALL, tmp_path / "spec.yaml")
    code, out, err = run_cli("diff", "spec.yaml", "-o", "out", "--format", "markdown")
    assert code == ExitCode.DIFFERENCES, err
    assert out.startswith(MARKER + "\n")
    check_golden("small.expected.md", out.replace((tmp_path / "out").name, "out"))
    rows = _table(out)
    assert ["group devs", "Jenkins", "+ Job/Configure, Job/Cancel (and 3 it implies)- Job/Delete"] in rows
    assert ["user carol@example.com (new)", "item payments/deploy", "+ Job/Build"] in rows
    assert ["user dave@example.com (no longer named)", "item payments/deploy", "- Job/Build"] in rows
    assert "<details><summary>Generated files: 2 changed</summary>" in out and "+++ out/jenkins.yaml (from spec.yaml)" in out
    # nothing changes once generated
    assert run_cli("generate", "spec.yaml", "-o", "out")[0] == ExitCode.OK
    code, out, _ = run_cli("diff", "spec.yaml", "-o", "out", "--format", "markdown")
    assert code == ExitCode.OK and "No effective permission changes" in out and "<details>" not in out


def test_a_new_output_folder_grants_nothing_before(run_cli, tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    shutil.copy(SMALL, tmp_path / "spec.yaml")
    monkeypatch.chdir(tmp_path)
    code, out, _ = run_cli("diff", "spec.yaml", "-o", "empty", "--format", "markdown")
    assert code == ExitCode.DIFFERENCES
    assert "| user `alice@example.com` (new) | Jenkins | + Overall/Administer (and" in out


def test_an_unreadable_output_folder_is_said(run_cli, tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    shutil.copy(SMALL, tmp_path / "spec.yaml")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "jenkins.yaml").write_text("jenkins:\n  authorizationStrategy:\n    globalMatrix:\n      entries: 7\n")
    monkeypatch.chdir(tmp_path)
    code, out, _ = run_cli("diff", "spec.yaml", "-o", "out", "--format", "markdown")
    assert code == ExitCode.DIFFERENCES
    assert "could not be read" in out and "can then" in out


NAMES = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=24)


@settings(max_examples=300, deadline=None)
@given(NAMES)
def test_a_code_span_in_a_table_cell_shows_the_name_exactly(name: str) -> None:
    """Pipes, backticks, backslashes, `<`, `*`, `_`, `[`, `$`, spaces: the cell renders the
    name (control characters as \\uXXXX), in one code span, and the row keeps its cells."""
    text = f"| a | b |\n|---|---|\n| {md_code(name)} | x |\n"
    rendered = GFM.render(text)
    cells = re.findall(r"<td>(.*?)</td>", rendered, re.S)
    assert len(cells) == 2 and cells[1] == "x", rendered
    code = re.fullmatch(r"<code>(.*)</code>", cells[0], re.S)
    assert code, rendered
    shown = "".join(c if c.isprintable() or c == " " else f"\\u{ord(c):04x}" for c in name)
    assert html.unescape(code.group(1)) == shown


@settings(max_examples=300, deadline=None)
@given(NAMES)
@example(" 0.")  # an ordered-list marker after the spaces a block may start with
@example("  - x")
def test_escaped_text_renders_as_itself(name: str) -> None:
    """md_text, after `- ` (a list item) and in a table cell: no emphasis, link, HTML or table split."""
    shown = "".join(c if c.isprintable() or c == " " else f"\\u{ord(c):04x}" for c in name)
    for wrap, pattern in ((f"- {md_text(name)}\n", r"<li>(.*?)</li>"), (f"| a |\n|---|\n| {md_text(name)} |\n", r"<td>(.*?)</td>")):
        rendered = GFM.render(wrap)
        found = re.findall(pattern, rendered, re.S)
        assert len(found) == 1, rendered
        assert "<" not in found[0].replace("&lt;", ""), rendered  # no element came from the name
        assert html.unescape(found[0]) == (shown.strip() if "|" in wrap else shown.strip(" ")), rendered


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="`ab\n ", max_size=40))
def test_a_fence_no_line_can_close(text: str) -> None:
    rendered = GFM.render(fenced(text, "diff") + "after\n")
    assert rendered.endswith("<p>after</p>\n")
    body = re.search(r"<code[^>]*>(.*?)</code>", rendered, re.S)
    assert body and html.unescape(body.group(1)) == (text if text.endswith("\n") or not text else text + "\n")


def test_markdown_names_and_paths_from_a_live_jenkins_are_escaped() -> None:
    """Names the spec loader would refuse, as a live export may hold them."""
    from jcasc_gen.access import AccessState
    from jcasc_gen.effective import MatrixEntry
    from jcasc_gen.item_acl import ItemNode

    hostile = ["a|b", "`x`", "<img src=x>", "*bold*", "_u_", "[l](http://e)", "@team", "$x$", "a\\|b", " pad "]
    after = AccessState("projectMatrix", tuple(MatrixEntry("user", n, frozenset({"Job/Build"})) for n in hostile),
                        (ItemNode("f|<b>", "none", (MatrixEntry("group", "g|`", frozenset({"Job/Read"})),)),))
    out = changes_markdown("t", AccessState("projectMatrix"), after)
    rows = _table(out)
    whos = {r[0] for r in rows}
    for n in hostile:
        assert f"user {n.strip()} (new)" in whos or f"user {n} (new)" in whos, (n, whos)
    assert ["group g|` (new)", "item f|<b>", "+ Job/Read (and 1 it implies)"] in rows
    assert all(len(r) == 3 for r in rows)
    assert "<img" not in GFM.render(out).replace("&lt;img", "")


def test_the_comment_fits_a_pull_request() -> None:
    """GitHub holds 65,536 characters in a comment: rows past 100 and diff past 40,000 are cut, saying so."""
    from jcasc_gen.access import AccessState

    after = AccessState("globalMatrix", tuple(MatrixEntry("user", f"user{i:04d}@example.com", frozenset({"Job/Build"}))
                                              for i in range(300)))
    out = changes_markdown("t", AccessState("globalMatrix"), after, details=[("diff", "".join(f"+line {i}\n" for i in range(20_000)))])
    assert len(out) < 65_536
    assert len(_table(out)) == 100 and "… and 200 more rows, not shown" in out
    assert "more lines (the whole diff: jcasc-gen diff without --format markdown)" in out

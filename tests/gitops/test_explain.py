"""`explain`: effective permissions against the permission catalog, for the tricky cases."""

from __future__ import annotations

import json
import pathlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jcasc_gen import permissions
from jcasc_gen.cli import main
from jcasc_gen.effective import Identity, MatrixEntry, entries_from_spec, explain, identity_for, matrix
from jcasc_gen.model import load_spec_text

BASE = """\
version: 1
jenkins: {{url: https://jenkins.example.com}}
pomerium:
  authenticate_url: https://authenticate.example.com
  idp: {{provider: google, client_id: {{env: ID}}, client_secret: {{env: SECRET}}}}
  signing_key: {{env: KEY}}
authorization:
  grants:
    - user: admin@example.com
      permissions: [Overall/Administer]
{grants}
"""


def _entries(grants: str) -> list[MatrixEntry]:
    return entries_from_spec(load_spec_text(BASE.format(grants=grants)).spec)


def _allowed(entries: list[MatrixEntry], who: Identity) -> set[str]:
    return set(explain(entries, who).allowed())


def test_anonymous_grants_reach_everyone() -> None:
    entries = _entries("    - user: anonymous\n      permissions: [Overall/Read, Job/Read]\n")
    nobody = Identity(None, (), signed_in=False)
    alice = Identity("alice@example.com", ("devs",))
    assert _allowed(entries, nobody) == {"Overall/Read", "Job/Read", "Job/Discover"}
    assert {"Overall/Read", "Job/Read"} <= _allowed(entries, alice)
    row = next(r for r in explain(entries, alice).rows if r.permission == "Job/Read")
    assert row.via == ("user anonymous (everyone)",)


def test_group_anonymous_reaches_requests_without_sign_in_only() -> None:
    """Anonymous requests carry the authority `anonymous` (core Jenkins.ANONYMOUS2); jwt-auth
    gives signed-in users `authenticated` and their groups, so they do not match, unless the
    IdP sends a group literally named anonymous."""
    entries = _entries("    - group: anonymous\n      permissions: [Overall/Read]\n")
    nobody = Identity(None, (), signed_in=False)
    assert _allowed(entries, nobody) == {"Overall/Read"}
    assert "Overall/Read" not in _allowed(entries, Identity("alice@example.com", ("devs",)))
    assert "Overall/Read" in _allowed(entries, Identity("bob@example.com", ("Anonymous",)))
    row = next(r for r in explain(entries, nobody).rows if r.permission == "Overall/Read")
    assert row.via == ("group anonymous (requests without sign-in)",)
    assert identity_for("group", "anonymous", [], entries) == nobody
    assert identity_for(None, "anonymous", [], entries) == nobody  # the spec knows it only as a group
    assert [x.identity for x in matrix(entries)].count(nobody) == 1


def test_group_role_everyone_reaches_everyone() -> None:
    """core SidACL checks ACL.EVERYONE, named role_everyone, as a group for every request."""
    entries = _entries("    - group: role_everyone\n      permissions: [View/Read]\n")
    for who in (Identity(None, (), signed_in=False), Identity("alice@example.com")):
        row = next(r for r in explain(entries, who).rows if r.permission == "View/Read")
        assert row.allowed and row.via == ("group role_everyone (everyone)",)


def test_authenticated_reaches_signed_in_users_only() -> None:
    entries = _entries("    - group: authenticated\n      permissions: [Overall/Read]\n")
    assert "Overall/Read" in _allowed(entries, Identity("bob@example.com"))
    assert _allowed(entries, Identity(None, (), signed_in=False)) == set()


def test_implications_follow_the_catalog() -> None:
    entries = _entries("    - group: devs\n      permissions: [Job/Read, Job/Configure]\n")
    who = Identity("carol@example.com", ("devs",))
    rows = {r.permission: r for r in explain(entries, who).rows}
    assert rows["Job/Discover"].allowed and rows["Job/Discover"].via == ("group devs (implied by Job/Read)",)
    assert rows["Run/Replay"].allowed  # workflow-cps: impliedBy Item.CONFIGURE
    assert not rows["Job/Workspace"].allowed  # impliedBy GenericRead, not Job/Read
    assert not rows["Overall/Read"].allowed  # Job/Read does not imply Overall/Read
    admin = {r.permission: r for r in explain(entries, Identity("ADMIN@example.com")).rows}  # case-insensitive
    assert admin["Job/Workspace"].via == ("user admin@example.com (implied by Overall/Administer)",)
    assert not admin["Job/WipeOut"].allowed and not admin["Run/Artifacts"].allowed  # impliedBy null: not even Administer


def test_disabled_permissions_have_no_effect() -> None:
    entries = _entries("    - group: auditors\n      permissions: [Overall/Read, Overall/SystemRead, Job/ExtendedRead]\n")
    who = Identity("dave@example.com", ("auditors",))
    rows = {r.permission: r for r in explain(entries, who).rows}
    assert not rows["Overall/SystemRead"].allowed
    assert rows["Overall/SystemRead"].granted_but_disabled == ("group auditors",)
    assert "SystemReadPermission" in rows["Overall/SystemRead"].note
    assert not rows["Job/ExtendedRead"].allowed
    # Administer still passes the check for a disabled permission (the walk skips it and reaches the root).
    admin = {r.permission: r for r in explain(entries, Identity("admin@example.com")).rows}
    assert admin["Overall/SystemRead"].allowed and not admin["Overall/SystemRead"].direct


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(sorted(permissions.CATALOG)), min_size=1, max_size=6),
       st.lists(st.sampled_from(sorted(permissions.CATALOG)), min_size=1, max_size=6))
def test_explain_agrees_with_the_catalog(user_perms: list[str], group_perms: list[str]) -> None:
    entries = [MatrixEntry("user", "u", frozenset(user_perms)), MatrixEntry("group", "g", frozenset(group_perms))]
    expected = permissions.implied_closure(set(user_perms) | set(group_perms))
    assert set(explain(entries, Identity("U", ("G",))).allowed()) == expected
    assert set(explain(entries, Identity("u")).allowed()) == permissions.implied_closure(set(user_perms))


def test_principal_arguments() -> None:
    entries = _entries("    - group: devs\n      permissions: [Job/Read]\n")
    assert identity_for(None, "devs", [], entries) == Identity(None, ("devs",))
    assert identity_for(None, "alice", ["devs"], entries) == Identity("alice", ("devs",))
    assert identity_for(None, "anonymous", [], entries).signed_in is False
    assert identity_for(None, "authenticated", [], entries) == Identity(None, ())
    labels = [x.identity.label for x in matrix(entries)]
    assert labels[-1] == "anonymous (not signed in)" and "user admin@example.com" in labels


def _spec(tmp_path: pathlib.Path, grants: str) -> str:
    p = tmp_path / "s.yaml"
    p.write_text(BASE.format(grants=grants))
    return str(p)


def test_cli_table_and_json(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = _spec(tmp_path, "    - group: devs\n      permissions: [Overall/Read, Job/Build]\n"
                           "    - user: anonymous\n      permissions: [View/Read]\n")
    assert main(["explain", spec, "alice@example.com", "-g", "devs", "--allowed-only"]) == 0
    out = capsys.readouterr().out
    assert "user alice@example.com in groups devs" in out
    assert "Job/Build" in out and "View/Read" in out and "user anonymous (everyone)" in out
    assert "Overall/Administer" not in out
    assert main(["explain", spec, "group:devs", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    allowed = {p["permission"] for p in data["permissions"] if p["allowed"]}
    # Credentials/UseOwn is disabled, so the check walks on to what implies it: Job/Build.
    assert allowed == {"Overall/Read", "Job/Build", "View/Read", "Credentials/UseOwn"}
    assert main(["explain", spec]) == 0
    grid = capsys.readouterr().out
    assert "[1]" in grid and "Overall/SystemRead*" in grid
    view = next(line for line in grid.splitlines() if line.startswith("View/Read "))
    assert view.split()[1:] == ["X", "X", "X"]  # devs, admin, anonymous: the anonymous grant reaches every column


def test_cli_invalid_spec_is_exit_2(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = _spec(tmp_path, "    - user: authenticated\n      permissions: [Overall/Read]\n")
    assert main(["explain", spec, "alice"]) == 2
    assert "group: authenticated" in capsys.readouterr().err

"""`import` of a Jenkins on its local realm whose only administrator is a local account: under
jwt-auth that account will not exist (people are e-mail addresses with username_claim: email),
so the import refuses to write a spec that locks everyone out (located in the export, exit 2,
nothing written) unless `--admin` names who administers after the switch."""

from __future__ import annotations

import json
import pathlib
from typing import Any

import pytest

from jcasc_gen.importer import ImportOptions, import_export
from jcasc_gen.lint_rules import findings
from jcasc_gen.model import load_spec_text
from tests.generator._cli import run

POMERIUM = ["--jenkins-url", "https://jenkins.corp.example.com", "--authenticate-url", "https://authenticate.corp.example.com",
            "--idp-provider", "google"]
LOCAL = """\
jenkins:
  securityRealm:
    local:
      allowsSignup: false
  authorizationStrategy:
    globalMatrix:
      entries:
        - group:
            name: authenticated
            permissions: [Overall/Read, Job/Read]
        - user:
            name: admin
            permissions: [Overall/Administer]
"""
LEGACY = """\
jenkins:
  securityRealm:
    local: {allowsSignup: false}
  authorizationStrategy:
    globalMatrix:
      permissions:
        - "GROUP:Overall/Read:authenticated"
        - "USER:Overall/Read:admin"
        - "USER:Overall/Administer:admin"
"""


def _import(tmp: pathlib.Path, export: str, *extra: str) -> Any:
    (tmp / "export.yaml").write_text(export)
    return run(["import", "--from-export", "export.yaml", *POMERIUM, "-o", "spec.yaml", *extra], cwd=tmp)


def test_a_local_admin_only_is_refused_located_in_the_export_and_nothing_is_written(tmp_path: pathlib.Path) -> None:
    r = _import(tmp_path, LOCAL)
    assert r.code == 2 and r.out == ""
    head, hint = r.err.splitlines()[:2]
    assert head == ("export.yaml:12:19: jenkins.authorizationStrategy.globalMatrix.entries[1].user.name: user 'admin' is the "
                    "only administrator, and under jwt-auth Jenkins knows people by the token's email claim "
                    "(username_claim: email): this account will not exist, and nobody could administer Jenkins after the "
                    "switch (lockout); nothing was written")
    assert hint.startswith("  hint: name who administers Jenkins once people sign in through Pomerium: --admin user:")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export.yaml"]  # no spec, no schema beside it


def test_the_legacy_form_is_located_at_the_administer_string(tmp_path: pathlib.Path) -> None:
    r = _import(tmp_path, LEGACY)
    assert r.code == 2
    assert r.err.startswith("export.yaml:9:11: jenkins.authorizationStrategy.globalMatrix.permissions[2]: user 'admin' is ")


def test_the_refusal_in_json(tmp_path: pathlib.Path) -> None:
    r = _import(tmp_path, LOCAL, "--format", "json")
    assert r.code == 2
    doc = json.loads(r.out)
    assert (doc["ok"], doc["exit"], doc["error"]) == (False, 2, None)
    [d] = doc["diagnostics"]
    assert (d["file"], d["line"], d["col"], d["severity"]) == ("export.yaml", 12, 19, "error")
    assert "--admin user:" in d["hint"]


def test_several_local_admins_and_no_admin_at_all_are_refused_too(tmp_path: pathlib.Path) -> None:
    two = LOCAL + "        - user:\n            name: ops\n            permissions: [Overall/Administer]\n"
    r = _import(tmp_path, two)
    assert r.code == 2 and "user 'admin', user 'ops' are the only administrators" in r.err and "these accounts" in r.err
    none = LOCAL.replace("[Overall/Administer]", "[Overall/Read]")
    r = _import(tmp_path, none)
    assert r.code == 2
    assert r.err.startswith("export.yaml:6:5: jenkins.authorizationStrategy: nobody is granted Overall/Administer")


@pytest.mark.parametrize("admin,grant", [
    ("user:alice@corp.example.com", ("user", "alice@corp.example.com")),
    ("alice@corp.example.com", ("user", "alice@corp.example.com")),
    ("group:jenkins-admins", ("group", "jenkins-admins")),
])
def test_admin_names_who_administers_and_the_rest_is_imported_as_it_was(tmp_path: pathlib.Path, admin: str,
                                                                         grant: tuple[str, str]) -> None:
    r = _import(tmp_path, LOCAL, "--admin", admin)
    assert r.code == 0, r.err
    assert f"info: `{grant[0]}: {grant[1]}` administers Jenkins (--admin)" in r.err
    loaded = load_spec_text((tmp_path / "spec.yaml").read_text(), "spec.yaml")
    grants = {(g.kind, g.name): g.effective for g in loaded.spec.authorization.grants}
    assert grants == {("group", "authenticated"): ("Job/Read", "Overall/Read"), ("user", "admin"): ("Overall/Administer",),
                      grant: ("Overall/Administer",)}
    # the local account stays, and the lint says it matches nobody under jwt-auth
    assert [(d.code, d.path) for d in findings(loaded)] == [("JG017", "authorization.grants[1].user")]


def test_admin_that_already_has_a_grant_gains_administer_there(tmp_path: pathlib.Path) -> None:
    export = LOCAL + "        - user:\n            name: alice@corp.example.com\n            permissions: [Job/Build]\n"
    r = _import(tmp_path, export, "--admin", "user:Alice@corp.example.com")
    assert r.code == 0, r.err
    spec = load_spec_text((tmp_path / "spec.yaml").read_text()).spec
    assert [(g.name, g.permissions) for g in spec.authorization.grants if g.name.startswith("alice")] == [
        ("alice@corp.example.com", ("Job/Build", "Overall/Administer"))]


@pytest.mark.parametrize("admin,message", [
    ("alice", "write user:NAME or group:NAME"),
    ("user_or_group:alice@corp.example.com", "say whether it is a user or a group"),
    ("group:authenticated", "is not a person or an IdP group"),
    ("user:anonymous", "is not a person or an IdP group"),
    ("user:", "write user:NAME or group:NAME"),
])
def test_an_admin_that_names_nobody_is_a_usage_error(tmp_path: pathlib.Path, admin: str, message: str) -> None:
    r = _import(tmp_path, LOCAL, "--admin", admin)
    assert r.code == 2 and message in r.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export.yaml"]


@pytest.mark.parametrize("export", [
    LOCAL.replace("name: admin", "name: admin@corp.example.com"),  # local accounts named by address
    LOCAL.replace("- user:\n            name: admin", "- group:\n            name: jenkins-admins"),  # an IdP group
    LOCAL.replace("[Overall/Read, Job/Read]", "[Overall/Administer]"),  # everyone signed in administers
])
def test_an_administrator_who_exists_under_jwt_needs_no_admin(tmp_path: pathlib.Path, export: str) -> None:
    assert _import(tmp_path, export).code == 0


def test_another_username_claim_is_not_second_guessed() -> None:
    """A jwtAuth realm that names people by `sub` may well have a user `admin`."""
    export = {"jenkins": {"securityRealm": {"jwtAuth": {"userClaimName": "sub", "groupsClaimName": "groups", "jwksUrl": "https://idp.example.com/jwks",
                                                        "acceptedIssuer": "idp", "acceptedAudience": "jenkins"}},
                          "authorizationStrategy": {"globalMatrix": {"entries": [
                              {"user": {"name": "admin", "permissions": ["Overall/Administer"]}}]}}}}
    from jcasc_gen.import_admins import lockout

    result = import_export(export, ImportOptions(jenkins_url="https://jenkins.example.com"))
    spec = load_spec_text(result.text).spec
    assert spec.jwt.username_claim == "sub"
    assert lockout(spec, None, export["jenkins"]["authorizationStrategy"]) is None

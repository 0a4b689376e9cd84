"""`plan` leads with the effective change per principal, the way `diff --live` says it, and
keeps the YAML diff of the realm and matrix for `-v` (the JSON has both, always)."""

from __future__ import annotations

import textwrap

from jcasc_gen.exitcodes import ExitCode

from .conftest import ADMIN, READER_GROUP, Env, spec_text

BOB = "bob@corp.example.com"
WITH_BOB = textwrap.dedent(f"""\
    - user: {ADMIN}
      permissions: [Overall/Administer]
    - group: {READER_GROUP}
      permissions: [Overall/Read, Job/Read]
    - user: {BOB}
      permissions: [Overall/Read, Job/Read, Job/Configure]
    """)


def test_plan_leads_with_each_principal_and_shows_the_yaml_only_with_v(env: Env) -> None:
    env.write_spec(spec_text(env.pomerium.jwks_url, grants=WITH_BOB))
    r = env.plan()
    assert r.code == ExitCode.DIFFERENCES, r.err
    lines = r.out.splitlines()
    # the simulator starts with the local realm and "logged-in users can do anything"
    assert lines[:4] == [
        "~ authorization strategy: loggedInUsersCanDoAnything -> globalMatrix",
        f"+ group {READER_GROUP}: Job/Read, Overall/Read",
        f"+ user {ADMIN}: Overall/Administer",
        f"+ user {BOB}: Job/Configure, Job/Read, Overall/Read",
    ]
    assert "plugin   install jwt-auth 0.3.0" in lines and "realm    local -> jwtAuth" in lines
    assert not any(line.startswith(("---", "+++", "@@")) for line in lines)  # no YAML diff without -v
    verbose = env.plan("-v")
    assert verbose.code == ExitCode.DIFFERENCES
    assert verbose.out.startswith(r.out.split("\n\n")[0]) and "+++ spec (managed sections)" in verbose.out
    assert "+    jwtAuth:" in verbose.out


def test_a_removed_grant_reads_as_what_the_person_loses(env: Env) -> None:
    env.write_spec(spec_text(env.pomerium.jwks_url, grants=WITH_BOB))
    assert env.apply().code == ExitCode.OK
    env.write_spec(spec_text(env.pomerium.jwks_url, grants=WITH_BOB.replace(", Job/Configure", "")))
    r = env.plan()
    assert r.code == ExitCode.DIFFERENCES, r.err
    assert r.out.splitlines() == [f"~ user {BOB}: -Job/Configure"]
    env.write_spec(spec_text(env.pomerium.jwks_url, grants=WITH_BOB.split(f"- user: {BOB}")[0]))
    r = env.plan("--format", "json")
    assert r.code == ExitCode.DIFFERENCES
    assert env.plan().out.splitlines() == [f"- user {BOB}: Job/Configure, Job/Read, Overall/Read"]
    # the JSON carries the same change as data, and the YAML diff
    principals = r.json["changes"]["principals"]
    assert principals == {"added": [], "changed": [],
                          "removed": [{"kind": "user", "name": BOB, "added": [],
                                       "removed": ["Job/Configure", "Job/Read", "Overall/Read"]}]}
    assert r.json["diff"].startswith("--- live (managed sections)")


def test_a_realm_attribute_change_is_named(env: Env) -> None:
    assert env.apply().code == ExitCode.OK
    env.write_spec(spec_text(env.pomerium.jwks_url, extra_jwt="  leeway_seconds: 60\n"))
    r = env.plan()
    assert r.code == ExitCode.DIFFERENCES, r.err
    assert r.out.splitlines() == ["realm    jwtAuth attributes change", "~ jwtAuth.leewaySeconds: 30 -> 60"]

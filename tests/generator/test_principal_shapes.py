"""Principal shapes (JG017, JG018): with `username_claim: email` a `user:` without `@` and a
`group:` shaped like an e-mail address are almost always mistakes; the hint says the fix."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import given, settings, strategies as st

from jcasc_gen.lint_rules import findings
from jcasc_gen.model import LoadedSpec, load_spec_text

ADMIN = {"user": "alice@corp.example.com", "permissions": ["Overall/Administer"]}
POMERIUM = {"version": "0.33", "authenticate_url": "https://authenticate.corp.example.com",
            "idp": {"provider": "google", "client_id": {"env": "ID"}, "client_secret": {"env": "SECRET"}},
            "signing_key": {"env": "KEY"}}


def load(grants: list[dict[str, Any]], *, items: list[dict[str, Any]] | None = None, accept: list[dict[str, Any]] | None = None,
         **jwt: Any) -> LoadedSpec:
    data: dict[str, Any] = {"version": 1, "jenkins": {"url": "https://jenkins.corp.example.com"}, "pomerium": POMERIUM}
    if jwt:
        data["jwt"] = jwt
    data["authorization"] = {"grants": grants}
    if items:
        data["authorization"].update(strategy="project", items=items)
    if accept:
        data["lint"] = {"accept": accept}
    return load_spec_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def shapes(loaded: LoadedSpec, strict: bool = False) -> list[tuple[str, str, str | None]]:
    return [(d.code, d.path, d.accepted) for d in findings(loaded, strict=strict) if d.code in ("JG017", "JG018")]


def test_a_user_without_at_is_reported_with_the_address_to_write() -> None:
    loaded = load([ADMIN, {"user": "bob", "permissions": ["Job/Read", "Overall/Read"]}])
    [d] = [d for d in findings(loaded) if d.code == "JG017"]
    assert (d.path, d.severity) == ("authorization.grants[1].user", "warning")
    assert (d.line, d.col) == (loaded.document.text.splitlines().index("  - user: bob") + 1, 11)
    # the domain the spec's other users have
    assert d.hint == "write the person's address, e.g. `user: bob@corp.example.com`; if 'bob' is a group of your IdP, write `group: bob`"


def test_without_other_users_the_domain_comes_from_the_jenkins_host() -> None:
    [d] = [d for d in findings(load([{"group": "admins", "permissions": ["Overall/Administer"]},
                                     {"user": "bob", "permissions": ["Overall/Read"]}])) if d.code == "JG017"]
    assert "`user: bob@corp.example.com`" in (d.hint or "")


def test_a_group_that_looks_like_an_address_is_reported_with_how_to_accept_it() -> None:
    loaded = load([ADMIN, {"group": "devs@corp.example.com", "permissions": ["Overall/Read"]}])
    [d] = [d for d in findings(loaded) if d.code == "JG018"]
    assert (d.path, d.severity) == ("authorization.grants[1].group", "warning")
    assert d.hint is not None and d.hint.startswith("if this is a person, write `user: devs@corp.example.com`")
    assert "where: authorization.grants[1]" in d.hint


def test_item_grants_are_checked_too() -> None:
    items = [{"path": "team-a", "grants": [{"user": "carol", "permissions": ["Job/Read"]},
                                           {"group": "qa@corp.example.com", "permissions": ["Job/Read"]}]}]
    assert shapes(load([ADMIN, {"group": "authenticated", "permissions": ["Overall/Read"]}], items=items)) == [
        ("JG017", "authorization.items[0].grants[0].user", None), ("JG018", "authorization.items[0].grants[1].group", None)]


@pytest.mark.parametrize("grant", [
    {"user": "anonymous"}, {"user": "Anonymous"}, {"group": "authenticated"}, {"group": "role_everyone"},
    {"group": "anonymous"}, {"user_or_group": "bob"}, {"user_or_group": "bob@corp.example.com"},
    {"user": "bob@corp.example.com"}, {"group": "jenkins-devs"}, {"group": "devs@team"},
])
def test_special_principals_addresses_and_plain_groups_are_not_reported(grant: dict[str, str]) -> None:
    assert shapes(load([ADMIN, {**grant, "permissions": ["Overall/Read"]}])) == []


@pytest.mark.parametrize("claim", ["sub", "user", "name"])
def test_other_username_claims_are_not_checked(claim: str) -> None:
    grants = [{"user": "alice", "permissions": ["Overall/Administer"]}, {"group": "qa@corp.example.com", "permissions": ["Overall/Read"]}]
    assert shapes(load(grants, username_claim=claim)) == []


def test_a_deliberate_shape_is_accepted_with_where() -> None:
    grants = [ADMIN, {"group": "devs@corp.example.com", "permissions": ["Overall/Read"]},
              {"group": "ops@corp.example.com", "permissions": ["Overall/Read"]}]
    accept = [{"rule": "JG018", "reason": "our directory names groups by address", "where": "authorization.grants[1]"}]
    got = shapes(load(grants, accept=accept), strict=True)
    assert got == [("JG018", "authorization.grants[1].group", "our directory names groups by address"),
                   ("JG018", "authorization.grants[2].group", None)]


_LOCAL = st.text(st.sampled_from("abcxyz.-_+0123"), min_size=1, max_size=8).filter(lambda s: s[0] not in ".")
_DOMAIN = st.lists(st.text(st.sampled_from("abcdexyz-0"), min_size=1, max_size=6), min_size=2, max_size=3).map(".".join)


@settings(max_examples=60, deadline=None)
@given(local=_LOCAL, domain=_DOMAIN)
def test_addresses_are_users_not_groups(local: str, domain: str) -> None:
    """Any `local@domain.tld`: fine as a user, reported as a group; without `@domain` it is the other way round."""
    address = f"{local}@{domain}"
    assert shapes(load([ADMIN, {"user": address, "permissions": ["Overall/Read"]}])) == []
    assert [c for c, _, _ in shapes(load([ADMIN, {"group": address, "permissions": ["Overall/Read"]}]))] == ["JG018"]
    if local.lower() not in ("anonymous", "authenticated", "role_everyone"):
        assert [c for c, _, _ in shapes(load([ADMIN, {"user": local, "permissions": ["Overall/Read"]}]))] == ["JG017"]
    assert shapes(load([ADMIN, {"group": local, "permissions": ["Overall/Read"]}])) == []

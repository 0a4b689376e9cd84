"""Permissions that plugins define put their plugin in the lists (jcasc_gen/permission_plugins.py).

The generated jenkins.yaml is checked by the simulator's matrix-auth (its own permission table,
tests/jenkins_sim/permissions.py) with exactly the generated plugins.txt active: it must load,
and it must fail "no such permission" as soon as any plugin the tool added is missing.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jcasc_gen import permissions, pins
from jcasc_gen.model import load_spec_text
from jcasc_gen.render import render
from jcasc_gen.schema import schema
from tests.jenkins_sim import CascError, JenkinsSim

HEAD = ("version: 1\njenkins:\n  url: https://jenkins.example.com\n"
        "jwt:\n  header: X-Jwt\n  issuers: [i]\n  audiences: [a]\n  jwks_url: https://j.example.com/jwks.json\n")


def _plugins(text: str) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition(":")
            out[name] = version or None
    return out


def test_every_plugin_of_the_catalog_has_a_built_in_pin() -> None:
    """A permission added to the catalog with a new plugin must come with a pin for it."""
    for p in permissions.CATALOG.values():
        if p.plugin is not None:
            assert pins.KNOWN_GOOD.get(p.plugin), p.plugin


def test_both_extra_permission_forms_share_one_id_pattern() -> None:
    string_form, mapping_form = schema()["properties"]["authorization"]["properties"]["extra_permissions"]["items"]["anyOf"]
    assert string_form["pattern"] == mapping_form["properties"]["id"]["pattern"]


@settings(max_examples=40, deadline=None)
@given(perms=st.lists(st.sampled_from(sorted(permissions.CATALOG)), min_size=1, max_size=5, unique=True),
       via_role=st.booleans(), unused=st.lists(st.sampled_from(sorted(permissions.CATALOG)), max_size=3, unique=True))
def test_the_matrix_loads_with_exactly_the_listed_plugins(perms: list[str], via_role: bool, unused: list[str]) -> None:
    roles = {"granted": perms, "unused": unused} if via_role else {"unused": unused}
    grant = "      roles: [granted]\n" if via_role else f"      permissions: {json.dumps(perms)}\n"
    text = (HEAD + "authorization:\n" + (f"  roles: {json.dumps({k: v for k, v in roles.items() if v})}\n" if any(roles.values()) else "")
            + "  grants:\n    - user: admin\n      permissions: [Overall/Administer]\n    - group: g\n" + grant)
    spec = load_spec_text(text).spec
    files = render(spec)
    listed = _plugins(files["plugins.txt"])
    wanted = {permissions.CATALOG[p].plugin for p in perms} - {None}
    assert set(listed) == set(pins.REQUIRED) | wanted  # a permission only in an unused role adds nothing
    for name in wanted:
        assert listed[name] == pins.KNOWN_GOOD[name]

    def check(active: dict[str, str | None]) -> None:
        JenkinsSim(plugins={n: v or "1" for n, v in active.items()}).check(files["jenkins.yaml"])

    check(listed)
    for name in wanted:
        with pytest.raises(CascError, match="no such permission"):
            check({n: v for n, v in listed.items() if n != name})


def test_extra_permission_plugin_joins_the_lists_only_when_granted() -> None:
    extra = "  extra_permissions:\n    - {id: Lockable Resources/Reserve, plugin: lockable-resources}\n"
    admin = "  grants:\n    - user: admin\n      permissions: [Overall/Administer]\n"
    pinned = "plugins:\n  versions:\n    lockable-resources: \"1539.v4db_b_fc1cc115\"\n"
    granted = load_spec_text(HEAD + "authorization:\n" + extra + admin +
                             "    - group: g\n      permissions: [Lockable Resources/Reserve]\n" + pinned).spec
    assert ("lockable-resources", "1539.v4db_b_fc1cc115") in [(p.name, p.version) for p in granted.plugins]
    assert granted.authorization.needed_plugins() == {"lockable-resources": ("Lockable Resources/Reserve",)}
    only_declared = load_spec_text(HEAD + "authorization:\n" + extra + admin).spec
    assert "lockable-resources" not in [p.name for p in only_declared.plugins]
    # unpinned: written unpinned, and said so at the entry's plugin (JG012)
    loaded = load_spec_text(HEAD + "authorization:\n" + extra + admin + "    - group: g\n      permissions: [Lockable Resources/Reserve]\n")
    assert ("lockable-resources", None) in [(p.name, p.version) for p in loaded.spec.plugins]
    assert [(w.code, w.path) for w in loaded.warnings] == [("JG012", "authorization.extra_permissions[0].plugin")]


def test_a_plain_string_extra_permission_still_loads_with_a_warning() -> None:
    loaded = load_spec_text(HEAD + "authorization:\n  extra_permissions: [Lockable Resources/Reserve]\n"
                            "  grants:\n    - user: admin\n      permissions: [Overall/Administer, Lockable Resources/Reserve]\n")
    assert loaded.spec.authorization.extra_permissions == ("Lockable Resources/Reserve",)
    assert [(w.code, w.path) for w in loaded.warnings] == [("JG014", "authorization.extra_permissions[0]")]
    assert [p.name for p in loaded.spec.plugins] == list(pins.REQUIRED)


def test_a_listed_extra_keeps_its_place_and_gets_the_built_in_pin() -> None:
    loaded = load_spec_text(HEAD + "authorization:\n  grants:\n    - user: admin\n"
                            "      permissions: [Overall/Administer, Job/Move]\nplugins:\n  extra: [git:5.7.0, cloudbees-folder]\n")
    assert [(p.name, p.version) for p in loaded.spec.plugins][3:] == [
        ("git", "5.7.0"), ("cloudbees-folder", pins.KNOWN_GOOD["cloudbees-folder"])]
    assert not loaded.warnings

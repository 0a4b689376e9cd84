"""Overlays: how a controller's entry merges with the top level, and where its diagnostics point.

A controller's spec is the top level with its overlay merged in: maps key by key, grants and
items appended, roles by name, everything else replaced. Each controller is checked as a whole
spec; every message is located in the file (the overlay's line, or the top-level line the
controller inherits) and names the controller.
"""

from __future__ import annotations

import copy
import textwrap
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jcasc_gen import _events
from jcasc_gen.diagnostics import SpecError
from jcasc_gen.fleet import load_fleet_text
from jcasc_gen.model import load_spec_text
from jcasc_gen.overlay import APPENDED, env_prefix, is_controller_name, merge, source_of

BASE = textwrap.dedent("""\
    version: 1
    pomerium:
      authenticate_url: https://authenticate.corp.example.com
      idp: {provider: google, client_id: {env: IDP_CLIENT_ID}, client_secret: {env: IDP_CLIENT_SECRET}}
      signing_key: {env: POMERIUM_SIGNING_KEY}
    authorization:
      roles:
        admin: [Overall/Administer]
        reader: [Overall/Read, Job/Read]
      grants:
        - user: alice@corp.example.com
          roles: [admin]
        - group: auditors
          roles: [reader]
    plugins:
      extra: ["git:5.7.0"]
    """)


def fleet(text: str, only: list[str] | None = None) -> Any:
    return load_fleet_text(text, "spec.yaml", "/tmp/fleet-spec", only=only)


def errors(text: str, only: list[str] | None = None) -> list[str]:
    with pytest.raises(SpecError) as exc:
        fleet(text, only)
    return [d.format() for d in exc.value.diagnostics]


def test_maps_merge_key_by_key_grants_append_roles_merge_by_name_lists_replace() -> None:
    f = fleet(BASE + textwrap.dedent("""\
        controllers:
          prod:
            jenkins: {url: https://jenkins.corp.example.com, upstream: http://jenkins-prod:8080}
          staging:
            jenkins: {url: https://jenkins-staging.corp.example.com}
            pomerium: {version: "0.30"}
            authorization:
              roles:
                reader: [Overall/Read, Job/Read, Job/Build]
              grants:
                - group: qa
                  permissions: [Overall/Read]
            plugins:
              extra: ["git:5.7.0", ansicolor]
        """))
    assert [m.name for m in f.members] == ["prod", "staging"] and f.names == ("prod", "staging")
    prod, staging = (m.loaded.spec for m in f.members)
    assert (prod.upstream, staging.upstream) == ("http://jenkins-prod:8080", "http://jenkins:8080")
    # maps merge key by key: the overlay's version joins the top level's Pomerium settings
    assert staging.pomerium is not None and staging.pomerium.version_text == "0.30"
    assert staging.pomerium.authenticate_url == prod.pomerium.authenticate_url  # type: ignore[union-attr]
    # grants append, in order; the redefined role applies to the inherited grant too
    assert [(g.kind, g.name) for g in staging.authorization.grants] == [
        ("user", "alice@corp.example.com"), ("group", "auditors"), ("group", "qa")]
    assert [(g.kind, g.name) for g in prod.authorization.grants] == [("user", "alice@corp.example.com"), ("group", "auditors")]
    assert "Job/Build" in staging.authorization.grants[1].effective
    assert "Job/Build" not in prod.authorization.grants[1].effective
    assert set(staging.authorization.roles) == {"admin", "reader"}
    # any other list is replaced
    assert [p.name for p in staging.plugins][-2:] == ["git", "ansicolor"]
    assert [p for p in staging.plugins if p.name == "git"][0].version == "5.7.0"
    # each controller writes into its own folder under output.dir
    assert prod.output.dir == "/tmp/fleet-spec/generated/prod" and staging.output.dir == "/tmp/fleet-spec/generated/staging"


def test_items_are_appended_like_grants() -> None:
    base = {"authorization": {"items": [{"path": "a"}], "grants": [1]}}
    merged, _ = merge(base, {"authorization": {"items": [{"path": "b"}]}})
    assert merged["authorization"]["items"] == [{"path": "a"}, {"path": "b"}]
    assert merged["authorization"]["grants"] == [1]


def test_merging_changes_neither_side() -> None:
    base = {"authorization": {"grants": [{"user": "a"}], "roles": {"r": ["x"]}}, "jwt": {"issuers": ["i"]}}
    overlay = {"authorization": {"grants": [{"user": "b"}], "roles": {"r": ["y"]}}, "jwt": {"issuers": ["j"]}}
    before = copy.deepcopy((base, overlay))
    merged, _ = merge(base, overlay)
    assert merged == {"authorization": {"grants": [{"user": "a"}, {"user": "b"}], "roles": {"r": ["y"]}}, "jwt": {"issuers": ["j"]}}
    assert (base, overlay) == before


def test_an_overlay_value_of_another_kind_replaces_and_is_reported_at_the_overlay() -> None:
    assert [e for e in errors(BASE + textwrap.dedent("""\
        controllers:
          prod:
            jenkins: {url: https://jenkins.corp.example.com}
            authorization:
              grants: {user: bob}
        """)) if ": warning: " not in e] == [
        "prod: spec.yaml:21:15: controllers.prod.authorization.grants: expected a list, got a mapping",
    ]


# -------------------------------------------------------------------- provenance, as a property

_keys = st.sampled_from(["authorization", "grants", "items", "roles", "a", "b"])
_leaf = st.one_of(st.integers(0, 9), st.sampled_from(["x", "y"]), st.none())
_tree = st.recursive(_leaf, lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_keys, inner, max_size=3)),
                     max_leaves=12)


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(data, dict):
        for k, v in data.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += _paths(v, prefix + (i,))
    return out


def _get(data: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        data = data[step]
    return data


@settings(max_examples=150, deadline=None)
@given(base=st.dictionaries(_keys, _tree, max_size=4), overlay=st.dictionaries(_keys, _tree, max_size=4))
def test_every_merged_value_is_found_where_its_origin_says(base: dict[str, Any], overlay: dict[str, Any]) -> None:
    """The class of "a diagnostic points at the wrong line": for every path of a merged spec, the
    origin names a place in the file that holds exactly that value (or, for a merged map, the
    overlay's map that the controller wrote)."""
    file = dict(base, controllers={"c": overlay})
    merged, origin = merge(base, overlay, overlay_path=("controllers", "c"))
    for path in _paths(merged):
        where = source_of(origin, path)
        value = _get(file, where)
        got = _get(merged, path)
        if isinstance(value, dict) and where[:2] == ("controllers", "c") and isinstance(got, dict):
            # a map made of both sides is located at the overlay's part of it
            assert set(value) <= set(got)
        elif isinstance(value, list) and where[:2] == ("controllers", "c") and isinstance(got, list) and path in APPENDED:
            # so is an appended list: the overlay's items end it
            assert got[len(got) - len(value):] == value
        else:
            assert value == _get(merged, path), (path, where)


# -------------------------------------------------------------------- located diagnostics

FLEET = BASE + textwrap.dedent("""\
    controllers:
      prod:
        jenkins: {url: https://jenkins.corp.example.com}
      staging:
        jenkins: {url: https://jenkins-staging.corp.example.com}
        authorization:
          grants:
            - group: qa
              permissions: [Overall/Read, Job/Bild]
    """)


def test_an_error_in_an_overlay_is_located_there_and_names_its_controller() -> None:
    assert errors(FLEET) == [
        "staging: spec.yaml:25:39: controllers.staging.authorization.grants[0].permissions[1]: unknown permission 'Job/Bild'"
        "\n  hint: did you mean 'Job/Build'?",
    ]


def test_an_error_every_controller_inherits_is_reported_once_at_the_base_line_naming_them_all() -> None:
    text = FLEET.replace("Job/Bild", "Job/Build").replace("reader: [Overall/Read, Job/Read]", "reader: [Overall/Read, Job/Raed]")
    assert errors(text) == [
        "prod, staging: spec.yaml:9:28: authorization.roles.reader[1]: unknown permission 'Job/Raed'\n  hint: did you mean 'Job/Read'?",
    ]


def test_an_inherited_line_that_fails_only_in_one_controller_names_only_that_one() -> None:
    # staging redefines the role the top-level grant uses as nothing: that grant, written at the
    # top level, grants nothing in staging only
    text = FLEET.replace("Job/Bild", "Job/Build").replace(
        "    authorization:\n      grants:\n        - group: qa",
        "    authorization:\n      roles: {reader: []}\n      grants:\n        - group: qa")
    assert errors(text) == [
        "staging: spec.yaml:13:7: authorization.grants[1]: this grant grants nothing"
        "\n  hint: add `permissions:` or `roles:`; to give a principal nothing, leave it out",
    ]


def test_a_message_that_names_another_grant_names_it_where_it_is_written() -> None:
    text = FLEET.replace("Job/Bild", "Job/Build").replace("- group: qa", "- group: Auditors")
    assert errors(text) == [
        "staging: spec.yaml:24:18: controllers.staging.authorization.grants[0].group: group 'Auditors' is already granted "
        "by authorization.grants[1] (group 'auditors')\n  hint: Jenkins matches names case-insensitively; merge the two grants into one",
    ]


def test_warnings_carry_their_controller_and_a_valid_fleet_loads() -> None:
    text = FLEET.replace("Job/Bild", "Job/Build").replace("    authorization:\n      grants:",
                                                          "    authorization:\n      roles: {unused: [Job/Read]}\n      grants:")
    f = fleet(text)
    assert [d.format().splitlines()[0] for d in f.warnings] == [
        "staging: spec.yaml:23:15: controllers.staging.authorization.roles.unused: warning: role 'unused' is not used by any grant"]
    assert [d.controllers for d in f.members[1].loaded.warnings] == [("staging",)]
    assert f.members[0].loaded.warnings == []


def test_a_required_key_no_controller_gives_is_reported_for_each_at_its_entry() -> None:
    text = BASE + "controllers:\n  prod:\n    jenkins: {url: https://jenkins.corp.example.com}\n  dev: {}\n"
    assert errors(text) == [
        "dev: spec.yaml:20:8: controllers.dev: missing required key 'jenkins' in the spec"
        "\n  hint: add `jenkins: {url: https://jenkins.example.com}`",
    ]


def test_the_controllers_section_itself_is_checked_once_for_the_file() -> None:
    text = BASE + textwrap.dedent("""\
        controllers:
          Prod_EU:
            jenkins: {url: https://jenkins.corp.example.com}
          dev:
            version: 1
            jenkinz: {url: https://dev.corp.example.com}
            output: {dir: elsewhere, compose: false}
          qa: [1]
        """)
    assert errors(text) == [
        "spec.yaml:18:3: controllers.Prod_EU: controller name 'Prod_EU' is not a DNS label\n  hint: lower-case letters, digits "
        "and '-', at most 63, starting and ending with a letter or digit (it names the output folder and the "
        "JCASC_GEN_<NAME>_... variables), e.g. prod-eu",
        "spec.yaml:21:5: controllers.dev.version: a controller cannot set 'version'"
        "\n  hint: `version` belongs to the whole file: write it once at the top level",
        "spec.yaml:22:5: controllers.dev.jenkinz: unknown key 'jenkinz'\n  hint: did you mean 'jenkins'?",
        "spec.yaml:23:14: controllers.dev.output.dir: a controller cannot set output.dir\n  hint: each controller writes "
        "into its own folder, <output.dir>/dev/: set output.dir once at the top level (or pass -o)",
        "spec.yaml:24:7: controllers.qa: a controller's overlay must be a mapping, got a list\n  hint: write `qa: {}` for a "
        "controller that changes nothing",
    ]


@pytest.mark.parametrize("section, message", [
    ("controllers: {}\n", "spec.yaml:17:14: controllers: no controller is defined"),
    ("controllers: [prod]\n", "spec.yaml:17:14: controllers: expected a mapping, got a list"),
])
def test_an_empty_or_misshapen_controllers_section(section: str, message: str) -> None:
    assert errors(BASE + section)[0].splitlines()[0] == message


def test_choosing_a_controller_that_does_not_exist_suggests_the_nearest() -> None:
    text = FLEET.replace("Job/Bild", "Job/Build")
    assert errors(text, only=["stagign"]) == [
        "spec.yaml:17:1: controllers: no controller named 'stagign'\n  hint: did you mean 'staging'? the spec defines: prod, staging"]


def test_choosing_a_controller_checks_only_that_one() -> None:
    f = fleet(FLEET, only=["prod"])  # staging's error does not stand in prod's way
    assert [m.name for m in f.members] == ["prod"] and f.names == ("prod", "staging")


def test_choosing_a_controller_in_a_spec_without_controllers_is_an_error() -> None:
    text = BASE + "jenkins: {url: https://jenkins.corp.example.com}\n"
    assert errors(text, only=["prod"])[0].startswith("spec.yaml:1:1: $: this spec defines no controllers")
    assert [m.name for m in fleet(text).members] == [None]


def test_loading_one_spec_from_a_file_with_controllers_needs_its_name() -> None:
    text = FLEET.replace("Job/Bild", "Job/Build")
    with pytest.raises(SpecError) as exc:
        load_spec_text(text, "spec.yaml")
    assert "this spec defines 2 controllers (prod, staging); name the one to use" in str(exc.value)
    assert load_spec_text(text, "spec.yaml", controller="staging").controller == "staging"


def test_a_spec_without_controllers_is_loaded_as_before() -> None:
    text = BASE + "jenkins: {url: https://jenkins.corp.example.com}\n"
    single = load_spec_text(text, "spec.yaml", "/tmp/fleet-spec")
    member = fleet(text).members[0].loaded
    assert single.spec == member.spec and member.controller is None and single.spec.output.dir == "/tmp/fleet-spec/generated"


@pytest.mark.parametrize("name, ok", [
    ("prod", True), ("a", True), ("eu-west-1", True), ("1st", True), ("a" * 63, True),
    ("a" * 64, False), ("Prod", False), ("prod_eu", False), ("-prod", False), ("prod-", False), ("", False),
    ("prod\n", False), ("pröd", False), ("a.b", False),
])
def test_controller_names_are_dns_labels(name: str, ok: bool) -> None:
    assert is_controller_name(name) is ok


def test_controller_names_pass_the_schema_exactly_when_is_controller_name_says() -> None:
    for name in ("prod", "Prod", "prod\n", "a" * 64, "eu-west-1"):
        data, _ = _events.build(f'version: 1\ncontrollers:\n  "{name.encode("unicode_escape").decode()}": {{}}\n')
        from jcasc_gen.schema import _controllers_fast_check, _controllers_validator

        fast = _controllers_fast_check()
        assert fast is not None and fast(data) is _controllers_validator().is_valid(data)
        assert _controllers_validator().is_valid(data) is (is_controller_name(name) or name == "prod\n"), name


def test_environment_prefix() -> None:
    assert env_prefix("eu-west-1") == "JCASC_GEN_EU_WEST_1_"


ITEMS = textwrap.dedent("""\
    version: 1
    jenkins: {url: https://jenkins.corp.example.com}
    pomerium:
      authenticate_url: https://authenticate.corp.example.com
      idp: {provider: google, client_id: {env: IDP_CLIENT_ID}, client_secret: {env: IDP_CLIENT_SECRET}}
      signing_key: {env: POMERIUM_SIGNING_KEY}
    authorization:
      strategy: project
      grants:
        - group: admins
          permissions: [Overall/Administer]
      items:
        - path: shared
          grants:
            - group: devs
              permissions: [Job/Read]
    controllers:
      prod:
        authorization:
          items:
            - path: team-a
              grants:
                - group: team-a
                  permissions: [Job/Read]
      dev: {}
    """)


def test_folder_matrices_are_appended_per_controller() -> None:
    f = fleet(ITEMS)
    prod, dev = (m.loaded.spec.authorization.items for m in f.members)
    assert [i.path for i in prod] == ["shared", "team-a"] and [i.path for i in dev] == ["shared"]


def test_an_item_that_clashes_with_an_inherited_one_is_located_at_the_overlay() -> None:
    text = ITEMS.replace("- path: team-a", "- path: Shared")
    assert errors(text) == [
        "prod: spec.yaml:21:17: controllers.prod.authorization.items[0].path: item 'Shared' is already listed at "
        "authorization.items[0] ('shared')\n  hint: Jenkins compares item names case-insensitively; merge the two entries into one"]


def test_a_name_the_schema_lets_through_with_a_trailing_newline_is_refused() -> None:
    text = BASE + 'jenkins: {url: https://jenkins.corp.example.com}\ncontrollers:\n  "prod\\n": {}\n'
    assert errors(text)[0].startswith("spec.yaml:19:3: controllers.prod\n: controller name 'prod\\n' is not a DNS label")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.from_regex(r"\A[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?\Z"), min_size=2, max_size=6, unique=True))
def test_two_controllers_never_share_their_variables(names: list[str]) -> None:
    """The class of "one controller reads another's token": distinct names, distinct prefixes,
    and no prefix is the start of another's variable (JCASC_GEN_A_ and JCASC_GEN_A_B_USER_ID)."""
    assert all(is_controller_name(n) for n in names)
    prefixes = [env_prefix(n) for n in names]
    assert len(set(prefixes)) == len(names)
    suffixes = ("USER_ID", "API_TOKEN", "JWT", "SIGNING_KEY_FILE")
    for a in prefixes:
        for b in prefixes:
            if a != b:
                assert not any((b + s).startswith(a) and (b + s)[len(a):] in suffixes for s in suffixes)


def test_a_controller_accepts_the_risks_its_own_grants_bring_after_the_top_levels() -> None:
    """lint.accept is appended like grants; `where` is the path as messages print it, so an
    acceptance of an overlay's grant names the overlay's place."""
    from jcasc_gen.lint_rules import findings

    text = BASE.replace("    - group: auditors\n      roles: [reader]\n",
                        "    - group: auditors\n      roles: [reader]\n    - group: ops@corp.example.com\n      roles: [reader]\n")
    assert "ops@" in text
    text += textwrap.dedent("""\
        lint:
          accept:
            - {rule: JG018, reason: the ops list is a group, where: "authorization.grants[2]"}
        controllers:
          prod:
            jenkins: {url: https://jenkins.corp.example.com}
          staging:
            jenkins: {url: https://jenkins-staging.corp.example.com}
            authorization:
              grants:
                - group: qa@corp.example.com
                  roles: [reader]
            lint:
              accept:
                - {rule: JG018, reason: so is the qa list, where: "controllers.staging.authorization.grants[0]"}
        """)
    prod, staging = fleet(text).members
    assert [a.reason for a in staging.loaded.spec.accepted] == ["the ops list is a group", "so is the qa list"]
    assert [(d.code, d.path, d.accepted) for d in findings(prod.loaded, strict=True)] == [
        ("JG018", "authorization.grants[2].group", "the ops list is a group")]
    assert [(d.code, d.path, d.accepted) for d in findings(staging.loaded, strict=True)] == [
        ("JG018", "authorization.grants[2].group", "the ops list is a group"),
        ("JG018", "controllers.staging.authorization.grants[0].group", "so is the qa list")]

"""jcasc_gen/jcasc.py: the managed JCasC sections a spec means, and the normalisation that
decides what plan, diff and verify call a difference (order, quoting and `^${` escaping are
not; a name, a permission, a realm value are)."""

from __future__ import annotations

import copy
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from jcasc_gen.jcasc import (CASC_ENDPOINTS, ENTRY_KEYS, JWT_ATTRIBUTES, escape_interpolation, managed_sections,
                             normalize_managed, target_document, unescape_interpolation)
from jcasc_gen.model import Spec, load_spec_text
from tests.jenkins_sim import state as sim_state

POMERIUM = {"version": "0.33", "authenticate_url": "https://authenticate.example.com",
            "idp": {"provider": "google", "client_id": {"env": "ID"}, "client_secret": {"env": "SECRET"}},
            "signing_key": {"env": "KEY"}}


def spec(jwt: dict[str, Any] | None = None, **authorization: Any) -> Spec:
    data: dict[str, Any] = {"version": 1, "jenkins": {"url": "https://jenkins.example.com"}, "pomerium": POMERIUM}
    if jwt:
        data["jwt"] = jwt
    data["authorization"] = {"grants": [{"user": "alice@example.com", "permissions": ["Overall/Administer"]}],
                             **authorization}
    loaded = load_spec_text(yaml.safe_dump(data, sort_keys=False))
    return loaded.spec


def test_jwt_attributes_are_jwt_auths_constructor_parameters() -> None:
    # compared with the simulator's own transcription of JwtAuthSecurityRealm's @DataBoundConstructor
    assert JWT_ATTRIBUTES == sim_state.JWT_ATTRIBUTES


def test_the_realm_carries_every_attribute_from_the_spec() -> None:
    s = spec({"issuers": ["jenkins.example.com", "b.example.com"], "audiences": ["jenkins.example.com", "y"],
              "email_claim": None, "full_name_claim": "name", "groups_separator": ";", "leeway_seconds": 7,
              "username_claim": "sub", "allow_verification_failures": True})
    realm = target_document(s)["jenkins"]["securityRealm"]["jwtAuth"]
    assert list(realm) == list(JWT_ATTRIBUTES)  # all eleven, always: an omitted one is null/0/false in JCasC
    assert realm == {
        "acceptedAudience": "jenkins.example.com,y", "acceptedIssuer": "jenkins.example.com,b.example.com",
        "allowVerificationFailures": True, "emailClaimName": "", "fullNameClaim": "name",
        "groupsClaimName": "groups", "groupsClaimSeparator": ";", "headerName": "X-Pomerium-Jwt-Assertion",
        "jwksUrl": "https://jenkins.example.com/.well-known/pomerium/jwks.json", "leewaySeconds": 7,
        "userClaimName": "sub",
    }
    assert target_document(spec({"jwks_url": None}))["jenkins"]["securityRealm"]["jwtAuth"]["jwksUrl"] == ""


def test_the_matrix_entries_in_jcasc_form() -> None:
    s = spec(grants=[{"user": "alice@example.com", "permissions": ["Overall/Administer"]},
                     {"group": "devs", "permissions": ["Job/Read", "Overall/Read"]},
                     {"user_or_group": "ops", "permissions": ["Job/Build"]}])
    strategy = target_document(s)["jenkins"]["authorizationStrategy"]
    assert list(strategy) == ["globalMatrix"]
    entries = strategy["globalMatrix"]["entries"]
    assert {next(iter(e)) for e in entries} == {"user", "group", "userOrGroup"}
    by_name = {b["name"]: (k, b["permissions"]) for e in entries for k, b in e.items()}
    assert by_name == {"alice@example.com": ("user", ["Overall/Administer"]),
                       "devs": ("group", ["Job/Read", "Overall/Read"]),  # JCasC export order
                       "ops": ("userOrGroup", ["Job/Build"])}
    assert ENTRY_KEYS == {"user_or_group": "userOrGroup", "group": "group", "user": "user"}
    project = target_document(spec(strategy="project"))["jenkins"]["authorizationStrategy"]
    assert list(project) == ["projectMatrix"]


def test_managed_sections_are_the_realm_and_the_strategy_only() -> None:
    doc = {"jenkins": {"securityRealm": {"local": {}}, "authorizationStrategy": {"unsecured": {}},
                       "systemMessage": "hi", "numExecutors": 2}, "unclassified": {"x": 1}}
    assert managed_sections(doc) == {"jenkins": {"authorizationStrategy": {"unsecured": {}}, "securityRealm": {"local": {}}}}
    assert managed_sections({"jenkins": {"systemMessage": "hi"}}) == {"jenkins": {}}
    assert managed_sections(None) == managed_sections({}) == managed_sections({"jenkins": None}) == {"jenkins": {}}


# --- normalisation -------------------------------------------------------------------------------

def _doc(entries: Any, realm: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"jenkins": {"authorizationStrategy": {"globalMatrix": {"entries": entries}},
                        "securityRealm": {"jwtAuth": realm or {"headerName": "X"}}}}


def test_order_duplicates_and_escaping_are_no_difference() -> None:
    a = _doc([{"user": {"name": "alice", "permissions": ["Overall/Administer", "Job/Read"]}},
              {"group": {"name": "d^${x}", "permissions": ["Job/Read"]}}])
    b = _doc([{"group": {"name": "d${x}", "permissions": ["Job/Read", "Job/Read"]}},
              {"user": {"name": "alice", "permissions": ["Job/Read", "Overall/Administer"]}}])
    assert normalize_managed(a) == normalize_managed(b)


def test_names_permissions_and_kinds_are_differences() -> None:
    base = [{"user": {"name": "alice", "permissions": ["Job/Read"]}}]
    n = normalize_managed(_doc(base))
    assert n != normalize_managed(_doc([{"user": {"name": "Alice", "permissions": ["Job/Read"]}}]))
    assert n != normalize_managed(_doc([{"user": {"name": "alice", "permissions": ["Job/Build"]}}]))
    assert n != normalize_managed(_doc([{"group": {"name": "alice", "permissions": ["Job/Read"]}}]))
    assert n != normalize_managed(_doc(base + [{"user": {"name": "bob", "permissions": ["Job/Read"]}}]))


def test_entries_come_out_in_one_order() -> None:
    entries = [{"user": {"name": "b", "permissions": ["Overall/Read", "Job/Read"]}},
               {"user": {"name": "a", "permissions": []}}, {"user": {"name": "A"}}, {"user": {"name": "a1"}},
               {"user": {"name": 7}}, {"user": {"name": "B"}},
               {"group": {"name": "g"}}, {"userOrGroup": {"name": "z"}}, "USER:Job/Read:legacy",
               {"user": "not a mapping"}, {"two": {}, "keys": {}}, {"bogus": {"name": "0"}}]
    got = normalize_managed(_doc(entries))["jenkins"]["authorizationStrategy"]["globalMatrix"]["entries"]
    # by kind (userOrGroup, group, user, then unknown kinds), then name ignoring case, then
    # name; what is not an entry goes last, in the order it came
    assert got == [
        {"userOrGroup": {"name": "z", "permissions": []}},
        {"group": {"name": "g", "permissions": []}},
        {"user": "not a mapping"},
        {"user": {"name": 7, "permissions": []}},  # a name YAML read as a number sorts as its text
        {"user": {"name": "A", "permissions": []}},
        {"user": {"name": "a", "permissions": []}},
        {"user": {"name": "a1", "permissions": []}},  # a prefix sorts first
        {"user": {"name": "B", "permissions": []}},  # case matters only between equal folded names
        {"user": {"name": "b", "permissions": ["Job/Read", "Overall/Read"]}},
        {"bogus": {"name": "0", "permissions": []}},  # an unknown kind: after the known ones
        "USER:Job/Read:legacy",
        {"keys": {}, "two": {}},
    ]


def test_permissions_sort_by_utf16_code_units_as_java_does() -> None:
    # U+10000 is a surrogate pair (D800 DC00) in Java's strings: before U+FFFF, unlike Python's order
    got = normalize_managed(_doc([{"user": {"name": "a", "permissions": ["\uffff", "\U00010000"]}}]))
    assert got["jenkins"]["authorizationStrategy"]["globalMatrix"]["entries"][0]["user"]["permissions"] == [
        "\U00010000", "\uffff"]


def test_permissions_that_are_not_strings_are_dropped_and_the_rest_sorted_as_java_does() -> None:
    got = normalize_managed(_doc([{"user": {"name": "a", "permissions": ["b", 3, None, "B", "a^${x}"]}}]))
    assert got["jenkins"]["authorizationStrategy"]["globalMatrix"]["entries"] == [
        {"user": {"name": "a", "permissions": ["B", "a${x}", "b"]}}]


def test_blank_realm_strings_equal_absent_ones_but_zero_and_false_do_not() -> None:
    full = {"headerName": "X", "jwksUrl": "", "emailClaimName": None, "leewaySeconds": 0, "allowVerificationFailures": False}
    got = normalize_managed(_doc([], full))["jenkins"]["securityRealm"]["jwtAuth"]
    assert got == {"headerName": "X", "leewaySeconds": 0, "allowVerificationFailures": False}
    assert normalize_managed(_doc([], {"headerName": "X"})) != normalize_managed(_doc([], full))
    # only jwtAuth's own attributes are tidied; another realm is kept as it is
    local = {"jenkins": {"securityRealm": {"local": {"allowsSignup": "", "users": None}}}}
    assert normalize_managed(local) == local


def test_entries_that_are_not_a_list_are_left_alone() -> None:
    assert normalize_managed(_doc(None))["jenkins"]["authorizationStrategy"]["globalMatrix"]["entries"] is None
    assert normalize_managed(_doc("USER:Job/Read:a"))["jenkins"]["authorizationStrategy"]["globalMatrix"]["entries"] == \
        "USER:Job/Read:a"


def test_normalising_does_not_change_its_input() -> None:
    doc = _doc([{"user": {"name": "b^${x}", "permissions": ["Job/Read", "Overall/Read"]}}], {"jwksUrl": ""})
    before = copy.deepcopy(doc)
    normalize_managed(doc)
    assert doc == before


# --- escaping and endpoints ----------------------------------------------------------------------

@settings(max_examples=150, deadline=None)
@given(st.text(alphabet="$^{}ab", max_size=12))
def test_escaping_round_trips_and_leaves_no_bare_interpolation(value: str) -> None:
    escaped = escape_interpolation(value)
    assert unescape_interpolation(escaped) == value
    # every `${` JCasC sees is escaped: preceded by the caret
    starts = [i for i in range(len(escaped)) if escaped.startswith("${", i)]
    assert all(i > 0 and escaped[i - 1] == "^" for i in starts), escaped


def test_escaping_is_jcascs_caret() -> None:
    assert escape_interpolation("a${b}c${d}") == "a^${b}c^${d}"
    assert unescape_interpolation("a^${b}") == "a${b}"
    assert escape_interpolation("$ {x} $x") == "$ {x} $x"


def test_casc_endpoints_are_served_by_jcasc(jenkins_sim: Any) -> None:
    import requests

    for name, path in CASC_ENDPOINTS.items():
        assert path == f"configuration-as-code/{name}"
        reply = requests.request("GET" if name == "schema" else "POST", jenkins_sim.url + path,
                                 auth=("admin", "admin-token"), timeout=10)
        assert reply.status_code != 404, path


def test_keys_come_out_sorted_so_a_diff_shows_only_changes() -> None:
    # plan's diff dumps the normalised documents as they are (sort_keys=False)
    doc = {"jenkins": {"securityRealm": {"jwtAuth": {"userClaimName": "email", "headerName": "X", "acceptedIssuer": "i"}},
                       "authorizationStrategy": {"globalMatrix": {"entries": [], "dangerousPermissions": {}}}}}
    got = normalize_managed(doc)["jenkins"]
    assert list(got) == ["authorizationStrategy", "securityRealm"]
    assert list(got["securityRealm"]["jwtAuth"]) == ["acceptedIssuer", "headerName", "userClaimName"]
    assert list(got["authorizationStrategy"]["globalMatrix"]) == ["dangerousPermissions", "entries"]

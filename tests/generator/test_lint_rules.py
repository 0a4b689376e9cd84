"""The security lint's own rules (jcasc_gen/lint_rules.py), each on its own: when it fires, where it
points (the key a reader has to change), what it says, and how --strict changes it. The
golden cases show whole reports; these pin the edges a golden case does not reach."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from jcasc_gen.diagnostics import Diagnostic
from jcasc_gen.lint_rules import RULES, admins, lint
from jcasc_gen.model import LoadedSpec, load_spec_text

ADMIN = {"user": "admin@example.com", "permissions": ["Overall/Administer"]}
POMERIUM = {"version": "0.33", "authenticate_url": "https://authenticate.example.com",
            "idp": {"provider": "google", "client_id": {"env": "ID"}, "client_secret": {"env": "SECRET"}},
            "signing_key": {"env": "KEY"}}
PLAIN_JWT = {"header": "X-Jwt", "issuers": ["https://sso.example.org"], "audiences": ["jenkins"],
             "jwks_url": "https://sso.example.org/certs"}


def load(*, grants: list[dict[str, Any]] | None = None, pomerium: bool = True, url: str = "https://jenkins.example.com",
         **jwt: Any) -> LoadedSpec:
    data: dict[str, Any] = {"version": 1, "jenkins": {"url": url}}
    if pomerium:
        data["pomerium"] = POMERIUM
    else:
        jwt = {**PLAIN_JWT, **jwt}
    if jwt:
        data["jwt"] = jwt
    data["authorization"] = {"grants": grants if grants is not None else [ADMIN]}
    return load_spec_text(yaml.safe_dump(data, sort_keys=False))


def findings(loaded: LoadedSpec, *codes: str, strict: bool = False) -> list[Diagnostic]:
    out = lint(loaded.spec, loaded.document, strict=strict)
    return [d for d in out if not codes or d.code in codes]


def position(loaded: LoadedSpec, needle: str) -> tuple[int, int]:
    """1-based line and column of the first `needle` in the spec's text."""
    for n, line in enumerate(loaded.document.text.splitlines(), 1):
        if needle in line:
            return n, line.index(needle) + 1
    raise AssertionError(f"{needle!r} not in the spec")


# --- JG005: the JWKS over plain http, unless it stays on this host ----------------------------

@pytest.mark.parametrize("url", ["http://localhost:8080/jwks.json", "http://jwks.localhost/jwks.json",
                                 "http://127.0.0.1/jwks.json", "http://127.8.9.10:81/jwks.json", "http://[::1]:8080/jwks.json",
                                 "https://sso.example.org/jwks.json"])
def test_jwks_on_this_host_or_over_https_is_fine(url: str) -> None:
    assert findings(load(pomerium=False, jwks_url=url), "JG005") == []


@pytest.mark.parametrize("url", ["http://pomerium.internal/jwks.json", "http://10.0.0.1/jwks.json",
                                 "http://notlocalhost/jwks.json", "http://localhost.example.com/jwks.json",
                                 "http://[::2]/jwks.json", "http://128.0.0.1/jwks.json"])
def test_jwks_over_plain_http_from_another_host_is_flagged_at_the_key(url: str) -> None:
    loaded = load(pomerium=False, jwks_url=url)
    [d] = findings(loaded, "JG005")
    assert (d.line, d.col) == position(loaded, "jwks_url:")
    assert (d.path, d.severity) == ("jwt.jwks_url", "warning")
    assert d.message == f"JWKS URL {url} is plain http"
    assert d.hint == "use https, or an address on the same host"


# --- JG004: no signature check ----------------------------------------------------------------

def test_jwks_url_null_behind_pomerium_points_at_the_key_and_the_default() -> None:
    loaded = load(jwks_url=None)
    [d] = findings(loaded, "JG004")
    assert (d.line, d.col, d.path, d.severity) == (*position(loaded, "jwks_url:"), "jwt.jwks_url", "error")
    assert d.message == "no jwks_url: JWT signatures are not checked"
    assert d.hint == "remove `jwks_url: null` to use https://jenkins.example.com/.well-known/pomerium/jwks.json"
    assert findings(load(), "JG004", "JG005") == []


def test_jwks_url_null_without_pomerium_asks_for_the_issuers_jwks() -> None:
    loaded = load(pomerium=False, jwks_url=None)
    [d] = findings(loaded, "JG004")
    assert (d.line, d.col) == position(loaded, "jwks_url:")
    assert d.hint == "point jwks_url at the issuer's JWKS, e.g. Pomerium's /.well-known/pomerium/jwks.json"


# --- JG003, JG007: checks turned off -----------------------------------------------------------

def test_verification_failures_allowed_is_an_error_at_the_key() -> None:
    loaded = load(allow_verification_failures=True)
    [d] = findings(loaded, "JG003")
    assert (d.line, d.col, d.path, d.severity) == (*position(loaded, "allow_verification_failures:"),
                                                   "jwt.allow_verification_failures", "error")
    assert (d.message, d.hint) == ("allow_verification_failures is true", "set it to false")
    assert findings(load(allow_verification_failures=False), "JG003") == []


def test_certificate_checks_off_is_a_warning_at_the_key() -> None:
    loaded = load(skip_certificate_check=True)
    [d] = findings(loaded, "JG007")
    assert (d.line, d.col, d.path, d.severity) == (*position(loaded, "skip_certificate_check:"),
                                                   "jwt.skip_certificate_check", "warning")
    assert d.message == "skip_certificate_check turns off certificate checks for the whole Jenkins JVM"
    assert d.hint is not None and "truststore" in d.hint
    assert findings(load(skip_certificate_check=False), "JG007") == []


# --- JG010: http behind Pomerium ----------------------------------------------------------------

def test_http_jenkins_url_behind_pomerium_points_at_the_url() -> None:
    loaded = load(url="http://jenkins.example.com")
    [d] = findings(loaded, "JG010")
    assert (d.line, d.col, d.path) == (*position(loaded, "http://jenkins"), "jenkins.url")
    assert (d.message, d.hint) == ("jenkins.url is http:// while Pomerium is in front", "use the https route URL")
    assert findings(load(url="http://jenkins.example.com", pomerium=False), "JG010") == []
    assert findings(load(), "JG010") == []


# --- JG001, JG002, JG013: who the matrix reaches ------------------------------------------------

def test_admins_are_named_grants_holding_administer_directly_or_by_a_role() -> None:
    loaded = load_spec_text(yaml.safe_dump({
        "version": 1, "jenkins": {"url": "https://jenkins.example.com"}, "pomerium": POMERIUM,
        "authorization": {"roles": {"boss": ["Overall/Administer"]}, "grants": [
            {"group": "Ops", "roles": ["boss"]}, {"user": "bob", "permissions": ["Overall/Read"]},
            {"user_or_group": "root", "permissions": ["Overall/Administer"]},
            {"user": "anonymous", "permissions": ["Overall/Administer"]},
            {"group": "anonymous", "permissions": ["Overall/Administer"]},
            {"group": "role_everyone", "permissions": ["Overall/Administer"]}]}}, sort_keys=False))
    assert admins(loaded.spec) == ["group:Ops", "user_or_group:root"]


def test_no_administrator_points_at_the_grants() -> None:
    loaded = load(grants=[{"user": "bob@example.com", "permissions": ["Overall/Read"]}])
    [d] = findings(loaded)
    assert (d.code, d.path, d.severity) == ("JG001", "authorization.grants", "error")
    assert d.line == position(loaded, "- user: bob@example.com")[0]
    assert d.message == "no user or group keeps Overall/Administer"


@pytest.mark.parametrize("grant,who,reach", [
    ({"user": "anonymous"}, "anonymous", "everyone"),
    ({"user_or_group": "Anonymous"}, "anonymous", "everyone"),
    ({"group": "role_everyone"}, "group role_everyone", "everyone"),
    ({"user_or_group": "ROLE_EVERYONE"}, "user_or_group ROLE_EVERYONE", "everyone"),
    ({"group": "anonymous"}, "group anonymous", "every request without sign-in"),
    ({"group": "ANONYMOUS"}, "group ANONYMOUS", "every request without sign-in"),
])
def test_grants_that_reach_everyone_or_anonymous(grant: dict[str, str], who: str, reach: str) -> None:
    loaded = load(grants=[ADMIN, {**grant, "permissions": ["Overall/Read", "Job/Read"]}])
    [d] = findings(loaded)
    assert (d.code, d.path, d.severity) == ("JG002", "authorization.grants[1]", "warning")
    assert d.message == f"{who} is granted Job/Read, Overall/Read, which applies to {reach}"
    assert d.hint == f"leave {who} out unless Jenkins really should be readable without signing in"
    administer = load(grants=[ADMIN, {**grant, "permissions": ["Overall/Administer"]}])
    [e] = findings(administer)
    assert (e.code, e.path, e.severity, e.message) == ("JG013", "authorization.grants[1]", "error",
                                                       f"{who} is granted Overall/Administer")


@pytest.mark.parametrize("grant", [{"user": "role_everyone"}, {"group": "anonymous-users"}, {"user": "anonymous1"}])
def test_names_that_only_look_like_the_automatic_sids_are_ordinary(grant: dict[str, str]) -> None:
    # an ordinary user name without @ is an ordinary finding too (JG017: not an e-mail address)
    assert [d.code for d in findings(load(grants=[ADMIN, {**grant, "permissions": ["Overall/Read"]}]))] == (
        ["JG017"] if grant == {"user": "anonymous1"} else [])
    assert admins(load(grants=[{**grant, "permissions": ["Overall/Administer"]}]).spec) == [
        f"{next(iter(grant))}:{next(iter(grant.values()))}"]


def test_anonymous_administer_is_no_administrator() -> None:
    loaded = load(grants=[{"user": "anonymous", "permissions": ["Overall/Administer"]}])
    assert [(d.code, d.path) for d in findings(loaded)] == [("JG001", "authorization.grants"),
                                                           ("JG013", "authorization.grants[0]")]


# --- severities and order ------------------------------------------------------------------------

def test_strict_makes_warnings_errors_and_nothing_else() -> None:
    loaded = load(skip_certificate_check=True, allow_verification_failures=True,
                  grants=[ADMIN, {"user": "anonymous", "permissions": ["Overall/Read"]}])
    plain = {d.code: d.severity for d in findings(loaded)}
    strict = {d.code: d.severity for d in findings(loaded, strict=True)}
    assert plain == {"JG002": "warning", "JG003": "error", "JG007": "warning"}
    assert strict == {"JG002": "error", "JG003": "error", "JG007": "error"}


def test_info_findings_stay_info_under_strict() -> None:
    info = [code for code, rule in RULES.items() if rule.severity == "info"]
    if not info:
        pytest.skip("no info rule")
    loaded = load_spec_text(yaml.safe_dump({
        "version": 1, "jenkins": {"url": "https://jenkins.example.com"}, "pomerium": {**POMERIUM, "version": "0.21"},
        "authorization": {"grants": [ADMIN]}}, sort_keys=False))
    got = [d for d in findings(loaded, strict=True) if d.code in info]
    assert got and all(d.severity == "info" for d in got)


def test_findings_come_in_source_order() -> None:
    loaded = load(url="http://jenkins.example.com", skip_certificate_check=True, allow_verification_failures=True,
                  jwks_url="http://pomerium.internal/.well-known/pomerium/jwks.json",
                  grants=[{"user": "anonymous", "permissions": ["Overall/Read"]}])
    got = findings(loaded)
    assert [(d.line, d.col) for d in got] == sorted((d.line, d.col) for d in got)
    assert [d.code for d in got][:1] == ["JG010"]  # jenkins.url is the first line that has one
    assert {"JG001", "JG002", "JG003", "JG005", "JG007", "JG010"} <= {d.code for d in got}


def test_every_rule_explains_itself(capsys: pytest.CaptureFixture[str], tmp_path: Any) -> None:
    # `lint --explain` and `--format json` print the rule's why next to each finding
    for code, rule in RULES.items():
        assert rule.code == code and code.startswith("JG")
        assert rule.severity in ("error", "warning", "info")
        assert isinstance(rule.title, str) and rule.title.strip()
        assert isinstance(rule.why, str) and len(rule.why) > 40 and rule.why.rstrip().endswith((".", ")")), code
    from jcasc_gen.cli import main

    spec = tmp_path / "spec.yaml"
    spec.write_text(load(skip_certificate_check=True).document.text, encoding="utf-8")
    assert main(["lint", str(spec), "--explain"]) == 0
    assert f"  why: {RULES['JG007'].why}" in capsys.readouterr().err


def test_the_documented_rules_are_the_rules() -> None:
    # docs/spec.md's lint table, the other way round from test_docs: no documented rule the
    # lint has lost (the lint also gives the why of validation warnings such as JG011 and JG014)
    import pathlib
    import re

    doc = (pathlib.Path(__file__).resolve().parents[2] / "docs" / "spec.md").read_text(encoding="utf-8")
    assert set(re.findall(r"^\| (JG\d{3}) \|", doc, re.M)) == set(RULES)


def test_findings_on_one_line_come_in_column_order() -> None:
    text = ("version: 1\njenkins: {url: https://jenkins.example.com}\n"
            "jwt: {header: X-Jwt, issuers: [i], audiences: [a], jwks_url: https://j.example.com/jwks,"
            " skip_certificate_check: true, allow_verification_failures: true}\n"
            "authorization: {grants: [{user: admin@example.com, permissions: [Overall/Administer]}]}\n")
    loaded = load_spec_text(text)
    assert [d.code for d in findings(loaded)] == ["JG007", "JG003"]

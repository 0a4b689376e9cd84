"""What the spec's Pomerium version sends, decided by the product (jcasc_gen.pomerium_facts) and by
the simulator's fake Pomerium (tests/jenkins_sim/pomerium.py), two implementations written from the
same sources (pomerium@v0.21.2/v0.21.3 authorize/evaluator, commit 3307b9b82): they must agree on
every release, and a version without its patch number must cover every release it names."""

from __future__ import annotations

import json
import pathlib
import textwrap

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from jcasc_gen import pomerium_facts as facts
from jcasc_gen import tokens
from jcasc_gen.diagnostics import SpecError
from jcasc_gen.model import load_spec_text
from tests.jenkins_sim.pomerium import PomeriumSide

from ._cli import CASES, REPO, run

JENKINS = "https://jenkins.example.com"
AUTHENTICATE = "https://authenticate.example.com:8443"
SIDE = PomeriumSide()  # minting only: no server


def _spec_text(version: str | None, *, idp: str = "{provider: google}", jwt: str = "", output: str = "") -> str:
    vline = f'  version: "{version}"\n' if version is not None else ""
    return (f"version: 1\njenkins: {{url: {JENKINS}}}\npomerium:\n{vline}  authenticate_url: {AUTHENTICATE}\n"
            f"  idp: {idp}\n  signing_key: {{env: K}}\n" + (f"jwt:\n{textwrap.indent(jwt, '  ')}" if jwt else "")
            + "authorization:\n  grants:\n    - {user: admin@example.com, permissions: [Overall/Administer]}\n" + output)


def _releases(version: facts.PomeriumVersion) -> list[str]:
    """The releases a version names, as real release numbers the fake Pomerium accepts."""
    if version.patch is not None:
        return [f"{version.major}.{version.minor}.{version.patch}"]
    last = facts.NEWEST_PATCH.get(version.minor_version(), 3)
    return [f"{version.major}.{version.minor}.{p}" for p in range(last + 1)]


versions = st.builds(
    lambda minor, patch, v: f"{'v' if v else ''}0.{minor}" + ("" if patch is None else f".{patch}"),
    st.integers(19, 40), st.one_of(st.none(), st.integers(0, 9)), st.booleans())


@settings(max_examples=150, deadline=None)
@given(versions)
def test_derived_issuers_are_exactly_what_the_named_releases_send(text: str) -> None:
    version = facts.parse_version(text)
    sent = [SIDE.claims("a@example.com", version=r, route_host="jenkins.example.com",
                        authenticate_host="authenticate.example.com:8443")["iss"] for r in _releases(version)]
    assert facts.issuers(version, JENKINS, AUTHENTICATE) == tuple(dict.fromkeys(sent))
    spec = load_spec_text(_spec_text(text)).spec
    assert spec.jwt.issuers == tuple(dict.fromkeys(sent))  # jenkins.yaml accepts every one of them
    newest = _releases(version)[-1]
    minted = tokens.pomerium_claims(spec, "a@example.com", ["g"])
    oracle = SIDE.claims("a@example.com", ["g"], version=newest, route_host="jenkins.example.com",
                         authenticate_host="authenticate.example.com:8443")
    assert minted["iss"] == oracle["iss"] and minted["aud"] == oracle["aud"]
    assert set(minted) == set(oracle) == set(facts.CLAIMS)  # the same claims, no more


@pytest.mark.parametrize("text,expected", [
    ("0.21.2", ("authenticate.example.com:8443",)),  # port kept: authenticateURL.Host
    ("v0.21.0", ("authenticate.example.com:8443",)),
    ("0.21.3", ("jenkins.example.com",)),
    ("0.21", ("authenticate.example.com:8443", "jenkins.example.com")),
    ("v0.21", ("authenticate.example.com:8443", "jenkins.example.com")),
    ("0.22", ("jenkins.example.com",)),
    ("0.33.1", ("jenkins.example.com",)),
    ("0.20", ("authenticate.example.com:8443",)),
])
def test_issuer_boundary_is_the_patch_release_0213(text: str, expected: tuple[str, ...]) -> None:
    assert facts.issuers(facts.parse_version(text), JENKINS, AUTHENTICATE) == expected


@pytest.mark.parametrize("bad", ["0", "latest", "0.21.x", "v0.21.3-rc1", "0.21.3.1", "", " ", "1.2.3.4", "v", "0..1"])
def test_a_malformed_version_is_an_error_with_the_expected_form(bad: str) -> None:
    with pytest.raises(facts.VersionError) as info:
        facts.parse_version(bad)
    assert "0.33" in str(info.value)
    with pytest.raises(SpecError) as spec_error:
        load_spec_text(_spec_text(bad))
    assert any(d.path == "pomerium.version" for d in spec_error.value.diagnostics)


def test_import_refuses_a_malformed_pomerium_version(tmp_path: pathlib.Path) -> None:
    export = tmp_path / "export.yaml"
    export.write_text("jenkins:\n  authorizationStrategy:\n    globalMatrix:\n      entries:\n"
                      "      - user: {name: admin@example.com, permissions: [Overall/Administer]}\n")
    r = run(["import", "--from-export", str(export), "--jenkins-url", JENKINS, "--authenticate-url", AUTHENTICATE,
             "--idp-provider", "google", "--pomerium-version", "newest"])
    assert r.code == 2 and "'newest' is not a Pomerium version" in r.err and "Traceback" not in r.err
    r = run(["import", "--from-export", str(export), "--jenkins-url", JENKINS, "--authenticate-url", AUTHENTICATE,
             "--idp-provider", "google", "--pomerium-version", "0.21.3"])
    assert r.code == 0, r.err
    assert load_spec_text(r.out).spec.jwt.issuers == ("jenkins.example.com",)


# --- the info severity ---------------------------------------------------------------------------

def test_a_version_spanning_the_change_is_an_info_finding_that_never_fails(tmp_path: pathlib.Path) -> None:
    spec = tmp_path / "s.yaml"
    spec.write_text(_spec_text("0.21"))
    for args in (["lint", str(spec)], ["lint", str(spec), "--strict"], ["generate", str(spec), "--strict", "-o", str(tmp_path / "out")]):
        r = run(args)
        assert r.code == 0, r.err
        assert "info: [JG020]" in r.err and "0.21.3" in r.err
    r = run(["lint", str(spec), "--strict", "--format", "json"])
    (finding,) = json.loads(r.out)["findings"]
    assert (finding["code"], finding["severity"], finding["path"]) == ("JG020", "info", "pomerium.version")
    assert json.loads(r.out)["ok"] is True
    jenkins_yaml = (tmp_path / "out" / "jenkins.yaml").read_text()
    assert 'acceptedIssuer: "authenticate.example.com:8443,jenkins.example.com"' in jenkins_yaml


def test_an_exact_version_has_no_info_finding(tmp_path: pathlib.Path) -> None:
    spec = tmp_path / "s.yaml"
    spec.write_text(_spec_text("0.21.4"))
    r = run(["lint", str(spec)])
    assert r.code == 0 and "JG020" not in r.err


def test_explicit_issuers_covering_one_side_are_said_to_miss_the_other(tmp_path: pathlib.Path) -> None:
    spec = tmp_path / "s.yaml"
    spec.write_text(_spec_text("0.21", jwt="issuers: [authenticate.example.com:8443]\n"))
    r = run(["lint", str(spec)])
    assert r.code == 0 and "JG008" not in r.err
    assert "lacks 'jenkins.example.com'" in r.err


# --- identity providers ----------------------------------------------------------------------------

def test_the_schema_lists_every_provider_pomerium_registers() -> None:
    schema = json.loads((REPO / "schemas" / "spec.schema.json").read_text(encoding="utf-8"))
    enum = schema["properties"]["pomerium"]["properties"]["idp"]["properties"]["provider"]["enum"]
    # pomerium@v0.33.1 pkg/identity/providers.go:63-74 registers these twelve
    assert sorted(enum) == sorted(facts.PROVIDERS) == sorted(
        ["apple", "auth0", "azure", "cognito", "github", "gitlab", "google", "hosted", "oidc", "okta", "onelogin", "ping"])


@pytest.mark.parametrize("provider,needs_url", [
    ("google", False), ("github", False), ("gitlab", False), ("azure", False), ("onelogin", False), ("apple", False),
    ("hosted", False), ("oidc", True), ("okta", True), ("auth0", True), ("cognito", True), ("ping", True)])
def test_url_is_required_only_where_pomerium_has_no_built_in_one(provider: str, needs_url: bool) -> None:
    text = _spec_text("0.33.1", idp=f"{{provider: {provider}}}")
    if needs_url:
        with pytest.raises(SpecError) as info:
            load_spec_text(text)
        assert [d.message for d in info.value.diagnostics] == [f"missing required key 'url' for provider '{provider}'"]
    else:
        spec = load_spec_text(text).spec
        assert spec.pomerium is not None and spec.pomerium.idp.url is None
        assert facts.PROVIDERS[provider].default_url


@pytest.mark.parametrize("provider,first", [("apple", "0.22.0"), ("cognito", "0.23.0"), ("hosted", "0.32.0")])
def test_a_provider_newer_than_the_version_is_an_error(provider: str, first: str) -> None:
    idp = f"{{provider: {provider}, url: https://idp.example.com}}"
    major, minor, _ = first.split(".")
    older = f"{major}.{int(minor) - 1}"
    with pytest.raises(SpecError) as info:
        load_spec_text(_spec_text(older, idp=idp))
    assert any(d.path == "pomerium.idp.provider" and f"added in v{first}" in d.message for d in info.value.diagnostics)
    load_spec_text(_spec_text(first, idp=idp))


# --- the image -------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,image", [
    ("0.33", "pomerium/pomerium:v0.33.1"), ("0.33.0", "pomerium/pomerium:v0.33.0"), ("v0.21", "pomerium/pomerium:v0.21.4"),
    ("0.21.2", "pomerium/pomerium:v0.21.2"), ("0.28", "pomerium/pomerium:v0.28.0"), ("0.40", "pomerium/pomerium:v0.40"),
])
def test_the_compose_image_follows_the_version(text: str, image: str) -> None:
    spec = load_spec_text(_spec_text(text, output="output: {compose: true}\n")).spec
    assert spec.output.images["pomerium"] == image
    tagged = facts.image_version(image)
    assert tagged is not None and tagged.minor_version() == facts.parse_version(text).minor_version()


@pytest.mark.parametrize("image,version", [
    ("pomerium/pomerium:v0.30.2", "v0.30.2"), ("registry.corp:5000/pomerium/pomerium:nonroot-v0.30", "nonroot-v0.30"),
    ("pomerium/pomerium:latest", None), ("pomerium/pomerium@sha256:" + "a" * 64, None), ("pomerium/pomerium", None),
])
def test_image_tags_say_their_release(image: str, version: str | None) -> None:
    tagged = facts.image_version(image)
    assert (tagged.text if tagged else None) == version


@pytest.mark.parametrize("image,code", [("pomerium/pomerium:v0.30.2", "JG026"), ("pomerium/pomerium:v0.33", None),
                                        ("pomerium/pomerium:v0.33.1", None), ("pomerium/pomerium:latest", "JG027")])
def test_lint_catches_an_image_of_another_release(tmp_path: pathlib.Path, image: str, code: str | None) -> None:
    spec = tmp_path / "s.yaml"
    spec.write_text(_spec_text("0.33", output=f"output:\n  compose: true\n  images: {{pomerium: \"{image}\"}}\n"))
    r = run(["lint", str(spec), "--format", "json"])
    codes = [f["code"] for f in json.loads(r.out)["findings"]]
    assert codes == ([code] if code else [])
    assert r.code == (2 if code == "JG026" else 0)


def test_golden_cases_exist_for_the_boundary() -> None:
    assert (CASES / "pomerium-v0213-route-issuer.expected" / "jenkins.yaml").read_text().count('acceptedIssuer: "jenkins.example.com"') == 1
    assert 'acceptedIssuer: "authenticate.example.com:8443"' in (CASES / "authenticate-port-v021.expected" / "jenkins.yaml").read_text()


# --- lint against the simulator: a lockout finding exactly when Jenkins would be anonymous ---------

LOCKOUT = {"JG006", "JG008", "JG021", "JG023", "JG025"}
CLAIM_NAMES = [*facts.CLAIMS, "preferred_username", "upn", "roles"]


@settings(max_examples=60, deadline=None)
@given(header=st.sampled_from([facts.HEADER, "x-pomerium-jwt-assertion", "Authorization", "X-Forwarded-Jwt"]),
       user=st.sampled_from(CLAIM_NAMES), groups=st.sampled_from(CLAIM_NAMES), audience_ok=st.booleans(),
       issuer_ok=st.booleans(), release=st.sampled_from(["0.21.2", "0.21.3", "0.29.0", "0.33.1"]))
def test_lint_finds_a_lockout_exactly_when_the_simulated_jenkins_is_anonymous(
        header: str, user: str, groups: str, audience_ok: bool, issuer_ok: bool, release: str) -> None:
    """Independent sides: the product's lint on the spec, and the simulator's jwt-auth reading the
    token the simulator's Pomerium sends for that release, in Pomerium's header."""
    from jcasc_gen.jcasc import target_document
    from jcasc_gen.lint_rules import lint
    from tests.jenkins_sim import JenkinsSim, JwtRealm

    with PomeriumSide() as side:
        issuers = "" if issuer_ok else "issuers: [sso.example.com]\n"
        audiences = "audiences: [jenkins.example.com]\n" if audience_ok else "audiences: [jenkins]\n"
        jwt = (f"header: {header}\nusername_claim: {user}\ngroups_claim: {groups}\n{issuers}{audiences}"
               f"jwks_url: {side.jwks_url}\n")
        loaded = load_spec_text(_spec_text(release, jwt=jwt).replace(AUTHENTICATE, "https://authenticate.example.com"))
        codes = {d.code for d in lint(loaded.spec, loaded.document) if d.severity == "error"}
        lockout = bool(codes & LOCKOUT) or ("JG022" in codes and user not in facts.CLAIMS)
        realm = JwtRealm(**target_document(loaded.spec)["jenkins"]["securityRealm"]["jwtAuth"])
        sim = JenkinsSim(security_realm=realm)  # not started: only its filter chain is used
        token = side.mint("alice@example.com", ["devs"], version=release, route_host="jenkins.example.com",
                          authenticate_host="authenticate.example.com")
        who = sim.identify({facts.HEADER: token})
        assert who.anonymous == lockout, (codes, who)


VERSION_ALPHABET = "v0123456789.\u0663 x-\n"


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(VERSION_ALPHABET, max_size=14), st.from_regex(r"v?[0-9]{1,12}\.[0-9]{1,12}(\.[0-9]{1,12})?", fullmatch=True)))
@example("0.33\n")
@example("1234567890.1")
@example("0.\u0663")
@example("v0.21.3")
def test_every_version_string_is_read_or_refused_with_a_located_error(text: str) -> None:
    """The schema's pattern (for editors) and parse_version (for the model) are two readers of
    one form: whatever a spec holds, it is a version or a located error, never a traceback."""
    try:
        parsed: facts.PomeriumVersion | None = facts.parse_version(text)
    except facts.VersionError:
        parsed = None
    spec_text = _spec_text("0.33").replace('"0.33"', json.dumps(text))
    try:
        spec = load_spec_text(spec_text).spec
    except SpecError as exc:
        assert parsed is None
        assert [d.path for d in exc.diagnostics] == ["pomerium.version"]
    else:
        assert parsed is not None and spec.pomerium is not None and spec.pomerium.version == parsed

"""`import`: JCasC exports in every matrix-auth form -> a spec that reproduces the same
effective permissions. Fixtures: see fixtures/README.md (shapes of matrix-auth-plugin's
src/test/resources/org/jenkinsci/plugins/matrixauth/integrations/casc/configuration-as-code-v*.yml)."""

from __future__ import annotations

import json
import pathlib

import pytest
import yaml

from jcasc_gen.cli import main
from jcasc_gen.effective import Identity, entries_from_spec, explain
from jcasc_gen.importer import ImportError_, ImportOptions, equivalence_problems, import_export, parse_strategy
from jcasc_gen.jcasc import target_document
from jcasc_gen.model import load_spec_text
from jcasc_gen.render import render

FIXTURES = pathlib.Path(__file__).parent / "fixtures"
POMERIUM = ImportOptions(jenkins_url="https://jenkins.example.com", authenticate_url="https://authenticate.example.com",
                         idp_provider="google")


def _load(name: str) -> dict:
    return yaml.safe_load((FIXTURES / name).read_text())


def _round_trip(document: dict, options: ImportOptions = POMERIUM):
    result = import_export(document, options)
    loaded = load_spec_text(result.text, "<imported>", ".")
    return result, loaded


@pytest.mark.parametrize("fixture", ["matrix-v1.yaml", "matrix-v2.yaml", "matrix-v2-ambiguous.yaml", "matrix-v3.yaml"])
def test_matrix_auth_fixtures_round_trip_to_the_same_effective_permissions(fixture: str) -> None:
    document = _load(fixture)
    result, loaded = _round_trip(document)
    before = parse_strategy(document["jenkins"]["authorizationStrategy"]).entries
    # Through the generated jenkins.yaml, not just the model: what Jenkins would be given.
    generated = yaml.safe_load(render(loaded.spec)["jenkins.yaml"])
    after = parse_strategy(generated["jenkins"]["authorizationStrategy"]).entries
    assert equivalence_problems(before, after) == []
    assert loaded.spec.authorization.strategy == "project"
    # spot checks a user relies on: signed-in users administer, anonymous reads
    signed_in = set(explain(after, Identity("someone@example.com")).allowed())
    assert {"Overall/Administer", "Job/Move", "Run/Replay"} <= signed_in
    assert explain(after, Identity(None, (), signed_in=False)).allowed() == ["Overall/Read"]


def test_untyped_entries_are_flagged_but_well_known_sids_are_resolved() -> None:
    result, loaded = _round_trip(_load("matrix-v3.yaml"))
    assert result.ambiguous == ["developer"]
    assert "# TODO: user_or_group 'developer' is ambiguous" in result.text
    kinds = {(g.kind, g.name) for g in loaded.spec.authorization.grants}
    assert ("user_or_group", "developer") in kinds
    v1, _ = _round_trip(_load("matrix-v1.yaml"))
    assert v1.ambiguous == []  # only authenticated and anonymous, which mean one thing each
    assert {(k, n) for g in v1.data["authorization"]["grants"] for k, n in g.items() if k in ("user", "group")} == {
        ("group", "authenticated"), ("user", "anonymous")}
    assert any("deprecated matrix-auth `grantedPermissions`" in n.message for n in v1.notes)


def test_repeated_permission_sets_become_roles() -> None:
    doc = {"jenkins": {"authorizationStrategy": {"globalMatrix": {"entries": [
        {"group": {"name": "devs", "permissions": ["Job/Build", "Job/Read", "Overall/Read"]}},
        {"group": {"name": "qa", "permissions": ["Overall/Read", "Job/Read", "Job/Build"]}},
        {"user": {"name": "admin@example.com", "permissions": ["Overall/Administer"]}},
        {"user": {"name": "ops@example.com", "permissions": ["Overall/Administer"]}},
        {"user": {"name": "carol@example.com", "permissions": ["Overall/Read"]}},
    ]}}}}
    result, loaded = _round_trip(doc)
    roles = result.data["authorization"]["roles"]
    assert roles == {"admin": ["Overall/Administer"], "builder": ["Job/Build", "Job/Read", "Overall/Read"]}
    by_name = {g.name: g for g in loaded.spec.authorization.grants}
    assert by_name["qa"].roles == ("builder",) and by_name["ops@example.com"].roles == ("admin",)
    assert by_name["carol@example.com"].permissions == ("Overall/Read",)


def test_legacy_strings_java_ids_and_case_merging() -> None:
    parsed = parse_strategy({"globalMatrix": {"permissions": [
        "USER:hudson.model.Hudson.Administer:Alice", "USER:Overall/Read:alice", "GROUP:hudson.model.Item.Read:devs",
        "EITHER:Job/Build:x:y", "View/Read:ops"]}})
    entries = {(e.kind, e.name): set(e.permissions) for e in parsed.entries}
    assert entries == {("user", "Alice"): {"Overall/Administer", "Overall/Read"}, ("group", "devs"): {"Job/Read"},
                       ("user_or_group", "x:y"): {"Job/Build"}, ("user_or_group", "ops"): {"View/Read"}}
    assert any("case-insensitive" in n.message for n in parsed.notes)


def test_jwt_realm_maps_back_and_derived_values_are_dropped() -> None:
    realm = {"acceptedAudience": "jenkins.example.com", "acceptedIssuer": "jenkins.example.com", "allowVerificationFailures": False,
             "emailClaimName": "email", "fullNameClaim": "name", "groupsClaimName": "groups", "groupsClaimSeparator": ",",
             "headerName": "X-Pomerium-Jwt-Assertion", "jwksUrl": "https://jenkins.example.com/.well-known/pomerium/jwks.json",
             "leewaySeconds": 5, "userClaimName": "email"}
    doc = {"jenkins": {"securityRealm": {"jwtAuth": realm}, "authorizationStrategy": {"globalMatrix": {"entries": [
        {"user": {"name": "admin@example.com", "permissions": ["Overall/Administer"]}}]}}}}
    with_pomerium, loaded = _round_trip(doc)
    assert with_pomerium.data["jwt"] == {"leeway_seconds": 5}  # everything else is what Pomerium derivation gives
    assert target_document(loaded.spec)["jenkins"]["securityRealm"]["jwtAuth"] == realm
    # Without Pomerium details: explicit header/issuer/audience/JWKS, URL inferred from the JWKS origin, and said so.
    plain, loaded = _round_trip(doc, ImportOptions())
    assert plain.data["jenkins"]["url"] == "https://jenkins.example.com"
    assert any("JWKS URL's origin" in n.message for n in plain.notes)
    assert target_document(loaded.spec)["jenkins"]["securityRealm"]["jwtAuth"] == realm
    # A guide-era issuer (the authenticate host) is kept as live: lint then reports it (JG008).
    old = dict(realm, acceptedIssuer="authenticate.example.com")
    doc["jenkins"]["securityRealm"]["jwtAuth"] = old
    kept, _ = _round_trip(doc)
    assert kept.data["jwt"]["issuers"] == ["authenticate.example.com"]


def test_jcasc_export_omits_blank_strings_which_mean_null() -> None:
    realm = {"acceptedAudience": "j.example.com", "acceptedIssuer": "j.example.com", "allowVerificationFailures": False,
             "groupsClaimName": "groups", "headerName": "X-Pomerium-Jwt-Assertion", "leewaySeconds": 0, "userClaimName": "email"}
    doc = {"jenkins": {"securityRealm": {"jwtAuth": realm}, "authorizationStrategy": {"globalMatrix": {"entries": [
        {"user": {"name": "admin@example.com", "permissions": ["Overall/Administer"]}}]}}}}
    result, loaded = _round_trip(doc, ImportOptions(jenkins_url="https://j.example.com"))
    jwt = result.data["jwt"]
    assert jwt["email_claim"] is None and jwt["full_name_claim"] is None and jwt["jwks_url"] is None
    assert jwt["leeway_seconds"] == 0
    assert loaded.spec.jwt.jwks_url is None  # lint JG004 will refuse it loudly; the import stays faithful


@pytest.mark.parametrize("document, message", [
    ({"unclassified": {}}, "no `jenkins:` section"),
    ({"jenkins": {"authorizationStrategy": "loggedInUsersCanDoAnything"}}, "expected one strategy"),
    ({"jenkins": {"authorizationStrategy": {"roleBased": {}}}}, "not matrix-auth"),
    ({"jenkins": {"authorizationStrategy": {"globalMatrix": {"permissions": ["USER:Overall/Reed:alice"]}}}}, "unknown permission"),
    ({"jenkins": {"authorizationStrategy": {"globalMatrix": {"entries": [{"user": "alice"}]}}}}, "expected {name"),
    ({"jenkins": {"securityRealm": {"local": {}}, "authorizationStrategy": {"globalMatrix": {"entries": [
        {"user": {"name": "a", "permissions": ["Overall/Administer"]}}]}}}}, "not jwtAuth"),
])
def test_bad_exports_are_clear_errors(document: dict, message: str) -> None:
    with pytest.raises(ImportError_, match=None) as info:
        import_export(document, ImportOptions(jenkins_url="https://j.example.com"))
    assert message in str(info.value)


def test_cli_writes_spec_and_schema_and_refuses_to_overwrite(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "spec.yaml"
    args = ["import", "--from-export", str(FIXTURES / "matrix-v3.yaml"), "--jenkins-url", "https://jenkins.example.com",
            "--authenticate-url", "https://authenticate.example.com", "--idp-provider", "google", "-o", str(out)]
    assert main(args) == 0
    assert (tmp_path / "jcasc-gen.schema.json").is_file()
    err = capsys.readouterr().err
    assert "ambiguous" in err and "wrote" in err
    assert main(["validate", str(out)]) == 0
    before = out.read_text()
    assert main(args) == 2
    assert out.read_text() == before
    assert "exists" in capsys.readouterr().err


def test_cli_bad_file_is_exit_2_with_location(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "export.yaml"
    bad.write_text("jenkins:\n  authorizationStrategy: [\n")
    assert main(["import", "--from-export", str(bad), "-o", str(tmp_path / "s.yaml")]) == 2
    assert "YAML syntax error" in capsys.readouterr().err
    assert not (tmp_path / "s.yaml").exists()
    assert main(["import", "--from-export", str(bad), "--format", "json"]) == 2
    assert json.loads(capsys.readouterr().out)["ok"] is False


def test_import_from_the_simulator_export(jenkins_sim_factory) -> None:  # type: ignore[no-untyped-def]
    """A live export in JCasC's own format (the simulator's export) round-trips."""
    from tests.jenkins_sim import JwtRealm, Strategy

    strategy = Strategy(kind="globalMatrix")
    strategy.add("USER", "admin@example.com", "Overall/Administer")
    for g in ("devs", "qa"):
        for p in ("Overall/Read", "Job/Read", "Job/Build"):
            strategy.add("GROUP", g, p)
    strategy.add("GROUP", "authenticated", "Overall/Read")
    strategy.add("EITHER", "ops", "Agent/Configure")
    realm = JwtRealm(headerName="X-Pomerium-Jwt-Assertion", jwksUrl="https://jenkins.example.com/.well-known/pomerium/jwks.json",
                     acceptedIssuer="jenkins.example.com", acceptedAudience="jenkins.example.com", userClaimName="email",
                     groupsClaimName="groups", groupsClaimSeparator=",", emailClaimName="email", fullNameClaim="name",
                     leewaySeconds=30)
    sim = jenkins_sim_factory(security_realm=realm, authorization=strategy)
    document = yaml.safe_load(sim.export_yaml())
    result, loaded = _round_trip(document)
    before = parse_strategy(document["jenkins"]["authorizationStrategy"]).entries
    assert equivalence_problems(before, entries_from_spec(loaded.spec)) == []
    assert result.data["authorization"]["roles"]["builder"] == ["Job/Build", "Job/Read", "Overall/Read"]
    assert result.ambiguous == ["ops"]
    assert "jwt" not in result.data  # every realm value is what Pomerium derivation gives


def test_cli_import_from_a_live_jenkins(tmp_path: pathlib.Path, jenkins_sim_factory, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """`import --url`: a Jenkins still on its local realm, with a legacy-style matrix."""
    from tests.jenkins_sim import Strategy

    strategy = Strategy(kind="globalMatrix")
    strategy.add("USER", "admin", "Overall/Administer")
    strategy.add("GROUP", "authenticated", "Overall/Read")
    sim = jenkins_sim_factory(authorization=strategy)
    for var in ("JENKINS_URL", "JENKINS_JWT", "JENKINS_USER_ID", "JENKINS_API_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    out = tmp_path / "spec.yaml"
    base = ["import", "--url", sim.url, "-o", str(out)]
    assert main(base) == 2  # no credentials
    assert "no credentials" in capsys.readouterr().err
    monkeypatch.setenv("JENKINS_USER_ID", "admin")
    monkeypatch.setenv("JENKINS_API_TOKEN", "admin-token")
    assert main(base) == 2  # local realm: needs the Pomerium details to derive jwt
    assert "not jwtAuth" in capsys.readouterr().err
    assert not out.exists()
    pomerium = ["--jenkins-url", "https://jenkins.example.com", "--authenticate-url", "https://authenticate.example.com",
                "--idp-provider", "github"]
    # the only administrator is the local `admin`: under jwt-auth nobody would be (lockout)
    assert main(base + pomerium) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"the live export of {sim.url.rstrip('/')}:") and "user 'admin' is the only administrator" in err
    assert not out.exists()
    assert main(base + pomerium + ["--admin", "user:alice@example.com"]) == 0
    err = capsys.readouterr().err
    assert "admin-token" not in err
    spec = load_spec_text(out.read_text()).spec
    assert {(g.kind, g.name, g.effective) for g in spec.authorization.grants} == {
        ("user", "admin", ("Overall/Administer",)), ("group", "authenticated", ("Overall/Read",)),
        ("user", "alice@example.com", ("Overall/Administer",))}
    monkeypatch.setenv("JENKINS_API_TOKEN", "wrong-token")
    assert main(["import", "--url", sim.url]) == 3  # credentials refused
    assert "wrong-token" not in capsys.readouterr().err


def test_user_authenticated_is_left_out_with_a_warning_and_group_anonymous_is_kept() -> None:
    """`user: authenticated` only matches a user literally named so (the spec refuses it);
    `group: anonymous` matches anonymous requests (core Jenkins.ANONYMOUS2 carries the
    authority `anonymous`) and is imported as it is."""
    doc = {"jenkins": {"authorizationStrategy": {"globalMatrix": {"entries": [
        {"user": {"name": "admin@example.com", "permissions": ["Overall/Administer"]}},
        {"user": {"name": "authenticated", "permissions": ["Job/Build"]}},
        {"group": {"name": "anonymous", "permissions": ["Overall/Read"]}},
    ]}}}}
    result, loaded = _round_trip(doc)
    assert [(g.kind, g.name, g.permissions) for g in loaded.spec.authorization.grants] == [
        ("group", "anonymous", ("Overall/Read",)), ("user", "admin@example.com", ("Overall/Administer",))]
    assert [n.message for n in result.notes if "left out: it does not match" in n.message] == [
        "`user: authenticated` left out: it does not match what its name suggests (only a user literally named "
        "'authenticated' would get Job/Build); the form that does is `group: authenticated`"]
    anonymous = Identity(None, (), signed_in=False)
    assert explain(entries_from_spec(loaded.spec), anonymous).allowed() == ["Overall/Read"]
    export = pathlib.Path(__import__("tempfile").mkdtemp()) / "export.yaml"
    export.write_text(yaml.safe_dump(doc))
    assert main(["import", "--from-export", str(export), "--jenkins-url", "https://jenkins.example.com",
                 "--authenticate-url", "https://authenticate.example.com", "--idp-provider", "google"]) == 0


def test_java_ids_are_those_of_the_permission_group_owner() -> None:
    """core Permission.java:154: id = group owner + '.' + name. Plugin permissions in core's
    groups (cloudbees-folder's Move, workflow-cps's Replay) and Cloud's Provision carry the
    group owner's class; the declaring class's name is no id Jenkins knows."""
    parsed = parse_strategy({"globalMatrix": {"permissions": [
        "USER:hudson.model.Item.Move:alice", "USER:hudson.model.Run.Replay:alice", "USER:hudson.model.Computer.Provision:alice"]}})
    assert {p for e in parsed.entries for p in e.permissions} == {"Job/Move", "Run/Replay", "Agent/Provision"}
    for wrong, right in [("com.cloudbees.hudson.plugins.folder.relocate.RelocationAction.Move", "Job/Move is hudson.model.Item.Move"),
                         ("org.jenkinsci.plugins.workflow.cps.replay.ReplayAction.Replay", "Run/Replay is hudson.model.Run.Replay"),
                         ("hudson.slaves.Cloud.Provision", "Agent/Provision is hudson.model.Computer.Provision")]:
        with pytest.raises(ImportError_) as info:
            parse_strategy({"globalMatrix": {"permissions": [f"USER:{wrong}:alice"]}})
        assert f"unknown permission {wrong!r}: Jenkins does not know this id either; {right}" in str(info.value)


def test_plugin_permissions_the_catalog_lacks_ask_for_their_plugin() -> None:
    """An export names the permission, not its plugin: the import keeps the plain form and
    says to name the plugin (the spec then warns JG014 until it does)."""
    doc = {"jenkins": {"authorizationStrategy": {"globalMatrix": {"entries": [
        {"user": {"name": "admin@example.com", "permissions": ["Overall/Administer"]}},
        {"group": {"name": "release", "permissions": ["Lockable Resources/Reserve"]}}]}}}}
    result, loaded = _round_trip(doc)
    assert result.data["authorization"]["extra_permissions"] == ["Lockable Resources/Reserve"]
    assert any(n.level == "warning" and "{id: ..., plugin: NAME}" in n.message for n in result.notes)
    assert [w.code for w in loaded.warnings] == ["JG014"]

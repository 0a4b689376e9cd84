"""The plugins' own JCasC fixtures are reproduced from equivalent specs (managed sections,
compared as parsed YAML through `normalize_managed`, the comparison plan/verify use too).

Fixtures (read with the search tools, restated here as data):
- jenkinsci/jwt-auth-plugin@jwt-auth-0.3.0:src/test/resources/configuration-as-code.yml:1-14
  (the pinned release; its ConfigurationAsCodeTest.java:18-67 loads it and asserts every value)
- jenkinsci/matrix-auth-plugin src/test/resources/org/jenkinsci/plugins/matrixauth/
  integrations/casc/configuration-as-code-v3.yml (commit f9e60801): the `entries` form
"""

from __future__ import annotations

import pathlib
from typing import Any

import yaml

from jcasc_gen.jcasc import normalize_managed
from jcasc_gen.lint_rules import lint
from jcasc_gen.model import load_spec
from jcasc_gen.render import render

JWT_AUTH_FIXTURE = """
jenkins:
  securityRealm:
    jwtAuth:
      headerName: jwt-token-header
      userClaimName: username
      groupsClaimName: groups
      groupsClaimSeparator: "-"
      acceptedIssuer: myIssuer
      acceptedAudience: myAudience
      jwksUrl: http://jwks-host/.well-known/openid
      leewaySeconds: 3
      allowVerificationFailures: true
      emailClaimName: email
      fullNameClaim: name
"""

JWT_AUTH_SPEC = """
version: 1
jenkins: {url: https://jenkins.example.com}
jwt:
  header: jwt-token-header
  username_claim: username
  groups_claim: groups
  groups_separator: "-"
  email_claim: email
  full_name_claim: name
  issuers: [myIssuer]
  audiences: [myAudience]
  jwks_url: http://jwks-host/.well-known/openid
  leeway_seconds: 3
  allow_verification_failures: true
authorization:
  grants:
    - user: admin
      permissions: [Overall/Administer]
"""

_V3_AUTHENTICATED = [
    "Agent/Build", "Agent/Configure", "Agent/Connect", "Agent/Create", "Agent/Delete", "Agent/Disconnect",
    "Credentials/Create", "Credentials/Delete", "Credentials/ManageDomains", "Credentials/Update", "Credentials/View",
    "Job/Build", "Job/Cancel", "Job/Configure", "Job/Create", "Job/Delete", "Job/Discover", "Job/Move", "Job/Read",
    "Job/Workspace", "Overall/Administer", "Overall/Read", "Run/Delete", "Run/Replay", "Run/Update",
    "View/Configure", "View/Create", "View/Delete", "View/Read",
]
MATRIX_V3_FIXTURE: dict[str, Any] = {"jenkins": {"authorizationStrategy": {"projectMatrix": {"entries": [
    {"group": {"name": "authenticated", "permissions": _V3_AUTHENTICATED}},
    {"user": {"name": "anonymous", "permissions": ["Overall/Read"]}},
    {"userOrGroup": {"name": "developer", "permissions": ["Overall/Read"]}},
]}}}}

MATRIX_V3_SPEC = f"""
version: 1
jenkins: {{url: https://jenkins.example.com}}
pomerium:
  authenticate_url: https://authenticate.example.com
  idp: {{provider: google, client_id: {{env: IDP_CLIENT_ID}}, client_secret: {{env: IDP_CLIENT_SECRET}}}}
  signing_key: {{env: POMERIUM_SIGNING_KEY}}
authorization:
  strategy: project
  grants:
    # listed in a different order on purpose: output order is JCasC's export order
    - user_or_group: developer
      permissions: [Overall/Read]
    - user: anonymous
      permissions: [Overall/Read]
    - group: authenticated
      permissions: [{", ".join(reversed(_V3_AUTHENTICATED))}]
"""


def _generated(tmp_path: pathlib.Path, text: str) -> tuple[Any, dict[str, Any]]:
    path = tmp_path / "spec.yaml"
    path.write_text(text, encoding="utf-8")
    loaded = load_spec(path)
    return loaded, yaml.safe_load(render(loaded.spec)["jenkins.yaml"])


def test_jwt_auth_fixture_is_reproduced(tmp_path: pathlib.Path) -> None:
    loaded, doc = _generated(tmp_path, JWT_AUTH_SPEC)
    fixture = yaml.safe_load(JWT_AUTH_FIXTURE)
    got = normalize_managed(doc)["jenkins"]["securityRealm"]
    assert got == normalize_managed(fixture)["jenkins"]["securityRealm"]
    assert doc["jenkins"]["securityRealm"] == fixture["jenkins"]["securityRealm"]  # key for key, value for value
    # ... and the tool says what is wrong with that test setup before anyone applies it.
    codes = {d.code: d.severity for d in lint(loaded.spec, loaded.document)}
    assert codes == {"JG003": "error", "JG005": "warning"}


SAMPLE = pathlib.Path(__file__).resolve().parents[2] / "samples" / "jwt-auth-fixture.yaml"


def test_jwt_auth_fixture_generates_with_its_risks_accepted(tmp_path: pathlib.Path) -> None:
    """samples/jwt-auth-fixture.yaml: `generate` and `lint --strict` pass once the spec accepts
    the fixture's two risks; the findings are still printed, each with its reason, and the
    realm is the fixture's."""
    from ._cli import run

    r = run(["generate", str(SAMPLE), "-o", str(tmp_path / "out")])
    assert r.code == 0, r.err
    assert "[JG003] allow_verification_failures is true\n  hint: set it to false\n" \
           "  accepted: reproducing jwt-auth's own test fixture (allowVerificationFailures: true)" in r.err
    assert "accepted: the fixture's JWKS host is a test double" in r.err
    doc = yaml.safe_load((tmp_path / "out" / "jenkins.yaml").read_text(encoding="utf-8"))
    assert doc["jenkins"]["securityRealm"] == yaml.safe_load(JWT_AUTH_FIXTURE)["jenkins"]["securityRealm"]
    r = run(["lint", "--strict", str(SAMPLE)])
    assert r.code == 0 and r.err.endswith(": 0 errors, 0 warnings, 2 accepted\n"), r.err
    # without the acceptances the same spec is refused: they are what makes it pass
    bare = tmp_path / "bare.yaml"
    bare.write_text(SAMPLE.read_text(encoding="utf-8").split("\nlint:\n")[0] + "\n", encoding="utf-8")
    assert run(["generate", str(bare), "-o", str(tmp_path / "bare-out")]).code == 2


def test_matrix_auth_v3_fixture_is_reproduced(tmp_path: pathlib.Path) -> None:
    loaded, doc = _generated(tmp_path, MATRIX_V3_SPEC)
    assert normalize_managed(doc)["jenkins"]["authorizationStrategy"] == \
        normalize_managed(MATRIX_V3_FIXTURE)["jenkins"]["authorizationStrategy"]
    # The fixture's entries are hand-ordered; ours follow the export (userOrGroup, group,
    # user), and each permission list is exactly the fixture's (sorted) list.
    entries = doc["jenkins"]["authorizationStrategy"]["projectMatrix"]["entries"]
    assert [next(iter(e)) for e in entries] == ["userOrGroup", "group", "user"]
    fixture_entries = MATRIX_V3_FIXTURE["jenkins"]["authorizationStrategy"]["projectMatrix"]["entries"]
    assert sorted(entries, key=str) == sorted(fixture_entries, key=str)
    codes = {d.code for d in lint(loaded.spec, loaded.document)}
    assert codes == {"JG002"}  # anonymous read reaches everyone: a warning, not a refusal


def test_normalize_catches_a_real_difference(tmp_path: pathlib.Path) -> None:
    """The comparison above is not vacuous: one permission less is a difference."""
    _, doc = _generated(tmp_path, MATRIX_V3_SPEC.replace("Job/Move, ", ""))
    assert normalize_managed(doc) != normalize_managed(MATRIX_V3_FIXTURE)

from __future__ import annotations

import pathlib

import pytest

SPEC = """\
version: 1
jenkins:
  url: https://jenkins.corp.example.com
pomerium:
  version: "0.33"
  authenticate_url: https://authenticate.corp.example.com
  idp:
    provider: google
    client_id: {env: IDP_CLIENT_ID}
    client_secret: {env: IDP_CLIENT_SECRET}
  signing_key: {env: POMERIUM_SIGNING_KEY}
  verify_url: https://verify.corp.example.com
authorization:
  roles:
    admin: [Overall/Administer]
    developer: [Overall/Read, Job/Read, Job/Build, Job/Cancel, Job/Workspace]
  grants:
    - user: alice@corp.example.com
      roles: [admin]
    - group: jenkins-devs
      roles: [developer]
      permissions: [Job/Configure]
    - group: authenticated
      permissions: [Overall/Read]
output:
  dir: generated
"""


@pytest.fixture
def spec_file(tmp_path: pathlib.Path) -> pathlib.Path:
    """The spec format's own sample (spec-format.md), in a fresh folder."""
    path = tmp_path / "jcasc-gen.yaml"
    path.write_text(SPEC)
    return path

"""The two facts a wrong reading of the sources turns into an outage, end to end through the
generated files and nothing else:

- **Jenkins does not start** when the JCasC file it reads at startup names a permission whose
  plugin is not loaded (matrix-auth-3.2.8 AuthorizationContainer.java:221-232 "no such
  permission", turned into ConfigurationAsCodeBootFailure by configuration-as-code
  ConfigurationAsCode.java:385-394), or a realm or strategy whose plugin is missing.
- **Every login is anonymous** when jwt-auth refuses what Pomerium sends: an `iss` outside
  `acceptedIssuer` (split with Util.tokenize on ",", never trimmed; jwt-auth-0.3.0
  JwtAuthSecurityRealm.java:223-231), an `aud` outside `acceptedAudience`, a token in another
  header, without the username or groups claim. Pomerium's `iss` is the authenticate host (port
  kept) up to v0.21.2 and the route's host name from v0.21.3 (3307b9b82).

The simulator boots from the generated jenkins.yaml as a fresh controller reads it (the file in
CASC_JENKINS_CONFIG, only the plugins of the generated plugins.txt loaded), and the simulator's
own Pomerium mints the assertion of every release the spec's version names. Neither side asks
the product what the answer should be.
"""

from __future__ import annotations

import json
from typing import Iterator
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jcasc_gen.model import load_spec_text
from jcasc_gen.render import render
from tests.jenkins_sim import JenkinsSim, PomeriumSide

from .test_plugin_permissions import _plugins

# Releases of pomerium/pomerium (its tags), per version a spec may name
RELEASES = {
    "0.20": ["0.20.0", "0.20.1"], "0.21": ["0.21.0", "0.21.1", "0.21.2", "0.21.3", "0.21.4"],
    "0.21.2": ["0.21.2"], "v0.21.3": ["0.21.3"], "0.22": ["0.22.0", "0.22.1", "0.22.2", "0.22.3"],
    "0.27": ["0.27.0", "0.27.1", "0.27.2"], "0.29": [f"0.29.{p}" for p in range(7)], "0.33": ["0.33.0", "0.33.1"],
    "0.33.1": ["0.33.1"],
}
ADMIN = "admin@example.com"
# permissions of core and of the plugins that define them (cloudbees-folder, workflow-cps, credentials)
PERMISSIONS = ["Job/Read", "Job/Build", "Job/Move", "Run/Replay", "Credentials/View", "Agent/Provision", "View/Read", "SCM/Tag"]


@pytest.fixture(scope="module")
def side() -> Iterator[PomeriumSide]:
    with PomeriumSide() as running:
        yield running


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(version=st.sampled_from(sorted(RELEASES)), jenkins=st.sampled_from(["https://jenkins.example.com",
                                                                        "https://Jenkins.Example.com:8443/"]),
       authenticate=st.sampled_from(["https://authenticate.example.com", "https://Auth.Example.com:9443"]),
       perms=st.lists(st.sampled_from(PERMISSIONS), min_size=1, max_size=4, unique=True))
def test_the_generated_files_boot_and_every_release_signs_in(side: PomeriumSide, version: str, jenkins: str,
                                                             authenticate: str, perms: list[str]) -> None:
    text = (f"version: 1\njenkins:\n  url: {jenkins}\npomerium:\n  version: \"{version}\"\n  authenticate_url: {authenticate}\n"
            "  idp: {provider: google, client_id: {env: IDP_CLIENT_ID}, client_secret: {env: IDP_CLIENT_SECRET}}\n"
            "  signing_key: {env: POMERIUM_SIGNING_KEY}\n"
            "jwt:\n  jwks_url: http://127.0.0.1:9/.well-known/pomerium/jwks.json\n"
            "authorization:\n  grants:\n"
            f"    - user: {ADMIN}\n      permissions: [Overall/Administer]\n"
            f"    - group: devs\n      permissions: {json.dumps(['Overall/Read', *perms])}\n")
    files = render(load_spec_text(text).spec)
    # the JWKS Jenkins fetches: the simulator's Pomerium (the spec's URL would be its route)
    jenkins_yaml = files["jenkins.yaml"].replace("http://127.0.0.1:9/.well-known/pomerium/jwks.json", side.jwks_url)
    plugins = {name: v or "1" for name, v in _plugins(files["plugins.txt"]).items()}
    sim = JenkinsSim(version="2.568.2", plugins=plugins, casc_files=[jenkins_yaml])
    assert sim.boot_error is None, sim.boot_error
    # Pomerium reads its own generated config: the route's `from` and the authenticate URL as
    # written there, and derives the hosts it sends from them per release
    pomerium = yaml.safe_load(files["pomerium/config.yaml"])
    route_from = pomerium["routes"][0]["from"]
    authenticate_host = pomerium["authenticate_service_url"].split("://", 1)[1].split("/", 1)[0]  # Go's URL.Host
    for release in RELEASES[version]:
        for user, groups, must in ((ADMIN, [], ["Overall/Administer"]), ("dev@example.com", ["devs"], perms)):
            token = side.mint(user, groups, version=release, route_from=route_from, authenticate_host=authenticate_host)
            who = sim.identify({"x-pomerium-jwt-assertion": token})
            assert not who.anonymous and who.name == user, (release, jenkins_yaml)
            assert all(sim.has_permission(who, p) for p in must), (release, must)
    # and without any plugin the tool listed, Jenkins would not start
    for missing in sorted(set(plugins) - {"configuration-as-code"}):
        broken = JenkinsSim(version="2.568.2", plugins={n: v for n, v in plugins.items() if n != missing},
                            casc_files=[jenkins_yaml])
        assert broken.boot_error is not None, missing

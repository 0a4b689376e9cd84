"""Several simulated controllers behind one fake Pomerium, and a spec with one controller each.

Each controller has its own admin API token, given the way a CI job would: in the
controller's own variables (`JCASC_GEN_<NAME>_USER_ID`, `_API_TOKEN`); the signing key of the
one Pomerium is shared (`--signing-key-file`)."""

from __future__ import annotations

import pathlib
from dataclasses import dataclass
from typing import Any, Callable

import pytest

from jcasc_gen.overlay import env_prefix
from tests.apply.conftest import ADMIN, Run
from tests.jenkins_sim.gauge import Gauge

# pin JCasC to what the simulator runs, so only jwt-auth needs installing
_PLUGINS = "plugins:\n  versions:\n    configuration-as-code: \"1987.v4ade2e49fb_b_c\"\n"


def fleet_spec(jwks_url: str, controllers: dict[str, str]) -> str:
    """controller name -> the URL jcasc-gen reaches it at (jenkins.api_url)."""
    entries = "".join(f"  {name}:\n    jenkins:\n      url: https://jenkins-{name}.example.com\n      api_url: {url}\n"
                      for name, url in controllers.items())
    return (
        "version: 1\n"
        "pomerium:\n  version: \"0.33\"\n  authenticate_url: https://authenticate.example.com\n"
        "  idp:\n    provider: google\n    client_id: {env: IDP_CLIENT_ID}\n    client_secret: {env: IDP_CLIENT_SECRET}\n"
        "  signing_key: {env: POMERIUM_SIGNING_KEY}\n"
        f"jwt:\n  jwks_url: {jwks_url}\n"
        "authorization:\n  grants:\n"
        f"    - user: {ADMIN}\n      permissions: [Overall/Administer]\n"
        "    - group: devs\n      permissions: [Overall/Read, Job/Read]\n"
        + _PLUGINS + "output:\n  dir: generated\n"
        "controllers:\n" + entries
    )


def fail_verify(sim: Any) -> None:
    """Make the next apply fail in its verification, after the change went in: it must roll back
    (once the change is posted, only verify's probes read /api/json)."""
    original = sim.apply

    def apply(text: str, source_name: str = "/configuration-as-code/apply") -> None:
        original(text, source_name)
        sim.fail_next("/api/json", count=1, status=500)
        sim.apply = original

    sim.apply = apply


def token_of(name: str) -> str:
    return f"canary-token-of-{name}-5b1f0c9e7d"


@dataclass
class Fleet:
    sims: dict[str, Any]
    pomerium: Any
    spec: pathlib.Path
    key: pathlib.Path
    gauge: Gauge
    run: Callable[..., Run]

    def live(self, command: str, *extra: str) -> Run:
        args = [command, str(self.spec), "--signing-key-file", str(self.key), "--timeout", "5", *extra]
        if command == "apply":
            args += ["--yes", "--poll-interval", "0.02", "--restart-timeout", "10"]
        return self.run(*args)

    def secrets(self) -> list[str]:
        key_lines = [line for line in self.pomerium.private_key_pem.splitlines() if "-----" not in line]
        return [*(token_of(n) for n in self.sims), *key_lines]


@pytest.fixture
def make_fleet(jenkins_sim_factory: Callable[..., Any], pomerium_side: Any, tmp_path: pathlib.Path,
               capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., Fleet]:
    from jcasc_gen.cli import main

    for var in ("JENKINS_URL", "JENKINS_USER_ID", "JENKINS_API_TOKEN", "JENKINS_JWT"):
        monkeypatch.delenv(var, raising=False)

    def make(names: list[str], *, shared_gauge: bool = True, **sim_kwargs: Any) -> Fleet:
        gauge = Gauge()
        sims = {}
        for name in names:
            sims[name] = jenkins_sim_factory(users={"admin": token_of(name)}, gauge=gauge if shared_gauge else None,
                                             **sim_kwargs)
            monkeypatch.setenv(env_prefix(name) + "USER_ID", "admin")
            monkeypatch.setenv(env_prefix(name) + "API_TOKEN", token_of(name))
        spec = tmp_path / "fleet.yaml"
        spec.write_text(fleet_spec(pomerium_side.jwks_url, {n: s.url for n, s in sims.items()}))
        key = tmp_path / "signing-key.pem"
        key.write_text(pomerium_side.private_key_pem)

        def run(*argv: str) -> Run:
            capsys.readouterr()
            code = main(list(argv))
            captured = capsys.readouterr()
            return Run(code, captured.out, captured.err)

        return Fleet(sims, pomerium_side, spec, key, gauge, run)

    return make

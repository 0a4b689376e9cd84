"""Shared setup for the apply/plan/verify tests: a spec pointing at the fake Pomerium's JWKS,
Pomerium's signing key in a file, and a runner for the CLI that captures everything it
prints. Canary secrets let the tests assert that nothing secret is ever printed."""

from __future__ import annotations

import json
import pathlib
import textwrap
from dataclasses import dataclass
from typing import Any, Callable

import pytest

from jcasc_gen.cli import main

CANARY_TOKEN = "canary-api-token-5b1f0c9e7d"
ADMIN = "alice@example.com"
READER_GROUP = "devs"


def spec_text(jwks_url: str, *, version: str = "0.33", issuers: list[str] | None = None, grants: str | None = None,
              extra_jwt: str = "") -> str:
    grants = grants or textwrap.dedent(f"""\
        - user: {ADMIN}
          permissions: [Overall/Administer]
        - group: {READER_GROUP}
          permissions: [Overall/Read, Job/Read]
        - group: authenticated
          permissions: [Overall/Read]
        """)
    issuer_line = f"  issuers: {json.dumps(issuers)}\n" if issuers is not None else ""
    return (
        "version: 1\n"
        "jenkins:\n  url: https://jenkins.example.com\n"
        "pomerium:\n"
        f"  version: \"{version}\"\n"
        "  authenticate_url: https://authenticate.example.com\n"
        "  idp:\n    provider: google\n    client_id: {env: IDP_CLIENT_ID}\n    client_secret: {env: IDP_CLIENT_SECRET}\n"
        "  signing_key: {env: POMERIUM_SIGNING_KEY}\n"
        "jwt:\n"
        f"  jwks_url: {jwks_url}\n" + issuer_line + extra_jwt +
        "authorization:\n  grants:\n" + textwrap.indent(grants, "    ") +
        # pin JCasC to what the simulator runs, so only jwt-auth needs installing
        "plugins:\n  versions:\n    configuration-as-code: \"1987.v4ade2e49fb_b_c\"\n"
        "output:\n  dir: generated\n"
    )


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def json(self) -> Any:
        return json.loads(self.out)

    def text(self) -> str:
        return self.out + self.err


@dataclass
class Env:
    sim: Any
    pomerium: Any
    spec: pathlib.Path
    key: pathlib.Path
    tmp: pathlib.Path
    run: Callable[..., Run]

    def write_spec(self, text: str) -> None:
        self.spec.write_text(text)

    def base(self, *, token: bool = True, key: bool = True) -> list[str]:
        args = ["--url", self.sim.url]
        if token:
            args += ["--user", "admin", "--token", CANARY_TOKEN]
        if key:
            args += ["--signing-key-file", str(self.key)]
        return args

    def apply(self, *extra: str, token: bool = True, key: bool = True) -> Run:
        return self.run("apply", str(self.spec), *self.base(token=token, key=key), "--yes", "--poll-interval", "0.02",
                        "--restart-timeout", "10", "--timeout", "5", *extra)

    def plan(self, *extra: str, token: bool = True, key: bool = True) -> Run:
        return self.run("plan", str(self.spec), *self.base(token=token, key=key), *extra)

    def verify(self, *extra: str, token: bool = True, key: bool = True) -> Run:
        return self.run("verify", str(self.spec), *self.base(token=token, key=key), "--timeout", "5", *extra)

    def secrets(self) -> list[str]:
        key_lines = [l for l in self.pomerium.private_key_pem.splitlines() if "-----" not in l]
        return [CANARY_TOKEN, *key_lines]


def assert_no_secret(run: Run, env: Env) -> None:
    text = run.text()
    for s in env.secrets():
        assert s not in text, "a secret leaked into the output"
    assert "eyJ" not in text, "something JWT-shaped leaked into the output"


@pytest.fixture
def make_env(jenkins_sim_factory: Callable[..., Any], pomerium_side: Any, tmp_path: pathlib.Path,
             capsys: pytest.CaptureFixture[str]) -> Callable[..., Env]:
    def make(spec: str | None = None, **sim_kwargs: Any) -> Env:
        sim_kwargs.setdefault("users", {"admin": CANARY_TOKEN})
        sim = jenkins_sim_factory(**sim_kwargs)
        spec_path = tmp_path / "spec.yaml"
        spec_path.write_text(spec if spec is not None else spec_text(pomerium_side.jwks_url))
        key_path = tmp_path / "signing-key.pem"
        key_path.write_text(pomerium_side.private_key_pem)

        def run(*argv: str) -> Run:
            capsys.readouterr()
            code = main(list(argv))
            captured = capsys.readouterr()
            return Run(code, captured.out, captured.err)

        return Env(sim, pomerium_side, spec_path, key_path, tmp_path, run)

    return make


@pytest.fixture
def env(make_env: Callable[..., Env]) -> Env:
    return make_env()

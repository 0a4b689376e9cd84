"""A Jenkins for the API tests: the simulator with an API-token admin, the fake Pomerium's
JWKS, a spec that points at it, and the signing key (as the API takes it: PEM text)."""

from __future__ import annotations

import pathlib
from dataclasses import dataclass
from typing import Any, Callable

import pytest

from tests.apply.conftest import ADMIN, CANARY_TOKEN, spec_text

__all__ = ["Site", "ADMIN", "CANARY_TOKEN"]


@dataclass
class Site:
    sim: Any
    pomerium: Any
    folder: pathlib.Path
    spec_path: pathlib.Path
    key_path: pathlib.Path

    @property
    def key_pem(self) -> str:
        return str(self.pomerium.private_key_pem)

    def secrets(self) -> list[str]:
        """What must never be shown: the API token and every line of the key's body."""
        return [CANARY_TOKEN, *(l for l in self.key_pem.splitlines() if "-----" not in l)]

    def assert_hidden(self, text: str) -> None:
        for secret in self.secrets():
            assert secret not in text, "a secret leaked"
        assert "eyJ" not in text, "something JWT-shaped leaked"


@pytest.fixture
def make_site(jenkins_sim_factory: Callable[..., Any], pomerium_side: Any, tmp_path: pathlib.Path) -> Callable[..., Site]:
    def make(spec: str | None = None, **sim_kwargs: Any) -> Site:
        sim_kwargs.setdefault("users", {"admin": CANARY_TOKEN})
        sim = jenkins_sim_factory(**sim_kwargs)
        folder = tmp_path / f"site{len(list(tmp_path.iterdir()))}"
        folder.mkdir()
        spec_path = folder / "jcasc-gen.yaml"
        spec_path.write_text(spec if spec is not None else spec_text(pomerium_side.jwks_url))
        key_path = folder / "pomerium-signing-key.pem"
        key_path.write_text(pomerium_side.private_key_pem)
        return Site(sim, pomerium_side, folder, spec_path, key_path)

    return make


@pytest.fixture
def site(make_site: Callable[..., Site]) -> Site:
    return make_site()

"""The same path against a real Jenkins, when one is configured (see docs/apply.md):

    JENKINS_URL, JENKINS_USER_ID, JENKINS_API_TOKEN   a Jenkins reached directly, an admin's API token
    JCASC_GEN_LIVE_SPEC                                the spec to apply (its jwt.jwks_url must be reachable from Jenkins)
    JCASC_GEN_SIGNING_KEY_FILE                         Pomerium's signing key for that spec

These tests CHANGE that Jenkins (realm and matrix): point them at a throwaway one. Once the
realm is jwtAuth, the API token is anonymous; rerunning then needs only the signing key.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from jcasc_gen.cli import main
from jcasc_gen.exitcodes import ExitCode

pytestmark = pytest.mark.live

NEEDED = ("JENKINS_URL", "JCASC_GEN_LIVE_SPEC", "JCASC_GEN_SIGNING_KEY_FILE")


@pytest.fixture
def live() -> dict[str, str]:
    missing = [n for n in NEEDED if not os.environ.get(n)]
    if missing:
        pytest.skip("no live Jenkins configured (" + ", ".join(missing) + " unset)")
    return {n: os.environ[n] for n in NEEDED}


def _run(capsys: Any, *argv: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out + out.err


def test_live_guard_refuses_without_post_switch_credential(live: dict[str, str], capsys: Any) -> None:
    code, text = _run(capsys, "apply", live["JCASC_GEN_LIVE_SPEC"], "--yes")
    assert code in (ExitCode.USAGE, ExitCode.OK, ExitCode.UNREACHABLE)  # OK when already applied
    if code == ExitCode.USAGE:
        assert "post-switch credential" in text or "needs a JWT" in text


def test_live_plan_apply_verify(live: dict[str, str], capsys: Any) -> None:
    spec, key = live["JCASC_GEN_LIVE_SPEC"], live["JCASC_GEN_SIGNING_KEY_FILE"]
    code, text = _run(capsys, "apply", spec, "--signing-key-file", key, "--dry-run")
    assert code == ExitCode.OK, text
    code, text = _run(capsys, "apply", spec, "--signing-key-file", key, "--yes")
    assert code == ExitCode.OK, text
    code, text = _run(capsys, "plan", spec, "--signing-key-file", key)
    assert code == ExitCode.OK, text
    code, text = _run(capsys, "verify", spec, "--signing-key-file", key)
    assert code == ExitCode.OK, text
    token = os.environ.get("JENKINS_API_TOKEN")
    if token:
        assert token not in text
    assert "eyJ" not in text

"""The Jenkins route never lets JCasC's token reload through: for every path Jenkins would hand to
`/reload-configuration-as-code/`, Pomerium (tests/pomerium_ppl.py, from its sources) denies the
request whatever the spec's policy allows, while the rest of Jenkins stays reachable."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from jcasc_gen.model import load_spec_text
from jcasc_gen.outputs import prepare

from ..pomerium_ppl import Request, decide, jenkins_reaches, pomerium_path
from ._cli import CASES, run

URL_NAME = "reload-configuration-as-code"
USERS = [Request("/", "you@example.com", {"groups": ["jenkins-users"]}),
         Request("/", "admin@example.com", {"groups": ["jenkins-users", "admins"]}),
         Request("/", "dev@corp.example.com", {"groups": []}, "username")]

PIECES = ["/", "//", "/./", "/../", "/x/../", URL_NAME, "manage/", "job/", "%72eload-configuration-as-code",
          "reload-configuration-as-cod%65", "%2F", "%2f", ";jsessionid=1", ";", "%", "%zz", "%2", "Reload-Configuration-As-Code",
          "?casc-reload-token=pod-0", "/", "x", "%25"]
raw_paths = st.lists(st.sampled_from(PIECES), min_size=1, max_size=7).map(lambda parts: "/" + "".join(parts))


def _route_policies() -> list[tuple[str, Any]]:
    out = []
    for path in sorted(CASES.glob("*.expected/pomerium/config.yaml")):
        config = yaml.safe_load(path.read_text(encoding="utf-8"))
        out.append((path.parent.parent.name, config["routes"][0]["policy"]))
    return out


POLICIES = _route_policies()


def _admitted(policy: Any) -> list[Request]:
    """Signed-in users the route lets in on `/` (each case's own policy decides who)."""
    return [u for u in USERS if decide(policy, u)]


def test_every_golden_route_admits_someone_and_denies_the_reload() -> None:
    assert len(POLICIES) > 20
    for name, policy in POLICIES:
        users = _admitted(policy)
        assert users, name
        for user in users:
            assert not decide(policy, Request(f"/{URL_NAME}/?casc-reload-token=jenkins-0", user.email, user.claims, user.user_id)), name
            for path in ("/job/a/", "/manage/configuration-as-code/", "/whoAmI/api/json", "/job/reload-configuration/"):
                assert decide(policy, Request(path, user.email, user.claims, user.user_id)), (name, path)


@settings(max_examples=400, deadline=None)
@given(raw=raw_paths)
def test_no_path_to_the_reload_action_gets_through(raw: str) -> None:
    for name, policy in POLICIES:
        for user in _admitted(policy):
            passed = decide(policy, Request(raw, user.email, user.claims, user.user_id))
            if jenkins_reaches(raw, URL_NAME):
                assert not passed, (name, raw)
            elif pomerium_path(raw) and URL_NAME not in pomerium_path(raw):
                assert passed, (name, raw)


def test_without_the_deny_rule_the_reload_gets_through() -> None:
    _, policy = POLICIES[0]
    spec_rules = [r for r in policy if "deny" not in r]
    user = _admitted(policy)[0]
    assert decide(spec_rules, Request(f"/{URL_NAME}/", user.email, user.claims, user.user_id))
    assert jenkins_reaches("/manage/%72eload-configuration-as-code;x/", URL_NAME)


def test_the_rule_uses_what_every_accepted_pomerium_version_has(tmp_path: Any) -> None:
    text = (CASES / "minimal-pomerium.spec.yaml").read_text(encoding="utf-8")
    ok = prepare(load_spec_text(text.replace("pomerium:\n", "pomerium:\n  version: \"0.16.0\"\n")))
    assert not [d for d in ok.diagnostics if d.code == "JG028"]
    old = tmp_path / "old.yaml"
    old.write_text(text.replace("pomerium:\n", "pomerium:\n  version: \"0.15.3\"\n"), encoding="utf-8")
    result = run(["lint", str(old)])
    assert result.code == 2 and "[JG028]" in result.err and "http_path" in result.err


@pytest.mark.parametrize("raw,decoded", [("/a%2Fb", "/a/b"), ("/%zz", ""), ("/a%", ""), ("/%72x?q=%zz", "/rx")])
def test_pomerium_reads_the_decoded_path(raw: str, decoded: str) -> None:
    assert pomerium_path(raw) == decoded

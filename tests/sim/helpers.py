"""Shared helpers for the simulator conformance tests."""

from __future__ import annotations

import time
from typing import Any, Callable

import requests

from tests.jenkins_sim import DEFAULT_PLUGINS, JenkinsSim, JwtRealm, PomeriumSide, Strategy

HDR = "X-Pomerium-Jwt-Assertion"
ADMIN = "admin@example.com"


class Client:
    """A requests session that keeps cookies, like python-jenkins does."""

    def __init__(self, url: str, *, auth: tuple[str, str] | None = None, headers: dict[str, str] | None = None) -> None:
        self.url = url
        self.s = requests.Session()
        if auth:
            self.s.auth = auth
        self.s.headers.update(headers or {})

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.s.get(self.url + path, timeout=5, allow_redirects=False, **kw)

    def post(self, path: str, data: Any = None, **kw: Any) -> requests.Response:
        return self.s.post(self.url + path, data=data, timeout=5, allow_redirects=False, **kw)

    def fetch_crumb(self) -> str:
        r = self.get("crumbIssuer/api/json")
        assert r.status_code == 200, r.text
        crumb = r.json()["crumb"]
        self.s.headers["Jenkins-Crumb"] = crumb
        return crumb


def matrix(*grants: tuple[str, str, str], kind: str = "globalMatrix") -> Strategy:
    st = Strategy(kind=kind)
    for entry_kind, sid, perm in grants:
        st.add(entry_kind, sid, perm)  # type: ignore[arg-type]
    return st


def jwt_realm(side: PomeriumSide, **kw: Any) -> JwtRealm:
    base: dict[str, Any] = dict(
        headerName=HDR, userClaimName="email", groupsClaimName="groups",
        acceptedIssuer="jenkins.example.com", acceptedAudience="jenkins.example.com",
        jwksUrl=side.jwks_url, leewaySeconds=5, emailClaimName="email", fullNameClaim="name",
    )
    base.update(kw)
    return JwtRealm(**base)


def jwt_sim(factory: Callable[..., JenkinsSim], side: PomeriumSide, strategy: Strategy | None = None, **realm_kw: Any) -> JenkinsSim:
    st = strategy or matrix(("GROUP", "authenticated", "Overall/Read"), ("USER", ADMIN, "Overall/Administer"))
    return factory(plugins={**DEFAULT_PLUGINS, "jwt-auth": "0.3.0"}, security_realm=jwt_realm(side, **realm_kw), authorization=st)


def whoami(url: str, headers: dict[str, str] | None = None, auth: tuple[str, str] | None = None) -> dict[str, Any]:
    r = requests.get(url + "whoAmI/api/json", headers=headers or {}, auth=auth, timeout=5)
    assert r.status_code == 200, r.text
    return r.json()


def wait_until(pred: Callable[[], bool], timeout: float = 5.0) -> None:
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return
        time.sleep(0.01)
    raise AssertionError("condition not reached")


JWT_YAML = """\
jenkins:
  securityRealm:
    jwtAuth:
      headerName: X-Pomerium-Jwt-Assertion
      userClaimName: email
      groupsClaimName: groups
      acceptedIssuer: jenkins.example.com
      acceptedAudience: jenkins.example.com
      jwksUrl: {jwks}
      leewaySeconds: 5
  authorizationStrategy:
    globalMatrix:
      entries:
      - group:
          name: authenticated
          permissions:
          - Overall/Read
      - user:
          name: admin@example.com
          permissions:
          - Overall/Administer
"""


def item_sim(factory: Callable[..., JenkinsSim], *grants: tuple[str, str, str], kind: str = "projectMatrix",
             users: dict[str, str] | None = None, **kw: Any) -> JenkinsSim:
    """A simulator with cloudbees-folder and workflow-job active, the local realm with users
    admin/alice/bob/carol (token = name + "-token"), `kind` strategy: admin administers,
    every signed-in user has Overall/Read, plus `grants`."""
    from tests.jenkins_sim import ITEM_PLUGINS
    st = matrix(("USER", "admin", "Overall/Administer"), ("GROUP", "authenticated", "Overall/Read"), *grants, kind=kind)
    names = ("admin", "alice", "bob", "carol")
    return factory(plugins={**DEFAULT_PLUGINS, **ITEM_PLUGINS}, authorization=st,
                   users=users or {n: f"{n}-token" for n in names}, **kw)


def auth(user: str) -> tuple[str, str]:
    """Basic credentials of an item_sim user (API token: no crumb needed)."""
    return (user, f"{user}-token")

"""Prove the live Jenkins is what the spec says: configuration, plugins, and behaviour.

Behaviour is probed over HTTP with real identities: anonymous, a JWT for an administrator
of the spec, a JWT for a non-administrator, and tokens with a wrong issuer or audience
(which jwt-auth must treat as anonymous, proving the realm really checks them). Expected
answers come from the spec's matrix through the permission catalog (guard.spec_allows).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Literal
from xml.etree import ElementTree as ET

from .. import names, permissions, pins
from ..jcasc import CASC_ENDPOINTS, normalize_managed, target_document
from ..model import Spec
from .credentials import CurrentCredential, PostCredential
from .guard import jwt_authorities, spec_allows
from .item_verify import item_checks
from .redact import redact

__all__ = ["CheckResult", "PROBES", "run_checks", "to_json", "to_junit", "print_checks", "summary"]

Status = Literal["passed", "failed", "skipped"]


@dataclass(frozen=True)
class CheckResult:
    name: str
    status: Status
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"name": redact(self.name), "status": self.status, "detail": redact(self.detail)}


@dataclass(frozen=True)
class Probe:
    label: str
    method: str
    path: str
    permission: str  # what Jenkins checks (jenkins-facts A.2, D.4, D.6)


# Overall/SystemRead is disabled by default, so in practice it means Overall/Administer;
# the catalog's implication walk decides that, not this table.
PROBES: tuple[Probe, ...] = (
    Probe("read the dashboard API", "GET", "api/json", permissions.READ),
    Probe("list plugins", "GET", "pluginManager/api/json", "Overall/SystemRead"),
    Probe("export the configuration", "POST", CASC_ENDPOINTS["export"], "Overall/SystemRead"),
)


def _passed(name: str, detail: str = "") -> CheckResult:
    return CheckResult(name, "passed", detail)


def _failed(name: str, detail: str) -> CheckResult:
    return CheckResult(name, "failed", detail)


def _skipped(name: str, detail: str) -> CheckResult:
    return CheckResult(name, "skipped", detail)


def check_config(spec: Spec, document: Any) -> CheckResult:
    from .plan import dump_yaml

    live = normalize_managed(document)
    want = normalize_managed(target_document(spec))
    name = "configuration: realm and matrix equal the spec"
    if live == want:
        return _passed(name)
    import difflib

    diff = "".join(difflib.unified_diff(dump_yaml(want).splitlines(keepends=True), dump_yaml(live).splitlines(keepends=True),
                                        fromfile="spec", tofile="live"))
    return _failed(name, "the live export differs from the spec (a grant Jenkins dropped shows here):\n" + diff)


def check_plugins(spec: Spec, live: dict[str, Any]) -> list[CheckResult]:
    out = []
    for pin in spec.plugins:
        name = f"plugin {pin.name}" + (f" >= {pin.version}" if pin.version else "")
        have = live.get(pin.name)
        if have is None:
            out.append(_failed(name, "not installed"))
        elif not (have.active and have.enabled):
            out.append(_failed(name, f"{have.version} is installed but not active" + ("" if have.enabled else " (disabled)")))
        elif pin.version and pins.older_than(have.version, pin.version):
            out.append(_failed(name, f"{have.version} is older than {pin.version}"))
        else:
            out.append(_passed(name, have.version))
    return out


def _probe_checks(client: Any, spec: Spec, who: str, name: str, authorities: tuple[str, ...]) -> list[CheckResult]:
    out = []
    for probe in PROBES:
        allowed = spec_allows(spec, name, authorities, probe.permission)
        label = f"{who}: {'can' if allowed else 'cannot'} {probe.label}"
        try:
            reply = client.probe(probe.method, probe.path)
        except Exception as exc:  # client.JenkinsError: no answer at all
            out.append(_failed(label, str(exc)))
            continue
        if allowed and reply.ok:
            out.append(_passed(label, f"{probe.method} /{probe.path}: {reply.status}"))
        elif not allowed and reply.status == 403:
            out.append(_passed(label, f"{probe.method} /{probe.path}: 403"))
        else:
            out.append(_failed(label, f"{probe.method} /{probe.path} answered {reply.status}; the spec "
                                      f"{'grants' if allowed else 'does not grant'} {probe.permission}"))
    return out


def _whoami_check(client: Any, label: str, name: str, authorities: tuple[str, ...]) -> CheckResult:
    try:
        me = client.whoami()
    except Exception as exc:
        return _failed(label, str(exc))
    if me.anonymous or me.name != name:
        return _failed(label, f"Jenkins sees {me.name!r}" + (" (anonymous: the JWT was not accepted)" if me.anonymous else "")
                       + f", expected {name!r}")
    have = {names.fold(x) for x in me.authorities}
    missing = [a for a in authorities if names.fold(a) not in have]
    if missing:
        return _failed(label, f"authorities {list(me.authorities)} lack {missing}")
    return _passed(label, f"{me.name} with {list(me.authorities)}")


def _reader(spec: Spec) -> tuple[str, tuple[str, ...], str] | None:
    """A principal of the spec without Overall/Administer: (name, groups, description)."""
    probe_user = f"jcasc-gen-probe@{spec.jenkins_host or 'example.invalid'}"
    for g in spec.authorization.grants:
        if names.is_anonymous(g.name) or names.is_everyone(g.name):
            continue
        if g.kind == "group":
            groups: tuple[str, ...] = () if names.is_authenticated(g.name) else (g.name,)
            name, desc = probe_user, f"a member of group {g.name!r}"
        else:
            name, groups, desc = g.name, (), f"user {g.name!r}"
        if not spec_allows(spec, name, jwt_authorities(groups), permissions.ADMINISTER):
            return name, groups, desc
    return None


def run_checks(spec: Spec, *, admin_client: Any, anonymous_client: Any, post: PostCredential | None,
               jwt_client: Callable[[str, str], Any], state: Any | None = None,
               previous: CurrentCredential | None = None) -> list[CheckResult]:
    """Every check. `admin_client` reads the export and plugins; `jwt_client(token,
    principal)` makes a client that sends a JWT in the spec's header. `previous`: the values a
    moved realm accepted before (--current-issuer): a token for them must now be anonymous."""
    from .state import read_state

    results: list[CheckResult] = []
    if state is None:
        try:
            state = read_state(admin_client)
        except Exception as exc:
            results.append(_failed("read the live configuration and plugins", str(exc)))
    if state is not None:
        results.append(check_config(spec, state.document))
        results.extend(check_plugins(spec, state.plugins))

    results.append(_whoami_check_anonymous(anonymous_client))
    results.extend(_probe_checks(anonymous_client, spec, "anonymous", "anonymous", ("anonymous",)))

    def items() -> list[CheckResult]:
        return item_checks(spec, admin_client=admin_client, post=post, jwt_client=jwt_client)

    if post is None:
        results.append(_skipped("JWT behaviour", "no JWT credential: pass --signing-key-file or --jwt"))
        return results + items()
    name, groups = post.principal, post.groups
    admin_jwt = jwt_client(post.token(), name)
    who = f"JWT {name}"
    results.append(_whoami_check(admin_jwt, f"{who}: /whoAmI shows the name and groups", name, jwt_authorities(groups)))
    results.extend(_probe_checks(admin_jwt, spec, who, name, jwt_authorities(groups)))
    if post.given is not None:
        results.append(_given_signature_check(spec, post, admin_client))

    if not post.can_mint:
        results.append(_skipped("a non-administrator is refused", "needs --signing-key-file to mint its token"))
        results.append(_skipped("a token with a wrong issuer or audience is anonymous", "needs --signing-key-file"))
        return results + items()
    reader = _reader(spec)
    if reader is None:
        results.append(_skipped("a non-administrator is refused", "every principal of the spec is an administrator"))
    else:
        rname, rgroups, desc = reader
        rclient = jwt_client(post.mint(rname, rgroups), rname)
        results.extend(_probe_checks(rclient, spec, f"JWT {desc}", rname, jwt_authorities(rgroups)))
    for claim, bad in (("iss", "wrong-issuer.jcasc-gen.invalid"), ("aud", "wrong-audience.jcasc-gen.invalid")):
        label = f"a token with a wrong {'issuer' if claim == 'iss' else 'audience'} is anonymous"
        client = jwt_client(post.mint(name, groups, overrides={claim: bad}), name)
        try:
            me = client.whoami()
        except Exception as exc:
            results.append(_failed(label, str(exc)))
            continue
        results.append(_passed(label) if me.anonymous else
                       _failed(label, f"Jenkins accepted it as {me.name!r}: the realm does not check {claim}"))
    if previous is not None:
        results.append(_previous_values_check(spec, previous, jwt_client))
    return results + items()


def _given_signature_check(spec: Spec, post: PostCredential, admin_client: Any) -> CheckResult:
    """The given JWT verifies against the JWKS the spec names (what jwt-auth will check)."""
    from ..client import fetch
    from .given_jwt import check_given

    label = "the given JWT verifies against the JWKS jwt.jwks_url names"
    refusals, note = check_given(post, spec.jwt.jwks_url, run_script=getattr(admin_client, "run_script", None),
                                 fetch_here=lambda url: fetch(url, timeout=admin_client.conn.timeout))
    if refusals:
        return _failed(label, refusals[0].message)
    return _passed(label, note or "") if spec.jwt.jwks_url else _skipped(label, note or "")


def _previous_values_check(spec: Spec, previous: CurrentCredential, jwt_client: Callable[[str, str], Any]) -> CheckResult:
    """After a move, the values the realm accepted before are refused (unless the spec keeps them)."""
    from .. import tokens

    claims = previous.claims()
    label = f"a token for the previous values (iss {claims.get('iss')!r}, aud {claims.get('aud')!r}) is anonymous"
    if not tokens.acceptance_problems(spec.jwt, claims):
        return _skipped(label, "the spec's realm still accepts them")
    try:
        me = jwt_client(previous.token(), previous.principal).whoami()
    except Exception as exc:
        return _failed(label, str(exc))
    return _passed(label) if me.anonymous else _failed(label, f"Jenkins accepted it as {me.name!r}: the move is not done")


def _whoami_check_anonymous(client: Any) -> CheckResult:
    label = "anonymous: /whoAmI shows anonymous"
    try:
        me = client.whoami()
    except Exception as exc:
        return _failed(label, str(exc))
    return _passed(label) if me.anonymous else _failed(label, f"a request without credentials is {me.name!r}")


def summary(results: Iterable[CheckResult]) -> dict[str, int]:
    out = {"passed": 0, "failed": 0, "skipped": 0}
    for r in results:
        out[r.status] += 1
    return out


def print_checks(results: Iterable[CheckResult], emit: Callable[[str], None]) -> None:
    marks = {"passed": "ok  ", "failed": "FAIL", "skipped": "skip"}
    for r in results:
        emit(f"  {marks[r.status]} {r.name}" + (f": {r.detail}" if r.detail and r.status != "passed" else ""))


def to_json(results: list[CheckResult]) -> dict[str, Any]:
    counts = summary(results)
    return {"ok": counts["failed"] == 0, "summary": counts, "checks": [r.to_json() for r in results]}


def to_junit(results: list[CheckResult], suite: str = "jcasc-gen verify") -> str:
    root = junit_suite(results, suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def junit_suite(results: Iterable[CheckResult], suite: str, *, errors: Iterable[tuple[str, str]] = ()) -> ET.Element:
    """One <testsuite>: a test case per check; `errors` (name, message) are cases that could not
    run (Jenkins not reached, the controller skipped)."""
    results = list(results)
    errors = list(errors)
    counts = summary(results)
    root = ET.Element("testsuite", name=redact(suite), tests=str(len(results) + len(errors)), failures=str(counts["failed"]),
                      skipped=str(counts["skipped"]), errors=str(len(errors)))
    for name, message in errors:
        case = ET.SubElement(root, "testcase", classname="jcasc_gen.verify", name=redact(name))
        node = ET.SubElement(case, "error", message=redact(message.splitlines()[0] if message else "error"))
        node.text = redact(message)
    for r in results:
        case = ET.SubElement(root, "testcase", classname="jcasc_gen.verify", name=redact(r.name))
        if r.status == "failed":
            node = ET.SubElement(case, "failure", message=redact(r.detail.splitlines()[0] if r.detail else "failed"))
            node.text = redact(r.detail)
        elif r.status == "skipped":
            ET.SubElement(case, "skipped", message=redact(r.detail))
        elif r.detail:
            ET.SubElement(case, "system-out").text = redact(r.detail)
    return root

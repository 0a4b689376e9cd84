"""No traceback, ever (issue 10, class 11): hostile spec documents and hostile JCasC exports,
run through the CLI's `main()` in-process. Whatever the input: `main` returns (no exception
escapes), the exit code is 0, 1 or 2, nothing on stdout or stderr is a traceback or the
last-resort "internal error" message, and `--format json` output parses.
"""

from __future__ import annotations

import contextlib
import io
import json
import pathlib
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jcasc_gen.cli import main
from jcasc_gen.live.state import parse_export

SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                            HealthCheck.too_slow])

BASE: dict[str, Any] = {
    "version": 1,
    "jenkins": {"url": "https://jenkins.example.com"},
    "pomerium": {
        "version": "0.33",
        "authenticate_url": "https://authenticate.example.com",
        "idp": {"provider": "google", "client_id": {"env": "IDP_CLIENT_ID"}, "client_secret": {"file": "/run/secrets/idp"}},
        "signing_key": {"env": "POMERIUM_SIGNING_KEY"},
        "policy": [{"allow": {"and": [{"email": {"is": "a@example.com"}}]}}],
        "verify_url": "https://verify.example.com",
    },
    "jwt": {"leeway_seconds": 30},
    "authorization": {
        "roles": {"admin": ["Overall/Administer"], "reader": ["Overall/Read", "Job/Read"]},
        "grants": [{"user": "admin@example.com", "roles": ["admin"]}, {"group": "devs", "roles": ["reader"],
                                                                       "permissions": ["Job/Build"]}],
    },
    "plugins": {"versions": {"matrix-auth": "3.2.8"}, "extra": ["folder-auth:1.4"]},
    "output": {"dir": "generated", "compose": True},
}

# Values no spec field expects: what a typo, a YAML 1.1 surprise or an attacker gives.
HOSTILE_SCALARS = [None, True, False, 0, -1, 5, 2 ** 70, 10 ** 400, 1.5, float("nan"), float("inf"),
                   float("-inf"), "", " ", "\x00", "a\nb", "\t", "${X}", "^${X}", "NO", "010", "1:30", "0o17", "1e3",
                   ".nan", "~", "a" * 5000, "anonymou\u017f", "\u200b", "\ud800", "0.3.0:https://evil.example/x.hpi",
                   "../../etc/passwd", "x:y", "https://user:pw@h", "<<", "*a"]
scalars = st.sampled_from(HOSTILE_SCALARS) | st.text(max_size=12) | st.integers() | st.floats()
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8) | st.sampled_from(
    ["user", "group", "roles", "permissions", "env", "file", "allow", "and", "or", "is", "url", "version"]), inner, max_size=3),
    max_leaves=8)

PATHS = [("version",), ("jenkins",), ("jenkins", "url"), ("pomerium",), ("pomerium", "version"), ("pomerium", "policy"),
         ("pomerium", "idp"), ("pomerium", "idp", "client_secret"), ("pomerium", "idp", "client_secret", "file"),
         ("pomerium", "signing_key"), ("pomerium", "verify_url"), ("jwt",), ("jwt", "leeway_seconds"), ("jwt", "issuers"),
         ("jwt", "header"), ("authorization",), ("authorization", "roles"), ("authorization", "roles", "admin"),
         ("authorization", "grants"), ("authorization", "grants", 0), ("authorization", "grants", 0, "user"),
         ("authorization", "grants", 1, "roles"), ("authorization", "grants", 1, "permissions"),
         ("authorization", "extra_permissions"), ("authorization", "strategy"), ("plugins",), ("plugins", "versions"),
         ("plugins", "versions", "matrix-auth"), ("plugins", "extra"), ("plugins", "extra", 0), ("output",),
         ("output", "dir"), ("output", "images"), ("output", "compose")]


def _set(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    import copy

    doc = copy.deepcopy(doc)
    cur = doc
    for key in path[:-1]:
        if isinstance(cur, dict) and key in cur:
            cur = cur[key]
        elif isinstance(cur, list) and isinstance(key, int) and key < len(cur):
            cur = cur[key]
        else:
            return doc
    if isinstance(cur, dict):
        cur[path[-1]] = value
    elif isinstance(cur, list) and isinstance(path[-1], int) and path[-1] < len(cur):
        cur[path[-1]] = value
    return doc


def _dump(doc: Any) -> str:
    """YAML text for `doc`; lone surrogates (which YAML cannot carry raw) written escaped."""
    return yaml.safe_dump(doc, allow_unicode=False, sort_keys=False, width=4096)


RAW_TAILS = ["", "\nx: &a [1, *a]\n", "\n!!python/object:os.system {}\n", "\nversion: " + "9" * 5000 + "\n",
             "\n---\nversion: 1\n", "\nauthorization: {grants: [{user: x, permissions: [*missing]}]}\n", "\n\t bad\n",
             "\nplugins: {versions: {matrix-auth: " + "9" * 5000 + "}}\n",
             "\npomerium: {policy: [{allow: {or: [{claim/x: .nan}, {claim/y: NO}, {claim/z: 010}]}}]}\n"]


@st.composite
def spec_texts(draw: Any) -> str:
    doc: Any = BASE
    for _ in range(draw(st.integers(1, 3))):
        doc = _set(doc, draw(st.sampled_from(PATHS)), draw(values))
    try:
        text = _dump(doc)
    except (yaml.YAMLError, UnicodeEncodeError, ValueError):
        text = "version: 1\n"
    return text + draw(st.sampled_from(RAW_TAILS))


def _main(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)  # an escaping exception fails the test with its traceback
    return code, out.getvalue(), err.getvalue()


def _assert_clean(code: int, out: str, err: str, *, json_out: bool) -> None:
    assert code in (0, 1, 2), (code, out, err)
    for stream in (out, err):
        assert "Traceback" not in stream and "internal error" not in stream, stream[-3000:]
    if json_out:
        json.loads(out)


@SETTINGS
@given(text=spec_texts())
def test_hostile_specs_never_end_in_a_traceback(tmp_path_factory: Any, text: str) -> None:
    tmp = tmp_path_factory.mktemp("fuzz")
    spec = tmp / "spec.yaml"
    spec.write_text(text, encoding="utf-8", errors="surrogatepass")
    out = str(tmp / "out")
    for argv, json_out in (
        (["validate", str(spec), "--format", "json"], True),
        (["lint", str(spec), "--strict", "--format", "json"], True),
        (["generate", str(spec), "-o", out, "-q"], False),
        (["check", str(spec), "-o", out, "--format", "json"], True),
        (["diff", str(spec), "-o", out, "--format", "json"], True),
        (["explain", str(spec), "--format", "json"], True),
        (["explain", str(spec), "user:admin@example.com"], False),
    ):
        _assert_clean(*_main(argv), json_out=json_out)


EXPORT: dict[str, Any] = {
    "jenkins": {
        "securityRealm": {"jwtAuth": {"headerName": "X-Pomerium-Jwt-Assertion", "userClaimName": "email",
                                      "groupsClaimName": "groups", "groupsClaimSeparator": ",",
                                      "acceptedIssuer": "jenkins.example.com", "acceptedAudience": "jenkins.example.com",
                                      "jwksUrl": "https://jenkins.example.com/.well-known/pomerium/jwks.json",
                                      "leewaySeconds": 30, "allowVerificationFailures": False}},
        "authorizationStrategy": {"globalMatrix": {"entries": [
            {"user": {"name": "admin@example.com", "permissions": ["Overall/Administer"]}},
            {"group": {"name": "devs", "permissions": ["Overall/Read", "Job/Build"]}},
            {"userOrGroup": {"name": "either", "permissions": ["Overall/Read"]}}],
            "permissions": ["USER:Overall/Read:bob", "Job/Read:carol"]}},
    }
}
EXPORT_PATHS = [("jenkins",), ("jenkins", "securityRealm"), ("jenkins", "securityRealm", "jwtAuth"),
                ("jenkins", "securityRealm", "jwtAuth", "leewaySeconds"), ("jenkins", "securityRealm", "jwtAuth", "acceptedIssuer"),
                ("jenkins", "securityRealm", "jwtAuth", "headerName"), ("jenkins", "securityRealm", "jwtAuth", "allowVerificationFailures"),
                ("jenkins", "authorizationStrategy"), ("jenkins", "authorizationStrategy", "globalMatrix"),
                ("jenkins", "authorizationStrategy", "globalMatrix", "entries"),
                ("jenkins", "authorizationStrategy", "globalMatrix", "entries", 0),
                ("jenkins", "authorizationStrategy", "globalMatrix", "entries", 0, "user"),
                ("jenkins", "authorizationStrategy", "globalMatrix", "entries", 0, "user", "permissions"),
                ("jenkins", "authorizationStrategy", "globalMatrix", "entries", 1, "group", "name"),
                ("jenkins", "authorizationStrategy", "globalMatrix", "permissions"),
                ("jenkins", "authorizationStrategy", "globalMatrix", "permissions", 0)]


@st.composite
def export_texts(draw: Any) -> str:
    doc: Any = EXPORT
    for _ in range(draw(st.integers(1, 3))):
        doc = _set(doc, draw(st.sampled_from(EXPORT_PATHS)), draw(values))
    try:
        return _dump(doc) + draw(st.sampled_from(["", "\nx: &a [1, *a]\n", "\ny: !!binary aGVsbG8=\n", "\n---\n{}\n"]))
    except (yaml.YAMLError, UnicodeEncodeError, ValueError):
        return "jenkins: {}\n"


@SETTINGS
@given(text=export_texts())
def test_hostile_exports_never_end_in_a_traceback(tmp_path_factory: Any, text: str) -> None:
    """`import --from-export` in-process; the live path's reader (`parse_export`) and the
    semantic diff on the same documents."""
    from jcasc_gen.client import JenkinsError
    from jcasc_gen.diffing import semantic_changes

    tmp = tmp_path_factory.mktemp("export")
    export = tmp / "export.yaml"
    export.write_text(text, encoding="utf-8", errors="surrogatepass")
    for fmt in ("text", "json"):
        _assert_clean(*_main(["import", "--from-export", str(export), "--jenkins-url", "https://jenkins.example.com",
                              "--format", fmt]), json_out=fmt == "json")
    try:
        live = parse_export(text)
    except JenkinsError:
        return
    semantic_changes(live, EXPORT)  # `diff --live` and `plan` compare like this
    semantic_changes(EXPORT, live)


def test_the_examples_from_the_issue(tmp_path: pathlib.Path) -> None:
    """`.nan` in a policy, a 5,000-digit pin, `permissions: 5` in an export."""
    spec = tmp_path / "spec.yaml"
    base = _dump(BASE)
    for text in (base.replace("a@example.com", ".nan"), base.replace("3.2.8", "9" * 5000)):
        spec.write_text(text, encoding="utf-8")
        for argv in (["validate", str(spec)], ["generate", str(spec), "-o", str(tmp_path / "out")]):
            code, out, err = _main(argv)
            _assert_clean(code, out, err, json_out=False)
            assert code == 2
    export = tmp_path / "export.yaml"
    bad = json.loads(json.dumps(EXPORT))
    bad["jenkins"]["authorizationStrategy"]["globalMatrix"]["entries"][0]["user"]["permissions"] = 5
    export.write_text(_dump(bad), encoding="utf-8")
    code, out, err = _main(["import", "--from-export", str(export), "--jenkins-url", "https://jenkins.example.com"])
    _assert_clean(code, out, err, json_out=False)
    assert code == 2 and "permissions" in err


def test_a_bug_is_one_line_never_a_traceback(monkeypatch: Any, tmp_path: pathlib.Path) -> None:
    """The last resort in main(): an exception no command expected is reported in one line
    (exit 2), so even a bug does not print a traceback to the user."""
    from jcasc_gen.commands import validate

    def broken(args: Any) -> int:
        raise RuntimeError("boom")

    monkeypatch.setattr(validate, "run", broken)
    code, out, err = _main(["validate", str(tmp_path / "x.yaml")])
    assert code == 2 and out == ""
    assert err == "jcasc-gen: internal error in `validate`: RuntimeError: boom (a bug: please report it)\n"

"""Property-based: whatever names, claims and URLs a user writes survive generation exactly.

Specs are written with yaml.safe_dump, so the spec file itself holds exactly the intended
strings; the generated files must parse back to the same strings (JCasC: `${` as `^${`),
with no extra keys. Names with control characters are rejected (exit 2), never emitted.
"""

from __future__ import annotations

import json
import pathlib
import re
import unicodedata
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from jcasc_gen.exitcodes import ExitCode
from jcasc_gen.jcasc import JWT_ATTRIBUTES
from jcasc_gen.model import load_spec
from jcasc_gen.names import fold, unsafe_characters
from jcasc_gen.outputs import prepare

from tests.jenkins_sim.pomerium import go_hostname

from ._cli import run, tree

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# YAML-significant text that must come out unchanged.
TRICKY = ["yes", "no", "null", "~", "true", "0.30", "1e3", "0x1F", "${X}", "^${X}", "$${X}", "#x", " x", "x ",
          "- x", "? x", ": x", "x: y", "[x]", "{x}", "&a", "*a", "!t", "|", ">", "'", '"', "%x", "@x", "`x`",
          "x #y", "\\", "\\n", "é", "𝒜", "ｚ", "=", "<<"]


# What the tool must reject in a name (control, format and invisible characters, lone
# surrogates, separators: `names.unsafe_characters`, tested on its own in test_names.py) is left
# out; everything else is a legal name character.
chars = st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp", "Cf", "Co")).filter(lambda c: not unsafe_characters(c))
text = st.one_of(st.sampled_from(TRICKY), st.text(chars, min_size=1, max_size=20),
                 st.builds(lambda a, b: a + b, st.sampled_from(TRICKY), st.text(chars, max_size=8)))
RESERVED = {"authenticated", "anonymous", "role_everyone", "admin@example.com"}
names = st.lists(text.filter(lambda s: fold(s) not in RESERVED and s.strip() != ""), min_size=1, max_size=6,
                 unique_by=fold)
url_chars = st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp", "Zs"), blacklist_characters="/?#[]@\\")
hosts = st.text(url_chars, min_size=1, max_size=15).filter(lambda h: ":" not in h and h.strip() == h)
paths = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp", "Zs")), max_size=15)


def _spec(**over: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "version": 1,
        "jenkins": {"url": "https://jenkins.example.com"},
        "pomerium": {
            "authenticate_url": "https://authenticate.example.com",
            "idp": {"provider": "google", "client_id": {"env": "IDP_CLIENT_ID"}, "client_secret": {"env": "IDP_CLIENT_SECRET"}},
            "signing_key": {"env": "POMERIUM_SIGNING_KEY"},
        },
        "authorization": {"grants": [{"user": "admin@example.com", "permissions": ["Overall/Administer"]}]},
    }
    spec.update(over)
    return spec


class _QuotingDumper(yaml.SafeDumper):
    """Every string double-quoted, as a careful author writes one: a plain `1e3` or `NO` is read
    differently by Pomerium (YAML 1.2) and refused (tests/generator/test_values.py holds that)."""


_QuotingDumper.add_representer(str, lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"'))


def _generate(tmp: pathlib.Path, spec: dict[str, Any]) -> dict[str, Any]:
    path = tmp / "spec.yaml"
    path.write_text(yaml.dump(spec, Dumper=_QuotingDumper, allow_unicode=True, sort_keys=False), encoding="utf-8")
    gen = prepare(load_spec(path))
    assert not gen.failed, [d.format() for d in gen.diagnostics]
    return {name: yaml.safe_load(text) for name, text in gen.files.items() if name.endswith(".yaml")}


def _jcasc(value: str) -> str:
    return value.replace("${", "^${")


@SETTINGS
@given(names=names, kind=st.sampled_from(["user", "group", "user_or_group"]))
def test_principal_names_survive(tmp_path: pathlib.Path, names: list[str], kind: str) -> None:
    grants = [{"user": "admin@example.com", "permissions": ["Overall/Administer"]}]
    grants += [{kind: n, "permissions": ["Overall/Read"]} for n in names]
    out = _generate(tmp_path, _spec(authorization={"grants": grants}))
    doc = out["jenkins.yaml"]
    assert list(doc) == ["jenkins"] and sorted(doc["jenkins"]) == ["authorizationStrategy", "securityRealm"]
    entries = doc["jenkins"]["authorizationStrategy"]["globalMatrix"]["entries"]
    key = {"user": "user", "group": "group", "user_or_group": "userOrGroup"}[kind]
    got = []
    for e in entries:
        (k, body), = e.items()
        assert sorted(body) == ["name", "permissions"]
        if body["name"] != "admin@example.com" or k != "user":
            assert k == key
            got.append(body["name"])
    assert sorted(got) == sorted(_jcasc(n) for n in names)


@SETTINGS
@given(claims=st.lists(text.filter(lambda s: s.strip() == s and s != "" and "," not in s), min_size=7, max_size=7))
def test_claim_names_and_realm_strings_survive(tmp_path: pathlib.Path, claims: list[str]) -> None:
    header, user, groups, sep, email, full, issuer = claims
    # Without `pomerium:`: behind Pomerium, claim names it does not send are lint errors (JG022-JG024).
    jwt = {"header": header, "username_claim": user, "groups_claim": groups, "groups_separator": sep,
           "email_claim": email, "full_name_claim": full, "issuers": [issuer, "jenkins.example.com"],
           "audiences": [issuer], "jwks_url": "https://idp.example.com/jwks.json"}
    spec = _spec(jwt=jwt)
    del spec["pomerium"]
    realm = _generate(tmp_path, spec)["jenkins.yaml"]["jenkins"]["securityRealm"]["jwtAuth"]
    assert tuple(sorted(realm)) == JWT_ATTRIBUTES
    assert realm["headerName"] == _jcasc(header)
    assert realm["userClaimName"] == _jcasc(user)
    assert realm["groupsClaimName"] == _jcasc(groups)
    assert realm["groupsClaimSeparator"] == _jcasc(sep)
    assert realm["emailClaimName"] == _jcasc(email)
    assert realm["fullNameClaim"] == _jcasc(full)
    assert realm["acceptedIssuer"] == _jcasc(issuer) + ",jenkins.example.com"
    assert realm["acceptedAudience"] == _jcasc(issuer)


@SETTINGS
@given(host=hosts, path=paths, claim=text)
@example(host="0", path="?", claim="yes")  # an empty query: the route's from keeps it as written
def test_urls_and_policy_values_survive(tmp_path: pathlib.Path, host: str, path: str, claim: str) -> None:
    url = f"https://{host}/{path}"
    checked = tmp_path / "check.yaml"
    checked.write_text(yaml.safe_dump(_spec(jenkins={"url": url}), allow_unicode=True), encoding="utf-8")
    verdict = run(["validate", str(checked)])
    if verdict.code != ExitCode.OK:
        # a host no Pomerium route can have: a clean located error, never a traceback
        assert verdict.code == ExitCode.USAGE and "jenkins.url" in verdict.err and "Traceback" not in verdict.err
        return
    parsed_host = urlsplit(url).hostname
    assert parsed_host
    policy = [{"allow": {"or": [{"claim/groups": claim}, {"email": {"is": claim}}]}}]
    spec = _spec(jenkins={"url": url, "upstream": f"http://{host}:8080/{path}"})
    spec["pomerium"]["policy"] = policy
    spec["pomerium"]["verify_url"] = f"https://verify.{host}/"
    spec["jwt"] = {"issuers": [parsed_host], "skip_certificate_check": False}
    out = _generate(tmp_path, spec)
    pom = out["pomerium/config.yaml"]
    # the route is the URL, its host lower-cased: Pomerium up to 0.21 sends the host of `from` as
    # written as the audience, which jwt-auth compares exactly with the lower-cased host
    assert pom["routes"][0]["from"].lower() == url.lower()
    assert go_hostname(pom["routes"][0]["from"]) == parsed_host
    assert pom["routes"][0]["to"] == f"http://{host}:8080/{path}"
    # the Jenkins route denies JCasC's token reload before the spec's rules, kept as written
    deny = {"deny": {"or": [{"http_path": {"contains": "/reload-configuration-as-code"}}, {"http_path": {"is": ""}}]}}
    assert pom["routes"][0]["policy"] == [deny, *policy] and pom["routes"][1]["policy"] == policy
    assert pom["routes"][1]["from"] == f"https://verify.{host}/"
    realm = out["jenkins.yaml"]["jenkins"]["securityRealm"]["jwtAuth"]
    assert realm["acceptedAudience"] == _jcasc(parsed_host)
    assert realm["jwksUrl"].startswith("https://") and realm["jwksUrl"].endswith("/.well-known/pomerium/jwks.json")


def _yaml_escaped(value: str) -> str:
    """`value` as a YAML double-quoted scalar with every character outside printable ASCII
    escaped: a raw line break in the file would be folded by YAML itself (into a space), and
    characters like U+FFFE cannot appear raw in a YAML stream at all."""
    out = []
    for c in value:
        if c in '"\\':
            out.append("\\" + c)
        elif 0x20 <= ord(c) < 0x7F:
            out.append(c)
        else:
            out.append(f"\\U{ord(c):08x}")
    return '"' + "".join(out) + '"'


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(prefix=text, control=st.sampled_from(["\n", "\r", "\t", "\x00", "\x1b", "\x7f", "\x85", "\u2028", "\u2029", "\r\n"]),
       suffix=st.text(chars, max_size=5), kind=st.sampled_from(["user", "group", "user_or_group"]))
def test_control_characters_are_rejected_never_emitted(tmp_path: pathlib.Path, prefix: str, control: str, suffix: str,
                                                       kind: str) -> None:
    name = prefix + control + suffix
    spec = _spec()
    spec["authorization"]["grants"].append({kind: "PLACEHOLDER", "permissions": ["Overall/Read"]})
    path = tmp_path / "spec.yaml"
    text = yaml.safe_dump(spec, allow_unicode=True).replace("PLACEHOLDER", _yaml_escaped(name))
    path.write_text(text, encoding="utf-8")
    name_line = next(i for i, ln in enumerate(text.splitlines(), 1) if _yaml_escaped(name) in ln)
    assert yaml.safe_load(path.read_text(encoding="utf-8"))["authorization"]["grants"][1][kind] == name
    out = tmp_path / "out"
    result = run(["generate", str(path), "-o", str(out)])
    assert result.code == ExitCode.USAGE, result.err
    assert tree(out) == {}
    # The one error is the name's, located at it, and it does not repeat the name (the raw
    # control character would break the log line); other text may well contain `r\n`.
    report = run(["validate", "--format", "json", str(path)])
    assert report.code == ExitCode.USAGE
    diags = json.loads(report.out)["diagnostics"]
    assert [(d["path"], d["severity"], d["message"]) for d in diags] == [
        (f"authorization.grants[1].{kind}", "error", "a principal name must not contain control characters")]
    assert diags[0]["line"] == name_line
    assert not any(c in result.err for c in control if c != "\n")
    assert result.err.splitlines()[0] == (f"{path}:{name_line}:{diags[0]['col']}: authorization.grants[1].{kind}: "
                                          "a principal name must not contain control characters")


@pytest.mark.parametrize("bad", ["https://[x", "https://user:pw@jenkins.example.com", "https://h:99999", "https://:80"])
def test_unusable_urls_are_errors_not_tracebacks(tmp_path: pathlib.Path, bad: str) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(_spec(jenkins={"url": bad})), encoding="utf-8")
    result = run(["validate", str(path)])
    assert result.code == ExitCode.USAGE
    assert "jenkins.url" in result.err and "Traceback" not in result.err
    assert "pw" not in result.err or "user:pw" not in result.err

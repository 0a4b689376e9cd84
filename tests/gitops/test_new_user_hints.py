"""Hints a new user met that pointed the wrong way (issue 9 item 14): each message names options
the command really has, and the values that explain the failure."""

from __future__ import annotations

import json
import pathlib
import re

import pytest

from jcasc_gen.cli import main

from .conftest import SPEC

API_TOKEN = "canary-token-0f3b9d"


def _jwt_jenkins(jenkins_sim_factory, pomerium_side, *, issuer: str):  # type: ignore[no-untyped-def]
    """A Jenkins already on jwt-auth, whose realm accepts `issuer`, with an administrator."""
    from tests.jenkins_sim import JwtRealm, Strategy

    strategy = Strategy(kind="globalMatrix")
    strategy.add("USER", "alice@corp.example.com", "Overall/Administer")
    realm = JwtRealm(headerName="X-Pomerium-Jwt-Assertion", jwksUrl=pomerium_side.jwks_url, acceptedIssuer=issuer,
                     acceptedAudience="jenkins.corp.example.com", userClaimName="email", groupsClaimName="groups",
                     groupsClaimSeparator=",", emailClaimName="email", fullNameClaim="name", leewaySeconds=30)
    return jenkins_sim_factory(security_realm=realm, authorization=strategy, users={"admin": API_TOKEN})


def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("JENKINS_URL", "JENKINS_JWT", "JENKINS_USER_ID", "JENKINS_API_TOKEN"):
        monkeypatch.delenv(var, raising=False)


def test_import_suggests_only_options_import_has(jenkins_sim_factory, pomerium_side, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _clean_env(monkeypatch)
    sim = _jwt_jenkins(jenkins_sim_factory, pomerium_side, issuer="jenkins.corp.example.com")
    code = main(["import", "--url", sim.url, "--user", "admin", "--token", API_TOKEN])
    err = capsys.readouterr().err
    assert code == 3
    hint = next(line for line in err.splitlines() if "hint:" in line)
    assert "--jwt (or JENKINS_JWT)" in hint
    options = set(re.findall(r"--[a-z-]+", hint))
    import argparse

    from jcasc_gen.commands import import_spec

    parser = argparse.ArgumentParser()
    import_spec.add_arguments(parser)
    assert options <= {o for a in parser._actions for o in a.option_strings}, options


def test_diff_live_json_names_the_url_from_jenkins_url(jenkins_sim_factory, pomerium_side, tmp_path: pathlib.Path,  # type: ignore[no-untyped-def]
                                                       capsys, monkeypatch) -> None:
    _clean_env(monkeypatch)
    sim = _jwt_jenkins(jenkins_sim_factory, pomerium_side, issuer="jenkins.corp.example.com")
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC.replace("authorization:", f"jwt:\n  jwks_url: {pomerium_side.jwks_url}\nauthorization:", 1))
    token = pomerium_side.mint("alice@corp.example.com", [], route_host="jenkins.corp.example.com")
    monkeypatch.setenv("JENKINS_URL", sim.url)
    monkeypatch.setenv("JENKINS_JWT", token)
    main(["diff", str(spec), "--live", "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert out["against"] == "live" and out["url"] == sim.url


def test_a_realm_with_another_issuer_is_explained_not_blamed_on_a_missing_key(  # type: ignore[no-untyped-def]
        jenkins_sim_factory, pomerium_side, tmp_path: pathlib.Path, capsys, monkeypatch) -> None:
    """The live realm still accepts what an older Pomerium sent; the spec (0.33) mints the route
    host. plan must say which values the token had and which the spec's realm accepts, not
    `pass --signing-key-file` (it was passed)."""
    _clean_env(monkeypatch)
    sim = _jwt_jenkins(jenkins_sim_factory, pomerium_side, issuer="authenticate.corp.example.com")
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC.replace("authorization:", f"jwt:\n  jwks_url: {pomerium_side.jwks_url}\nauthorization:", 1))
    key = tmp_path / "key.pem"
    key.write_text(pomerium_side.private_key_pem)
    code = main(["plan", str(spec), "--url", sim.url, "--signing-key-file", str(key), "--as", "alice@corp.example.com"])
    err = capsys.readouterr().err
    assert code == 3
    assert "iss 'jenkins.corp.example.com' and aud 'jenkins.corp.example.com'" in err
    # since issue 11: the spec's realm would accept them, the live one accepts what it names, and
    # the hint is the flag that moves it
    assert "(the spec's realm accepts them)" in err
    assert "accepts issuers ['authenticate.corp.example.com'] and audiences ['jenkins.corp.example.com']" in err
    assert "add --current-issuer authenticate.corp.example.com" in err and "pass --signing-key-file" not in err
    code = main(["apply", str(spec), "--url", sim.url, "--signing-key-file", str(key), "--as", "alice@corp.example.com", "--yes"])
    err = capsys.readouterr().err
    assert code == 3 and "iss 'jenkins.corp.example.com'" in err and "add --current-issuer authenticate.corp.example.com" in err


def test_warnings_do_not_stop_generate_unless_strict(tmp_path: pathlib.Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """docs/spec.md says so; it used to say the opposite."""
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC.replace("authorization:", "jwt:\n  skip_certificate_check: true\nauthorization:", 1))
    assert main(["generate", str(spec), "-o", str(tmp_path / "out")]) == 0
    assert "warning: [JG007]" in capsys.readouterr().err
    assert (tmp_path / "out" / "jenkins.yaml").is_file()
    assert main(["generate", str(spec), "-o", str(tmp_path / "strict"), "--strict"]) == 2
    assert not (tmp_path / "strict").exists()
    doc = (pathlib.Path(__file__).resolve().parents[2] / "docs" / "spec.md").read_text(encoding="utf-8")
    assert "Errors stop `generate`; warnings are\nprinted and do not, unless `--strict` is given" in doc

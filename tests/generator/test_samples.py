"""samples/: each sample is valid under --strict and generates; the guide's sample yields the
guide's whole configuration; large-org.yaml is what its script writes."""

from __future__ import annotations

import importlib.util
import pathlib

import pytest
import yaml

from jcasc_gen.exitcodes import ExitCode

from ._cli import REPO, run, tree

SAMPLES = REPO / "samples"


@pytest.mark.parametrize("name", ["pomerium-jenkins.yaml", "minimal.yaml", "large-org.yaml", "team-folders.yaml", "try-it.yaml"])
def test_sample_is_clean_and_generates(name: str, tmp_path: pathlib.Path) -> None:
    r = run(["lint", str(SAMPLES / name), "--strict"])
    assert r.code == ExitCode.OK, r.err
    out = tmp_path / "out"
    g = run(["generate", str(SAMPLES / name), "-o", str(out), "--strict"])
    assert g.code == ExitCode.OK and g.err == "", g.err
    assert {"jenkins.yaml", "plugins.txt", "plugins.yaml", "pomerium/config.yaml"} <= set(tree(out))


def test_guide_sample_gives_the_guides_whole_configuration(tmp_path: pathlib.Path) -> None:
    out = tmp_path / "out"
    assert run(["generate", str(SAMPLES / "pomerium-jenkins.yaml"), "-o", str(out)]).code == ExitCode.OK
    files = tree(out)
    assert {"docker-compose.yaml", "jenkins/Dockerfile"} <= set(files)
    jenkins = yaml.safe_load(files["jenkins.yaml"])["jenkins"]
    realm = jenkins["securityRealm"]["jwtAuth"]
    # the guide's form, with today's issuer (the route host)
    assert realm["headerName"] == "X-Pomerium-Jwt-Assertion"
    assert realm["acceptedIssuer"] == realm["acceptedAudience"] == "jenkins.localhost.pomerium.io"
    assert realm["jwksUrl"] == "https://jenkins.localhost.pomerium.io/.well-known/pomerium/jwks.json"
    assert (realm["userClaimName"], realm["groupsClaimName"], realm["groupsClaimSeparator"]) == ("email", "groups", ",")
    entries = jenkins["authorizationStrategy"]["globalMatrix"]["entries"]
    assert {"user": {"name": "you@example.com", "permissions": ["Overall/Administer"]}} in entries
    assert not [e for e in entries if "anonymous" in str(e)]  # the guide's anonymous-admin trap is gone
    plugins = files["plugins.txt"].decode().splitlines()[1:]
    assert [p.split(":")[0] for p in plugins] == ["configuration-as-code", "jwt-auth", "matrix-auth"]
    pomerium = yaml.safe_load(files["pomerium/config.yaml"])
    routes = {r["from"]: r for r in pomerium["routes"]}
    assert routes["https://jenkins.localhost.pomerium.io"]["to"] == "http://jenkins:8080"
    assert routes["https://verify.localhost.pomerium.io"]["to"] == "http://verify:8000"
    assert all(r["pass_identity_headers"] is True for r in routes.values())


def test_large_org_is_what_its_script_writes() -> None:
    spec = importlib.util.spec_from_file_location("make_large_org", SAMPLES / "make_large_org.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text = (SAMPLES / "large-org.yaml").read_text(encoding="utf-8")
    assert text == module.spec_text(), "run `python samples/make_large_org.py` and commit the result"
    data = yaml.safe_load(text)["authorization"]
    assert len(data["roles"]) >= 80
    assert len({g["group"] for g in data["grants"] if "group" in g}) >= 300


def test_guide_sample_comment_names_the_folder_generate_writes() -> None:
    from jcasc_gen.model import load_spec

    text = (SAMPLES / "pomerium-jenkins.yaml").read_text(encoding="utf-8")
    spec = load_spec(SAMPLES / "pomerium-jenkins.yaml").spec
    assert pathlib.Path(spec.output.dir) == REPO / "generated"
    assert "-> generated/ at the repository's top" in text and "samples/generated" not in text


def test_team_folders_sample_gives_each_team_its_folder(tmp_path: pathlib.Path) -> None:
    """samples/team-folders.yaml: items.yaml has the three team folders and the deploy job,
    cloudbees-folder is in the plugin lists, and explain agrees that a team member sees only
    their own folder."""
    import json

    out = tmp_path / "out"
    assert run(["generate", str(SAMPLES / "team-folders.yaml"), "-o", str(out), "--strict"]).code == ExitCode.OK
    files = tree(out)
    items = yaml.safe_load(files["items.yaml"])["items"]
    assert [i["path"] for i in items] == ["team-payments", "team-payments/deploy", "team-search", "team-web"]
    assert "projectMatrix" in yaml.safe_load(files["jenkins.yaml"])["jenkins"]["authorizationStrategy"]
    assert any(line.startswith("cloudbees-folder:") for line in files["plugins.txt"].decode().splitlines())
    r = run(["explain", str(SAMPLES / "team-folders.yaml"), "dev@corp.example.com", "-g", "team-search", "--format", "json"])
    seen = {i["path"]: i["visible"] for i in json.loads(r.out)["items"]}
    assert seen == {"team-payments": False, "team-payments/deploy": False, "team-search": True, "team-web": False}

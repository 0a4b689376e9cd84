"""docs/fleet.md stays true: its example spec is valid, the messages it shows are the ones the
tool prints for the edits it describes, its commands exist, and every controller variable it
documents is one the tool reads."""

from __future__ import annotations

import pathlib
import re
import shlex

from jcasc_gen.cli import build_parser
from jcasc_gen.commands._fleet_live import CONTROLLER_VARIABLES
from jcasc_gen.exitcodes import ExitCode
from tests.generator._cli import REPO, run

DOC = (REPO / "docs" / "fleet.md").read_text(encoding="utf-8")


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", DOC, re.S)


def _example(tmp: pathlib.Path, *edits: tuple[str, str]) -> pathlib.Path:
    text = _blocks("yaml")[0]
    for old, new in edits:
        assert old in text
        text = text.replace(old, new)
    path = tmp / "fleet.yaml"
    path.write_text(text)
    return path


def test_the_example_spec_is_valid(tmp_path: pathlib.Path) -> None:
    r = run(["lint", "--strict", "fleet.yaml"], cwd=_example(tmp_path).parent)
    assert r.code == ExitCode.OK, r.err


def test_the_messages_shown_are_what_the_tool_prints(tmp_path: pathlib.Path) -> None:
    shown = [b for b in re.findall(r"  ```\n(.*?)  ```", DOC, re.S)]
    typos = _example(tmp_path, ("admin: [Overall/Administer]", "admin: [Overall/Administr]"),
                     ("permissions: [Overall/Read, Job/Build]", "permissions: [Overall/Read, Job/Bild]"))
    r = run(["validate", "fleet.yaml"], cwd=typos.parent)
    assert r.code == ExitCode.USAGE
    assert r.err.splitlines()[:-1] == [line[2:] for line in shown[0].splitlines()]
    empty = _example(tmp_path, ("auditor: [Overall/Read, Job/Read]     # redefined: no replays on production", "auditor: []"))
    r = run(["validate", "fleet.yaml"], cwd=empty.parent)
    assert r.err.splitlines()[0] == shown[1].strip()


def test_the_commands_shown_exist() -> None:
    parser = build_parser()
    lines = [line for block in _blocks("sh") for line in block.splitlines() if line.startswith("jcasc-gen ")]
    assert lines
    for line in lines:
        parser.parse_args(shlex.split(line)[1:])


def test_every_controller_variable_is_documented() -> None:
    for suffix in CONTROLLER_VARIABLES:
        assert f"`JCASC_GEN_<NAME>_{suffix}`" in DOC


def test_every_documented_controller_variable_is_read() -> None:
    import argparse

    from jcasc_gen.commands._fleet_live import controller_arguments

    base = argparse.Namespace(url=None, user="shared", token="shared-token", jwt=None, jwt_file="shared.jwt",
                              signing_key_file="shared.pem", current_issuer=["shared.example.com"], current_audience=[],
                              current_header=None)
    env = {"JCASC_GEN_EU_WEST_USER_ID": "u", "JCASC_GEN_EU_WEST_API_TOKEN": "t", "JCASC_GEN_EU_WEST_JWT": "j",
           "JCASC_GEN_EU_WEST_SIGNING_KEY_FILE": "k.pem", "JCASC_GEN_EU_WEST_CURRENT_ISSUER": "old-eu.example.com",
           "JCASC_GEN_EU_WEST_CURRENT_AUDIENCE": "old-eu.example.com,eu.example.com",
           "JCASC_GEN_EU_WEST_CURRENT_HEADER": "X-Old", "JCASC_GEN_OTHER_JWT": "not mine"}
    assert {f"JCASC_GEN_EU_WEST_{s}" for s in CONTROLLER_VARIABLES} == {k for k in env if "EU_WEST" in k}
    mine, mine_env, names = controller_arguments(base, "eu-west", "http://eu:8080/", env)
    assert (mine.url, mine.user, mine.token, mine.jwt, mine.jwt_file, mine.signing_key_file) == (
        "http://eu:8080/", None, None, None, None, "k.pem")
    assert (mine_env["JENKINS_USER_ID"], mine_env["JENKINS_API_TOKEN"], mine_env["JENKINS_JWT"]) == ("u", "t", "j")
    assert (mine.current_issuer, mine.current_audience, mine.current_header) == (
        ["old-eu.example.com"], ["old-eu.example.com,eu.example.com"], "X-Old")
    assert names["current_audiences"] == "JCASC_GEN_EU_WEST_CURRENT_AUDIENCE"
    # messages about these values name the controller's variables, not the usual ones
    assert (names["user"], names["token"], names["jwt"]) == ("JCASC_GEN_EU_WEST_USER_ID", "JCASC_GEN_EU_WEST_API_TOKEN",
                                                             "JCASC_GEN_EU_WEST_JWT")
    other, other_env, _ = controller_arguments(base, "other-x", "http://o:8080/", env)  # nothing of its own: the shared values
    assert (other.user, other.token, other.jwt_file, other.signing_key_file) == ("shared", "shared-token", "shared.jwt", "shared.pem")
    assert other.current_issuer == ["shared.example.com"]
    assert "JENKINS_USER_ID" not in other_env
    assert base.url is None and base.user == "shared" and "JENKINS_JWT" not in env  # nothing shared is changed

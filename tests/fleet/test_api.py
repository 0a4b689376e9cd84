"""The Python API and controllers: `load(..., controller=NAME)` gives that controller's spec,
which lint, generate and Jenkins(...) take like any other; without the name a spec with
several controllers is refused."""

from __future__ import annotations

import pathlib

import pytest

import jcasc_gen
from jcasc_gen.exitcodes import ExitCode
from tests.generator._cli import REPO, run, tree

SAMPLE = REPO / "samples" / "fleet.yaml"


def test_a_controller_loads_as_a_spec_and_generates_what_the_command_writes(tmp_path: pathlib.Path) -> None:
    spec = jcasc_gen.load(SAMPLE, controller="staging")
    assert spec.controller == "staging" and spec.jenkins_url == "https://jenkins-staging.corp.example.com"
    assert pathlib.Path(spec.output_dir) == REPO / "generated" / "fleet" / "staging"
    assert "controller='staging'" in repr(spec)
    out = tmp_path / "out"
    assert run(["generate", str(SAMPLE), "-o", str(out)]).code == ExitCode.OK
    written = {rel.split("/", 1)[1]: text for rel, text in tree(out).items() if rel.startswith("staging/")}
    assert {rel: text.encode() for rel, text in jcasc_gen.generate(spec).items()} == written
    assert jcasc_gen.load(SAMPLE, controller="prod", output_dir=tmp_path / "p").output_dir == str(tmp_path / "p")


def test_a_spec_with_controllers_needs_the_name() -> None:
    with pytest.raises(jcasc_gen.SpecError) as exc:
        jcasc_gen.load(SAMPLE)
    assert "defines 3 controllers (prod, staging, team-data); name the one to use" in str(exc.value)
    assert "controller=" in str(exc.value)
    with pytest.raises(jcasc_gen.SpecError) as exc:
        jcasc_gen.load(SAMPLE, controller="stagin")
    assert exc.value.diagnostics[0].hint is not None and "did you mean 'staging'?" in exc.value.diagnostics[0].hint


def test_a_spec_without_controllers_has_no_controller() -> None:
    spec = jcasc_gen.load(REPO / "samples" / "minimal.yaml")
    assert spec.controller is None
    with pytest.raises(jcasc_gen.SpecError):
        jcasc_gen.load(REPO / "samples" / "minimal.yaml", controller="prod")


def test_diagnostics_name_their_controllers() -> None:
    text = SAMPLE.read_text().replace("admin: [Overall/Administer]", "admin: [Overall/Administr]")
    with pytest.raises(jcasc_gen.SpecError) as exc:
        jcasc_gen.load(text, controller="prod")
    assert [d.controllers for d in exc.value.diagnostics] == [("prod",)]
    assert exc.value.diagnostics[0].to_json()["controllers"] == ["prod"]

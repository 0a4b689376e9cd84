"""The starter spec's modeline points at a schema that travels with the spec (committed beside it)."""

from __future__ import annotations

import json
import pathlib
import re

import jsonschema
import pytest
import yaml

from jcasc_gen.cli import main


def test_init_writes_spec_and_schema_the_modeline_resolves(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "ci" / "jenkins.yaml"
    spec.parent.mkdir()
    assert main(["init", str(spec)]) == 0
    first = spec.read_text().splitlines()[0]
    m = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
    assert m, first
    schema_path = (spec.parent / m.group(1)).resolve()
    assert schema_path == (spec.parent / "jcasc-gen.schema.json").resolve()
    schema = json.loads(schema_path.read_text())
    jsonschema.validate(yaml.safe_load(spec.read_text()), schema)  # what an editor checks
    assert main(["validate", str(spec)]) == 0
    capsys.readouterr()
    # twice: the spec is never overwritten; the schema can be refreshed on its own
    assert main(["init", str(spec)]) == 2
    schema_path.write_text("{}")
    assert main(["init", "--schema", str(spec)]) == 0
    assert json.loads(schema_path.read_text()) == schema
    assert main(["init", "--schema", str(spec)]) == 0
    assert "up to date" in capsys.readouterr().out


def test_init_no_schema(tmp_path: pathlib.Path) -> None:
    assert main(["init", str(tmp_path / "s.yaml"), "--no-schema"]) == 0
    assert not (tmp_path / "jcasc-gen.schema.json").exists()


def test_starter_spec_points_at_the_spec_reference_that_exists(tmp_path: pathlib.Path) -> None:
    spec = tmp_path / "s.yaml"
    assert main(["init", str(spec), "--no-schema"]) == 0
    text = spec.read_text()
    assert "docs/spec.md" in text and "README" not in text
    repo = pathlib.Path(__file__).resolve().parents[2]
    assert (repo / "docs" / "spec.md").is_file()
    # the starter names an exact Pomerium release, so no JG020 info asks for one
    assert main(["lint", str(spec)]) == 0
    assert yaml.safe_load(text)["pomerium"]["version"] == "0.33.1"

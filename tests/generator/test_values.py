"""Values that reach other tools' syntax (issue 10, class 9): plugin versions (jenkins-plugin-cli),
`{file: PATH}` secret paths (Pomerium options, compose bind mounts and comments), and Pomerium
policy values (YAML 1.2 in Pomerium, YAML 1.1 in the spec).

Each consumer is emulated here from its own source, independently of the product: a value is
either refused with a located error, or the consumer reads exactly what the spec says.
"""

from __future__ import annotations

import datetime
import json
import math
import pathlib
import re
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from jcasc_gen.exitcodes import ExitCode

from ._cli import run

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _spec(**over: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "version": 1,
        "jenkins": {"url": "https://jenkins.example.com"},
        "pomerium": {"authenticate_url": "https://authenticate.example.com",
                     "idp": {"provider": "google", "client_id": {"env": "IDP_CLIENT_ID"}, "client_secret": {"env": "IDP_CLIENT_SECRET"}},
                     "signing_key": {"env": "POMERIUM_SIGNING_KEY"}},
        "authorization": {"grants": [{"user": "admin@example.com", "permissions": ["Overall/Administer"]}]},
    }
    spec.update(over)
    return spec


def _generate(tmp: pathlib.Path, spec: dict[str, Any] | str) -> tuple[Any, dict[str, str], list[dict[str, Any]]]:
    """(exit code, generated files, validate's diagnostics)."""
    path = tmp / "spec.yaml"
    path.write_text(spec if isinstance(spec, str) else yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    out = tmp / "out"
    result = run(["generate", str(path), "-o", str(out), "-q"])
    assert "Traceback" not in result.err
    files = {p.relative_to(out).as_posix(): p.read_text(encoding="utf-8") for p in out.rglob("*") if p.is_file()} if out.exists() else {}
    diags = json.loads(run(["validate", "--format", "json", str(path)]).out)["diagnostics"]
    return result.code, files, diags


# --- plugin versions: what jenkins-plugin-cli reads -------------------------------------------------


def _plugin_cli_txt(text: str) -> list[tuple[str, str, str | None]]:
    """plugin-installation-manager-tool@2.15.0 PluginListParser.parsePluginTxtFile (57-63) and
    parsePluginLine (149-175): (name, version, url) per line."""
    out = []
    for line in text.split("\n"):
        line = re.sub(r"\s#+.*", "", line)
        line = re.sub(r"\s", "", line)
        if not line or line.startswith("#"):
            continue
        parts = line.split(":", 2)
        version = parts[1] if len(parts) >= 2 else "latest"
        out.append((parts[0], version, parts[2] if len(parts) == 3 else None))
    return out


def _download_path(name: str, version: str) -> str:
    """PluginManager.getPluginDownloadUrl (1232-1263) with the default update centre."""
    return f"/download/plugins/{name}/{version}/{name}.hpi"


versions = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=14),
    st.sampled_from(["3.2.8", "5054.v620b_5d2b_d5e6", "1.0-beta-1", "0.3.0:https://evil.example/x.hpi", "1\t2", "1 #2", "1#2",
                     "latest", "experimental", "../../x", "1/2", "1?x=y", "1%2F", "incrementals;org.x;1", "9" * 5000,
                     "1.0+build.5", "v1", "1\n2"]),
)


@SETTINGS
@given(version=versions, where=st.sampled_from(["versions", "extra"]))
@example(version="0.3.0:https://evil.example/x.hpi", where="versions")
@example(version="1\t2", where="versions")
def test_plugin_versions_are_read_by_jenkins_plugin_cli_as_written(tmp_path_factory: pytest.TempPathFactory, version: str,
                                                                  where: str) -> None:
    tmp = tmp_path_factory.mktemp("pin")
    plugins: dict[str, Any] = ({"versions": {"matrix-auth": version}} if where == "versions"
                               else {"extra": [f"folder-auth:{version}"]})
    text = yaml.safe_dump(_spec(plugins=plugins), sort_keys=False)
    code, files, diags = _generate(tmp, text)
    name = "matrix-auth" if where == "versions" else "folder-auth"
    if code != ExitCode.OK:
        assert code == ExitCode.USAGE
        errors = [d for d in diags if d["severity"] == "error"]
        assert errors and all(d["line"] > 0 for d in errors)
        assert {d["path"] for d in errors} <= {"plugins.versions.matrix-auth", "plugins.extra[0]"}
        return
    lines = [p for p in _plugin_cli_txt(files["plugins.txt"]) if p[0] == name]
    assert lines == [(name, version, None)]
    path = _download_path(name, version)
    assert path.count("/") == 5 and "?" not in path and "#" not in path and "%" not in path and ".." not in path
    parsed = yaml.safe_load(files["plugins.yaml"])
    assert [p["source"]["version"] for p in parsed["plugins"] if p["artifactId"] == name] == [version]


# --- {file: PATH} ------------------------------------------------------------------------------------

paths = st.one_of(st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=20),
                  st.sampled_from(["/run/secrets/idp", "relative/secret", "/a:b/c", "/with space/x", "/x\n  evil: 1", "/x\ty",
                                   "/x\u200b", "/x\u2028y", " /lead", "/trail ", "C:\\secret", "/$HOME/x", "/${X}/y"]))


@SETTINGS
@given(path=paths)
@example(path="relative/x\nservices: {evil: {image: x}}")
def test_secret_file_paths_reach_pomerium_and_compose_as_written(tmp_path_factory: pytest.TempPathFactory, path: str) -> None:
    tmp = tmp_path_factory.mktemp("file")
    spec = _spec(output={"compose": True})
    spec["pomerium"]["idp"]["client_secret"] = {"file": path}
    code, files, diags = _generate(tmp, spec)
    if code != ExitCode.OK:
        assert code == ExitCode.USAGE
        assert [d["path"] for d in diags if d["severity"] == "error"] == ["pomerium.idp.client_secret.file"]
        return
    assert yaml.safe_load(files["pomerium/config.yaml"])["idp_client_secret_file"] == path
    compose_text = files["docker-compose.yaml"]
    compose = yaml.safe_load(compose_text)
    mounts = [v for v in compose["services"]["pomerium"]["volumes"] if isinstance(v, dict)]
    if path.startswith("/"):
        assert {"type": "bind", "source": path.replace("$", "$$"), "target": path.replace("$", "$$"), "read_only": True} in mounts
    else:
        notes = [ln for ln in compose_text.splitlines() if "NOTE: the secret file" in ln]
        assert len(notes) == 1 and notes[0].startswith("# NOTE")


# --- Pomerium policy values: YAML 1.1 here, YAML 1.2 (go-yaml v3) in Pomerium ---------------------------

# What go-yaml v3 decodes a plain scalar to, in interface{}: go-yaml/yaml@v3.0.1 decode_test.go
# (lines 45-84, 93-190) and resolve.go (resolveMap: only true/false/null words are special).
GO_YAML_V3 = {
    "hi": "hi", "true": True, "True": True, "TRUE": True, "false": False, "FALSE": False, "10": 10, "0b10": 2, "0xA": 10,
    "4294967296": 4294967296, "0.1": 0.1, ".1": 0.1, ".Inf": math.inf, "-.Inf": -math.inf, "-10": -10, "-.1": -0.1,
    "6.8523e+5": 6.8523e+5, "685.230_15e+03": 685.23015e+03, "685_230.15": 685230.15, "-.inf": -math.inf,
    "685230": 685230, "+685_230": 685230, "02472256": 685230, "-02472256": -685230, "0o2472256": 685230,
    "-0o2472256": -685230, "0x_0A_74_AE": 685230, "0b1010_0111_0100_1010_1110": 685230, "-0b101010": -42,
    "~": None, "null": None, "Null": None,
    # YAML 1.1 words are text in interface{} (the map holds only the 1.2 ones)
    "yes": "yes", "Yes": "Yes", "no": "no", "NO": "NO", "on": "on", "off": "off", "OFF": "OFF", "y": "y", "n": "n",
    "1:30": "1:30", "190:20:30": "190:20:30",
}
TRICKY_PLAIN = list(GO_YAML_V3) + [".nan", ".NaN", "1e3", "1.0e+3", "08", "0X1F", "99999999999999999999",
                                   "-9223372036854775809", "1.0e+999", "<<", "2024-01-01", "+.5", "0b", "1_", "_1", "0x"]


def _policy_text(value: str, *, as_key: bool) -> str:
    base = yaml.safe_dump(_spec(), sort_keys=False)
    if as_key:
        rule = f"    - allow: {{or: [{{{value}: x}}]}}\n"
    else:
        rule = f"    - allow: {{or: [{{claim/x: {value}}}]}}\n"
    return base.replace("  signing_key:", "  policy:\n" + rule + "  signing_key:", 1)


@pytest.mark.parametrize("value", TRICKY_PLAIN)
def test_policy_values_reach_pomerium_as_written_or_are_refused(tmp_path: pathlib.Path, value: str) -> None:
    code, files, diags = _generate(tmp_path, _policy_text(value, as_key=False))
    spec_reading = yaml.safe_load(f"v: {value}")["v"] if value != "<<" else "<<"
    if isinstance(spec_reading, datetime.date):
        spec_reading = value  # the spec keeps a date as the text written (and Pomerium gets it quoted)
    if code != ExitCode.OK:
        errors = [d for d in diags if d["severity"] == "error"]
        assert [d["path"] for d in errors] == ["pomerium.policy[0].allow.or[0].claim/x"], errors
        assert "quote it" in errors[0]["hint"] and errors[0]["line"] > 0
        if value in GO_YAML_V3:  # refused only where the readings differ (or it cannot be carried)
            go = GO_YAML_V3[value]
            assert type(go) is not type(spec_reading) or go != spec_reading or (isinstance(go, float) and math.isinf(go))
        return
    written = yaml.safe_load(files["pomerium/config.yaml"])["routes"][0]["policy"][-1]["allow"]["or"][0]["claim/x"]
    if value in GO_YAML_V3:
        # the generated file is quoted as needed, so Pomerium gets what it would have got from the value as written
        assert type(written) is type(GO_YAML_V3[value]) and written == GO_YAML_V3[value]
    assert type(written) is type(spec_reading) or isinstance(spec_reading, str)


@pytest.mark.parametrize("value", ["yes", "NO", "010", "1:30", "1e3", ".nan", "null", "true", "0o17"])
def test_policy_keys_are_kept_as_written(tmp_path: pathlib.Path, value: str) -> None:
    code, files, _ = _generate(tmp_path, _policy_text(value, as_key=True))
    assert code == ExitCode.OK
    rule = yaml.safe_load(files["pomerium/config.yaml"])["routes"][0]["policy"][-1]["allow"]["or"][0]
    assert list(rule) == [value]  # quoted in the output: a text key for every YAML reader


def test_aliased_policy_values_are_checked_where_they_are_used(tmp_path: pathlib.Path) -> None:
    text = _policy_text("&country NO}, {claim/y: *country", as_key=False)
    code, _, diags = _generate(tmp_path, text)
    assert code == ExitCode.USAGE
    assert [d["path"] for d in diags if d["severity"] == "error"] == ["pomerium.policy[0].allow.or[0].claim/x",
                                                                         "pomerium.policy[0].allow.or[1].claim/y"]

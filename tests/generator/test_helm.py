"""helm/values.yaml: what the Jenkins chart makes of it is what jenkins.yaml and plugins.txt say.

The chart's side comes from tests/helm_tpl.py (Helm's `tpl`, its `<no value>` removal, the
chart's search for the security keys), written from the Helm, Go and chart sources; where Go is
installed, that oracle is itself compared with Go's real text/template (tests/gotemplate).
"""

from __future__ import annotations

import json
import pathlib
import random
import shutil
import subprocess
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jcasc_gen.helm import CONFIG_SCRIPT_KEY, escape_tpl
from jcasc_gen.k8s_names import dns1123_label
from jcasc_gen.model import load_spec_text
from jcasc_gen.outputs import prepare
from jcasc_gen.render import _parse_plugins_txt

from ..helm_tpl import TemplateError, Unsupported, chart_default_sections, execute, helm_tpl
from ._cli import CASES

HELM_CASES = sorted(p.parent.parent.name[: -len(".expected")] for p in CASES.glob("*.expected/helm/values.yaml"))
GO_PROGRAM = pathlib.Path(__file__).resolve().parents[1] / "gotemplate" / "main.go"

# Text that means something to text/template or to Helm: delimiters, trim markers, comments,
# quotes, the string Helm deletes, and the JCasC escape.
BITS = ["{{", "}}", "{", "}", "-", " ", "\t", "\n", "/*", "*/", '"', "`", "\\", "<no value>", "${", "^", "x", "é"]
template_text = st.lists(st.sampled_from(BITS), max_size=14).map("".join)


def _values(name: str) -> dict[str, Any]:
    return yaml.safe_load((CASES / f"{name}.expected" / "helm" / "values.yaml").read_text(encoding="utf-8"))


def _what_jcasc_reads(values: dict[str, Any]) -> Any:
    """The chart renders each config script with `tpl` into a ConfigMap; JCasC parses it."""
    scripts = values["controller"]["JCasC"]["configScripts"]
    assert list(scripts) == [CONFIG_SCRIPT_KEY]
    return yaml.safe_load(helm_tpl(scripts[CONFIG_SCRIPT_KEY]))


def _to_yaml_styles(scripts: dict[str, str]) -> list[str]:
    """`toYaml .Values.controller.JCasC.configScripts` as a YAML emitter may write it: a
    multi-line string goes in literal style, or double-quoted (escaped, folded at spaces)."""
    return [yaml.safe_dump(scripts, default_style="|", allow_unicode=True),
            yaml.safe_dump(scripts, default_style='"', width=20, allow_unicode=True)]


def test_there_are_helm_golden_cases() -> None:
    assert {"helm-tricky-names", "helm-and-compose"} <= set(HELM_CASES)


@pytest.mark.parametrize("name", HELM_CASES)
def test_the_chart_gives_jcasc_exactly_jenkins_yaml(name: str) -> None:
    values = _values(name)
    jenkins_yaml = yaml.safe_load((CASES / f"{name}.expected" / "jenkins.yaml").read_text(encoding="utf-8"))
    assert _what_jcasc_reads(values) == jenkins_yaml


@pytest.mark.parametrize("name", HELM_CASES)
def test_install_plugins_are_exactly_plugins_txt_without_floating(name: str) -> None:
    controller = _values(name)["controller"]
    listed = _parse_plugins_txt((CASES / f"{name}.expected" / "plugins.txt").read_text(encoding="utf-8"))
    # the chart writes each entry as one plugins.txt line for jenkins-plugin-cli (templates/config.yaml:72-76)
    assert [_parse_plugins_txt(entry)[0] for entry in controller["installPlugins"]] == listed
    assert controller["installLatestPlugins"] is False and controller["installLatestSpecifiedPlugins"] is False
    assert controller["overwritePlugins"] is True
    assert "additionalPlugins" not in controller  # a plugin in both lists fails the chart's render
    assert ("kubernetes", "4540.v612369217f87") in listed  # the chart's default config sets up a Kubernetes cloud


@pytest.mark.parametrize("name", HELM_CASES)
def test_the_chart_leaves_out_its_own_realm_and_strategy(name: str) -> None:
    controller = _values(name)["controller"]
    assert controller["JCasC"]["defaultConfig"] is True
    assert controller["sidecars"]["configAutoReload"]["enabled"] is True
    for rendered in _to_yaml_styles(controller["JCasC"]["configScripts"]):
        assert chart_default_sections(rendered) == set()
    assert dns1123_label(CONFIG_SCRIPT_KEY) is None  # the chart's rule for configScripts keys


def test_the_oracle_sees_the_chart_defaults_come_back_without_the_keys() -> None:
    scripts = {"welcome": "jenkins:\n  systemMessage: hello\n"}
    for rendered in _to_yaml_styles(scripts):
        assert chart_default_sections(rendered) == {"securityRealm", "authorizationStrategy"}


@settings(max_examples=300, deadline=None)
@given(text=template_text)
def test_escape_tpl_round_trips_through_text_template(text: str) -> None:
    assert execute(escape_tpl(text)) == text


def test_unescaped_text_is_what_breaks() -> None:
    with pytest.raises((Unsupported, TemplateError)):
        execute("group {{ team }}")
    with pytest.raises(TemplateError):
        execute("{{")
    assert helm_tpl("a <no value> b") == "a  b"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(names=st.lists(st.one_of(template_text, st.text(min_size=1, max_size=12)), min_size=1, max_size=4))
def test_any_principal_reaches_jcasc_unchanged_through_the_chart(names: list[str]) -> None:
    grants = "".join(f"    - group: {json.dumps(n)}\n      permissions: [Overall/Read]\n" for n in names)
    text = ("version: 1\njenkins: {url: https://jenkins.example.com}\n"
            "jwt: {header: X-Pomerium-Jwt-Assertion, issuers: [jenkins.example.com], audiences: [jenkins.example.com], "
            "jwks_url: https://jenkins.example.com/.well-known/pomerium/jwks.json}\n"
            "authorization:\n  grants:\n    - user: admin@example.com\n      permissions: [Overall/Administer]\n"
            + grants + "output: {helm: true}\n")
    try:
        loaded = load_spec_text(text)
    except Exception as exc:  # a name the spec refuses (control characters, duplicates): not this test's concern
        assert type(exc).__name__ == "SpecError"
        return
    gen = prepare(loaded)
    if gen.failed:
        return
    values = yaml.safe_load(gen.files["helm/values.yaml"])
    assert _what_jcasc_reads(values) == yaml.safe_load(gen.files["jenkins.yaml"])


# --- the oracle against Go's text/template -----------------------------------------------------


@pytest.fixture(scope="module")
def go_tpl(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    go = shutil.which("go")
    if go is None:
        pytest.skip("no Go toolchain: the oracle stays checked by its own tests only (apt-get install golang-go)")
    out = tmp_path_factory.mktemp("gotpl") / "tpl"
    subprocess.run([go, "build", "-o", str(out), str(GO_PROGRAM)], check=True, capture_output=True, timeout=300)
    return out


def _go(binary: pathlib.Path, texts: list[str]) -> list[dict[str, str]]:
    done = subprocess.run([str(binary)], input=json.dumps(texts), capture_output=True, text=True, check=True, timeout=60)
    results: list[dict[str, str]] = json.loads(done.stdout)
    return results


CORPUS = [
    'a {{ "{{" }} b', "x  {{- \"y\" -}}  z", "{{/* c */}}q", "{{- /* c */ -}}  q", "<no value>", "}} x", "{{ `raw {{` }}",
    '{{ "\\u00e9\\n" }}', "{{", "{{ x }}", "{{/* open", "a {{- \"b\"}}", "a{{-\"b\"}}", "{{ \"a\" -}}\n\n b",
]


def test_the_oracle_agrees_with_go(go_tpl: pathlib.Path) -> None:
    rng = random.Random(13)
    generated = ["".join(rng.choice(BITS + ['"x"', "`y`", "{{ ", " }}", "{{- ", " -}}"]) for _ in range(rng.randrange(12)))
                 for _ in range(300)]
    texts = CORPUS + generated + [escape_tpl(t) for t in generated]
    for name in HELM_CASES:
        texts.append(_values(name)["controller"]["JCasC"]["configScripts"][CONFIG_SCRIPT_KEY])
    for text, real in zip(texts, _go(go_tpl, texts)):
        try:
            mine = helm_tpl(text)
        except Unsupported:
            continue  # a field or function: the oracle does not guess
        except TemplateError:
            assert real["err"], text
            continue
        assert not real["err"] and real["out"] == mine, text


@pytest.mark.parametrize("url,written", [
    ("https://jenkins.example.com", True), ("https://jenkins.example.com:8443/ci/", True),
    ("https://jenkins.example.com/a${X}", False),  # JCasC would interpolate it in the chart's default config
    ("https://bücher.example/ci", False), ("https://jenkins.example.com/a#b", False),
])
def test_jenkins_url_is_written_only_where_the_chart_cannot_misread_it(url: str, written: bool) -> None:
    """The chart writes controller.jenkinsUrl unquoted into its default JCasC
    (templates/_helpers.tpl:97-114, :370-375); anything else is left to the user, and said."""
    text = (CASES / "helm-tricky-names.spec.yaml").read_text(encoding="utf-8").replace("https://jenkins.example.com", url, 1)
    files = prepare(load_spec_text(text)).files
    controller = yaml.safe_load(files["helm/values.yaml"])["controller"]
    assert ("jenkinsUrl" in controller) is written
    if written:
        assert controller["jenkinsUrl"] == url
    else:
        assert "# - controller.jenkinsUrl is not set" in files["helm/values.yaml"]


@settings(max_examples=300, deadline=None)
@given(value=st.text(st.sampled_from(["a", " ", "\n", "#", ":", "-", "|", '"', "\\", "\t", "é", "\x85", "\u2028", "{"]), max_size=20))
def test_the_quoting_filter_writes_any_text_as_a_block_that_reads_back(value: str) -> None:
    """The literal-block style the config script uses: any text reads back exactly, as a block
    where YAML allows one and double-quoted otherwise."""
    from jcasc_gen.render import yaml_scalar

    written = yaml_scalar(value, block_indent=4)
    assert yaml.safe_load("key: " + written + "\n")["key"] == value
    assert yaml.safe_load("a:\n  key: " + written + "\n")["a"]["key"] == value

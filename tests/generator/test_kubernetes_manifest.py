"""kubernetes/configmap.yaml: a ConfigMap the Kubernetes schema accepts, labelled for the chart's
reload sidecar, holding jenkins.yaml unchanged; and the names Kubernetes accepts, in one place
(jcasc_gen/k8s_names.py), held to apimachinery's rules."""

from __future__ import annotations

import json
from typing import Any

import kubernetes_validate
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jcasc_gen import k8s_names
from jcasc_gen.model import load_spec_text
from jcasc_gen.outputs import prepare

from ._cli import CASES

# The newest Kubernetes release whose schemas kubernetes-validate ships (offline, in the wheel).
K8S_VERSION = kubernetes_validate.latest_version()

SPEC = """version: 1
jenkins: {url: https://jenkins.example.com}
jwt: {header: X-Pomerium-Jwt-Assertion, issuers: [jenkins.example.com], audiences: [jenkins.example.com],
      jwks_url: https://jenkins.example.com/.well-known/pomerium/jwks.json}
authorization:
  grants:
    - user: admin@example.com
      permissions: [Overall/Administer]
    - group: "{{ team }} <no value> ${X}"
      permissions: [Overall/Read]
output:
  kubernetes: %s
"""


def _validate(manifest: dict[str, Any]) -> None:
    kubernetes_validate.validate(manifest, K8S_VERSION, strict=True)


def _generate(options: Any) -> dict[str, str]:
    gen = prepare(load_spec_text(SPEC % json.dumps(options)))
    assert not gen.failed, [d.format() for d in gen.diagnostics]
    return dict(gen.files)


def test_golden_configmap_is_valid_and_holds_jenkins_yaml() -> None:
    folder = CASES / "kubernetes-configmap.expected"
    manifest = yaml.safe_load((folder / "kubernetes" / "configmap.yaml").read_text(encoding="utf-8"))
    _validate(manifest)
    assert manifest["metadata"] == {"name": "ci.jcasc-gen", "namespace": "ci", "labels": {"ci-jenkins-config": "true"}}
    # no Helm on this path: the sidecar writes the data key as a file, byte for byte jenkins.yaml
    assert manifest["data"] == {"jcasc-gen.yaml": (folder / "jenkins.yaml").read_text(encoding="utf-8")}


def test_defaults_are_the_chart_label_of_a_release_named_jenkins() -> None:
    files = _generate(True)
    manifest = yaml.safe_load(files["kubernetes/configmap.yaml"])
    _validate(manifest)
    assert manifest["metadata"] == {"name": "jcasc-gen", "labels": {"jenkins-jenkins-config": "true"}}
    assert manifest["data"]["jcasc-gen.yaml"] == files["jenkins.yaml"]
    assert k8s_names.configmap_key("jcasc-gen.yaml") is None
    assert "helm/values.yaml" not in files


def test_the_validator_has_teeth() -> None:
    manifest = yaml.safe_load(_generate(True)["kubernetes/configmap.yaml"])
    manifest["metadata"]["labels"]["jenkins-jenkins-config"] = True  # an unquoted `true`
    with pytest.raises(kubernetes_validate.ValidationError):
        _validate(manifest)


# apimachinery v0.36.3 pkg/api/validate/content (kube_test.go, dns_test.go) examples, good and bad
GOOD_KEYS = ["simple", "now-with-dashes", "1-starts-with-num", "1234", "simple/simple", "now-with-dashes/simple",
             "now-with-dashes/now-with-dashes", "now.with.dots/simple", "now-with.dashes-and.dots/simple",
             "1-num.2-num/3-num", "1234/5678", "1.2.3.4/5678", "Uppercase_Is_OK_123", "example.com/Uppercase_Is_OK_123",
             "requests.storage-foo", "a" * 63, "a" * 253 + "/" + "b" * 63]
BAD_KEYS = ["nospecialchars%^=@", "cantendwithadash-", "-cantstartwithadash-", "only/one/slash", "Example.com/abc",
            "example_com/abc", "example.com/", "/simple", "a" * 64, "a" * 254 + "/abc", "simple\n", ""]


@pytest.mark.parametrize("key", GOOD_KEYS)
def test_label_keys_kubernetes_accepts(key: str) -> None:
    assert k8s_names.label_key(key) is None


@pytest.mark.parametrize("key", BAD_KEYS)
def test_label_keys_kubernetes_refuses(key: str) -> None:
    assert k8s_names.label_key(key) is not None


@pytest.mark.parametrize("name,ok", [("a", True), ("ab-c", True), ("a.b", True), ("0", True), ("a" * 253, True),
                                     ("a" * 254, False), ("A", False), ("a_b", False), ("-a", False), ("a.", False),
                                     ("a..b", False), ("a\n", False), ("", False)])
def test_configmap_names(name: str, ok: bool) -> None:
    assert (k8s_names.dns1123_subdomain(name) is None) is ok


@pytest.mark.parametrize("name,ok", [("jenkins", True), ("a" * 63, True), ("a" * 64, False), ("a.b", False),
                                     ("Ci", False), ("ci-", False), ("ci\n", False)])
def test_namespaces(name: str, ok: bool) -> None:
    assert (k8s_names.dns1123_label(name) is None) is ok


name_chars = st.sampled_from("abcXYZ019-._/\n é")
option_values = st.text(name_chars, min_size=1, max_size=12) | st.sampled_from(["jenkins-jenkins-config", "ci", "a.b/c"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(label=option_values, name=option_values, namespace=option_values)
def test_any_options_give_a_valid_configmap_or_a_located_error(label: str, name: str, namespace: str) -> None:
    options = {"label": label, "name": name, "namespace": namespace}
    valid = (k8s_names.label_key(label) is None and k8s_names.dns1123_subdomain(name) is None
             and k8s_names.dns1123_label(namespace) is None)
    try:
        files = _generate(options)
    except Exception as exc:
        assert type(exc).__name__ == "SpecError" and not valid
        assert "output.kubernetes." in str(exc) and "Traceback" not in str(exc)
        return
    assert valid
    manifest = yaml.safe_load(files["kubernetes/configmap.yaml"])
    _validate(manifest)
    assert manifest["metadata"] == {"name": name, "namespace": namespace, "labels": {label: "true"}}

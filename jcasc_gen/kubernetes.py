"""`output.kubernetes`: kubernetes/configmap.yaml, jenkins.yaml in a ConfigMap that the reload
sidecar of the official chart (kiwigrid/k8s-sidecar) collects: for a controller whose values
are kept elsewhere, or for plain manifests applied with kubectl, Kustomize or Argo CD.

The sidecar lists ConfigMaps by label (`LABEL`, any value when `LABEL_VALUE` is unset: the chart
sets only `LABEL`, to `<release fullname>-jenkins-config`), writes each `data` key as a file of
that name into CASC_JENKINS_CONFIG's folder, then POSTs `/reload-configuration-as-code/`
(kiwigrid/k8s-sidecar 2.10.1 src/resources.py; docs/fidelity.md has the lines). The file is not
rendered by Helm, so jenkins.yaml goes in as it is. Every name follows k8s_names.
"""

from __future__ import annotations

from typing import Any

from .model import Spec
from .render import _FileRule, register, render_as

__all__ = ["CONFIGMAP_PATH", "DATA_KEY", "LABEL_VALUE", "configmap_document"]

CONFIGMAP_PATH = "kubernetes/configmap.yaml"
# The file the sidecar writes; not `jenkins.yaml`, which other ConfigMaps in the folder may use.
DATA_KEY = "jcasc-gen.yaml"
LABEL_VALUE = "true"  # the chart's own ConfigMaps carry "true"; the sidecar accepts any value


def configmap_document(spec: Spec) -> dict[str, Any]:
    options = spec.output.kubernetes
    assert options is not None
    metadata: dict[str, Any] = {"name": options.name}
    if options.namespace:
        metadata["namespace"] = options.namespace
    metadata["labels"] = {options.label: LABEL_VALUE}
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata,
            "data": {DATA_KEY: render_as("jenkins.yaml", spec, "jcasc")}}


def _context(spec: Spec) -> dict[str, Any]:
    doc = configmap_document(spec)
    return {"metadata": doc["metadata"], "data_key": DATA_KEY, "script": doc["data"][DATA_KEY]}


register(CONFIGMAP_PATH, _FileRule("kubernetes/configmap.yaml.j2", "plain", _context, configmap_document, None,
                                   when=lambda s: s.output.kubernetes is not None))

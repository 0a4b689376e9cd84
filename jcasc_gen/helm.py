"""`output.helm: true`: helm/values.yaml for the official Jenkins Helm chart
(jenkinsci/helm-charts, charts/jenkins), so a GitOps sync installs exactly the pinned plugins and
the spec's security configuration with nothing of the chart's own in the way.

What each value is for (chart 5.9.53; docs/fidelity.md "The Helm chart and the reload sidecar"
has the lines):
- `controller.installPlugins`: the plugin list of plugins.txt, `name:version` per entry; the
  init container writes them to plugins.txt for jenkins-plugin-cli (templates/config.yaml).
- `installLatestPlugins: false` and `installLatestSpecifiedPlugins: false`: the chart passes
  `--latest {{ installLatestPlugins }}` (default true) and `--latest-specified`; with both off
  jenkins-plugin-cli takes the pins and the minimum dependency versions the plugins declare,
  instead of whatever is newest that day.
- `overwritePlugins: true`: the init container empties `$JENKINS_HOME/plugins` first, so a plugin
  left on the persistent volume by an earlier install (the chart's defaults, a removed pin) does
  not survive the sync.
- `controller.JCasC.configScripts.<CONFIG_SCRIPT_KEY>`: jenkins.yaml, written for `tpl` (below).
  The chart leaves out its own `securityRealm`/`authorizationStrategy` exactly when the text
  `securityRealm:` / `authorizationStrategy:` occurs in `toYaml configScripts`
  (templates/_helpers.tpl `jenkins.casc.defaults`), which jenkins.yaml always contains.
- `JCasC.defaultConfig: true`: the rest of the chart's JCasC (the Kubernetes cloud, the root
  URL, ...) stays; its cloud needs the kubernetes plugin, which the model lists (pins.py).
- `controller.jenkinsUrl`: the chart writes it as `unclassified.location.url` in its default
  JCasC, unquoted; written only when that cannot misread it (`_plain_url`).
- `sidecars.configAutoReload.enabled: true`: each config script becomes a ConfigMap the
  kiwigrid/k8s-sidecar collects into CASC_JENKINS_CONFIG's folder, then it POSTs
  `/reload-configuration-as-code/` (the token is the pod name): a sync changes the security
  configuration without a restart, and `apply --via-reload` waits for it.

The config script goes through the chart's `tpl` (Helm's text/template). Two things would change
it there, and both are escaped so that what JCasC reads is exactly jenkins.yaml:
- `{{` starts an action: every `{{` is written `{{ "{{" }}` (`escape_tpl`), an action whose value
  is the string constant `{{`;
- Helm deletes the text `<no value>` from every rendered template: jenkins.yaml is rendered in the
  `jcasc-helm` dialect, which writes that space as the YAML escape `\\x20` (render.py).
"""

from __future__ import annotations

import re
from typing import Any

from . import pins
from .model import Spec
from .render import _FileRule, register, render_as

__all__ = ["CONFIG_SCRIPT_KEY", "CHART_CHECKED", "VALUES_PATH", "escape_tpl", "config_script", "values_document",
           "plugin_entries"]

VALUES_PATH = "helm/values.yaml"
# The configScripts key: an RFC 1123 label (the chart's rule); the sidecar's file is `jcasc-gen.yaml`.
CONFIG_SCRIPT_KEY = "jcasc-gen"
# The chart releases whose templates were read for this file: the newest, and the oldest from
# which every template line the values rely on reads the same (5.8.80-5.8.82 rendered no
# configScripts while defaultConfig was on; reverted in 5.8.83).
CHART_CHECKED = ("5.8.83", "5.9.53")
CHART_APP_VERSION = "2.568.2"  # appVersion of chart 5.9.53 (its default controller image)

_TPL_OPEN = "{{"
_TPL_OPEN_ESCAPED = '{{ "{{" }}'
# A URL YAML reads back unchanged as a plain scalar, and JCasC does not interpolate.
_PLAIN_URL = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]+)?(/[A-Za-z0-9._~/%+-]*)?")


def escape_tpl(text: str) -> str:
    """Text that Go's text/template (Helm's `tpl`) turns back into `text`: outside actions text
    is copied verbatim, and only the left delimiter `{{` starts an action."""
    return text.replace(_TPL_OPEN, _TPL_OPEN_ESCAPED)


def config_script(spec: Spec) -> str:
    """jenkins.yaml as the chart's `tpl` must see it (before `escape_tpl`)."""
    return render_as("jenkins.yaml", spec, "jcasc-helm")


def plugin_entries(spec: Spec) -> list[str]:
    """plugins.txt's lines: `name:version`, or `name` for an unpinned extra (lint JG012)."""
    return [f"{p.name}:{p.version}" if p.version else p.name for p in spec.plugins]


def _plain_url(url: str) -> bool:
    return _PLAIN_URL.fullmatch(url) is not None


def values_document(spec: Spec) -> dict[str, Any]:
    """helm/values.yaml as data: the template writes it, parse-back compares with it."""
    controller: dict[str, Any] = {}
    if _plain_url(spec.jenkins_url):
        controller["jenkinsUrl"] = spec.jenkins_url
    controller.update({
        "installPlugins": plugin_entries(spec),
        "installLatestPlugins": False,
        "installLatestSpecifiedPlugins": False,
        "overwritePlugins": True,
        "JCasC": {"defaultConfig": True, "configScripts": {CONFIG_SCRIPT_KEY: escape_tpl(config_script(spec))}},
        "sidecars": {"configAutoReload": {"enabled": True}},
    })
    return {"controller": controller}


def _context(spec: Spec) -> dict[str, Any]:
    doc = values_document(spec)["controller"]
    return {"controller": doc, "script_key": CONFIG_SCRIPT_KEY, "script": doc["JCasC"]["configScripts"][CONFIG_SCRIPT_KEY],
            "chart_oldest": CHART_CHECKED[0], "chart_newest": CHART_CHECKED[1], "app_version": CHART_APP_VERSION,
            "url_left_out": "jenkinsUrl" not in doc, "kubernetes_plugin": pins.HELM_DEFAULT_CONFIG_PLUGIN}


register(VALUES_PATH, _FileRule("helm/values.yaml.j2", "plain", _context, values_document, None,
                                when=lambda s: s.output.helm))

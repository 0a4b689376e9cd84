"""Built-in known-good plugin versions (overridable with `plugins.versions` in the spec).

Where each pin came from:
- configuration-as-code 2115.vf6de120eef70: the pin in jenkinsci/helm-charts
  charts/jenkins/values.yaml (`controller.installPlugins`, chart 5.9.53, app 2.568.2).
- jwt-auth 0.3.0: the last release of jenkinsci/jwt-auth-plugin (tag jwt-auth-0.3.0,
  2022-10-24); see ../shared/reference/jenkins-facts.md B.4.
- matrix-auth 3.2.8: jenkinsci/matrix-auth-plugin release 3.2.8 (facts snapshot 56ab385a,
  2025-08-21); `entries` needs 3.2 or newer (integrations/casc/DefinitionEntry.java).
- skip-certificate-check 50.vcfa_cdb_b_27312: the current release on the plugin site
  (docs.cloudbees.com/plugins/ci/skip-certificate-check, "Minimum Jenkins required: 2.479.3").

Plugins listed only when a grant uses a permission they declare (permission_plugins.py); each
pin is the newest release tag of the plugin's repository when it was read (continuous
delivery: the tag is the release version), with its core baseline from the tag's pom.xml:
- cloudbees-folder 6.1100.ve9eed61d16c4: jenkinsci/cloudbees-folder-plugin tag, 2026-04-16,
  needs Jenkins 2.528.1 (`Job/Move`).
- credentials 1502.v5c95e620ddfe: jenkinsci/credentials-plugin tag, 2026-04-06, needs Jenkins
  2.541.1 (`Credentials/*`).
- workflow-cps 4350.vcc65d4958821: jenkinsci/workflow-cps-plugin tag, 2026-07-01, needs
  Jenkins 2.516.3 (`Run/Replay`).

- kubernetes 4540.v612369217f87: the pin in jenkinsci/helm-charts charts/jenkins/values.yaml
  (`controller.installPlugins`, chart 5.9.53). Listed only with `output.helm`: the chart's default
  JCasC, which the generated values leave on, configures `jenkins.clouds[0].kubernetes`
  (templates/_helpers.tpl `jenkins.casc.defaults`), and without the plugin JCasC fails at boot.

The Jenkins image of the compose stack, pinned 2026-12-02: `jenkins/jenkins:2.568.2-jdk21`, the
newest LTS of jenkinsci/docker (tag 2.568.2, 2026-08-04) on the default JDK. docker-bake.hcl at that
tag: `jdks_to_build = [21, 25]`, `default_jdk = 21` (lines 2-12); JDK 17 images stopped with
commit 1180511a (2026-01-24), so `lts-jdk17` no longer moves. debian_tags (lines 372-389) publishes
`<JENKINS_VERSION>-jdk21`, the tag that never changes under a build.
Listed only with `output.job_dsl: true` and items (the `jobs:` key of jenkins.yaml is its):
- job-dsl 3654.vdf58f53e2d15: jenkinsci/job-dsl-plugin tag, 2026-02-11, needs Jenkins 2.479.3.
"""

from __future__ import annotations

import re
from typing import Mapping

__all__ = ["KNOWN_GOOD", "REQUIRED", "HELM_DEFAULT_CONFIG_PLUGIN", "MATRIX_AUTH_MIN", "JENKINS_IMAGE", "JENKINS_IMAGE_PINNED",
           "version_key", "older_than", "version_problem", "MAX_VERSION_LENGTH"]

JENKINS_IMAGE = "jenkins/jenkins:2.568.2-jdk21"
JENKINS_IMAGE_PINNED = "2026-12-02"  # when JENKINS_IMAGE was last checked against jenkinsci/docker

KNOWN_GOOD: Mapping[str, str] = {
    "configuration-as-code": "2115.vf6de120eef70",
    "jwt-auth": "0.3.0",
    "matrix-auth": "3.2.8",
    "skip-certificate-check": "50.vcfa_cdb_b_27312",
    "cloudbees-folder": "6.1100.ve9eed61d16c4",
    "credentials": "1502.v5c95e620ddfe",
    "workflow-cps": "4350.vcc65d4958821",
    "kubernetes": "4540.v612369217f87",
    "job-dsl": "3654.vdf58f53e2d15",
}

# Listed when `output.helm` is on (see above).
HELM_DEFAULT_CONFIG_PLUGIN = "kubernetes"

# Always in the lists, in this order; skip-certificate-check only when asked.
REQUIRED: tuple[str, ...] = ("configuration-as-code", "jwt-auth", "matrix-auth")

MATRIX_AUTH_MIN = "3.2"


def version_key(version: str) -> tuple[tuple[int, str], ...]:
    """Order Jenkins plugin versions the way the update center does, closely enough.

    Numeric runs compare as numbers, other runs as text, and a run of text sorts below a
    number (1.0-beta < 1.0.1). Incrementals like 2115.vf6de120eef70 compare by the build
    number first, which is what matters for "at least the pinned version".
    """
    parts: list[tuple[int, str]] = []
    for token in re.findall(r"[0-9]+|[A-Za-z]+", version):
        if token.isdigit():
            digits = token.lstrip("0") or "0"  # as a number, without int(): a 5,000-digit run stays cheap
            parts.append((1, f"{len(digits):06d}{digits}"))
        else:
            parts.append((0, token.lower()))
    return tuple(parts)


def older_than(version: str, minimum: str) -> bool:
    return version_key(version) < version_key(minimum)


MAX_VERSION_LENGTH = 100
# What a plugin version may hold so that jenkins-plugin-cli reads it as that version and
# builds the download URL from it unchanged (plugin-installation-manager-tool@2.15.0
# PluginListParser.java:57-63,149-175 and PluginManager.java:1232-1263):
# - plugins.txt lines lose every whitespace character and a ` #...` comment, then split on
#   ':' into name, version and URL: a ':' makes the rest a download URL, `#` a comment;
# - a version containing "incrementals" is split on ';' (an index error without two);
# - "latest" and "experimental" are keywords, not versions;
# - the version becomes a path segment of the download URL: '/', '?', '#', '%' change it.
_VERSION = re.compile(r"[0-9A-Za-z][0-9A-Za-z._+-]*")


def version_problem(version: str) -> str | None:
    """Why `version` is not a plugin version jenkins-plugin-cli installs as written, or None."""
    if not version:
        return "an empty version"
    if version in ("latest", "experimental"):
        return f"{version!r} is a jenkins-plugin-cli keyword, not a pinned version"
    if len(version) > MAX_VERSION_LENGTH:
        return f"a version of {len(version)} characters (at most {MAX_VERSION_LENGTH})"
    if not _VERSION.fullmatch(version):
        bad = next((c for c in version if not (c.isascii() and (c.isalnum() or c in "._+-"))), version[:1])
        return (f"{version!r} is not a plugin version: {bad!r} " + ("cannot start one" if bad == version[:1] and bad in "._+-" else
                "would change what jenkins-plugin-cli reads (it splits on ':', drops whitespace, and puts the version in a URL)"))
    if "incrementals" in version:
        return f"{version!r} contains 'incrementals', which jenkins-plugin-cli parses as an incrementals coordinate"
    return None

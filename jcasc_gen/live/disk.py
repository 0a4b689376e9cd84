"""Does the live Jenkins read its JCasC configuration from disk?

JCasC keeps the sources it configured from (CASC_JENKINS_CONFIG or the `casc.jenkins.config`
property, split on commas; else `$JENKINS_HOME/jenkins.yaml` when it exists; plus files bundled
in the war): `ConfigurationAsCode.getSources()`, set on every configure, at startup included
(configuration-as-code-plugin 2115.vf6de120eef70 ConfigurationAsCode.java:165-167, :400-442).
The Helm chart points CASC_JENKINS_CONFIG at the folder its reload sidecar fills, where its
default configuration or the generated config script always sets the realm and the strategy;
the compose stack points it at jenkins.yaml. Posting the managed sections to such a Jenkins
merges them with the files: lists are concatenated and a value set twice is refused
(jenkins-facts H, ErrorOnConflictMergeStrategy), so `apply` waits for the files instead
(live/reload.py).

The sources are read through the script console (Overall/Administer): the management page
lists them too, but its HTML changed with every redesign of the plugin's UI, while the Groovy
call has read the same since the sources were introduced. The script prints them as a JSON
array (groovy.json.JsonOutput is part of the Groovy Jenkins ships), one line, which cannot be
mistaken for a path list split on commas.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..client import JenkinsError

__all__ = ["SOURCES_SCRIPT", "DiskConfig", "read_disk_config"]

SOURCES_SCRIPT = "println(groovy.json.JsonOutput.toJson(io.jenkins.plugins.casc.ConfigurationAsCode.get().getSources()))"


@dataclass(frozen=True)
class DiskConfig:
    sources: tuple[str, ...] | None  # None: could not be read
    why_unknown: str = ""

    @property
    def from_disk(self) -> bool:
        return bool(self.sources)

    def describe(self) -> str:
        if self.sources is None:
            return f"could not tell whether Jenkins reads JCasC files from disk ({self.why_unknown})"
        if not self.sources:
            return "Jenkins reads no JCasC files from disk"
        return (f"Jenkins reads JCasC files from disk ({', '.join(self.sources)}): the realm and matrix come from your "
                "deployed files (the Helm chart's config scripts, CASC_JENKINS_CONFIG); posting them would be merged "
                "with the files (lists concatenated, a value set twice refused)")

    def to_json(self) -> dict[str, Any]:
        return {"sources": list(self.sources) if self.sources is not None else None,
                "from_disk": self.from_disk if self.sources is not None else None}


def parse_sources(output: str) -> tuple[str, ...] | None:
    """The JSON array line the script printed; None when the output is anything else (the
    script console answers 200 with a stack trace when a script fails)."""
    for line in output.splitlines():
        line = line.strip()
        if line.startswith("["):
            try:
                value = json.loads(line)
            except ValueError:
                return None
            if isinstance(value, list) and all(isinstance(s, str) for s in value):
                return tuple(value)
            return None
    return None


def read_disk_config(client: Any) -> DiskConfig:
    """`client` must administer Jenkins (the script console)."""
    try:
        output = client.run_script(SOURCES_SCRIPT)
    except JenkinsError as exc:
        return DiskConfig(None, f"the script console answered: {exc.message}")
    sources = parse_sources(output)
    if sources is None:
        first = next((line for line in output.splitlines() if line.strip()), "no output")
        return DiskConfig(None, f"the script console printed {first[:120]!r}")
    return DiskConfig(sources)

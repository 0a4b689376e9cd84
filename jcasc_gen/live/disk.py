"""Does the live Jenkins read its JCasC configuration, and the managed sections, from disk?

JCasC keeps the sources it configured from (CASC_JENKINS_CONFIG or the `casc.jenkins.config`
property, split on commas; else `$JENKINS_HOME/jenkins.yaml` when it exists; plus files bundled
in the war): `ConfigurationAsCode.getSources()`, set on every configure, at startup included
(configuration-as-code-plugin 2115.vf6de120eef70 ConfigurationAsCode.java:165-167, :400-442).
The Helm chart points CASC_JENKINS_CONFIG at the folder its reload sidecar fills, where its
default configuration or the generated config script always sets the realm and the strategy;
the compose stack points it at jenkins.yaml. Posting the managed sections to such a Jenkins
merges them with the files (yaml/ErrorOnConflictMergeStrategy.java): a value set in both is
refused ("Found conflicting configuration"), sequences are concatenated, so a matrix's
`entries` become the union of the file's and the posted ones (no grant could be removed),
and every restart or reload puts the file's back. So `apply` waits for the files instead
(live/reload.py) when a file declares the realm or the matrix.

Both are read through the script console (Overall/Administer, which `apply` needs anyway):
the management page lists the sources too, but its HTML changed with every redesign of the
plugin's UI, while the Groovy calls have read the same since the sources were introduced.
The first script prints the sources as a JSON array (groovy.json.JsonOutput is part of the
Groovy Jenkins ships), one line, which cannot be mistaken for a path list split on commas.
The second walks them (`configs()` expands a folder to its YAML files), parses each file with
the SnakeYAML JCasC brings, and prints per file only which of the two managed keys its
`jenkins:` mapping has, never the contents.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..client import JenkinsError

__all__ = ["SOURCES_SCRIPT", "SECTIONS_SCRIPT", "MANAGED", "DiskConfig", "read_disk_config", "parse_sources", "parse_sections"]

SOURCES_SCRIPT = "println(groovy.json.JsonOutput.toJson(io.jenkins.plugins.casc.ConfigurationAsCode.get().getSources()))"

MANAGED = ("securityRealm", "authorizationStrategy")
_MARK = "jcasc-gen-source"
_END = "jcasc-gen-sources-end"

SECTIONS_SCRIPT = f"""\
def casc = io.jenkins.plugins.casc.ConfigurationAsCode.get()
for (String source : casc.getSources()) {{
  def paths = io.jenkins.plugins.casc.ConfigurationAsCode.isSupportedURI(source) ? [source] : casc.configs(source)
  for (def path : paths) {{
    try {{
      def text = (path instanceof String) ? new URL(path).getText('UTF-8') : new String(java.nio.file.Files.readAllBytes(path), 'UTF-8')
      def doc = new org.yaml.snakeyaml.Yaml().load(text)
      def j = (doc instanceof Map && doc.get('jenkins') instanceof Map) ? doc.get('jenkins') : [:]
      def keys = {list(MANAGED)!r}.findAll {{ j.containsKey(it) }}
      println('{_MARK} ' + groovy.json.JsonOutput.toJson([source: path.toString(), sections: keys]))
    }} catch (Exception e) {{
      println('{_MARK} ' + groovy.json.JsonOutput.toJson([source: path.toString(), error: e.getClass().getName()]))
    }}
  }}
}}
println('{_END}')
"""


@dataclass(frozen=True)
class DiskConfig:
    sources: tuple[str, ...] | None  # None: could not be read
    why_unknown: str = ""
    # file -> the managed sections its `jenkins:` declares; None: not known (not asked, or
    # the walk did not answer)
    declared: dict[str, tuple[str, ...]] | None = field(default=None, compare=False)
    unreadable: tuple[str, ...] = ()  # files Jenkins lists but the walk could not read

    @property
    def from_disk(self) -> bool:
        return bool(self.sources)

    def declaring(self, sections: tuple[str, ...] | set[str] | frozenset[str] = MANAGED) -> dict[str, tuple[str, ...]]:
        """Files declaring any of `sections`, with those they declare ({} when not known)."""
        out = {}
        for source, declared in (self.declared or {}).items():
            hit = tuple(s for s in MANAGED if s in sections and s in declared)
            if hit:
                out[source] = hit
        return out

    @property
    def security_from_disk(self) -> bool | None:
        """Does a file declare the realm or the matrix? None: not known."""
        if not self.from_disk:
            return False if self.sources is not None else None
        if self.declared is None:
            return None
        return bool(self.declaring()) or bool(self.unreadable)

    def describe(self) -> str:
        if self.sources is None:
            return f"could not tell whether Jenkins reads JCasC files from disk ({self.why_unknown})"
        if not self.sources:
            return "Jenkins reads no JCasC files from disk"
        head = f"Jenkins reads JCasC files from disk ({', '.join(self.sources)})"
        if self.declared is not None and not self.declaring() and not self.unreadable:
            return head + ": none declares securityRealm or authorizationStrategy, so posting them merges with nothing"
        which = "; ".join(f"{src} declares {' and '.join(secs)}" for src, secs in self.declaring().items())
        which += "".join(f"; {src} could not be read" for src in self.unreadable)
        return (head + (f": {which}" if which else "") + ". The realm and matrix come from your deployed files (the Helm "
                "chart's config scripts, CASC_JENKINS_CONFIG); posting them would be merged with the files (a value set in "
                "both refused, a matrix's entries the union of both, so no grant could be removed), and every restart or "
                "reload puts the files' back")

    def to_json(self) -> dict[str, Any]:
        return {"sources": list(self.sources) if self.sources is not None else None,
                "from_disk": self.from_disk if self.sources is not None else None,
                "declared": {k: list(v) for k, v in self.declared.items()} if self.declared is not None else None}


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


def parse_sections(output: str) -> tuple[dict[str, tuple[str, ...]], tuple[str, ...]] | None:
    """(file -> declared managed sections, unreadable files) from the walk's output; None
    when the walk did not run to its end."""
    declared: dict[str, tuple[str, ...]] = {}
    unreadable: list[str] = []
    finished = False
    for line in output.splitlines():
        if line.strip() == _END:
            finished = True
        if not line.startswith(_MARK + " "):
            continue
        try:
            item = json.loads(line[len(_MARK) + 1:])
        except ValueError:
            continue
        if not isinstance(item, dict) or not isinstance(item.get("source"), str):
            continue
        if "error" in item:
            unreadable.append(item["source"])
            continue
        sections = item.get("sections")
        if isinstance(sections, list):
            declared[item["source"]] = tuple(s for s in MANAGED if s in sections)
    return (declared, tuple(unreadable)) if finished else None


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
    if not sources:
        return DiskConfig(sources, declared={})
    try:
        walked = parse_sections(client.run_script(SECTIONS_SCRIPT))
    except JenkinsError:
        walked = None
    if walked is None:
        return DiskConfig(sources)
    return DiskConfig(sources, declared=walked[0], unreadable=walked[1])

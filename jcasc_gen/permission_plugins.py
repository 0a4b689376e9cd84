"""Plugins that granted permissions need, and the `authorization.extra_permissions` forms.

A permission declared by a plugin exists only while that plugin is loaded: cloudbees-folder's
`Job/Move`, workflow-cps's `Run/Replay`, credentials' `Credentials/*`, and whatever plugin an
`extra_permissions` entry comes from. For any other, matrix-auth fails with
"Failed to parse '<p>' --- no such permission" (matrix-auth-plugin@matrix-auth-3.2.8
AuthorizationContainer.java:222-232); JCasC then refuses the whole document, and on disk at
startup it is ConfigurationAsCodeBootFailure: Jenkins does not start
(configuration-as-code-plugin@2115.vf6de120eef70 ConfigurationAsCode.java:386-393).

Nothing installs those plugins on its own: matrix-auth needs cloudbees-folder only as an
optional dependency (matrix-auth-3.2.8 pom.xml:68-72), and jenkins-plugin-cli drops optional
dependencies (plugin-installation-manager-tool@2.15.0 PluginManager.java:716-727). So the
plugin of every permission the generated matrix grants joins the plugin lists (plugins.txt,
plugins.yaml, the compose image, and what `plan`/`apply` install before the matrix is checked).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable, Mapping

from . import permissions

__all__ = ["ExtraPermission", "parse_extra", "plugin_of", "needed_plugins"]


@dataclass(frozen=True)
class ExtraPermission:
    """One `authorization.extra_permissions` item: `Group/Name`, or `{id, plugin}`."""

    id: str
    plugin: str | None  # None: written as a plain string (lint JG014: the plugin is not added)


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(permission id, plugin name) patterns, from the schema (one place for the rule)."""
    from .schema import schema

    string_form, mapping_form = schema()["properties"]["authorization"]["properties"]["extra_permissions"]["items"]["anyOf"]
    props = mapping_form["properties"]
    return re.compile(props["id"]["pattern"]), re.compile(props["plugin"]["pattern"])


def parse_extra(item: Any) -> ExtraPermission | None:
    """The item if its shape is right, else None (the schema reports it)."""
    ident, plugin = _patterns()  # the string form's pattern is the same (tests/generator/test_plugin_permissions.py)
    if isinstance(item, str) and ident.match(item):
        return ExtraPermission(item, None)
    if (isinstance(item, dict) and set(item) == {"id", "plugin"} and isinstance(item["id"], str) and ident.match(item["id"])
            and isinstance(item["plugin"], str) and plugin.match(item["plugin"])):
        return ExtraPermission(item["id"], item["plugin"])
    return None


def plugin_of(pid: str, extras: Mapping[str, str | None]) -> str | None:
    """The plugin that declares `pid` (None: Jenkins core, or an extra without its plugin)."""
    known = permissions.lookup(pid)
    if known is not None:
        return known.plugin
    return extras.get(pid)


def needed_plugins(granted: Iterable[str], extras: Mapping[str, str | None], *, items: bool = False,
                   job_dsl: bool = False) -> dict[str, tuple[str, ...]]:
    """plugin -> the granted permissions that need it; plugins by name, permissions sorted.

    With `items` (the spec has folder or job matrices) cloudbees-folder is needed too: folders
    are its items, and matrix-auth registers its folder property only when it is loaded
    (jcasc_gen/items.py, ITEMS_PLUGIN); with `job_dsl` as well, job-dsl, whose `jobs:` key
    jenkins.yaml then has (jcasc_gen/job_dsl.py)."""
    from .items import ITEMS_PLUGIN
    from .job_dsl import JOB_DSL_PLUGIN

    out: dict[str, set[str]] = {ITEMS_PLUGIN: set()} if items else {}
    if items and job_dsl:
        out[JOB_DSL_PLUGIN] = set()
    for pid in granted:
        plugin = plugin_of(pid, extras)
        if plugin is not None:
            out.setdefault(plugin, set()).add(pid)
    return {name: tuple(sorted(out[name])) for name in sorted(out)}

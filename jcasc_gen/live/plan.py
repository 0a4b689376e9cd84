"""What `apply` would change: plugins to install or upgrade, and the managed sections
(realm and matrix) as a readable diff. Comparison is semantic (`jcasc.normalize_managed`):
key order, quoting, `^${` escapes and matrix order never show up as changes."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, Literal

from .. import pins
from ..jcasc import normalize_managed, target_document
from ..model import Spec
from .state import LiveState, realm_symbol

__all__ = ["PluginChange", "Plan", "make_plan", "plugin_changes", "dump_yaml"]


@dataclass(frozen=True)
class PluginChange:
    name: str
    have: str | None
    want: str | None  # None: any version (an unpinned extra)
    action: Literal["install", "upgrade", "activate"]

    def describe(self) -> str:
        if self.action == "install":
            return f"install {self.name} {self.want or '(latest)'}"
        if self.action == "upgrade":
            return f"upgrade {self.name} {self.have} -> {self.want}"
        return f"activate {self.name} {self.have} (installed, inactive until a restart)"

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "have": self.have, "want": self.want, "action": self.action}


@dataclass(frozen=True)
class Plan:
    plugins: tuple[PluginChange, ...]
    realm_changes: bool
    strategy_changes: bool
    current_realm: str | None
    diff: str  # unified diff of the normalised managed sections; "" when equal

    @property
    def restart(self) -> bool:
        # Jenkins needs a restart to load an upgrade, and this tool restarts after any
        # install to be sure the realm classes are loaded before JCasC names them.
        return bool(self.plugins)

    @property
    def config_changes(self) -> bool:
        return self.realm_changes or self.strategy_changes

    @property
    def changed(self) -> bool:
        return bool(self.plugins) or self.config_changes

    @property
    def switches_to_jwt(self) -> bool:
        return self.realm_changes

    def to_json(self) -> dict[str, Any]:
        return {
            "changed": self.changed,
            "plugins": [p.to_json() for p in self.plugins],
            "restart": self.restart,
            "realm_changes": self.realm_changes,
            "strategy_changes": self.strategy_changes,
            "current_realm": self.current_realm,
            "diff": self.diff,
        }

    def lines(self) -> list[str]:
        out: list[str] = []
        if not self.changed:
            return ["nothing to change: plugins, realm and matrix match the spec"]
        for p in self.plugins:
            out.append(f"plugin   {p.describe()}")
        if self.plugins:
            out.append("restart  Jenkins will be restarted safely after installing plugins")
        if self.realm_changes:
            out.append(f"realm    {self.current_realm or '(none)'} -> jwtAuth" if self.current_realm != "jwtAuth"
                       else "realm    jwtAuth attributes change")
        if self.strategy_changes:
            out.append("matrix   the authorization strategy changes")
        if self.diff:
            out.append("")
            out.extend(self.diff.rstrip("\n").splitlines())
        return out


def plugin_changes(spec: Spec, live: dict[str, Any]) -> list[PluginChange]:
    out = []
    for pin in spec.plugins:
        have = live.get(pin.name)
        if have is None:
            out.append(PluginChange(pin.name, None, pin.version, "install"))
        elif pin.version and pins.older_than(have.version, pin.version):
            out.append(PluginChange(pin.name, have.version, pin.version, "upgrade"))
        elif not (have.active and have.enabled):
            out.append(PluginChange(pin.name, have.version, pin.version, "activate"))
    return out


def dump_yaml(data: Any) -> str:
    import yaml

    return yaml.safe_dump(data, sort_keys=False, default_flow_style=False, allow_unicode=True, width=1000)


def make_plan(spec: Spec, state: LiveState) -> Plan:
    current = normalize_managed(state.document)
    target = normalize_managed(target_document(spec))
    cur_j, tgt_j = current["jenkins"], target["jenkins"]
    realm_changes = cur_j.get("securityRealm") != tgt_j.get("securityRealm")
    strategy_changes = cur_j.get("authorizationStrategy") != tgt_j.get("authorizationStrategy")
    diff = ""
    if realm_changes or strategy_changes:
        diff = "".join(difflib.unified_diff(dump_yaml(current).splitlines(keepends=True), dump_yaml(target).splitlines(keepends=True),
                                            fromfile="live (managed sections)", tofile="spec (managed sections)"))
    return Plan(tuple(plugin_changes(spec, state.plugins)), realm_changes, strategy_changes, realm_symbol(state.document), diff)

"""What `apply` would change: plugins to install or upgrade, and the managed sections
(realm and matrix) as a readable diff. Comparison is semantic (`jcasc.normalize_managed`):
key order, quoting, `^${` escapes and matrix order never show up as changes."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, Literal, Mapping, Sequence

from .. import pins
from ..jcasc import normalize_managed, target_document
from ..model import Spec
from .items import ItemChange
from .state import LiveState, realm_symbol
from ..item_xml import Matrix

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
    items: tuple[ItemChange, ...] = ()  # one per spec item (live/items.py)
    item_effects: tuple[tuple[str, tuple[str, ...]], ...] = ()  # path -> effective changes per principal
    unmanaged: tuple[tuple[str, Matrix], ...] = ()  # matrices on items the spec does not list (never touched)
    unmanaged_truncated: bool = False

    @property
    def item_changes(self) -> bool:
        return any(c.action != "none" for c in self.items)

    @property
    def item_problems(self) -> list[str]:
        return [p for c in self.items for p in c.problems]

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
        return bool(self.plugins) or self.config_changes or self.item_changes

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
            "items": [dict(c.to_json(), effective=list(dict(self.item_effects).get(c.path, ()))) for c in self.items],
            "unmanaged_items": [{"path": p, "inherit": m.inherit, "principals": [
                {"type": t, "sid": sid, "permissions": sorted(perms)} for (t, sid), perms in sorted(m.by_principal().items())]}
                for p, m in self.unmanaged],
            "unmanaged_items_truncated": self.unmanaged_truncated,
        }

    def lines(self) -> list[str]:
        out: list[str] = []
        if not self.changed:
            return ["nothing to change: plugins, realm and matrix match the spec" + (", and so do the item matrices" if self.items else ""),
                    *self.unmanaged_lines()]
        for p in self.plugins:
            out.append(f"plugin   {p.describe()}")
        if self.plugins:
            out.append("restart  Jenkins will be restarted safely after installing plugins")
        if self.realm_changes:
            out.append(f"realm    {self.current_realm or '(none)'} -> jwtAuth" if self.current_realm != "jwtAuth"
                       else "realm    jwtAuth attributes change")
        if self.strategy_changes:
            out.append("matrix   the authorization strategy changes")
        out.extend(self.item_lines())
        if self.diff:
            out.append("")
            out.extend(self.diff.rstrip("\n").splitlines())
        out.extend(self.unmanaged_lines())
        return out

    def item_lines(self) -> list[str]:
        from .items import item_lines

        return item_lines(self.items, dict(self.item_effects))

    def unmanaged_lines(self) -> list[str]:
        from .items import unmanaged_lines

        return unmanaged_lines(self.unmanaged, self.unmanaged_truncated)


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


def make_plan(spec: Spec, state: LiveState, items: Sequence[ItemChange] = (), item_effects: Mapping[str, Sequence[str]] | None = None,
              unmanaged: Sequence[tuple[str, Matrix]] = (), unmanaged_truncated: bool = False) -> Plan:
    current = normalize_managed(state.document)
    target = normalize_managed(target_document(spec))
    cur_j, tgt_j = current["jenkins"], target["jenkins"]
    realm_changes = cur_j.get("securityRealm") != tgt_j.get("securityRealm")
    strategy_changes = cur_j.get("authorizationStrategy") != tgt_j.get("authorizationStrategy")
    diff = ""
    if realm_changes or strategy_changes:
        diff = "".join(difflib.unified_diff(dump_yaml(current).splitlines(keepends=True), dump_yaml(target).splitlines(keepends=True),
                                            fromfile="live (managed sections)", tofile="spec (managed sections)"))
    return Plan(tuple(plugin_changes(spec, state.plugins)), realm_changes, strategy_changes, realm_symbol(state.document), diff,
                tuple(items), tuple((p, tuple(lines)) for p, lines in (item_effects or {}).items()), tuple(unmanaged),
                unmanaged_truncated)

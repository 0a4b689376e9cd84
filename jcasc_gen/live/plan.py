"""What `apply` would change: plugins to install or upgrade, and the managed sections
(realm and matrix) as a readable diff. Comparison is semantic (`jcasc.normalize_managed`):
key order, quoting, `^${` escapes and matrix order never show up as changes."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, Literal, Mapping, Sequence

from .. import pins
from ..diffing import Changes, semantic_changes
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
    action: Literal["install", "upgrade", "activate", "enable"]
    offered: str | None = None  # what the update centre offers, when it was read
    unavailable: bool = False  # the update centre does not offer `want` (or anything)

    def describe(self) -> str:
        if self.action == "install":
            return f"install {self.name} {self.want or '(latest)'}"
        if self.action == "upgrade":
            return f"upgrade {self.name} {self.have} -> {self.want}"
        if self.action == "enable":
            return f"{self.name} {self.have} is disabled: a restart does not enable it"
        return f"activate {self.name} {self.have} (installed, inactive until a restart)"

    @property
    def needs_restart(self) -> bool:
        return self.action in ("install", "upgrade", "activate")

    def blocker(self) -> str | None:
        """Why apply must refuse this change before touching anything, or None."""
        if self.action == "enable":
            # PluginWrapper.isEnabled = !disableFile.exists(); a start loads only enabled plugins
            return (f"plugin {self.name} {self.have} is disabled, and a restart does not enable it: enable it (Manage Jenkins > "
                    f"Plugins > Installed plugins, or POST /pluginManager/plugin/{self.name}/makeEnabled), restart Jenkins, "
                    "and run again")
        if self.unavailable:
            # PluginManager.prevalidateConfig skips what the update centre does not offer in at
            # least the requested version: nothing would be installed
            said = (f"the update centre offers {self.name} {self.offered}, older than the pinned {self.want}" if self.offered else
                    f"the update centre does not offer {self.name}" + (f" {self.want} or newer" if self.want else ""))
            return (f"{said}: Jenkins would skip it. Let Jenkins refresh its update centre (Manage Jenkins > Plugins > "
                    "Check now), pin a version it offers (plugins.versions), or install the plugin by hand")
        return None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "have": self.have, "want": self.want, "action": self.action, "offered": self.offered,
                "unavailable": self.unavailable}


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
    notes: tuple[str, ...] = ()  # what could not be checked
    move: Any = None  # live/move.MovePlan: the realm moves to the spec's issuer/audience (--current-issuer)
    refusals: tuple[str, ...] = ()  # what else apply would refuse before touching anything (a given JWT that does not verify)
    changes: Changes | None = None  # the realm and matrix, compared by meaning (diffing.semantic_changes)

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
        return any(p.needs_restart for p in self.plugins)

    @property
    def blockers(self) -> tuple[str, ...]:
        """What apply refuses before touching anything (plan exits 2 on them)."""
        return tuple(b for b in (p.blocker() for p in self.plugins) if b) + self.refusals

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
            "changes": self.changes.to_json() if self.changes is not None else None,
            "diff": self.diff,
            "items": [dict(c.to_json(), effective=list(dict(self.item_effects).get(c.path, ()))) for c in self.items],
            "unmanaged_items": [{"path": p, "inherit": m.inherit, "principals": [
                {"type": t, "sid": sid, "permissions": sorted(perms)} for (t, sid), perms in sorted(m.by_principal().items())]}
                for p, m in self.unmanaged],
            "unmanaged_items_truncated": self.unmanaged_truncated,
            "blockers": list(self.blockers),
            "notes": list(self.notes),
            "move": self.move.to_json() if self.move is not None else None,
        }

    def lines(self, *, verbose: bool = False) -> list[str]:
        """What changes, leading with each principal whose permissions change (as `diff --live`
        says it); `verbose` adds the YAML diff of the realm and matrix."""
        out: list[str] = []
        if not self.changed:
            return ["nothing to change: plugins, realm and matrix match the spec" + (", and so do the item matrices" if self.items else ""),
                    *self.unmanaged_lines()]
        said_matrix = False
        if self.changes is not None:
            principals = self.changes.principal_lines()
            out.extend(principals)
            said_matrix = bool(principals)
        for p in self.plugins:
            out.append(f"plugin   {p.describe()}")
        if self.restart:
            out.append("restart  Jenkins will be restarted safely after installing plugins")
        if self.realm_changes:
            out.append(f"realm    {self.current_realm or '(none)'} -> jwtAuth" if self.current_realm != "jwtAuth"
                       else "realm    jwtAuth attributes change")
            if self.changes is not None and self.current_realm == "jwtAuth":
                out.extend(self.changes.realm_lines())
        if self.move is not None and self.realm_changes:
            out.extend(self.move.lines())
        if self.strategy_changes and not said_matrix:
            out.append("matrix   the authorization strategy changes")
        if self.changes is not None:
            out.extend(self.changes.problem_lines())
        out.extend(self.item_lines())
        for note in self.notes:
            out.append(f"note     {note}")
        for blocker in self.blockers:
            out.append(f"refused  {blocker}")
        if self.blockers:
            out.append("         (apply refuses to start until these are resolved; nothing would be changed)")
        if self.diff and verbose:
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


def plugin_changes(spec: Spec, live: dict[str, Any], offers: dict[str, str] | None = None) -> list[PluginChange]:
    """`offers`: name -> the version the update centre offers (None: not read, not checked)."""
    out = []
    for pin in spec.plugins:
        have = live.get(pin.name)
        if have is not None and not have.enabled:
            out.append(PluginChange(pin.name, have.version, pin.version, "enable"))
            continue
        if have is None:
            action: Literal["install", "upgrade", "activate", "enable"] = "install"
        elif pin.version and pins.older_than(have.version, pin.version):
            action = "upgrade"
        elif not have.active:
            out.append(PluginChange(pin.name, have.version, pin.version, "activate"))
            continue
        else:
            continue
        offered = offers.get(pin.name) if offers is not None else None
        unavailable = offers is not None and (offered is None or bool(pin.version and pins.older_than(offered, pin.version)))
        out.append(PluginChange(pin.name, have.version if have else None, pin.version, action, offered, unavailable))
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
    notes = () if state.offers is not None or not any(p.action in ("install", "upgrade") for p in
                                                      plugin_changes(spec, state.plugins)) else (
        "the update centre could not be read: whether it offers the pinned versions was not checked",)
    return Plan(tuple(plugin_changes(spec, state.plugins, state.offers)), realm_changes, strategy_changes,
                realm_symbol(state.document), diff, tuple(items),
                tuple((p, tuple(lines)) for p, lines in (item_effects or {}).items()), tuple(unmanaged),
                unmanaged_truncated, notes, changes=semantic_changes(state.document, target_document(spec)))

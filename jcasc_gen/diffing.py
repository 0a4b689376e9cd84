"""Differences that matter: a semantic change list of the managed JCasC sections, a semantic
file comparison, and a unified text diff (colour.py paints it).

Semantics come from `jcasc.normalize_managed` (key order, quoting, `^${` escaping and blank
jwtAuth strings vanish) and from `importer.parse_strategy` (every matrix-auth form becomes the
same entries, so a live export in the legacy `permissions:` form compares with `entries`).
Entry and permission order never matter: matrix-auth keeps both in sorted maps
(GlobalMatrixAuthorizationStrategy / AuthorizationContainer).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any, Mapping

import yaml

from .jcasc import JWT_ATTRIBUTES, managed_sections, normalize_managed
from .model import java_sort_key

__all__ = ["PrincipalChange", "FieldChange", "Changes", "semantic_changes", "files_equal", "unified", "canonical_yaml"]

_KEY = {"user": "user", "group": "group", "user_or_group": "userOrGroup"}


@dataclass(frozen=True)
class PrincipalChange:
    kind: str  # JCasC key: user | group | userOrGroup
    name: str
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "added": list(self.added), "removed": list(self.removed)}


@dataclass(frozen=True)
class FieldChange:
    name: str
    current: Any
    target: Any

    def to_json(self) -> dict[str, Any]:
        return {"field": self.name, "current": self.current, "target": self.target}


@dataclass
class Changes:
    """From `current` (disk or live) to `target` (what the spec generates)."""

    strategy: FieldChange | None = None
    realm: FieldChange | None = None
    realm_fields: list[FieldChange] = field(default_factory=list)
    added: list[PrincipalChange] = field(default_factory=list)
    removed: list[PrincipalChange] = field(default_factory=list)
    changed: list[PrincipalChange] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # parts that could not be read

    @property
    def empty(self) -> bool:
        return not (self.strategy or self.realm or self.realm_fields or self.added or self.removed or self.changed or self.problems)

    def to_json(self) -> dict[str, Any]:
        return {
            "strategy": self.strategy.to_json() if self.strategy else None,
            "realm": self.realm.to_json() if self.realm else None,
            "realm_fields": [c.to_json() for c in self.realm_fields],
            "principals": {"added": [c.to_json() for c in self.added], "removed": [c.to_json() for c in self.removed],
                           "changed": [c.to_json() for c in self.changed]},
            "problems": list(self.problems),
        }

    def settings_summary(self) -> list[str]:
        """The strategy and realm lines of `summary` (what decides who gets in at all)."""
        return self._strategy_line() + self.realm_lines()

    def summary(self) -> list[str]:
        """Human lines, `+` for what the spec adds, `-` for what it removes, `~` for a change."""
        return self.settings_summary() + self._principal_changes() + self.problem_lines()

    def principal_lines(self) -> list[str]:
        """The matrix as people see it: the strategy if it changes, then one line per principal
        whose permissions change (`- user bob@corp.example.com: Job/Configure`)."""
        return self._strategy_line() + self._principal_changes()

    def _strategy_line(self) -> list[str]:
        if not self.strategy:
            return []
        return [f"~ authorization strategy: {self.strategy.current or 'none'} -> {self.strategy.target}"]

    def _principal_changes(self) -> list[str]:
        out: list[str] = []
        for c in self.added:
            out.append(f"+ {c.kind} {c.name}: {', '.join(c.added)}")
        for c in self.removed:
            out.append(f"- {c.kind} {c.name}: {', '.join(c.removed)}")
        for c in self.changed:
            parts = [f"+{p}" for p in c.added] + [f"-{p}" for p in c.removed]
            out.append(f"~ {c.kind} {c.name}: {' '.join(parts)}")
        return out

    def realm_lines(self) -> list[str]:
        out: list[str] = []
        if self.realm:
            out.append(f"~ security realm: {self.realm.current or 'none'} -> {self.realm.target}")
        for fc in self.realm_fields:
            out.append(f"~ jwtAuth.{fc.name}: {_show(fc.current)} -> {_show(fc.target)}")
        return out

    def problem_lines(self) -> list[str]:
        return [f"! {p}" for p in self.problems]


def _show(value: Any) -> str:
    return "(unset)" if value is None else repr(value) if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else str(value)


def _entries(strategy: Any, problems: list[str], label: str) -> tuple[str | None, dict[tuple[str, str], frozenset[str]]]:
    from .importer import ImportError_, parse_strategy

    if isinstance(strategy, str):
        return strategy, {}  # e.g. `authorizationStrategy: unsecured`
    if not isinstance(strategy, Mapping) or not strategy:
        return None, {}
    symbol = next(iter(strategy))
    try:
        parsed = parse_strategy(strategy)
    except ImportError_ as exc:
        problems.append(f"{label}: {exc}")
        return symbol, {}
    return symbol, {(_KEY[e.kind], e.name): e.permissions for e in parsed.entries}


def semantic_changes(current: Mapping[str, Any] | None, target: Mapping[str, Any]) -> Changes:
    """The change list between two JCasC documents' managed sections (current -> target)."""
    out = Changes()
    cur = normalize_managed(current)["jenkins"]
    tgt = normalize_managed(target)["jenkins"]
    c_sym, c_entries = _entries(cur.get("authorizationStrategy"), out.problems, "current authorizationStrategy")
    t_sym, t_entries = _entries(tgt.get("authorizationStrategy"), out.problems, "generated authorizationStrategy")
    if c_sym != t_sym:
        out.strategy = FieldChange("authorizationStrategy", c_sym, t_sym)
    for key in sorted(set(c_entries) | set(t_entries), key=lambda k: (k[0], java_sort_key(k[1]))):
        before, after = c_entries.get(key, frozenset()), t_entries.get(key, frozenset())
        plus = tuple(sorted(after - before, key=java_sort_key))
        minus = tuple(sorted(before - after, key=java_sort_key))
        if key not in c_entries:
            out.added.append(PrincipalChange(key[0], key[1], added=plus))
        elif key not in t_entries:
            out.removed.append(PrincipalChange(key[0], key[1], removed=minus))
        elif plus or minus:
            out.changed.append(PrincipalChange(key[0], key[1], plus, minus))
    c_realm = cur.get("securityRealm") or {}
    t_realm = tgt.get("securityRealm") or {}
    c_kind = next(iter(c_realm), None) if isinstance(c_realm, Mapping) else str(c_realm)
    t_kind = next(iter(t_realm), None) if isinstance(t_realm, Mapping) else str(t_realm)
    if c_kind != t_kind:
        out.realm = FieldChange("securityRealm", c_kind, t_kind)
    elif t_kind == "jwtAuth":
        a, b = c_realm.get("jwtAuth"), t_realm.get("jwtAuth")
        a, b = (a if isinstance(a, Mapping) else {}), (b if isinstance(b, Mapping) else {})
        for attr in sorted(set(JWT_ATTRIBUTES) | set(a) | set(b)):
            if a.get(attr) != b.get(attr):
                out.realm_fields.append(FieldChange(attr, a.get(attr), b.get(attr)))
    elif c_realm != t_realm:
        out.realm = FieldChange("securityRealm", c_kind, t_kind)
    return out


def _without_managed(doc: Any) -> Any:
    if not isinstance(doc, Mapping):
        return doc
    rest = {k: v for k, v in doc.items() if k != "jenkins"}
    jenkins = doc.get("jenkins")
    if isinstance(jenkins, Mapping):
        others = {k: v for k, v in jenkins.items() if k not in managed_sections(doc)["jenkins"]}
        if others:
            rest["jenkins"] = others
    return rest


def files_equal(name: str, current_text: str, target_text: str) -> bool:
    """Do the two texts of generated file `name` mean the same to their consumer?

    Each file's own parser (the one render's parse-back uses) decides; for jenkins.yaml the
    managed sections are compared through `normalize_managed`. A file that does not parse is
    different.
    """
    if current_text == target_text:
        return True
    from .render import FILES, RenderError

    rule = FILES.get(name)
    if rule is None:
        return False
    try:
        a, b = rule.read(current_text), rule.read(target_text)
    except (yaml.YAMLError, RenderError, KeyError, TypeError, AttributeError, ValueError):
        return False
    if rule.dialect == "jcasc":
        if not (isinstance(a, Mapping) and isinstance(b, Mapping)):
            return bool(a == b)
        return normalize_managed(a) == normalize_managed(b) and _without_managed(a) == _without_managed(b)
    return bool(a == b)


def canonical_yaml(document: Mapping[str, Any] | None) -> str:
    """The managed sections as sorted, normalized YAML: a text diff of two of these shows only
    real changes."""
    return yaml.safe_dump(normalize_managed(document), sort_keys=True, default_flow_style=False, allow_unicode=True, width=4096)


def unified(current: str | None, target: str | None, current_name: str, target_name: str) -> list[str]:
    a = [] if current is None else current.splitlines(keepends=True)
    b = [] if target is None else target.splitlines(keepends=True)
    lines = list(difflib.unified_diff(a, b, current_name if current is not None else "/dev/null",
                                      target_name if target is not None else "/dev/null"))
    return [ln if ln.endswith("\n") else ln + "\n\\ No newline at end of file\n" for ln in lines]


def summary_lines(changes: Changes) -> list[str]:
    return [ln + "\n" for ln in changes.summary()]

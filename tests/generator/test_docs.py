"""docs/spec.md stays the complete reference: every schema key, every lint rule with its
severity and title, every exit code, the built-in pins and the disabled permissions."""

from __future__ import annotations

import json
import re
from typing import Any, Iterator

from jcasc_gen import permissions, pins
from jcasc_gen.exitcodes import ExitCode
from jcasc_gen.lint_rules import RULES

from ._cli import REPO

DOC = (REPO / "docs" / "spec.md").read_text(encoding="utf-8")


def _keys(node: dict[str, Any], prefix: str = "") -> Iterator[str]:
    for key, sub in node.get("properties", {}).items():
        yield prefix + key
        yield from _keys(sub, f"{prefix}{key}.")


def test_every_schema_key_is_documented() -> None:
    schema = json.loads((REPO / "schemas" / "spec.schema.json").read_text(encoding="utf-8"))
    def documented(key: str) -> bool:
        parts = key.split(".")
        suffixes = [".".join(parts[i:]) for i in range(len(parts))]
        return any(f"`{s}`" in DOC or f"`{s}." in DOC for s in suffixes)

    missing = [k for k in _keys(schema) if not documented(k)]
    assert not missing


def test_every_lint_rule_is_in_the_table_with_its_severity() -> None:
    for code, rule in RULES.items():
        row = re.search(rf"^\| {code} \| (\w+) \| ([^|]+) \|", DOC, re.M)
        assert row, code
        assert (row.group(1), row.group(2).strip()) == (rule.severity, rule.title), code


def test_exit_codes_pins_and_disabled_permissions_are_documented() -> None:
    for code in ExitCode:
        assert re.search(rf"^\| {int(code)} \| ", DOC, re.M), code
    for name, version in pins.KNOWN_GOOD.items():
        assert f"{name} `{version}`" in DOC
    for perm in permissions.CATALOG.values():
        if not perm.enabled:
            assert f"`{perm.id}`" in DOC

"""What the live Jenkins has now: version, the JCasC export, plugins."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..jcasc import managed_sections

__all__ = ["LiveState", "read_state", "parse_export", "realm_symbol", "strategy_symbol"]


@dataclass(frozen=True)
class LiveState:
    version: str | None
    export_text: str = field(repr=False)
    document: dict[str, Any] = field(repr=False)
    plugins: dict[str, Any]  # name -> client.PluginInfo
    offers: dict[str, str] | None = None  # name -> version the update centre offers; None: not read

    @property
    def managed(self) -> dict[str, Any]:
        return managed_sections(self.document)


def parse_export(text: str) -> dict[str, Any]:
    """The export as data. JCasC writes plain block YAML (jenkins-facts A.6); it is read like a
    spec (loader.load_data: size cap, alias budget, no tags or duplicate keys), since whatever
    answers at --url decides what it contains."""
    from ..client import ServerError
    from ..diagnostics import SpecError
    from ..loader import load_data

    try:
        data = load_data(text, "the JCasC export")
    except SpecError as exc:
        first = exc.diagnostics[0]
        raise ServerError(f"the JCasC export is not usable YAML: line {first.line}: {first.message}",
                          hint="is --url the Jenkins root?") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ServerError("the JCasC export is not a YAML mapping")
    return data


def read_state(client: Any, *, offers: bool = False) -> LiveState:
    """`offers`: also read what the update centre offers (plan and apply predict installs)."""
    version = client.version()
    plugins = client.plugins()
    text = client.casc_export()
    return LiveState(version, text, parse_export(text), plugins, client.update_center_offers() if offers else None)


def _symbol(section: Any) -> str | None:
    if isinstance(section, dict) and len(section) == 1:
        return str(next(iter(section)))
    if isinstance(section, str):
        return section  # e.g. `authorizationStrategy: unsecured`
    return None


def realm_symbol(document: Any) -> str | None:
    return _symbol(managed_sections(document)["jenkins"].get("securityRealm"))


def strategy_symbol(document: Any) -> str | None:
    return _symbol(managed_sections(document)["jenkins"].get("authorizationStrategy"))

"""Reading Jenkins' answers into the client's values (behind `jcasc_gen.client`).

Each function takes what Jenkins sent and returns what it means, or a neutral value when the
answer does not have the expected shape: whether a shape error is fatal is the caller's call
(a missing `quietingDown` only means "unknown", a non-JSON /whoAmI is a wrong --url).
"""

from __future__ import annotations

import json
import re
from typing import Any

from ._client_errors import CascMessage
from ._client_types import PluginInfo, WhoAmI

__all__ = ["excerpt", "casc_messages", "crumb", "whoami", "plugins", "update_center_offers", "quieting_down",
           "busy_executors", "item_children"]


def excerpt(text: str, limit: int = 300) -> str:
    """A short, single-line look at a response body (HTML pages are mostly noise)."""
    plain = re.sub(r"<script.*?</script>|<style.*?</style>", " ", text, flags=re.S | re.I)
    plain = re.sub(r"<[^>]+>", " ", plain)
    plain = " ".join(plain.split())
    return plain[:limit] + ("..." if len(plain) > limit else "")


def casc_messages(text: str) -> list[CascMessage]:
    """JCasC's check/configure answer: `[{"line": n, "message": ...}]` (PR #2648), or the older
    `warning` key; anything else is no message."""
    try:
        data = json.loads(text)
    except ValueError:
        return []
    if not isinstance(data, list):
        return []
    out = []
    for item in data:
        if isinstance(item, dict):
            msg = item.get("message", item.get("warning"))  # `warning` before PR #2648
            try:
                line = int(item.get("line", -1))
            except (TypeError, ValueError):
                line = -1
            out.append(CascMessage(line, str(msg)))
    return out


def crumb(text: str) -> tuple[str, str] | None:
    """crumbIssuer/api/json: (the request field, the crumb), or None when the answer lacks them."""
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("crumb"), str) and isinstance(data.get("crumbRequestField"), str):
        return data["crumbRequestField"], data["crumb"]
    return None


def whoami(data: dict[str, Any]) -> WhoAmI:
    return WhoAmI(str(data.get("name", "")), tuple(str(a) for a in data.get("authorities") or ()),
                  bool(data.get("anonymous", False)))


def plugins(data: dict[str, Any]) -> dict[str, PluginInfo]:
    """pluginManager/api/json at depth 1 (hudson/PluginWrapper.java @Exported)."""
    out: dict[str, PluginInfo] = {}
    for p in data.get("plugins") or []:
        if isinstance(p, dict) and p.get("shortName"):
            out[p["shortName"]] = PluginInfo(p["shortName"], str(p.get("version", "")), bool(p.get("active", False)),
                                             bool(p.get("enabled", True)))
    return out


def update_center_offers(sites: object) -> dict[str, str] | None:
    """name -> the newest version any site offers, from each site's `availables` and `updates`;
    None when `sites` is not a list."""
    from . import pins

    if not isinstance(sites, list):
        return None
    out: dict[str, str] = {}
    for site in sites:
        if not isinstance(site, dict):
            continue
        for entry in (site.get("availables") or []) + (site.get("updates") or []):
            if isinstance(entry, dict) and isinstance(entry.get("name"), str) and isinstance(entry.get("version"), str):
                name, version = entry["name"], entry["version"]
                if name not in out or pins.older_than(out[name], version):
                    out[name] = version
    return out


def quieting_down(text: str) -> bool | None:
    """api/json?tree=quietingDown: the flag, or None when the answer does not say."""
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("quietingDown"), bool):
        return bool(data["quietingDown"])
    return None


def busy_executors(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def item_children(data: dict[str, Any]) -> list[tuple[str, bool]]:
    """(name, is a folder) per entry of `jobs`: a folder's entry lists `jobs` itself at depth 1
    (cloudbees-folder AbstractFolder.getItems is exported as `jobs`)."""
    out = []
    for job in data.get("jobs") or []:
        if isinstance(job, dict) and isinstance(job.get("name"), str):
            out.append((job["name"], "jobs" in job))
    return out

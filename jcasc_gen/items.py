"""`authorization.items`: folder and job matrices, checked and modelled.

An item matrix is matrix-auth's AuthorizationMatrixProperty on one folder or job: an
inheritance strategy and typed entries, like the global matrix. Only the project matrix reads
them (matrix-auth-plugin@matrix-auth-3.2.8 ProjectMatrixAuthorizationStrategy.java:36-80; under
globalMatrix the item properties are ignored), so items need `strategy: project`.

Only permissions whose scope an item's matrix holds are kept by matrix-auth: reading a
config.xml it adds a permission only when `isContainedBy` the property's scope, and skips any
other with a WARNING ("Tried to add inapplicable permission", AuthorizationContainer.java:211-217).
Folders hold ITEM_GROUP (and what is inside it), jobs ITEM (`permissions.allowed_on`):
Overall/* and Agent/* fit neither and are errors; Job/Create and View/* fit folders only, which
`apply` checks once it knows what each item is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Literal, Mapping, Sequence

from . import item_paths, permissions
from .diagnostics import PathItem
from .loader import LoadedDocument

__all__ = ["items_document", "Inherit", "INHERIT_CLASSES", "INHERIT_SYMBOLS", "FOLDER_PROPERTY", "JOB_PROPERTY", "ItemMatrix", "check_items",
           "ITEMS_PLUGIN", "folder_only"]

Inherit = Literal["parent", "global", "none"]

# matrix-auth-3.2.8 src/main/java/org/jenkinsci/plugins/matrixauth/inheritance/*.java: the classes
# written in config.xml (AbstractAuthorizationPropertyConverter.java:45-56, getCanonicalName) and
# their @Symbol, the Job DSL / JCasC names (InheritParentStrategy "inheriting", InheritGlobalStrategy
# "inheritingGlobal", NonInheritingStrategy "nonInheriting").
_INHERITANCE = "org.jenkinsci.plugins.matrixauth.inheritance."
INHERIT_CLASSES: Mapping[str, str] = {
    "parent": _INHERITANCE + "InheritParentStrategy",
    "global": _INHERITANCE + "InheritGlobalStrategy",
    "none": _INHERITANCE + "NonInheritingStrategy",
}
INHERIT_SYMBOLS: Mapping[str, str] = {"parent": "inheriting", "global": "inheritingGlobal", "none": "nonInheriting"}

# The property classes (jenkins-facts H.1; matrix-auth-3.2.8
# src/main/java/com/cloudbees/hudson/plugins/folder/properties/AuthorizationMatrixProperty.java:77 and
# src/main/java/hudson/security/AuthorizationMatrixProperty.java).
FOLDER_PROPERTY = "com.cloudbees.hudson.plugins.folder.properties.AuthorizationMatrixProperty"
JOB_PROPERTY = "hudson.security.AuthorizationMatrixProperty"

# Folders are cloudbees-folder's; matrix-auth depends on it only optionally (pom.xml:68-72) and
# registers the folder property as an optional extension (AuthorizationMatrixProperty.java:154).
ITEMS_PLUGIN = "cloudbees-folder"


@dataclass(frozen=True)
class ItemMatrix:
    path: str
    inherit: Inherit
    grants: tuple[Any, ...]  # model.Grant; `index` is the position in this item's grants
    index: int  # position in authorization.items

    @property
    def key(self) -> str:
        return item_paths.item_key(self.path)

    @property
    def inherit_class(self) -> str:
        return INHERIT_CLASSES[self.inherit]

    def entries(self) -> list[Any]:
        """Grants in JCasC export order, like the global matrix's."""
        from .model import java_sort_key

        rank = {"user_or_group": 0, "group": 1, "user": 2}
        return sorted(self.grants, key=lambda g: (rank[g.kind], java_sort_key(g.name)))

    def permissions(self) -> set[str]:
        return {p for g in self.grants for p in g.effective}


def folder_only(permission_id: str) -> bool:
    """Granted on a folder, kept; on a job, dropped by matrix-auth (Job/Create, View/*)."""
    return permissions.allowed_on(permission_id, permissions.FOLDER_SCOPE) is True and \
        permissions.allowed_on(permission_id, permissions.JOB_SCOPE) is False


def _scope_problem(pid: str) -> str | None:
    if permissions.allowed_on(pid, permissions.FOLDER_SCOPE) is False:
        group = pid.split("/", 1)[0]
        return f"{pid} cannot be granted on an item (matrix-auth drops {group} permissions from folder and job matrices)"
    return None


_GLOBAL_HINT = "grant it in authorization.grants; an item takes Job, Run, SCM, Credentials and (folders) View permissions"


def check_items(doc: LoadedDocument, at: Callable[..., None], roles: Mapping[str, Any],
                check_perm: Callable[[tuple[PathItem, ...], Any], None], used: set[str]) -> set[str]:
    """Checks authorization.items; returns every permission the item grants give."""
    from .model_checks import check_grants

    authz = doc.data.get("authorization")
    items = authz.get("items") if isinstance(authz, dict) else None
    if not isinstance(items, list) or not items:
        return set()
    base: tuple[PathItem, ...] = ("authorization", "items")
    strategy = authz.get("strategy", "global")
    if strategy != "project":
        at(base, "authorization.items need `strategy: project`" + (" (this spec has the global matrix)" if strategy == "global" else ""),
           "set authorization.strategy: project; under the global matrix Jenkins ignores folder and job matrices", key=True)
    granted: set[str] = set()
    seen: dict[str, int] = {}
    extras = {e for e in _list(authz.get("extra_permissions")) if isinstance(e, str)} | {
        e["id"] for e in _list(authz.get("extra_permissions")) if isinstance(e, dict) and isinstance(e.get("id"), str)}
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        path = item.get("path")
        where = base + (i,)
        if isinstance(path, str) and path:
            problem = item_paths.path_problem(path)
            if problem is not None:
                at(where + ("path",), problem[0], problem[1])
            else:
                key = item_paths.item_key(path)
                if key in seen:
                    first = seen[key]
                    same = "" if items[first].get("path") == path else f" ({items[first].get('path')!r})"
                    at(where + ("path",), f"item {path!r} is already listed at {doc.describe(base + (first,))}{same}",
                       "Jenkins compares item names case-insensitively; merge the two entries into one")
                else:
                    seen[key] = i
        grants = item.get("grants")
        granted |= check_grants(doc, at, grants, where + ("grants",), roles, check_perm, used)
        for j, g in enumerate(_list(grants)):
            if not isinstance(g, dict):
                continue
            for k, pid in enumerate(_list(g.get("permissions"))):
                if not isinstance(pid, str):
                    continue
                scope = _scope_problem(pid)
                if scope:
                    at(where + ("grants", j, "permissions", k), scope, _GLOBAL_HINT)
                elif pid in extras and pid not in permissions.CATALOG:
                    at(where + ("grants", j, "permissions", k),
                       f"{pid} is a plugin permission whose scope this tool does not know; matrix-auth drops it from an item "
                       "matrix unless its plugin scopes it to items", "apply reads the item back and reports a dropped permission",
                       warn=True)
            for k, rname in enumerate(_list(g.get("roles"))):
                if not isinstance(rname, str) or not isinstance(roles.get(rname), list):
                    continue
                bad = [p for p in roles[rname] if isinstance(p, str) and _scope_problem(p)]
                if bad:
                    at(where + ("grants", j, "roles", k),
                       f"role {rname!r} grants {', '.join(bad)}, which cannot be granted on an item "
                       "(matrix-auth drops Overall and Agent permissions from folder and job matrices)",
                       "give items roles of item permissions only; grant Overall and Agent permissions in authorization.grants")
    return granted


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def build_items(authz: Mapping[str, Any], make_grants: Callable[[Sequence[Any]], tuple[Any, ...]]) -> tuple[ItemMatrix, ...]:
    out = []
    for i, item in enumerate(authz.get("items") or ()):
        out.append(ItemMatrix(item["path"], item.get("inherit", "parent"), make_grants(item["grants"]), i))
    return tuple(sorted(out, key=lambda m: item_paths.sort_key(m.path)))


def items_document(spec: Any) -> dict[str, Any]:
    """What items.yaml holds (and `apply` sets): each item's path, inheritance and typed
    entries, items in the order Jenkins lists them, entries and permissions in JCasC export order."""
    from .jcasc import ENTRY_KEYS

    return {"items": [
        {"path": m.path, "inherit": m.inherit,
         "entries": [{ENTRY_KEYS[g.kind]: {"name": g.name, "permissions": list(g.effective)}} for g in m.entries()]}
        for m in spec.authorization.items]}

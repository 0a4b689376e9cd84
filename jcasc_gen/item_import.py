"""Item matrices read from a live Jenkins -> `authorization.items` of an imported spec.

Each matrix (item_xml.Matrix, as its config.xml holds it) becomes one item: its path, its
inheritance (`parent` is left out, the default) and one grant per principal with the
permissions the item's matrix really keeps. Left out, each with a note: permissions matrix-auth
does not keep on an item (it skips them when it loads the item), permissions the catalog does
not know, principals left with nothing, and items whose inheritance class is not one of
matrix-auth's three. Untyped (EITHER) entries become `user_or_group` and are flagged, like the
global matrix's. Under the global matrix Jenkins ignores item matrices, so none is imported.
"""

from __future__ import annotations

from typing import Any, Sequence

from . import item_paths, permissions
from .item_xml import Matrix
from .items import INHERIT_CLASSES

__all__ = ["item_section"]

_KIND = {"USER": "user", "GROUP": "group", "EITHER": "user_or_group"}


def item_section(items: Sequence[tuple[str, Matrix]], strategy: str, notes: list[Any]) -> list[dict[str, Any]]:
    """`strategy`: the live symbol (globalMatrix | projectMatrix); `notes` gets importer.Note items."""
    from .importer import Note
    from .model import java_sort_key

    if not items:
        return []
    if strategy != "projectMatrix":
        notes.append(Note("warning", f"{len(items)} item matri{'x' if len(items) == 1 else 'ces'} found, but the strategy is "
                                     f"{strategy}, under which Jenkins ignores them; not imported"))
        return []
    out = []
    for path, matrix in sorted(items, key=lambda pm: item_paths.sort_key(pm[0])):
        if matrix.inherit not in INHERIT_CLASSES:
            notes.append(Note("warning", f"item {path!r}: inheritance {matrix.inherit!r} is not one of matrix-auth's; not imported"))
            continue
        if item_paths.path_problem(path) is not None:
            notes.append(Note("warning", f"item {path!r}: not a name the spec accepts ({item_paths.path_problem(path)[0]}); not imported"))  # type: ignore[index]
            continue
        grants = []
        for (etype, sid), perms in sorted(matrix.by_principal().items(), key=lambda kv: ({"EITHER": 0, "GROUP": 1, "USER": 2}[kv[0][0]],
                                                                                              java_sort_key(kv[0][1]))):
            kept = []
            for pid in sorted(perms, key=java_sort_key):
                if pid not in permissions.CATALOG:
                    notes.append(Note("warning", f"item {path!r}: {etype.lower()} {sid}: permission {pid!r} is not in the catalog; "
                                                 "left out"))
                elif permissions.allowed_on(pid, permissions.FOLDER_SCOPE) is False:
                    notes.append(Note("info", f"item {path!r}: {etype.lower()} {sid}: {pid} has no effect on an item "
                                              "(matrix-auth skips it); left out"))
                else:
                    kept.append(pid)
            if not kept:
                continue
            grants.append({_KIND[etype]: sid, "permissions": kept})
            if etype == "EITHER":
                notes.append(Note("warning", f"item {path!r}: user_or_group {sid!r} is ambiguous (matrix-auth matches it as a user "
                                             "and as a group): change it to `user:` or `group:` after checking which it is"))
        if not grants:
            notes.append(Note("warning", f"item {path!r}: its matrix grants nothing that applies; not imported"))
            continue
        entry: dict[str, Any] = {"path": path}
        if matrix.inherit != "parent":
            entry["inherit"] = matrix.inherit
        entry["grants"] = grants
        out.append(entry)
    return out

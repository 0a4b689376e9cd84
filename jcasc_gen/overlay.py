"""Several controllers from one spec: each entry of `controllers:` overlays the rest of the file.

The merge happens on plain data, before the schema and the model, so everything after it sees
one ordinary spec per controller. Maps merge key by key; `authorization.grants`,
`authorization.items` and `lint.accept` are appended (the overlay's after the top level's): a
controller adds grants, and accepts the risks its own grants bring; every other value,
lists included, is replaced by the overlay's. `authorization.roles` is a map, so roles merge by
name and a controller may redefine one.

Each merged value remembers where it was written (`Origin`), so a diagnostic about a
controller's spec points at the overlay's line, or at the top-level line the controller
inherits, and names that path: the merged document (`ControllerDocument`) is located through
the file's own text. Origins are kept per merged map and per appended list, never per list
item, so a spec with many grants costs no more than its maps.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Mapping, Sequence, Union

from .diagnostics import PathItem
from .loader import LoadedDocument

__all__ = ["APPENDED", "ControllerDocument", "Origin", "merge", "is_controller_name", "controller_name_pattern",
           "env_prefix", "CONTROLLERS_KEY"]

CONTROLLERS_KEY = "controllers"
# Lists an overlay adds to instead of replacing (merged paths).
APPENDED: frozenset[tuple[str, ...]] = frozenset({("authorization", "grants"), ("authorization", "items"), ("lint", "accept")})


@lru_cache(maxsize=1)
def controller_name_pattern() -> str:
    """The schema's rule for a controller name (one place: `$defs.controllers.propertyNames`)."""
    from .schema import schema

    pattern: str = schema()["$defs"]["controllers"]["propertyNames"]["pattern"]
    return pattern


def is_controller_name(name: object) -> bool:
    # fullmatch: a JSON Schema `$` lets a trailing newline through, a name must not have one
    return isinstance(name, str) and re.fullmatch(controller_name_pattern().strip("^$"), name) is not None


def env_prefix(name: str) -> str:
    """`JCASC_GEN_<NAME>_`: the controller's own environment variables (upper case, `-` as `_`).
    Controller names have no `_`, so two names never share a prefix."""
    return "JCASC_GEN_" + name.upper().replace("-", "_") + "_"


# ---------------------------------------------------------------------------------------
# Origins: where each part of a merged value was written


@dataclass(frozen=True)
class Whole:
    """The value and everything under it came from `path` unchanged."""

    path: tuple[PathItem, ...]


@dataclass(frozen=True)
class MergedMap:
    """A map made of both sides: `path` locates the map itself (the overlay's, which the
    controller wrote), `keys` each key's origin."""

    path: tuple[PathItem, ...]
    keys: Mapping[PathItem, "Origin"]


@dataclass(frozen=True)
class Appended:
    """A list made of runs of items: (first merged index, the source list's path, its length)."""

    path: tuple[PathItem, ...]
    runs: tuple[tuple[int, tuple[PathItem, ...], int], ...]


Origin = Union[Whole, MergedMap, Appended]


def source_of(origin: Origin, path: Sequence[PathItem]) -> tuple[PathItem, ...]:
    """Where the merged value at `path` was written. A path below what exists (a missing key
    a diagnostic names) continues from its deepest existing part."""
    node = origin
    for i, step in enumerate(path):
        if isinstance(node, Whole):
            return node.path + tuple(path[i:])
        if isinstance(node, MergedMap):
            child = node.keys.get(step)
            if child is None:
                return node.path + tuple(path[i:])
            node = child
            continue
        if isinstance(step, int) and not isinstance(step, bool):
            for start, where, length in node.runs:
                if start <= step < start + length:
                    node = Whole(where + (step - start,))
                    break
            else:
                return node.path + tuple(path[i:])
            continue
        return node.path + tuple(path[i:])
    return node.path


def merge(base: Any, overlay: Any, *, base_path: tuple[PathItem, ...] = (),
          overlay_path: tuple[PathItem, ...] = ()) -> tuple[Any, Origin]:
    """`overlay` over `base`, and where each part came from. Neither input is changed; parts
    taken whole are shared, not copied."""
    return _merge(base, overlay, base_path, overlay_path, ())


def _merge(base: Any, overlay: Any, bp: tuple[PathItem, ...], op: tuple[PathItem, ...],
           at: tuple[PathItem, ...]) -> tuple[Any, Origin]:
    if isinstance(base, dict) and isinstance(overlay, dict):
        out: dict[Any, Any] = {}
        keys: dict[PathItem, Origin] = {}
        for k, v in base.items():
            out[k] = v
            keys[k] = Whole(bp + (k,))
        for k, v in overlay.items():
            if k in base:
                out[k], keys[k] = _merge(base[k], v, bp + (k,), op + (k,), at + (k,))
            else:
                out[k] = v
                keys[k] = Whole(op + (k,))
        return out, MergedMap(op, keys)
    if at in APPENDED and isinstance(base, list) and isinstance(overlay, list):
        return base + overlay, Appended(op, ((0, bp, len(base)), (len(base), op, len(overlay))))
    return overlay, Whole(op)


# ---------------------------------------------------------------------------------------
# The merged spec of one controller, located in the file it came from


@dataclass
class ControllerDocument(LoadedDocument):
    """One controller's merged spec. Its diagnostics are located in the file (the overlay's
    line, or the top-level line it inherits), name that path, and carry the controller."""

    controller: str = ""
    origin: Origin = field(default_factory=lambda: Whole(()))

    @classmethod
    def of(cls, file: LoadedDocument, controller: str, data: Any, origin: Origin) -> "ControllerDocument":
        return cls(file.name, data, file.text, [], controller=controller, origin=origin)

    def source_path(self, path: Sequence[PathItem]) -> tuple[PathItem, ...]:
        return source_of(self.origin, path)

    @property
    def controllers(self) -> tuple[str, ...]:
        return (self.controller,)

"""A spec file as the controllers it describes.

A file without `controllers:` is one member (named None) and behaves exactly as before. A file
with it is one member per controller: the top level with the controller's overlay merged in
(overlay.py), each checked as a whole spec, each diagnostic located in the file and naming the
controller; a problem every controller inherits from the same top-level line is reported once,
naming them all.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from ._perf import gc_paused
from .diagnostics import Diagnostic, SpecError, combine_controllers
from .loader import LoadedDocument, load_file, load_text
from .model import LoadedSpec, _from_doc, _order, _outside, build_spec
from .model_checks import semantic_check
from .overlay import CONTROLLERS_KEY, ControllerDocument, controller_name_pattern, is_controller_name, merge
from .schema import CONTROLLER_NAME_HINT, schema, validate_controllers, validate_shape, without_misspelt_required

__all__ = ["Member", "Fleet", "load_fleet", "load_fleet_text", "fleet_from_doc", "sorted_diagnostics"]


@dataclass(frozen=True)
class Member:
    """One controller's spec; `name` is None for a file without `controllers:`."""

    name: str | None
    loaded: LoadedSpec


@dataclass(frozen=True)
class Fleet:
    document: LoadedDocument
    names: tuple[str, ...]  # every controller the file defines, in file order; () without `controllers:`
    members: tuple[Member, ...]  # the ones asked for (all unless narrowed), in file order
    warnings: tuple[Diagnostic, ...]  # of every member, shared ones once

    @property
    def has_controllers(self) -> bool:
        return bool(self.names)

    @property
    def source(self) -> str:
        return self.document.name


def sorted_diagnostics(diags: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Shared findings once (naming their controllers), in source order."""
    return sorted(combine_controllers(diags), key=lambda d: (*_order(d), d.controllers))


def load_fleet(path: str | os.PathLike[str], *, only: Sequence[str] | None = None,
               display_name: str | None = None) -> Fleet:
    """Load and check the spec file's controllers (`only` these, when given). Raises SpecError
    with every error found in them."""
    with gc_paused():
        doc = load_file(path, display_name=display_name, keep_going=True)
        return fleet_from_doc(doc, os.path.dirname(os.path.abspath(os.fspath(path))), only=only)


def load_fleet_text(text: str | bytes, name: str = "<spec>", base_dir: str = ".", *,
                    only: Sequence[str] | None = None) -> Fleet:
    return fleet_from_doc(load_text(text, name, keep_going=True), os.path.abspath(base_dir), only=only)


def _overlay_keys() -> frozenset[str]:
    return frozenset(schema()["$defs"]["controllerOverlay"]["properties"])


def fleet_from_doc(doc: LoadedDocument, base_dir: str, *, only: Sequence[str] | None = None,
                   one: bool = False) -> Fleet:
    """`one`: the caller needs exactly one controller (a file with several must name it)."""
    data = doc.data
    if not isinstance(data, dict) or CONTROLLERS_KEY not in data:
        if only:
            where = doc.diag((), "this spec defines no controllers, so there is none to choose",
                             f"drop the controller name ({', '.join(only)}), or add `controllers:`")
            raise SpecError(doc.problems + doc.resolve([where]))
        loaded = _from_doc(doc, base_dir)
        return Fleet(doc, (), (Member(None, loaded),), tuple(loaded.warnings))

    file_diags = validate_controllers(doc)
    controllers = data[CONTROLLERS_KEY]
    if not isinstance(controllers, dict) or not controllers:
        raise SpecError(doc.problems + sorted_diagnostics(doc.resolve(file_diags)))
    names = tuple(k for k in controllers if isinstance(k, str))
    for name in names:
        # what the schema's pattern lets through but a name must not have (a trailing newline,
        # which a JSON Schema `$` accepts): it would name a folder and environment variables
        if not is_controller_name(name) and re.search(controller_name_pattern(), name):
            file_diags.append(doc.diag((CONTROLLERS_KEY, name), f"controller name {name!r} is not a DNS label",
                                       CONTROLLER_NAME_HINT, key=True))
    chosen = _choose(doc, names, only, one)
    base = {k: v for k, v in data.items() if k != CONTROLLERS_KEY}
    allowed = _overlay_keys()
    found: list[Diagnostic] = []
    built: list[tuple[str, Any, ControllerDocument]] = []
    for name in chosen:
        overlay = controllers[name]
        if not isinstance(overlay, dict):
            continue  # validate_controllers said so
        # keys an overlay cannot have are reported above, once for the file; merging them too
        # would report them again for the controller
        overlay = {k: v for k, v in overlay.items() if k in allowed}
        out = overlay.get("output")
        if isinstance(out, dict) and "dir" in out:
            file_diags.append(doc.diag((CONTROLLERS_KEY, name, "output", "dir"), "a controller cannot set output.dir",
                                       f"each controller writes into its own folder, <output.dir>/{name}/: set "
                                       "output.dir once at the top level (or pass -o)", key=True))
            overlay["output"] = {k: v for k, v in out.items() if k != "dir"}
        merged, origin = merge(base, overlay, overlay_path=(CONTROLLERS_KEY, name))
        cdoc = ControllerDocument.of(doc, name, merged, origin)
        diags = cdoc.resolve(validate_shape(cdoc) + semantic_check(cdoc))
        found += diags
        if not any(d.severity == "error" for d in diags):
            built.append((name, merged, cdoc))
    shared = without_misspelt_required(sorted_diagnostics(doc.resolve(file_diags) + found))
    every = doc.problems + _outside(shared, {d.path for d in doc.problems})
    if any(d.severity == "error" for d in every):
        raise SpecError(every)
    members = []
    for name, merged, cdoc in built:
        spec = build_spec(merged, source=doc.name, base_dir=base_dir, controller=name)
        warnings = sorted((d for d in found if d.severity != "error" and d.controllers == (name,)), key=_order)
        members.append(Member(name, LoadedSpec(spec, cdoc, warnings, controller=name)))
    return Fleet(doc, names, tuple(members), tuple(d for d in every if d.severity != "error"))


def _choose(doc: LoadedDocument, names: tuple[str, ...], only: Sequence[str] | None, one: bool) -> list[str]:
    if not only:
        if one and len(names) != 1:
            where = doc.diag((CONTROLLERS_KEY,), f"this spec defines {len(names)} controllers ({', '.join(names)}); "
                             "name the one to use",
                             "the commands take --controller " + (names[0] if names else "NAME")
                             + " (plan, apply, verify and diff --live also --all); jcasc_gen.load(..., controller=...)", key=True)
            raise SpecError(doc.resolve([where]))
        return list(names)
    problems = []
    for want in only:
        if want not in names:
            near = difflib.get_close_matches(want, names, n=1, cutoff=0.5)
            problems.append(doc.diag((CONTROLLERS_KEY,), f"no controller named {want!r}",
                                     (f"did you mean {near[0]!r}? " if near else "") + f"the spec defines: {', '.join(names)}",
                                     key=True))
    if problems:
        raise SpecError(doc.resolve(problems))
    return [n for n in names if n in set(only)]

"""The offline half of the public API: `load`, `lint`, `generate`, `explain`, `explain_all`,
and the `Spec` they pass around.

Each function is what the command of the same name does, without printing: the commands
call these and only format the answers. Module imports stay light (`import jcasc_gen` is
cheap); the machinery behind each function is imported when it is first called.
"""

from __future__ import annotations

import copy
import os
from typing import TYPE_CHECKING, Any, Mapping, Sequence, final

from .diagnostics import Diagnostic

if TYPE_CHECKING:
    from .effective import Explanation
    from .model import LoadedSpec

__all__ = ["Spec", "load", "lint", "generate", "explain", "explain_all"]


@final
class Spec:
    """A spec that loaded and passed validation. Make one with `load`; it never changes.

    It holds no secret: the spec names secrets (`{env: NAME}`, `{file: PATH}`), never their values.
    """

    __slots__ = ("_loaded", "_output_dir", "_findings")

    def __init__(self, loaded: LoadedSpec, output_dir: str) -> None:
        self._loaded = loaded
        self._output_dir = output_dir
        self._findings: dict[bool, tuple[Diagnostic, ...]] = {}

    @property
    def source(self) -> str:
        """Where the spec came from, as diagnostics name it: the path given, or `<spec>` for text."""
        return self._loaded.spec.source

    @property
    def jenkins_url(self) -> str:
        """`jenkins.url`: the address people use (the Pomerium route when Pomerium is in front)."""
        return self._loaded.spec.jenkins_url

    @property
    def output_dir(self) -> str:
        """The absolute folder `generate` files belong in: `output.dir` relative to the spec, unless
        `load(..., output_dir=...)` said otherwise."""
        return self._output_dir

    @property
    def sha256(self) -> str:
        """A digest of the spec's content; comments and formatting do not change it."""
        return self._loaded.spec.sha256

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
        """What validation warned about (lint findings are separate: `lint`)."""
        return tuple(self._loaded.warnings)

    @property
    def data(self) -> dict[str, Any]:
        """The spec as plain data (a copy), as written: defaults are not filled in."""
        return copy.deepcopy(dict(self._loaded.spec.data))

    @property
    def controller(self) -> str | None:
        """The controller this is, for a spec with `controllers:` (`load(..., controller=...)`), else None."""
        return self._loaded.controller

    def __repr__(self) -> str:
        who = f", controller={self.controller!r}" if self.controller else ""
        return f"Spec(source={self.source!r}{who}, jenkins_url={self.jenkins_url!r}, sha256={self.sha256[:12]!r}...)"


def load(source: str | bytes | os.PathLike[str], *, name: str | None = None,
         output_dir: str | os.PathLike[str] | None = None, controller: str | None = None) -> Spec:
    """Load and validate a spec.

    `source` is a path (a `pathlib.Path`, or a `str` without a line break) or the YAML text
    itself (`bytes`, or a `str` with a line break). `name` is what diagnostics call the
    source (default: the path, or `<spec>`). `output_dir` overrides the spec's `output.dir`;
    a relative `output.dir` is taken relative to the spec file, or to the current folder for
    text. A spec with `controllers:` needs `controller`, the one to load: the top level with
    its overlay merged in (its output folder is `<output.dir>/<controller>`, or `output_dir`).
    Raises `SpecError`, whose `diagnostics` are every problem found.
    """
    from .model import load_spec, load_spec_text

    loaded: LoadedSpec
    if isinstance(source, bytes) or (isinstance(source, str) and ("\n" in source or "\r" in source)):
        loaded = load_spec_text(source, name or "<spec>", ".", controller=controller)
    else:
        loaded = load_spec(source, display_name=name, controller=controller)
    out = os.path.abspath(os.fspath(output_dir)) if output_dir is not None else loaded.spec.output.dir
    return Spec(loaded, out)


def lint(spec: Spec, *, strict: bool = False) -> list[Diagnostic]:
    """Validation warnings and security findings (rule ids JG001...), in source order: what
    `jcasc-gen lint` reports. A finding with severity "error" blocks `generate` and the live
    calls, unless the spec accepts it (`lint.accept`): then its `accepted` holds the reason and
    its `blocking` is False. `strict` turns every warning into an error."""
    found = spec._findings.get(strict)
    if found is None:
        from .lint_rules import findings

        found = spec._findings[strict] = tuple(findings(spec._loaded, strict=strict))
    return list(found)


def generate(spec: Spec, *, strict: bool = False) -> Mapping[str, str]:
    """Every generated file, relative path -> text: exactly what `jcasc-gen generate` writes.
    Raises `SpecError` (with every finding) when `lint` reports an error the spec does not accept."""
    from .diagnostics import SpecError
    from .render import render

    found = lint(spec, strict=strict)
    if any(d.blocking for d in found):
        raise SpecError(found)
    return render(spec._loaded.spec)


def explain(spec: Spec, principal: str, groups: Sequence[str] = ()) -> Explanation:
    """What `principal` may do under the spec's matrix, permission by permission, and why; and
    on each folder and job of `authorization.items` (`items`), inheritance included.

    `principal` is `user:NAME`, `group:NAME`, `user_or_group:NAME` or a bare NAME (a user,
    unless the spec knows it only as a group); `anonymous` is a request without sign-in,
    `authenticated` any signed-in user. `groups` are the IdP groups the user is in.
    """
    from dataclasses import replace

    from .effective import MatrixEntry, entries_from_spec, explain as explain_entries, identity_for, parse_principal, universe_for
    from .item_acl import explain_items

    if isinstance(groups, str):
        raise TypeError("groups must be a sequence of group names, not one string")
    model = spec._loaded.spec
    entries = entries_from_spec(model)
    kind, name = parse_principal(principal)
    # a bare name is a group when the spec (its item matrices included) knows it only as one
    item_entries = [MatrixEntry(g.kind, g.name, frozenset(g.effective)) for m in model.authorization.items for g in m.grants]
    who = identity_for(kind, name, list(groups), entries + item_entries)
    result = explain_entries(entries, who, universe_for(entries, model.authorization.extra_permissions))
    return replace(result, items=tuple(explain_items(model, who)))


def explain_all(spec: Spec) -> list[Explanation]:
    """One `Explanation` per principal the spec grants to, in the order Jenkins lists them,
    and `anonymous` (what everyone gets) last unless the spec names it."""
    from .effective import entries_from_spec, matrix, universe_for

    model = spec._loaded.spec
    entries = entries_from_spec(model)
    return matrix(entries, universe_for(entries, model.authorization.extra_permissions))

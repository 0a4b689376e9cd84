"""Generated output as a whole: render, compare with a folder (the GitOps gate), write."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from .diagnostics import Diagnostic
from .lint_rules import findings
from .model import LoadedSpec
from .render import HEADER_PREFIX, render

__all__ = ["Generation", "prepare", "TreeDiff", "compare_tree"]


@dataclass(frozen=True)
class Generation:
    files: Mapping[str, str]
    diagnostics: list[Diagnostic]  # validation warnings + lint findings (severity applied)

    @property
    def failed(self) -> bool:
        return any(d.blocking for d in self.diagnostics)


def prepare(loaded: LoadedSpec, *, strict: bool = False) -> Generation:
    """Lint, then render (with parse-back). Files are empty when an error blocks generation."""
    diags = findings(loaded, strict=strict)
    if any(d.blocking for d in diags):
        return Generation({}, diags)
    return Generation(render(loaded.spec), diags)


@dataclass
class TreeDiff:
    stale: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    unsafe: list[tuple[str, str]] = field(default_factory=list)  # (path, why it was not read)

    @property
    def clean(self) -> bool:
        return not (self.stale or self.missing or self.extra or self.unsafe)


def compare_tree(root: str, files: Mapping[str, str]) -> TreeDiff:
    """Stale, missing and extra files; extra = carries our header but is no longer generated.

    Read through `fsio`: a symlink, FIFO, device or folder where a generated file belongs is
    `unsafe` (never followed or opened), and so is one over the size cap."""
    from .fsio import output_files, read_output_file

    diff = TreeDiff()
    for rel, text in sorted(files.items()):
        got = read_output_file(root, rel)
        if got.missing:
            diff.missing.append(rel)
        elif got.problem is not None:
            diff.unsafe.append((rel, got.problem))
        elif got.data != text.encode("utf-8"):
            diff.stale.append(rel)
    prefix = HEADER_PREFIX.encode()
    for rel, head in output_files(root, len(prefix)):
        if rel not in files and head.startswith(prefix):
            diff.extra.append(rel)
    return diff

"""Generated output as a whole: render, compare with a folder (the GitOps gate), write."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Mapping

from .diagnostics import Diagnostic, strictify
from .lint import lint
from .model import LoadedSpec
from .render import HEADER_PREFIX, render

__all__ = ["Generation", "prepare", "TreeDiff", "compare_tree"]


@dataclass(frozen=True)
class Generation:
    files: Mapping[str, str]
    diagnostics: list[Diagnostic]  # validation warnings + lint findings (severity applied)

    @property
    def failed(self) -> bool:
        return any(d.severity == "error" for d in self.diagnostics)


def prepare(loaded: LoadedSpec, *, strict: bool = False) -> Generation:
    """Lint, then render (with parse-back). Files are empty when an error blocks generation."""
    warnings = strictify(loaded.warnings, strict)
    diags = sorted(warnings + lint(loaded.spec, loaded.document, strict=strict), key=lambda d: (d.line, d.col, d.code or ""))
    if any(d.severity == "error" for d in diags):
        return Generation({}, diags)
    return Generation(render(loaded.spec), diags)


@dataclass
class TreeDiff:
    stale: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.stale or self.missing or self.extra)


def _has_header(path: str) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(len(HEADER_PREFIX) + 1).startswith(HEADER_PREFIX.encode())
    except OSError:
        return False


def compare_tree(root: str, files: Mapping[str, str]) -> TreeDiff:
    """Stale, missing and extra files; extra = carries our header but is no longer generated."""
    diff = TreeDiff()
    for rel, text in sorted(files.items()):
        path = os.path.join(root, rel)
        try:
            with open(path, encoding="utf-8", newline="") as fh:
                if fh.read() != text:
                    diff.stale.append(rel)
        except FileNotFoundError:
            diff.missing.append(rel)
        except (UnicodeDecodeError, IsADirectoryError):
            diff.stale.append(rel)
    if os.path.isdir(root):
        for folder, dirs, names in os.walk(root):
            dirs.sort()
            for name in sorted(names):
                rel = os.path.relpath(os.path.join(folder, name), root).replace(os.sep, "/")
                if rel not in files and _has_header(os.path.join(folder, name)):
                    diff.extra.append(rel)
    return diff

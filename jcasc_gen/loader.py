"""Safe, position-tracking YAML loading.

The spec is read straight from the parser's event stream (`_events`): duplicate keys (PyYAML
keeps the last), merge keys, custom tags and alias expansion beyond a cap (billion laughs) are
rejected, and no node graph is kept (it would cost about 5 KiB per grant). Positions are found
again only for the paths that diagnostics name, all of them in one pass over the text.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import Any, Sequence

import yaml

from . import _events
from .diagnostics import Diagnostic, PathItem, SpecError, format_path

__all__ = ["LoadedDocument", "load_file", "load_text", "load_data", "MAX_BYTES"]

MAX_BYTES = 64 * 1024 * 1024  # a 100,000-principal spec is about 14 MiB
ALIAS_SLACK = _events.ALIAS_SLACK
# Hints that quote the text as written need one pass over the file each; past this many a
# generic hint is used, so a file with thousands of such errors stays linear.
_RAW_LOOKUPS = 50


@dataclass
class LoadedDocument:
    """Plain data plus the text it came from, for locating paths."""

    name: str
    data: Any
    text: str
    # Problems that left the rest of the document readable (duplicate or merge keys, tags),
    # kept with `keep_going=True` so every other error of the file is reported in the same run.
    problems: list[Diagnostic] = field(default_factory=list)
    _pending: dict[int, tuple[tuple[PathItem, ...], bool]] = field(default_factory=dict, repr=False)
    _raw_lookups: int = field(default=0, repr=False)

    def source_path(self, path: Sequence[PathItem]) -> tuple[PathItem, ...]:
        """Where in the text the value at `path` of `data` was written. The same path here; a
        controller's merged document (overlay.py) maps it to the overlay or the base."""
        return tuple(path)

    @property
    def controllers(self) -> tuple[str, ...]:
        """The controllers this document's diagnostics are about (none for a plain spec)."""
        return ()

    def describe(self, path: Sequence[PathItem]) -> str:
        """`path` as a message names it: where the user wrote it."""
        return format_path(self.source_path(path))

    def raw_scalar(self, path: Sequence[PathItem]) -> str | None:
        """The text of an unquoted scalar as written (e.g. `0.30`, `yes`), else None."""
        if self._raw_lookups >= _RAW_LOOKUPS:
            return None
        self._raw_lookups += 1
        return _events.raw_plain_scalar(self.text, self.source_path(path))

    def locate(self, path: Sequence[PathItem], *, key: bool = False) -> tuple[int, int]:
        """1-based (line, col) of the value at `path`; of its key when `key` is true.

        Falls back to the deepest existing ancestor, so a missing key points at the
        mapping that should hold it. One pass over the text: for many paths, use
        `diag` for each and `resolve` once.
        """
        p = self.source_path(path)
        return _events.locate_many(self.text, [(p, key)])[(p, key)]

    def diag(
        self,
        path: Sequence[PathItem],
        message: str,
        hint: str | None = None,
        *,
        key: bool = False,
        severity: str = "error",
        code: str | None = None,
    ) -> Diagnostic:
        """A diagnostic at `path`, located later by `resolve` (all at once, one pass)."""
        where = self.source_path(path)
        d = Diagnostic(self.name, 0, 0, format_path(where), message, hint, severity, code,  # type: ignore[arg-type]
                       self.controllers)
        self._pending[id(d)] = (where, key)
        return d

    def resolve(self, diags: Sequence[Diagnostic]) -> list[Diagnostic]:
        """Fill in line and column of every diagnostic made by `diag`, in one pass."""
        wanted = [self._pending[id(d)] for d in diags if id(d) in self._pending]
        if not wanted:
            return list(diags)
        found = _events.locate_many(self.text, wanted)
        out = []
        for d in diags:
            where = self._pending.pop(id(d), None)
            if where is None:
                out.append(d)
            else:
                line, col = found[where]
                out.append(replace(d, line=line, col=col))
        return out


def _fail(name: str, line: int, col: int, message: str, hint: str | None = None) -> SpecError:
    return SpecError([Diagnostic(name, line, col, "$", message, hint)])


def load_file(path: str | os.PathLike[str], *, display_name: str | None = None, max_bytes: int | None = None,
              keep_going: bool = False) -> LoadedDocument:
    # Read at call time, so a test (or an embedding tool) can lower the module-level cap.
    max_bytes = MAX_BYTES if max_bytes is None else max_bytes
    name = display_name or os.fspath(path)
    p = os.fspath(path)
    if not os.path.exists(p):
        raise _fail(name, 1, 1, "no such file", "check the path; `jcasc-gen init` writes a starter spec")
    if os.path.isdir(p):
        raise _fail(name, 1, 1, "is a directory, not a spec file", "pass the spec file itself, e.g. spec.yaml")
    try:
        size = os.path.getsize(p)
        if size > max_bytes:
            raise _fail(name, 1, 1, f"file is {size} bytes, over the {max_bytes}-byte limit", "split the organisation or check that this is the right file")
        with open(p, "rb") as fh:
            raw = fh.read(max_bytes + 1)
    except OSError as exc:
        raise _fail(name, 1, 1, f"cannot read: {exc.strerror or exc}") from None
    if len(raw) > max_bytes:
        raise _fail(name, 1, 1, f"file is over the {max_bytes}-byte limit")
    return load_text(raw, name, keep_going=keep_going)


def _decode(raw: bytes, name: str) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = len(before) - (before.rfind(b"\n") + 1) + 1
        raise _fail(name, line, col, f"not valid UTF-8 (byte 0x{raw[exc.start]:02x})", "save the file as UTF-8") from None


def load_text(raw: bytes | str, name: str = "<spec>", *, keep_going: bool = False) -> LoadedDocument:
    """Load `raw`; raise SpecError on any problem, or with `keep_going` only on one that leaves
    the data incomplete (syntax, alias budget, complex key, a second document)."""
    text = raw if isinstance(raw, str) else _decode(raw, name)
    if "\x00" in text:
        idx = text.index("\x00")
        line = text.count("\n", 0, idx) + 1
        raise _fail(name, line, idx - (text.rfind("\n", 0, idx) + 1) + 1, "NUL character in file", "save the file as UTF-8 text")
    try:
        data, problems = _events.build(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        msg = f"YAML syntax error: {exc.problem or exc.context}"
        if exc.context and exc.problem:
            # The context mark is where the construct began, often the real culprit
            # (an unclosed bracket is only noticed at the end of the file).
            ctx = exc.context_mark
            started = f" started at line {ctx.line + 1}, column {ctx.column + 1}" if ctx and ctx.line != line - 1 else ""
            msg = f"YAML syntax error: {exc.problem} ({exc.context}{started})"
        raise _fail(name, line, col, msg, "check indentation, quoting and colons around this point") from None
    except yaml.YAMLError as exc:
        raise _fail(name, 1, 1, f"YAML error: {exc}") from None
    located = [Diagnostic(name, p.line, p.col, format_path(p.path), p.message, p.hint) for p in problems]
    if located and (not keep_going or any(p.fatal for p in problems)):
        raise SpecError(located)
    return LoadedDocument(name, data, text, located)


def load_data(raw: bytes | str, name: str, *, max_bytes: int | None = None) -> Any:
    """YAML that is not a spec (a JCasC export from Jenkins, a file of the output folder) as
    plain data, through the same reader and limits as a spec: the size cap, the alias budget,
    no custom tags or duplicate keys. An empty document is None. Raises SpecError."""
    limit = MAX_BYTES if max_bytes is None else max_bytes
    size = len(raw) if isinstance(raw, bytes) else len(raw.encode("utf-8", "surrogatepass"))
    if size > limit:
        raise _fail(name, 1, 1, f"{size} bytes, over the {limit}-byte limit")
    text = raw if isinstance(raw, str) else _decode(raw, name)
    if not text.strip():
        return None
    return load_text(text, name).data

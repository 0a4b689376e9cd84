"""Safe, position-tracking YAML loading.

PyYAML composes a node graph (C parser where available); we turn it into plain data
ourselves so that we can reject what PyYAML would silently accept: duplicate keys (it keeps
the last), merge keys, custom tags, and alias expansion beyond a cap (billion laughs).
Nodes are kept so any data path maps back to a line and column only when an error needs it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Sequence

import yaml

from .diagnostics import Diagnostic, PathItem, SpecError, format_path

__all__ = ["LoadedDocument", "load_file", "load_text", "MAX_BYTES"]

MAX_BYTES = 64 * 1024 * 1024  # a 100,000-principal spec is about 10 MiB
# Alias expansion cap: the expanded document may hold at most this many nodes beyond
# twice the nodes actually written. Shared permission lists stay far below it; a
# billion-laughs file hits it after a few thousand steps.
ALIAS_SLACK = 10_000

_Loader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_MERGE = "tag:yaml.org,2002:merge"
_SCALAR_TAGS = {_STR, _INT, _FLOAT, _BOOL, _NULL, _TIMESTAMP}

_constructor = yaml.constructor.SafeConstructor()


@dataclass
class LoadedDocument:
    """Plain data plus the node graph it came from, for locating paths."""

    name: str
    data: Any
    root: yaml.Node | None
    text: str

    def node_at(self, path: Sequence[PathItem]) -> yaml.Node | None:
        """The YAML node holding the value at `path`, or None when there is none."""
        node = self.root
        for item in path:
            if isinstance(node, yaml.MappingNode):
                node = next((v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == str(item)), None)
            elif isinstance(node, yaml.SequenceNode) and isinstance(item, int) and 0 <= item < len(node.value):
                node = node.value[item]
            else:
                return None
        return node

    def raw_scalar(self, path: Sequence[PathItem]) -> str | None:
        """The text of an unquoted scalar as written (e.g. `0.30`, `yes`), else None."""
        node = self.node_at(path)
        if isinstance(node, yaml.ScalarNode) and not node.style:  # C loader: "", pure: None
            return node.value
        return None

    def locate(self, path: Sequence[PathItem], *, key: bool = False) -> tuple[int, int]:
        """1-based (line, col) of the node at `path`; of its key when `key` is true.

        Falls back to the deepest existing ancestor, so a missing key points at the
        mapping that should hold it.
        """
        node = self.root
        if node is None:
            return (1, 1)
        mark = node.start_mark
        for i, item in enumerate(path):
            last = i == len(path) - 1
            if isinstance(node, yaml.MappingNode) and isinstance(item, str):
                for k, v in node.value:
                    if isinstance(k, yaml.ScalarNode) and k.value == item:
                        mark = k.start_mark if (last and key) else v.start_mark
                        node = v
                        break
                else:
                    return (mark.line + 1, mark.column + 1)
            elif isinstance(node, yaml.SequenceNode) and isinstance(item, int) and 0 <= item < len(node.value):
                node = node.value[item]
                mark = node.start_mark
            else:
                break
        return (mark.line + 1, mark.column + 1)

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
        line, col = self.locate(path, key=key)
        return Diagnostic(self.name, line, col, format_path(path), message, hint, severity, code)  # type: ignore[arg-type]


def _fail(name: str, line: int, col: int, message: str, hint: str | None = None) -> SpecError:
    return SpecError([Diagnostic(name, line, col, "$", message, hint)])


def load_file(path: str | os.PathLike[str], *, display_name: str | None = None, max_bytes: int | None = None) -> LoadedDocument:
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
    return load_text(raw, name)


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


def load_text(raw: bytes | str, name: str = "<spec>") -> LoadedDocument:
    text = raw if isinstance(raw, str) else _decode(raw, name)
    if "\x00" in text:
        idx = text.index("\x00")
        line = text.count("\n", 0, idx) + 1
        raise _fail(name, line, idx - (text.rfind("\n", 0, idx) + 1) + 1, "NUL character in file", "save the file as UTF-8 text")
    try:
        nodes = list(yaml.compose_all(text, Loader=_Loader))
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
    if len(nodes) > 1:
        mark = nodes[1].start_mark
        raise _fail(name, mark.line + 1, mark.column + 1, "more than one YAML document", "a spec is one document; remove the extra `---`")
    root = nodes[0] if nodes else None
    if root is None:
        raise _fail(name, 1, 1, "the spec is empty", "start from `jcasc-gen init`")
    doc = LoadedDocument(name, None, root, text)
    doc.data = _Builder(doc).build(root)
    return doc


class _Builder:
    def __init__(self, doc: LoadedDocument) -> None:
        self.doc = doc
        self.errors: list[Diagnostic] = []
        self.budget = 0

    def build(self, root: yaml.Node) -> Any:
        self.budget = 2 * _count_distinct(root) + ALIAS_SLACK
        try:
            data = self._node(root, ())
        except _Abort:
            pass
        if self.errors:
            raise SpecError(self.errors)
        return data

    def _err(self, node: yaml.Node, path: tuple[PathItem, ...], message: str, hint: str | None = None) -> None:
        m = node.start_mark
        self.errors.append(Diagnostic(self.doc.name, m.line + 1, m.column + 1, format_path(path), message, hint))

    def _node(self, node: yaml.Node, path: tuple[PathItem, ...]) -> Any:
        self.budget -= 1
        if self.budget < 0:
            self._err(node, path, "alias expansion exceeds the cap (a billion-laughs document?)",
                      "anchors for shared lists are fine; this document expands to far more nodes than it contains")
            raise _Abort()
        tag = node.tag
        if isinstance(node, yaml.ScalarNode):
            if tag not in _SCALAR_TAGS:
                if tag == _MERGE:
                    self._err(node, path, "merge keys (<<) are not allowed", "write the keys out, or share whole lists with anchors")
                else:
                    self._err(node, path, f"custom YAML tag {tag!r} is not allowed", "remove the tag; the spec is plain YAML")
                return None
            if tag == _STR or tag == _TIMESTAMP:
                return node.value
            return _constructor.construct_object(node)
        if isinstance(node, yaml.SequenceNode):
            if tag != _SEQ:
                self._err(node, path, f"custom YAML tag {tag!r} is not allowed", "remove the tag; the spec is plain YAML")
            return [self._node(item, path + (i,)) for i, item in enumerate(node.value)]
        if isinstance(node, yaml.MappingNode):
            if tag != _MAP:
                self._err(node, path, f"custom YAML tag {tag!r} is not allowed", "remove the tag; the spec is plain YAML")
            out: dict[Any, Any] = {}
            first: dict[Any, yaml.Node] = {}
            for knode, vnode in node.value:
                if knode.tag == _MERGE:
                    self._err(knode, path, "merge keys (<<) are not allowed", "write the keys out, or share whole lists with anchors")
                    continue
                if not isinstance(knode, yaml.ScalarNode):
                    self._err(knode, path, "a mapping key must be a plain scalar")
                    continue
                if knode.tag not in _SCALAR_TAGS:
                    self._node(knode, path)  # reports the tag
                    continue
                # Keys are names (roles, plugins, options): keep the text as written, so
                # `yes:` or `1:` stay "yes" and "1" instead of becoming true or 1.
                key = knode.value
                if key == "":
                    self._err(knode, path, "empty mapping key")
                    continue
                if key in first:
                    prev = first[key].start_mark
                    self._err(knode, path + (str(key),), f"duplicate key {str(key)!r} (first defined at line {prev.line + 1})",
                              "YAML keeps only one of them; remove or merge the duplicate")
                    continue
                first[key] = knode
                out[key] = self._node(vnode, path + (key,))
            return out
        return None  # pragma: no cover


class _Abort(Exception):
    pass


def _count_distinct(root: yaml.Node) -> int:
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                stack.append(k)
                stack.append(v)
    return len(seen)

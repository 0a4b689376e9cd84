"""YAML to plain data straight from the parser's event stream (C parser where available).

Why not `yaml.load`: it composes the whole node graph first (about 5 KiB of nodes and marks
per grant: 100,000 principals need over 500 MiB), keeps the last of two duplicate keys, and
expands aliases without limit. Here events are consumed as they come, aliases share the
anchored object (counted against a budget, never copied), and positions are looked up again,
in one pass, only for the paths a diagnostic names.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Iterable, Iterator, Sequence

import yaml
from yaml.events import (AliasEvent, DocumentStartEvent, MappingEndEvent, MappingStartEvent, ScalarEvent,
                         SequenceEndEvent, SequenceStartEvent, StreamEndEvent)

__all__ = ["YamlProblem", "build", "locate_many", "raw_plain_scalar", "plain_scalars_under", "ALIAS_SLACK"]

_Loader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# The expanded document may hold at most twice the nodes written plus this many: shared
# permission lists stay far below it; a billion-laughs file hits it within a few steps.
ALIAS_SLACK = 10_000

_T = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL, _TIMESTAMP, _MERGE = (_T + n for n in ("str", "int", "float", "bool", "null", "timestamp", "merge"))
_SEQ, _MAP = _T + "seq", _T + "map"
_PLAIN_TAGS = {_STR, _INT, _FLOAT, _BOOL, _NULL, _TIMESTAMP}

_resolver = yaml.resolver.Resolver()
_constructor = yaml.constructor.SafeConstructor()
_resolved: dict[str, str] = {}


@dataclass(frozen=True)
class YamlProblem:
    line: int  # 1-based
    col: int
    path: tuple[Any, ...]
    message: str
    hint: str | None = None
    fatal: bool = False  # the data is incomplete past this point (nothing else can be checked)


class _Fatal(Exception):
    pass


def _tag_of(ev: ScalarEvent) -> str:
    tag = ev.tag
    if tag is None or tag == "!":
        if ev.style or not ev.implicit[0] or tag == "!":
            return _STR  # quoted, block or non-specific `!`: always a string
        cached = _resolved.get(ev.value)
        if cached is None:
            cached = _resolver.resolve(yaml.ScalarNode, ev.value, (True, False))
            if len(_resolved) < 65536:
                _resolved[ev.value] = cached
        return cached
    return tag


class TooLong(ValueError):
    """A number with more digits than Python converts (sys.get_int_max_str_digits)."""


def scalar_value(ev: ScalarEvent) -> tuple[str, Any]:
    """(tag, value) of a scalar event, as YAML 1.1's safe loader would read it. Raises TooLong
    for an integer of thousands of digits (PyYAML would raise a bare ValueError)."""
    tag = _tag_of(ev)
    if tag == _STR or tag == _TIMESTAMP:
        return tag, ev.value  # a date-looking string stays the string written
    if tag in _PLAIN_TAGS:
        try:
            return tag, _constructor.construct_object(yaml.ScalarNode(tag, ev.value, style=ev.style))
        except ValueError as exc:
            raise TooLong(f"a number of {len(ev.value)} characters is too long to read") from exc
    return tag, None


def _value_or_text(ev: ScalarEvent) -> tuple[str, Any]:
    try:
        return scalar_value(ev)
    except TooLong:
        return _STR, ev.value


class _Frame:
    __slots__ = ("container", "is_map", "key", "key_lines", "anchor", "start", "skip_value")

    def __init__(self, container: Any, is_map: bool, anchor: str | None, start: int) -> None:
        self.container = container
        self.is_map = is_map
        self.key: Any = _NOKEY
        self.key_lines: dict[str, int] = {} if is_map else _NO_LINES
        self.anchor = anchor
        self.start = start
        self.skip_value = False


_NOKEY = object()
_NO_LINES: dict[str, int] = {}


def _events(text: str) -> Iterator[Any]:
    loader = _Loader(text)
    try:
        while loader.check_event():
            yield loader.get_event()
    finally:
        loader.dispose()


def build(text: str) -> tuple[Any, list[YamlProblem]]:
    """Plain data and every problem found. Raises yaml.MarkedYAMLError on syntax errors."""
    problems: list[YamlProblem] = []
    stack: list[_Frame] = []
    anchors: dict[str, tuple[Any, int]] = {}
    count = 0  # nodes written
    total = 0  # nodes of the expanded document: written ones plus those reached through aliases
    root: Any = None
    documents = 0

    def path() -> tuple[Any, ...]:
        out = []
        for f in stack:
            if f.is_map:
                if f.key is not _NOKEY:
                    out.append(f.key)
            else:
                out.append(len(f.container))
        return tuple(out)

    def problem(mark: Any, message: str, hint: str | None = None, at: tuple[Any, ...] | None = None) -> None:
        problems.append(YamlProblem(mark.line + 1, mark.column + 1, path() if at is None else at, message, hint))

    def attach(value: Any) -> None:
        """Put a finished value into its parent (keys never come here: see add_key)."""
        nonlocal root
        if not stack:
            root = value
            return
        f = stack[-1]
        if not f.is_map:
            f.container.append(value)
            return
        if not f.skip_value:
            f.container[f.key] = value
        f.key = _NOKEY
        f.skip_value = False

    def add_key(ev: Any, tag: str, text_value: Any) -> None:
        """A scalar (or alias) in key position. Keys are names (roles, plugins, options): the
        text as written is kept, so `yes:` or `1:` stay "yes" and "1", not true or 1."""
        f = stack[-1]
        mark = ev.start_mark
        if tag == _MERGE:
            problem(mark, "merge keys (<<) are not allowed", "write the keys out, or share whole lists with anchors")
            f.key, f.skip_value = "<<", True
            return
        if tag not in _PLAIN_TAGS:
            f.key, f.skip_value = text_value, True
            return
        if text_value == "":
            problem(mark, "empty mapping key")
            f.key, f.skip_value = "", True
            return
        lines = f.key_lines
        if text_value in lines:
            problem(mark, f"duplicate key {text_value!r} (first defined at line {lines[text_value]})",
                    "YAML keeps only one of them; remove or merge the duplicate", at=path() + (text_value,))
            f.key, f.skip_value = text_value, True
            return
        lines[text_value] = mark.line + 1
        f.key = text_value

    try:
        for ev in _events(text):
            cls = type(ev)
            if cls is ScalarEvent:
                count += 1
                total += 1
                try:
                    tag, value = scalar_value(ev)
                except TooLong as exc:
                    problem(ev.start_mark, str(exc), "quote it if it is text")
                    tag, value = _STR, None
                if tag not in _PLAIN_TAGS and tag != _MERGE:
                    problem(ev.start_mark, f"custom YAML tag {tag!r} is not allowed", "remove the tag; the spec is plain YAML")
                if ev.anchor:
                    anchors[ev.anchor] = (value, 1)
                if stack and stack[-1].is_map and stack[-1].key is _NOKEY:
                    add_key(ev, tag, ev.value)
                else:
                    if tag == _MERGE:
                        tag = _STR
                        value = ev.value
                    attach(value)
            elif cls is MappingStartEvent or cls is SequenceStartEvent:
                count += 1
                total += 1
                is_map = cls is MappingStartEvent
                if stack and stack[-1].is_map and stack[-1].key is _NOKEY:
                    raise _Fatal(YamlProblem(ev.start_mark.line + 1, ev.start_mark.column + 1, path(), "a mapping key must be a plain scalar"))
                if ev.tag not in (None, "!", _MAP if is_map else _SEQ):
                    problem(ev.start_mark, f"custom YAML tag {ev.tag!r} is not allowed", "remove the tag; the spec is plain YAML")
                stack.append(_Frame({} if is_map else [], is_map, ev.anchor, total))
            elif cls is MappingEndEvent or cls is SequenceEndEvent:
                f = stack.pop()
                if f.anchor:
                    anchors[f.anchor] = (f.container, total - f.start + 1)
                attach(f.container)
            elif cls is AliasEvent:
                value, size = anchors.get(ev.anchor, (None, 1))
                total += size
                if total > 2 * count + ALIAS_SLACK:
                    raise _Fatal(YamlProblem(ev.start_mark.line + 1, ev.start_mark.column + 1, path(),
                                             "alias expansion exceeds the cap (a billion-laughs document?)",
                                             "anchors for shared lists are fine; this document expands to far more nodes than it contains"))
                if stack and stack[-1].is_map and stack[-1].key is _NOKEY:
                    if isinstance(value, (dict, list)):
                        raise _Fatal(YamlProblem(ev.start_mark.line + 1, ev.start_mark.column + 1, path(), "a mapping key must be a plain scalar"))
                    add_key(ev, _STR, "" if value is None else str(value).lower() if isinstance(value, bool) else str(value))
                else:
                    attach(value)
            elif cls is DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise _Fatal(YamlProblem(ev.start_mark.line + 1, ev.start_mark.column + 1, (),
                                             "more than one YAML document", "a spec is one document; remove the extra `---`"))
            elif cls is StreamEndEvent:
                break
    except _Fatal as fatal:
        problems.append(replace(fatal.args[0], fatal=True))
    if documents == 0 and not problems:
        problems.append(YamlProblem(1, 1, (), "the spec is empty", "start from `jcasc-gen init`", fatal=True))
    return root, problems


def _walk(text: str, *, ends: bool = False) -> Iterator[tuple[tuple[Any, ...], bool, Any]]:
    """(path, is_key, event) for every scalar, alias and collection start, in text order, and
    with `ends` every collection end (at the collection's path).

    Keys are the text as written, as `build` keeps them. Stops quietly at a syntax error or
    a complex key (the loader reports those).
    """
    stack: list[list[Any]] = []  # [is_map, current key or _NOKEY, next index]

    def here() -> tuple[Any, ...]:
        return tuple(f[1] if f[0] else f[2] for f in stack)

    def finished() -> None:
        if stack:
            f = stack[-1]
            if f[0]:
                f[1] = _NOKEY
            else:
                f[2] += 1

    try:
        for ev in _events(text):
            cls = type(ev)
            in_key = bool(stack) and stack[-1][0] and stack[-1][1] is _NOKEY
            if cls is ScalarEvent or cls is AliasEvent:
                if in_key:
                    stack[-1][1] = ev.value if cls is ScalarEvent else ev.anchor
                    yield here(), True, ev
                    continue
                yield here(), False, ev
                finished()
            elif cls is MappingStartEvent or cls is SequenceStartEvent:
                if in_key:
                    return
                yield here(), False, ev
                stack.append([cls is MappingStartEvent, _NOKEY, 0])
            elif cls is MappingEndEvent or cls is SequenceEndEvent:
                stack.pop()
                if ends:
                    yield here(), False, ev
                finished()
    except yaml.YAMLError:
        return


def locate_many(text: str, wanted: Iterable[tuple[Sequence[Any], bool]]) -> dict[tuple[tuple[Any, ...], bool], tuple[int, int]]:
    """1-based (line, col) of each (path, key?) in one pass over the events.

    A path that does not exist in the text (a missing key, or one inside an alias) gets the
    position of its deepest existing ancestor.
    """
    want = {(tuple(p), bool(k)) for p, k in wanted}
    prefixes: set[tuple[Any, ...]] = set()
    for p, _ in want:
        for i in range(len(p) + 1):
            prefixes.add(p[:i])
    seen: dict[tuple[Any, ...], tuple[int, int]] = {}
    keys: dict[tuple[Any, ...], tuple[int, int]] = {}
    for p, is_key, ev in _walk(text):
        if p in prefixes:
            table = keys if is_key else seen
            if p not in table:
                table[p] = (ev.start_mark.line + 1, ev.start_mark.column + 1)
    out: dict[tuple[tuple[Any, ...], bool], tuple[int, int]] = {}
    for p, is_key in want:
        if is_key and p in keys:
            out[(p, is_key)] = keys[p]
            continue
        for i in range(len(p), -1, -1):
            hit = seen.get(p[:i]) or (keys.get(p[:i]) if i == len(p) else None)
            if hit:
                out[(p, is_key)] = hit
                break
        else:
            out[(p, is_key)] = (1, 1)
    return out


def raw_plain_scalar(text: str, path: tuple[Any, ...]) -> str | None:
    """The text of the unquoted scalar at `path` as written (`0.30`, `yes`), else None."""
    for p, is_key, ev in _walk(text):
        if not is_key and p == path:
            if type(ev) is ScalarEvent and not ev.style:
                return str(ev.value)
            return None
    return None


def plain_scalars_under(text: str, prefix: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], Any, str, int, int]]:
    """(path, value as `build` reads it, text as written, line, col) of every plain (unquoted)
    scalar value at or under `prefix`, in one pass. Values an alias brings under `prefix` are
    reported at the alias. Keys are not reported: `build` keeps them as written."""
    n = len(prefix)
    anchored: dict[str, list[tuple[Any, str]]] = {}
    open_anchors: list[tuple[str, list[tuple[Any, str]]]] = []
    depth_of: list[bool] = []  # per collection on the stack: does it carry an anchor
    for path, is_key, ev in _walk(text, ends=True):
        cls = type(ev)
        under = path[:n] == prefix
        if cls is ScalarEvent:
            if ev.anchor:
                anchored[ev.anchor] = []
            if is_key or ev.style or not ev.implicit[0] or (ev.tag not in (None, "!")):
                continue
            tag, value = _value_or_text(ev)
            if tag == _MERGE:
                value = ev.value  # `<<` as a value is the text, as `build` reads it
            for _, bucket in open_anchors:
                bucket.append((value, ev.value))
            if ev.anchor:
                anchored[ev.anchor].append((value, ev.value))
            if under:
                yield path, value, ev.value, ev.start_mark.line + 1, ev.start_mark.column + 1
        elif cls is AliasEvent:
            if is_key:
                continue
            for value, raw in anchored.get(ev.anchor, ()):
                for _, bucket in open_anchors:
                    bucket.append((value, raw))
                if under:
                    yield path, value, raw, ev.start_mark.line + 1, ev.start_mark.column + 1
        elif cls is MappingStartEvent or cls is SequenceStartEvent:
            depth_of.append(bool(ev.anchor))
            if ev.anchor:
                open_anchors.append((ev.anchor, []))
        elif cls is MappingEndEvent or cls is SequenceEndEvent:
            if depth_of.pop():
                name, bucket = open_anchors.pop()
                anchored[name] = bucket


def _same(value: Any, expected: Any) -> bool:
    # stricter than ==: True is not 1, and 1 is not 1.0
    return type(value) is type(expected) and value == expected


def first_difference(text: str, expected: Any) -> str | None:
    """None when YAML reads `text` as exactly `expected`; else where and how it differs.

    The parse-back check of generated files without building the parsed document: values are
    compared as the events arrive, so memory stays flat however many entries the file has.
    Keys are read as written (as `build` reads them); aliases, tags and a second document are
    differences, since generated text never needs them.
    """
    stack: list[list[Any]] = []  # [expected container, is_map, current key or index, seen keys]
    documents = 0
    root_seen = False

    def at(ev: Any) -> str:
        return f"line {ev.start_mark.line + 1}"

    def slot(ev: Any) -> tuple[bool, Any, str | None]:
        """(ok, expected value for the node starting here, problem)."""
        if not stack:
            return True, expected, None
        exp, is_map, pos, _ = stack[-1]
        if is_map:
            return True, exp[pos], None
        if pos >= len(exp):
            return False, None, f"{at(ev)}: an item more than the {len(exp)} expected"
        return True, exp[pos], None

    def advance() -> None:
        if stack:
            f = stack[-1]
            if f[1]:
                f[2] = _NOKEY
            else:
                f[2] += 1

    try:
        for ev in _events(text):
            cls = type(ev)
            if cls is ScalarEvent:
                try:
                    tag, value = scalar_value(ev)
                except TooLong as exc:
                    return f"{at(ev)}: {exc}"
                if tag not in _PLAIN_TAGS:
                    return f"{at(ev)}: tag {tag!r}"
                if stack and stack[-1][1] and stack[-1][2] is _NOKEY:
                    f = stack[-1]
                    key = ev.value
                    if key in f[3]:
                        return f"{at(ev)}: duplicate key {key!r}"
                    if key not in f[0]:
                        return f"{at(ev)}: key {key!r} is not in the model"
                    f[3].add(key)
                    f[2] = key
                    continue
                ok, exp, problem = slot(ev)
                if not ok:
                    return problem
                if tag == _TIMESTAMP:
                    value = ev.value
                if not _same(value, exp):
                    return f"{at(ev)}: reads as {value!r}, the model has {exp!r}"
                root_seen = root_seen or not stack
                advance()
            elif cls is MappingStartEvent or cls is SequenceStartEvent:
                is_map = cls is MappingStartEvent
                if stack and stack[-1][1] and stack[-1][2] is _NOKEY:
                    return f"{at(ev)}: a complex key"
                if ev.tag not in (None, "!", _MAP if is_map else _SEQ):
                    return f"{at(ev)}: tag {ev.tag!r}"
                ok, exp, problem = slot(ev)
                if not ok:
                    return problem
                if not isinstance(exp, dict if is_map else list):
                    return f"{at(ev)}: reads as a {'mapping' if is_map else 'list'}, the model has {exp!r}"
                root_seen = root_seen or not stack
                stack.append([exp, is_map, _NOKEY if is_map else 0, set()])
            elif cls is MappingEndEvent or cls is SequenceEndEvent:
                exp, is_map, pos, seen = stack.pop()
                if is_map and len(seen) != len(exp):
                    missing = [k for k in exp if k not in seen]
                    return f"{at(ev)}: keys of the model missing: {missing[:5]}"
                if not is_map and pos != len(exp):
                    return f"{at(ev)}: {pos} items, the model has {len(exp)}"
                advance()
            elif cls is AliasEvent:
                return f"{at(ev)}: alias *{ev.anchor}"
            elif cls is DocumentStartEvent:
                documents += 1
                if documents > 1:
                    return f"{at(ev)}: a second document"
    except yaml.YAMLError as exc:
        return f"does not parse: {exc}"
    if not root_seen:
        return None if expected is None else "the document is empty"
    return None

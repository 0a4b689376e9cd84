"""config.xml of folders and jobs, as text: where its elements are, and the matrix property.

The simulator keeps each item's config.xml as the text that was posted. Real Jenkins
unmarshals a posted config.xml into the item and writes it back from memory with XStream
(core AbstractItem.updateByXml, jenkinsci/jenkins@jenkins-2.568.2
core/src/main/java/hudson/model/AbstractItem.java:926-952); for a document Jenkins wrote itself
that gives the same text, so the simulator keeps every element as posted except the one whose
re-serialisation is the point: the matrix property, which it parses and writes back the way
matrix-auth's converter does (unknown permissions gone, entries sorted, inheritance element
first). `scan` finds elements with their byte offsets so that this is a splice of the text,
and everything around the property survives byte for byte.

Sources (pinned in docs/fidelity.md "Folders and item matrices"):
- matrix-auth-3.2.8 AbstractAuthorizationPropertyConverter.java:58-91 (reading the property),
  AbstractAuthorizationContainerConverter.java:51-89 (writing and reading the entries),
  AuthorizationContainer.java:186-232 (one `<permission>` entry).
- XStream 1.4.21 (core's, jenkins-2.568.2 bom/pom.xml:100-102) PrettyPrintWriter.java:250-345
  (escaping), 2-space indentation; core XStream2.java:383-386 (the GET declaration).
"""

from __future__ import annotations

import re
import xml.parsers.expat
from dataclasses import dataclass, field
from typing import Callable

from .state import EntryKind

# core XStream2.toXMLUTF8: what `GET config.xml` starts with
XML_DECLARATION = '<?xml version="1.1" encoding="UTF-8"?>\n'

_STRATEGY_PACKAGE = "org.jenkinsci.plugins.matrixauth.inheritance."
INHERIT_PARENT = _STRATEGY_PACKAGE + "InheritParentStrategy"
INHERIT_GLOBAL = _STRATEGY_PACKAGE + "InheritGlobalStrategy"
NON_INHERITING = _STRATEGY_PACKAGE + "NonInheritingStrategy"
STRATEGIES = (INHERIT_PARENT, INHERIT_GLOBAL, NON_INHERITING)


class XmlError(Exception):
    """Not well-formed: Jenkins fails the request (IOException "Failed to process config.xml")."""


@dataclass
class Node:
    """One element: byte offsets into the UTF-8 text, `start_end` just after its start tag."""

    name: str
    attrs: dict[str, str]
    start: int
    start_end: int = 0
    end: int = 0
    empty: bool = False
    text: str = ""
    children: list["Node"] = field(default_factory=list)

    def child(self, name: str) -> "Node | None":
        return next((c for c in self.children if c.name == name), None)


def _tag_end(data: bytes, start: int) -> int:
    """Index just after the '>' closing the tag that starts at `start` (quotes respected)."""
    quote = 0
    i = start + 1
    while i < len(data):
        b = data[i]
        if quote:
            if b == quote:
                quote = 0
        elif b in (0x22, 0x27):
            quote = b
        elif b == 0x3E:
            return i + 1
        i += 1
    raise XmlError("unterminated tag")


def scan(text: str) -> tuple[bytes, Node]:
    """Parse `text`; -> (its UTF-8 bytes, the root element with offsets into them)."""
    data = text.encode("utf-8", "surrogatepass")
    # the text is already decoded: expat must not re-decode it by its declaration
    parser = xml.parsers.expat.ParserCreate(encoding="UTF-8")
    stack: list[Node] = []
    roots: list[Node] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        at = parser.CurrentByteIndex
        node = Node(name, dict(attrs), at)
        node.start_end = _tag_end(data, at)
        node.empty = data[node.start_end - 2:node.start_end] == b"/>"
        (stack[-1].children if stack else roots).append(node)
        stack.append(node)

    def end(name: str) -> None:
        node = stack.pop()
        node.end = node.start_end if node.empty else data.index(b">", parser.CurrentByteIndex) + 1

    def chars(s: str) -> None:
        if stack:
            stack[-1].text += s

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    try:
        parser.Parse(data, True)
    except (xml.parsers.expat.ExpatError, ValueError) as e:
        raise XmlError(str(e)) from None
    if not roots:
        raise XmlError("no root element")
    return data, roots[0]


def body(text: str) -> str:
    """The document from its root element on: what XStream writes after the declaration."""
    data, root = scan(text)
    return data[root.start:].decode("utf-8", "surrogatepass").rstrip()


def escape(s: str) -> str:
    """XStream PrettyPrintWriter.writeText (XStream 1.4.21 PrettyPrintWriter.java:250-345)."""
    out = []
    for c in s:
        if c == "&":
            out.append("&amp;")
        elif c == "<":
            out.append("&lt;")
        elif c == ">":
            out.append("&gt;")
        elif c == '"':
            out.append("&quot;")
        elif c == "'":
            out.append("&apos;")
        elif c == "\r":
            out.append("&#xd;")
        elif c in "\t\n" or not (ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F):
            out.append(c)
        else:
            out.append(f"&#x{ord(c):x};")
    return "".join(out)


# ------------------------------------------------------------------ the matrix property
@dataclass(frozen=True)
class Entry:
    """One `<permission>` line after parsing: its type, the permission and the sid."""

    type: EntryKind
    java_id: str  # Permission.getId(): what the property writes back
    short: str  # Title/Name: what the simulator's ACL checks take
    sid: str


@dataclass
class ItemMatrix:
    """A parsed AuthorizationMatrixProperty (folder or job)."""

    inheritance: str = INHERIT_PARENT  # the field's initial value (AuthorizationMatrixProperty.java:96, :102)
    entries: list[Entry] = field(default_factory=list)

    def grants(self) -> dict[tuple[EntryKind, str], set[str]]:
        out: dict[tuple[EntryKind, str], set[str]] = {}
        for e in self.entries:
            out.setdefault((e.type, e.sid), set()).add(e.short)
        return out

    def add(self, entry: Entry) -> None:
        # getGrantedPermissionEntries: a HashSet per permission; equal entries are one
        if entry not in self.entries:
            self.entries.append(entry)


class DroppedProperty(Exception):
    """A RuntimeException other than IllegalArgumentException inside the converter: XStream
    wraps it in a ConversionException (XStream 1.4.21 TreeUnmarshaller.java:71-86) and the
    properties list skips the element (core CopyOnWriteList.java ConverterImpl.unmarshal,
    `catch (XStreamException ...)`): the item loses the whole property."""


# resolve(permission text) -> (java id, Title/Name) or None (no such permission);
# applicable(java id) -> whether the permission is contained by the property's scope
Resolver = Callable[[str], "tuple[str, str] | None"]


def parse_matrix(prop: Node, resolve: Resolver, applicable: Callable[[str], bool],
                 warn: Callable[[str, str], None], *, at_startup: bool) -> ItemMatrix:
    """AbstractAuthorizationPropertyConverter.unmarshalContainer, step by step."""
    m = ItemMatrix()
    children = list(prop.children)
    first = children[0].name if children else None
    if first == "useProjectSecurity":
        children.pop(0)  # read and ignored (:62-67)
        first = children[0].name if children else None
    if first == "blocksInheritance":
        if children.pop(0).text == "true":
            m.inheritance = NON_INHERITING  # (:68-75)
    if first == "inheritanceStrategy":
        # only when it is the first element: after blocksInheritance `prop` still names that
        # one, and the strategy element falls through to the permission loop below (:77-87)
        cls = children.pop(0).attrs.get("class", "")
        if cls in STRATEGIES:
            m.inheritance = cls
        else:
            warn("org.jenkinsci.plugins.matrixauth.AbstractAuthorizationPropertyConverter",
                 f"Failed to restore inheritance strategy: java.lang.ClassNotFoundException: {cls}")
    for child in children:
        _add(m, child.text, resolve, applicable, warn, at_startup)
    return m


def _add(m: ItemMatrix, value: str, resolve: Resolver, applicable: Callable[[str], bool],
         warn: Callable[[str, str], None], at_startup: bool) -> None:
    """AuthorizationContainer.add(String) (:186-219) inside unmarshalContainer's
    `catch (IllegalArgumentException)` (AbstractAuthorizationContainerConverter.java:78-88)."""
    colon = value.find(":")
    if colon < 0:
        # shortForm.substring(0, -1): StringIndexOutOfBoundsException, not an IAE
        raise DroppedProperty(f"begin 0, end -1, length {len(value)}")
    first = value[:colon]
    kind: EntryKind
    if first in ("USER", "GROUP", "EITHER"):  # AuthorizationType.valueOf: exact names
        end = value.find(":", len(first) + 1)
        if end < 0:
            raise DroppedProperty(f"begin {colon + 1}, end -1, length {len(value)}")
        kind, perm, sid = first, value[colon + 1:end], value[end + 1:]  # type: ignore[assignment]
    else:
        kind, perm, sid = "EITHER", first, value[colon + 1:]
        # logged at WARNING only while Jenkins starts (InitMilestone < COMPLETED), else FINE
        if at_startup:
            warn("org.jenkinsci.plugins.matrixauth.AuthorizationContainer",
                 "Processing a permission assignment in the legacy format (without explicit TYPE prefix): " + value)
    found = resolve(perm)
    if found is None:
        warn("org.jenkinsci.plugins.matrixauth.AbstractAuthorizationContainerConverter",
             f"Skipping a non-existent permission: java.lang.IllegalArgumentException: "
             f"Failed to parse '{perm}' --- no such permission")
        return
    java_id, short = found
    if not applicable(java_id):
        warn("org.jenkinsci.plugins.matrixauth.AuthorizationContainer",
             f"Tried to add inapplicable permission {short} for {sid} in the item's matrix, skipping")
        return
    m.add(Entry(kind, java_id, short, sid))


_TYPE_ORDER = {"EITHER": 0, "GROUP": 1, "USER": 2}  # AuthorizationType declaration order


def render_matrix(element: str, m: ItemMatrix, depth: int, sid_key: Callable[[str], object]) -> str:
    """AbstractAuthorizationPropertyConverter.marshal: the strategy element, then one
    `<permission>` per entry, by permission id (Permission.ID_COMPARATOR), then
    PermissionEntryComparator (type, then the id strategy's order). Entries the comparator
    finds equal (same type, sids equal ignoring case) collapse into one in the TreeSet."""
    pad = "\n" + "  " * (depth + 1)
    lines = [f'{pad}<inheritanceStrategy class="{escape(m.inheritance)}"/>']
    by_perm: dict[str, list[Entry]] = {}
    for e in m.entries:
        by_perm.setdefault(e.java_id, []).append(e)
    for java_id in sorted(by_perm, key=_utf16):
        seen: set[tuple[str, object]] = set()
        for e in sorted(by_perm[java_id], key=lambda e: (_TYPE_ORDER[e.type], sid_key(e.sid))):
            k = (e.type, sid_key(e.sid))
            if k in seen:
                continue
            seen.add(k)
            prefix = "" if e.type == "EITHER" else e.type + ":"  # AuthorizationType.toPrefix
            lines.append(f"{pad}<permission>{escape(prefix + java_id + ':' + e.sid)}</permission>")
    return f"<{element}>{''.join(lines)}\n{'  ' * depth}</{element}>"


def _utf16(s: str) -> bytes:
    # java.lang.String.compareTo: UTF-16 code units
    return s.encode("utf-16-be", "surrogatepass")


def permission_lines(entries: list[tuple[str, str, str]]) -> list[str]:
    """("USER"|"GROUP"|"EITHER"|"", sid, permission) -> the `<permission>` texts, for tests
    that write a property by hand ("" writes the untyped legacy form)."""
    return [(f"{t}:" if t else "") + f"{perm}:{sid}" for t, sid, perm in entries]


def property_xml(element: str, inheritance: str | None, lines: list[str], depth: int = 2) -> str:
    """A matrix property as a client would write it (not normalised)."""
    pad = "\n" + "  " * (depth + 1)
    inner = f'{pad}<inheritanceStrategy class="{escape(inheritance)}"/>' if inheritance else ""
    inner += "".join(f"{pad}<permission>{escape(line)}</permission>" for line in lines)
    return f"<{element}>{inner}\n{'  ' * depth}</{element}>"


# ------------------------------------------------------------------ splicing
def splice(data: bytes, start: int, end: int, new: str) -> str:
    return (data[:start] + new.encode("utf-8", "surrogatepass") + data[end:]).decode("utf-8", "surrogatepass")


def depth_of(root: Node, target: Node) -> int:
    def walk(n: Node, d: int) -> int | None:
        if n is target:
            return d
        for c in n.children:
            r = walk(c, d + 1)
            if r is not None:
                return r
        return None

    found = walk(root, 0)
    return found if found is not None else 0


# fields XStream writes before `properties` (Actionable.actions, AbstractItem.description and
# displayName, Job.keepDependencies): a new `<properties>` goes after the last one present
_BEFORE_PROPERTIES = ("actions", "description", "displayName", "keepDependencies")


def insert_property(text: str, new_property: str) -> str:
    """Append a property to the root's `<properties>` (DescribableList/CopyOnWriteList add:
    at the end), creating the list where XStream would write it when there is none."""
    data, root = scan(text)
    props = root.child("properties")
    if props is not None and props.children:
        last = props.children[-1]
        return splice(data, last.end, last.end, "\n    " + new_property)
    if props is not None:
        start_tag = data[props.start:props.start_end].decode("utf-8", "surrogatepass")
        if props.empty:
            start_tag = start_tag[:-2].rstrip() + ">"
        return splice(data, props.start, props.end, f"{start_tag}\n    {new_property}\n  </properties>")
    block = f"<properties>\n    {new_property}\n  </properties>"
    before = [c for c in root.children if c.name in _BEFORE_PROPERTIES]
    if before:
        return splice(data, before[-1].end, before[-1].end, "\n  " + block)
    if root.empty:
        tag = data[root.start:root.start_end].decode("utf-8", "surrogatepass")[:-2].rstrip() + ">"
        return splice(data, root.start, root.end, f"{tag}\n  {block}\n</{root.name}>")
    return splice(data, root.start_end, root.start_end, "\n  " + block)


_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def decode_stream(data: bytes) -> str:
    """Bytes parsed as an XML stream (createItem passes the request's InputStream to the
    parser, which follows the document's declaration; UTF-8 without one)."""
    m = _DECLARED_ENCODING.match(data)
    try:
        return data.decode(m.group(1).decode("ascii") if m else "utf-8")
    except (LookupError, UnicodeDecodeError) as e:
        raise XmlError(str(e)) from None

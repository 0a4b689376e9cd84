"""An item's config.xml: read its matrix property, and replace only that property.

`apply` must change a folder's or job's matrix and nothing else, and Jenkins only offers the
whole configuration: `POST config.xml` replaces the item's entire configuration with the posted
document (core AbstractItem.java:862-952, `updateByXml`; jenkins-facts H.1). So the document is
read, the byte range of the matrix property is found with a streaming parser, and only those
bytes are replaced; every other byte of the document stays as it was. Where there is no matrix
property yet it is inserted as the first child of the item's `<properties>`.

The property as matrix-auth writes it (matrix-auth-plugin@matrix-auth-3.2.8):
- class `com.cloudbees.hudson.plugins.folder.properties.AuthorizationMatrixProperty` on folders,
  `hudson.security.AuthorizationMatrixProperty` on jobs (items.FOLDER_PROPERTY, JOB_PROPERTY);
- AbstractAuthorizationPropertyConverter.java:45-56: first `<inheritanceStrategy class="..."/>`,
  then AbstractAuthorizationContainerConverter.java:51-74: one `<permission>` per (permission,
  entry), permissions by id (core `Permission.ID_COMPARATOR`, `String.compareTo` of the Java id),
  entries by type (EITHER, GROUP, USER: the enum order of AuthorizationType) then by sid as the
  realm's IdStrategy orders them (case-insensitively for jwt-auth); the text is
  `TYPE:permission-id:sid`, without `TYPE:` for EITHER (AuthorizationType.toPrefix).
- reading (AuthorizationContainer.java:186-219): an optional `USER:`/`GROUP:`/`EITHER:` prefix,
  else the legacy untyped form (EITHER); the permission by Java id or `Group/Name`; an unknown
  permission is skipped with a WARNING (AbstractAuthorizationContainerConverter.java:76-89), so
  `apply` reads the item back. A legacy `<blocksInheritance>true</blocksInheritance>` reads as
  NonInheritingStrategy (AbstractAuthorizationPropertyConverter.java:58-91).

Hostile documents are refused, never expanded: any DOCTYPE (so no entity declarations, no
billion laughs, no external entities: an undeclared entity is an error), encodings other than
UTF-8 (the splice writes UTF-8), and documents over MAX_BYTES. pyexpat is used directly so the
refusal is explicit and visible here; Jenkins' own config.xml never has a DTD.
"""

from __future__ import annotations

import xml.parsers.expat as expat
from dataclasses import dataclass, field
from typing import Any, Iterable, Literal

from . import permissions
from .items import FOLDER_PROPERTY, INHERIT_CLASSES, JOB_PROPERTY

__all__ = ["ItemXmlError", "Entry", "Matrix", "ItemConfig", "parse", "replace_matrix", "remove_matrix", "render_property",
           "MAX_BYTES", "permission_text", "entry_lines"]

MAX_BYTES = 32 * 1024 * 1024

Kind = Literal["folder", "job"]
EntryType = Literal["USER", "GROUP", "EITHER"]
_TYPES: tuple[EntryType, ...] = ("EITHER", "GROUP", "USER")  # AuthorizationType's enum order
_KIND_OF_CLASS = {FOLDER_PROPERTY: "folder", JOB_PROPERTY: "job"}
_STRATEGY_OF_CLASS = {cls: name for name, cls in INHERIT_CLASSES.items()}

# config.xml root elements whose kind is certain (XStream aliases and class names of the
# common item types: core FreeStyleProject `project`, workflow-job `flow-definition`,
# cloudbees-folder Folder, branch-api OrganizationFolder, workflow-multibranch).
_ROOT_KINDS: dict[str, Kind] = {
    "com.cloudbees.hudson.plugins.folder.Folder": "folder",
    "jenkins.branch.OrganizationFolder": "folder",
    "org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject": "folder",
    "project": "job",
    "flow-definition": "job",
    "maven2-moduleset": "job",
    "matrix-project": "job",
}


class ItemXmlError(Exception):
    """The document cannot be read or edited safely; nothing is changed."""


@dataclass(frozen=True, order=True)
class Entry:
    """One (type, sid, permission) of a matrix; `permission` is `Group/Name` when the catalog
    knows it, else as written (a plugin's permission)."""

    type: EntryType
    sid: str
    permission: str


@dataclass(frozen=True)
class Matrix:
    inherit: str | None  # parent | global | none, the raw class when unknown, None when absent
    entries: frozenset[Entry]
    unknown: tuple[str, ...] = ()  # <permission> texts that are no `[TYPE:]permission:sid`

    def by_principal(self) -> dict[tuple[str, str], set[str]]:
        """(type, sid) -> its permissions."""
        out: dict[tuple[str, str], set[str]] = {}
        for e in self.entries:
            out.setdefault((e.type, e.sid), set()).add(e.permission)
        return out


@dataclass(frozen=True)
class _Span:
    start: int
    end: int  # exclusive
    start_tag_end: int  # just after the start tag ('>' or '/>')
    empty: bool  # written as <x/>


@dataclass
class ItemConfig:
    """A parsed config.xml: where the matrix property and `<properties>` are."""

    raw: bytes
    root: str
    kind: Kind | None
    matrix: Matrix | None
    property_class: str | None
    property_span: _Span | None
    properties_span: _Span | None
    indent: str = field(default="  ")

    @property
    def property_bytes(self) -> bytes | None:
        """The matrix property exactly as the document has it (for the snapshot)."""
        if self.property_span is None:
            return None
        return self.raw[self.property_span.start:self.property_span.end]


def _refuse(*_: Any) -> int:
    raise ItemXmlError("the document has a DOCTYPE (DTDs and entity declarations are refused)")


class _Reader:
    """Streams the document, recording the byte ranges `replace_matrix` needs: an element ends
    where the next event (text, tag, comment, ...) begins."""

    def __init__(self, raw: bytes) -> None:
        self.raw = raw
        self.parser = expat.ParserCreate()
        p = self.parser
        p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        p.StartDoctypeDeclHandler = _refuse
        p.EntityDeclHandler = _refuse
        p.ExternalEntityRefHandler = _refuse
        p.XmlDeclHandler = self.xml_decl
        p.StartElementHandler = self.start
        p.EndElementHandler = self.end
        p.CharacterDataHandler = self.text_data
        for name in ("CommentHandler", "ProcessingInstructionHandler", "StartCdataSectionHandler", "EndCdataSectionHandler",
                     "DefaultHandler"):
            setattr(p, name, self.other)
        self.stack: list[str] = []
        self.root = ""
        self.children_of_root: list[str] = []
        self.open_spans: dict[str, tuple[int, int]] = {}  # "property"/"properties" -> (start, start tag end)
        self.ending: list[str] = []  # ended elements waiting for the next event's index
        self.spans: dict[str, _Span] = {}
        self.property_class: str | None = None
        self.child: str | None = None
        self.child_attrs: dict[str, str] = {}
        self.text: list[str] = []
        self.inherit: str | None = None
        self.permission_texts: list[str] = []
        self.blocks = False

    def xml_decl(self, version: str | None, encoding: str | None, standalone: int) -> None:
        if encoding is not None and encoding.lower().replace("_", "-") not in ("utf-8", "utf8"):
            raise ItemXmlError(f"the document is encoded in {encoding}, not UTF-8")

    def _settle(self) -> None:
        idx = self.parser.CurrentByteIndex
        for what in self.ending:
            start, tag_end = self.open_spans[what]
            self.spans[what] = _Span(start, idx, tag_end, self.raw[tag_end - 2:tag_end] == b"/>")
        self.ending.clear()

    def _tag_end(self, start: int) -> int:
        """Just past the start tag beginning at `start` (quoted attribute values may hold '>')."""
        i, quote, raw = start + 1, 0, self.raw
        while i < len(raw):
            c = raw[i]
            if quote:
                if c == quote:
                    quote = 0
            elif c in (0x22, 0x27):
                quote = c
            elif c == 0x3E:
                return i + 1
            i += 1
        raise ItemXmlError("a start tag does not end")

    def _in_matrix(self) -> bool:
        return "property" in self.open_spans and "property" not in self.spans

    def other(self, *_: str) -> None:
        """Comments, processing instructions, CDATA marks, the rest: only their position matters."""
        self._settle()

    def text_data(self, data: str) -> None:
        self._settle()
        if self.child is not None:
            self.text.append(data)

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self._settle()
        idx = self.parser.CurrentByteIndex
        self.stack.append(name)
        depth = len(self.stack)
        if depth == 1:
            self.root = name
        elif depth == 2:
            self.children_of_root.append(name)
            if name == "properties" and "properties" not in self.open_spans:
                self.open_spans["properties"] = (idx, self._tag_end(idx))
        elif depth == 3 and self.stack[1] == "properties" and "properties" not in self.spans and \
                name in _KIND_OF_CLASS and "property" not in self.open_spans:
            self.open_spans["property"] = (idx, self._tag_end(idx))
            self.property_class = name
        elif depth == 4 and self._in_matrix():
            self.child, self.child_attrs, self.text = name, dict(attrs), []

    def end(self, name: str) -> None:
        self._settle()
        depth = len(self.stack)
        if depth == 4 and self._in_matrix() and self.child is not None:
            value = "".join(self.text)
            if self.child == "inheritanceStrategy":
                cls = self.child_attrs.get("class", "")
                self.inherit = _STRATEGY_OF_CLASS.get(cls, cls)
            elif self.child == "blocksInheritance" and value.strip() == "true":
                self.blocks = True
            elif self.child == "permission":
                self.permission_texts.append(value)
            self.child = None
        elif depth == 3 and self._in_matrix() and name == self.property_class:
            self.ending.append("property")
        elif depth == 2 and name == "properties" and "properties" not in self.spans and "properties" in self.open_spans:
            self.ending.append("properties")
        self.stack.pop()

    def run(self) -> None:
        try:
            self.parser.Parse(self.raw, True)
        except expat.ExpatError as exc:
            raise ItemXmlError(f"not well-formed XML ({expat.ErrorString(exc.code)} at line {exc.lineno}, column {exc.offset})") from None
        except RecursionError:
            raise ItemXmlError("the document nests too deeply") from None
        if self.ending:  # only the root can end last; <properties> is never the root
            raise ItemXmlError("the document ends inside the item's <properties>")


def _parse_permission(text: str) -> Entry | None:
    """AuthorizationContainer.add(String): `TYPE:perm:sid` or the legacy `perm:sid`."""
    first, sep, rest = text.partition(":")
    if not sep:
        return None
    if first in ("USER", "GROUP", "EITHER"):
        perm, sep2, sid = rest.partition(":")
        if not sep2:
            return None
        etype: EntryType = first  # type: ignore[assignment]
    else:
        etype, perm, sid = "EITHER", first, rest
    perm = permissions.from_java_id(perm) or perm
    return Entry(etype, sid, perm)


def parse(raw: bytes) -> ItemConfig:
    """Read a config.xml. Raises ItemXmlError for anything that is not a plain, UTF-8 item
    configuration (DTDs, entities, oversize, not well-formed)."""
    if not isinstance(raw, bytes):
        raise ItemXmlError("config.xml must be bytes")
    if len(raw) > MAX_BYTES:
        raise ItemXmlError(f"config.xml is {len(raw)} bytes, over the {MAX_BYTES}-byte limit")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ItemXmlError("the document is UTF-16, not UTF-8")
    reader = _Reader(raw)
    reader.run()
    matrix = None
    if "property" in reader.spans:
        entries, unknown = set(), []
        for text in reader.permission_texts:
            entry = _parse_permission(text.strip())
            if entry is None:
                unknown.append(text)
            else:
                entries.add(entry)
        inherit = reader.inherit or ("none" if reader.blocks else "parent")
        matrix = Matrix(inherit, frozenset(entries), tuple(unknown))
    kind: Kind | None
    if reader.property_class is not None:
        kind = _KIND_OF_CLASS[reader.property_class]  # type: ignore[assignment]
    elif reader.root in _ROOT_KINDS:
        kind = _ROOT_KINDS[reader.root]
    elif "healthMetrics" in reader.children_of_root or "folderViews" in reader.children_of_root:
        kind = "folder"  # AbstractFolder's own fields (cloudbees-folder AbstractFolder.java)
    elif "builders" in reader.children_of_root or "definition" in reader.children_of_root or "keepDependencies" in reader.children_of_root:
        kind = "job"
    else:
        kind = None
    props = reader.spans.get("properties")
    return ItemConfig(raw, reader.root, kind, matrix, reader.property_class, reader.spans.get("property"), props,
                      _indent_of(raw, props))


def _indent_of(raw: bytes, span: _Span | None) -> str:
    """The whitespace before `<properties>` on its line (XStream indents by two spaces)."""
    if span is None:
        return "  "
    line_start = raw.rfind(b"\n", 0, span.start) + 1
    lead = raw[line_start:span.start]
    return lead.decode("utf-8") if lead.strip() == b"" else "  "


def _escape(text: str) -> str:
    # what XStream's PrettyPrintWriter escapes in text
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&apos;").replace("\r", "&#xd;"))


def permission_text(entry: Entry) -> str:
    """`TYPE:java-id:sid` as matrix-auth writes it; a permission the catalog does not know is
    written as `Group/Name`, which matrix-auth also reads (PermissionFinder)."""
    prefix = "" if entry.type == "EITHER" else entry.type + ":"
    return f"{prefix}{permissions.java_id(entry.permission) or entry.permission}:{entry.sid}"


def _sid_key(sid: str) -> tuple[bytes, bytes]:
    from .model import java_sort_key
    from .names import fold

    return (java_sort_key(fold(sid)), java_sort_key(sid))


def entry_lines(entries: Iterable[Entry]) -> list[str]:
    """The `<permission>` texts in matrix-auth's marshalling order."""
    from .model import java_sort_key

    def key(e: Entry) -> tuple[bytes, int, tuple[bytes, bytes]]:
        return (java_sort_key(permissions.java_id(e.permission) or e.permission), _TYPES.index(e.type), _sid_key(e.sid))

    return [permission_text(e) for e in sorted(entries, key=key)]


def render_property(kind: Kind, inherit: str, entries: Iterable[Entry], indent: str = "    ", step: str = "  ") -> str:
    """The matrix property element, indented like its siblings (no leading indent, no newline)."""
    cls = FOLDER_PROPERTY if kind == "folder" else JOB_PROPERTY
    inner = indent + step
    lines = [f"<{cls}>", f'{inner}<inheritanceStrategy class="{INHERIT_CLASSES[inherit]}"/>']
    lines += [f"{inner}<permission>{_escape(text)}</permission>" for text in entry_lines(entries)]
    lines.append(f"{indent}</{cls}>")
    return "\n".join(lines)


def replace_matrix(config: ItemConfig, inherit: str, entries: Iterable[Entry]) -> bytes:
    """The document with only the matrix property replaced (or inserted); every other byte kept."""
    if config.kind is None and config.property_class is None:
        raise ItemXmlError(f"cannot tell whether <{config.root}> is a folder or a job")
    kind: Kind = config.kind or "job"
    raw = config.raw
    child_indent = config.indent + "  "
    new = render_property(kind, inherit, entries, indent=child_indent).encode("utf-8")
    span = config.property_span
    if span is not None:
        line_start = raw.rfind(b"\n", 0, span.start) + 1
        lead = raw[line_start:span.start]
        if lead.strip() == b"":
            new = render_property(kind, inherit, entries, indent=lead.decode("utf-8")).encode("utf-8")
        return raw[:span.start] + new + raw[span.end:]
    props = config.properties_span
    if props is None:
        raise ItemXmlError(f"<{config.root}> has no <properties> element to hold the matrix")
    if props.empty:
        # <properties/> becomes <properties>...</properties>
        opening = raw[props.start:props.end - 2].rstrip() + b">"
        return (raw[:props.start] + opening + b"\n" + child_indent.encode() + new + b"\n" + config.indent.encode() +
                b"</properties>" + raw[props.end:])
    return raw[:props.start_tag_end] + b"\n" + child_indent.encode() + new + raw[props.start_tag_end:]


def remove_matrix(config: ItemConfig) -> bytes:
    """The document without its matrix property (and the line it stood on), for rolling back
    an item that had none."""
    span = config.property_span
    if span is None:
        return config.raw
    raw = config.raw
    line_start = raw.rfind(b"\n", 0, span.start)
    if line_start >= 0 and raw[line_start + 1:span.start].strip() == b"":
        return raw[:line_start] + raw[span.end:]
    return raw[:span.start] + raw[span.end:]


def restore_property(config: ItemConfig, previous: bytes | None) -> bytes:
    """The document with the matrix property put back exactly as `previous` (the snapshot's
    bytes), or removed when there was none."""
    if previous is None:
        return remove_matrix(config)
    span = config.property_span
    if span is not None:
        return config.raw[:span.start] + previous + config.raw[span.end:]
    props = config.properties_span
    if props is None:
        raise ItemXmlError(f"<{config.root}> has no <properties> element to hold the matrix")
    child = (config.indent + "  ").encode()
    if props.empty:
        opening = config.raw[props.start:props.end - 2].rstrip() + b">"
        return (config.raw[:props.start] + opening + b"\n" + child + previous + b"\n" + config.indent.encode() +
                b"</properties>" + config.raw[props.end:])
    return config.raw[:props.start_tag_end] + b"\n" + child + previous + config.raw[props.start_tag_end:]

"""The item tree: folders (cloudbees-folder) and jobs (freestyle, pipeline), each with its
config.xml text and the matrix property Jenkins loaded from it; names, URLs and the queue.

Sources (docs/fidelity.md "Folders and item matrices" has one row per behaviour):
- jenkinsci/jenkins@jenkins-2.568.2: Jenkins.java:489 and cloudbees-folder
  AbstractFolder.java:188 (children in a `CopyOnWriteMap.Tree(String.CASE_INSENSITIVE_ORDER)`:
  lookups ignore case, listings are in that order), AbstractItem.java:470-490 (full name
  `parent/name`), :586-591 (short URL `job/<rawEncode(name)>/`), Util.java:882-998 (rawEncode),
  Jenkins.java:4268-4293 (checkGoodName), Queue.java:612-673 and :2451 (the queue).
- jenkinsci/stapler@2088.v915606dc8e86 TokenList.java:58-72, :163-196 (how a URL path becomes
  names: split on '/' and '\\', each token %-decoded as UTF-8).
- jenkinsci/matrix-auth-plugin@matrix-auth-3.2.8: the property classes and their scopes
  (folder AuthorizationMatrixProperty.java:164-167 ITEM_GROUP, job :202-205 ITEM).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterator, Protocol

from . import item_xml as X
from .item_acl import contained_by
from .permissions import Table

if TYPE_CHECKING:
    from .state import Identity

FOLDER_PLUGIN = "cloudbees-folder"
PIPELINE_PLUGIN = "workflow-job"
# versions the simulator writes into `plugin="..."` attributes and offers for tests
# (the repositories' newest release tags when read; docs/fidelity.md pins them)
ITEM_PLUGINS = {FOLDER_PLUGIN: "6.1100.ve9eed61d16c4", PIPELINE_PLUGIN: "1571.1580.v18e46842c125"}


class ItemError(Exception):
    """A request Jenkins refuses with `Failure` (400 and the message in X-Error), or a test
    that asks the Python API for something Jenkins would not have."""


@dataclass(frozen=True)
class Kind:
    key: str  # "folder" | "freestyle" | "pipeline"
    java_class: str  # `_class`; also the descriptor id `mode=` takes
    roots: tuple[str, ...]  # config.xml root elements XStream reads as this class (alias first)
    matrix_element: str  # the matrix property class
    scope: str  # the property's permission scope (AuthorizationContainerDescriptor.getPermissionScope)
    plugin: str | None  # the plugin that must be active for the class to exist
    is_folder: bool


FOLDER = Kind("folder", "com.cloudbees.hudson.plugins.folder.Folder", ("com.cloudbees.hudson.plugins.folder.Folder",),
              "com.cloudbees.hudson.plugins.folder.properties.AuthorizationMatrixProperty", "ITEM_GROUP",
              FOLDER_PLUGIN, True)
# core Items.java:767 aliases FreeStyleProject as `project`
FREESTYLE = Kind("freestyle", "hudson.model.FreeStyleProject", ("project", "hudson.model.FreeStyleProject"),
                 "hudson.security.AuthorizationMatrixProperty", "ITEM", None, False)
# workflow-job WorkflowJob.java:673 aliases WorkflowJob as `flow-definition`
PIPELINE = Kind("pipeline", "org.jenkinsci.plugins.workflow.job.WorkflowJob",
                ("flow-definition", "org.jenkinsci.plugins.workflow.job.WorkflowJob"),
                "hudson.security.AuthorizationMatrixProperty", "ITEM", PIPELINE_PLUGIN, False)
KINDS: dict[str, Kind] = {k.key: k for k in (FOLDER, FREESTYLE, PIPELINE)}


def kind_of_root(element: str) -> Kind | None:
    return next((k for k in KINDS.values() if element in k.roots), None)


def kind_by_class(java_class: str) -> Kind | None:
    return next((k for k in KINDS.values() if k.java_class == java_class), None)


# ------------------------------------------------------------------ names
def _fold(c: str) -> str:
    """Character.toLowerCase(Character.toUpperCase(c)): the one-character (simple) mappings;
    Python's str.upper/lower give the full ones, which are longer exactly when no simple one
    differs from the character."""
    up = c.upper()
    up = up if len(up) == 1 else c
    low = up.lower()
    return low if len(low) == 1 else up


def name_key(name: str) -> bytes:
    """A sort/equality key for String.CASE_INSENSITIVE_ORDER (compareToIgnoreCase): each
    character folded as above, compared as UTF-16 code units. It is also
    IdStrategy.CASE_INSENSITIVE.compare at the simulator's default version (2.516.3:
    `id1.compareToIgnoreCase(id2)`), which orders matrix entries."""
    return "".join(_fold(c) for c in name).encode("utf-16-be", "surrogatepass")


# Util.rawEncode keeps these ASCII characters (the `raw` map of Util.java:882-896)
_RAW_KEPT = frozenset("!$&'()*+,-.0123456789=@ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz")


def raw_encode(name: str) -> str:
    """hudson.Util.rawEncode: one path segment; UTF-8 %XX (upper-case hex) for everything but
    the characters above. A lone surrogate encodes as '?' (Java's replacement)."""
    out = []
    for c in name:
        if c in _RAW_KEPT:
            out.append(c)
        else:
            out.extend(f"%{b:02X}" for b in c.encode("utf-8", "replace"))
    return "".join(out)


def stapler_decode(token: str) -> str:
    """org.kohsuke.stapler.TokenList.decode: %HH runs as UTF-8 (invalid sequences become
    U+FFFD), a truncated %H at the end is dropped, hex digits read leniently (fromHex)."""
    if "%" not in token:
        return token
    out: list[str] = []
    pending = bytearray()
    i = 0
    while i < len(token):
        c = token[i]
        if c == "%":
            if i + 2 < len(token):  # else a truncated %H: dropped
                hi, lo = token[i + 1], token[i + 2]
                pending.append((_from_hex(hi) * 16 + _from_hex(lo)) & 0xFF)
            i += 3
            continue
        if pending:
            out.append(pending.decode("utf-8", "replace"))
            pending.clear()
        out.append(c)
        i += 1
    if pending:
        out.append(pending.decode("utf-8", "replace"))
    return "".join(out)


def _from_hex(c: str) -> int:
    o = ord(c)
    return (o & 0xF) + (9 if o & 0x40 else 0)


def url_tokens(path: str) -> list[str]:
    """Stapler's raw tokens: the path split on '/' and '\\', empty tokens dropped."""
    return [t for t in path.replace("\\", "/").split("/") if t]


def endpoint_of(path: str) -> str:
    """A request path with its item part collapsed: `/job/a/job/b/config.xml` ->
    `/{item}/config.xml`, so request counts can be compared per endpoint."""
    tokens = url_tokens(path)
    i = 0
    while i + 1 < len(tokens) and tokens[i] == "job":
        i += 2
    if i == 0:
        return path
    rest = "/".join(tokens[i:])
    return "/{item}/" + rest + ("/" if rest and path.endswith("/") else "")


_UNSAFE = "?*/\\%!@#$^&|<>[]:;"


def check_good_name(name: str) -> None:
    """Jenkins.checkGoodName (Jenkins.java:4268-4293), the messages of
    hudson/model/Messages.properties (Hudson.NoName, .ControlCodeNotAllowed, .UnsafeChar,
    .TrailingDot, Jenkins.NotAllowedName)."""
    if not name:
        raise ItemError("No name is specified")
    if _java_trim(name) in (".", ".."):
        raise ItemError(f"“{_java_trim(name)}” is not an allowed name")
    for ch in name:
        if _iso_control(ch):
            printable = "".join(f"\\u{ord(c)};" if _iso_control(c) else c for c in name)
            raise ItemError(f"No control code is allowed: {printable}")
        if ch in _UNSAFE:
            raise ItemError(f"‘{ch}’ is an unsafe character")
    if _java_trim(name).endswith("."):
        raise ItemError("A name cannot end with ‘.’")


def _iso_control(c: str) -> bool:
    return ord(c) <= 0x1F or 0x7F <= ord(c) <= 0x9F  # Character.isISOControl


def _java_trim(s: str) -> str:
    """String.trim(): strips characters <= U+0020 at both ends (not Unicode spaces)."""
    start, end = 0, len(s)
    while start < end and s[start] <= " ":
        start += 1
    while end > start and s[end - 1] <= " ":
        end -= 1
    return s[start:end]


# ------------------------------------------------------------------ items
@dataclass(eq=False)
class Item:
    name: str
    kind: Kind
    parent: "Item | None"
    xml: str = ""  # the item in memory, as GET config.xml writes it (the matrix property normalised)
    disk: str = ""  # its config.xml file: what a restart loads again
    matrix: X.ItemMatrix | None = None  # the property as Jenkins loaded it (None: none)
    children: dict[bytes, "Item"] = field(default_factory=dict)
    next_build_number: int = 1

    @property
    def full_name(self) -> str:
        return self.name if self.parent is None else f"{self.parent.full_name}/{self.name}"

    @property
    def url(self) -> str:
        """getUrl() without a request: the parent's URL + `job/<rawEncode(name)>/`."""
        own = f"job/{raw_encode(self.name)}/"
        return own if self.parent is None else self.parent.url + own

    @property
    def is_folder(self) -> bool:
        return self.kind.is_folder

    def root_child_text(self, element: str) -> str | None:
        _, root = X.scan(self.xml)
        c = root.child(element)
        return None if c is None else c.text

    @property
    def disabled(self) -> bool:
        return not self.is_folder and self.root_child_text("disabled") == "true"


@dataclass
class QueueItem:
    """Queue.WaitingItem: an id from QueueIdStrategy.DefaultStrategy (a counter from 1)."""

    id: int
    job: str  # full name
    by: str  # the user who scheduled it

    @property
    def url(self) -> str:
        return f"queue/item/{self.id}/"  # Queue.Item.getUrl (Queue.java:2451-2453)


class SimView(Protocol):
    """What the tree needs from the simulator (JenkinsSim provides it)."""

    @property
    def lock(self) -> threading.RLock: ...

    @property
    def log(self) -> list[str]: ...

    def active_plugins(self) -> set[str]: ...

    def permission_table(self) -> Table: ...


class ItemTree:
    """`sim.items`: build a tree from tests, read and write items as Jenkins would."""

    def __init__(self, sim: SimView) -> None:
        self._sim = sim
        self.top: dict[bytes, Item] = {}
        self.queue: list[QueueItem] = []
        self._queue_counter = 0

    # ------------------------------------------------------------ building (Python API)
    def add_folder(self, full_name: str, config_xml: str | None = None, *,
                   inherit: str | None = None, entries: list[tuple[str, str, str]] | None = None) -> Item:
        """A folder as if loaded from disk at startup (no listeners, no permission checks).
        Without `config_xml`: TEAM_FOLDER_XML (a configured folder with other properties).
        `inherit` ("parent" | "global" | "none") and `entries` ((type, sid, permission), type
        "USER"/"GROUP" or "" for the untyped legacy form) add a matrix property."""
        return self._add(full_name, FOLDER, config_xml, inherit, entries)

    def add_job(self, full_name: str, config_xml: str | None = None, *, kind: str = "freestyle",
                inherit: str | None = None, entries: list[tuple[str, str, str]] | None = None) -> Item:
        """A job (kind "freestyle" or "pipeline"); like add_folder."""
        k = KINDS.get(kind)
        if k is None or k.is_folder:
            raise ItemError(f"no job kind {kind!r}: freestyle or pipeline")
        return self._add(full_name, k, config_xml, inherit, entries)

    def _add(self, full_name: str, kind: Kind, config_xml: str | None, inherit: str | None,
             entries: list[tuple[str, str, str]] | None) -> Item:
        *parents, name = full_name.split("/")
        with self._sim.lock:
            parent = self.require("/".join(parents)) if parents else None
            check_good_name(name)
            if parent is not None and not parent.is_folder:
                raise ItemError(f"{parent.full_name} is a job, not a folder")
            self._require_plugin(kind)
            if self.find(parent, name) is not None:
                raise ItemError(f"A job already exists with the name ‘{name}’")
            text = config_xml if config_xml is not None else sample_xml(kind, name)
            if inherit is not None or entries:
                text = with_matrix(text, kind, inherit, entries or [])
            item = Item(name, kind, parent)
            self.ingest(item, text, at_startup=True, saved=False)
            self._siblings(parent)[name_key(name)] = item
            return item

    def _require_plugin(self, kind: Kind) -> None:
        if kind.plugin is not None and kind.plugin not in self._sim.active_plugins():
            raise ItemError(f"{kind.java_class} needs the plugin {kind.plugin} (not active)")

    def remove(self, full_name: str) -> None:
        with self._sim.lock:
            item = self.require(full_name)
            del self._siblings(item.parent)[name_key(item.name)]

    # ------------------------------------------------------------ reading
    def _siblings(self, parent: Item | None) -> dict[bytes, Item]:
        return self.top if parent is None else parent.children

    def find(self, parent: Item | None, name: str) -> Item | None:
        """ItemGroup.getItem without the permission check: case-insensitive."""
        return self._siblings(parent).get(name_key(name))

    def children(self, parent: Item | None) -> list[Item]:
        """In the map's order: String.CASE_INSENSITIVE_ORDER."""
        with self._sim.lock:  # a createItem may be adding a sibling meanwhile
            sibs = dict(self._siblings(parent))
        return [sibs[k] for k in sorted(sibs)]

    def get(self, full_name: str) -> Item | None:
        """By full name (`a/b`), each segment compared ignoring case as Jenkins does."""
        item: Item | None = None
        for part in full_name.split("/"):
            if item is not None and not item.is_folder:
                return None
            item = self.find(item, part)
            if item is None:
                return None
        return item

    def require(self, full_name: str) -> Item:
        item = self.get(full_name)
        if item is None:
            raise ItemError(f"no item {full_name!r}")
        return item

    def walk(self, parent: Item | None = None) -> Iterator[Item]:
        for child in self.children(parent):
            yield child
            yield from self.walk(child)

    def full_names(self) -> list[str]:
        return [i.full_name for i in self.walk()]

    def config_xml(self, full_name: str) -> str:
        """What `GET .../config.xml` answers (XStream's declaration, then the document)."""
        return X.XML_DECLARATION + X.body(self.require(full_name).xml)

    def matrix(self, full_name: str) -> X.ItemMatrix | None:
        return self.require(full_name).matrix

    def ambiguous(self) -> list[str]:
        """Items whose matrix has untyped (EITHER) entries: what matrix-auth's AmbiguityMonitor
        lists (AmbiguityMonitor.java:168-242, FolderContributor.java:51-68)."""
        return [i.full_name for i in self.walk() if i.matrix and any(e.type == "EITHER" for e in i.matrix.entries)]

    # ------------------------------------------------------------ writing
    def set_config_xml(self, full_name: str, text: str) -> None:
        """`POST config.xml` without the permission check (AbstractItem.updateByXml)."""
        with self._sim.lock:
            self.ingest(self.require(full_name), text, at_startup=False, saved=True)

    def ingest(self, item: Item, text: str, *, at_startup: bool, saved: bool) -> None:
        """Unmarshal `text` into `item` and keep what Jenkins would write back. Raises
        X.XmlError (not well-formed) or ItemError (another item class) and changes nothing.
        `saved`: Jenkins writes the item to disk from memory afterwards (updateByXml, save());
        else the file on disk stays `text` (an item loaded at startup, createProjectFromXML)."""
        original = text
        data, root = X.scan(text)
        got = kind_of_root(root.name)
        if got is not item.kind:
            # AbstractItem.updateByXml (:937-941): "Expecting <class> but got <class> instead"
            other = got.java_class if got else root.name
            raise ItemError(f"Expecting class {item.kind.java_class} but got class {other} instead")
        props = root.child("properties")
        found = [p for p in (props.children if props else []) if p.name == item.kind.matrix_element]
        table = self._sim.permission_table()
        loaded: list[X.ItemMatrix] = []
        for node in reversed(found):  # from the end, so earlier offsets stay valid
            depth = X.depth_of(root, node)
            try:
                m = X.parse_matrix(node, lambda p: _resolve(table, p),
                                   lambda jid: contained_by(jid, item.kind.scope), self._warn, at_startup=at_startup)
            except X.DroppedProperty as e:
                self._warn("hudson.util.RobustReflectionConverter",
                           f"Dropped the {item.kind.matrix_element} of {item.full_name}: "
                           f"java.lang.StringIndexOutOfBoundsException: {e}")
                text = _remove(data, props, node)
            else:
                loaded.insert(0, m)
                text = X.splice(data, node.start, node.end, X.render_matrix(node.name, m, depth, _sid_key))
            data, root = X.scan(text)
            props = root.child("properties")
        with self._sim.lock:
            item.disk = text if saved else original
            item.xml = text
            # getProperty(Class): the first one in the list
            item.matrix = loaded[0] if loaded else None

    def add_creator_entries(self, item: Item, ident: "Identity", has: Callable[[str], bool]) -> None:
        """matrix-auth's ItemListenerImpl.onCreated (job property :272-316, folder property
        :228-273): under the project matrix, a creator who cannot Read or Configure the new
        item gets USER entries for them on its property (a new property, InheritParent,
        when it had none)."""
        missing = [p for p in ("hudson.model.Item.Read", "hudson.model.Item.Configure")
                   if not has("Job/" + p.rsplit(".", 1)[1])]
        if not missing:
            return
        sid = ident.name  # User.current().getId(), "anonymous" without one
        m = item.matrix
        if m is None:
            lines = X.permission_lines([("USER", sid, p) for p in missing])
            new = X.property_xml(item.kind.matrix_element, X.INHERIT_PARENT, lines)
            self.ingest(item, X.insert_property(item.xml, new), at_startup=False, saved=True)
        else:
            data, root = X.scan(item.xml)
            props = root.child("properties")
            node = next(p for p in (props.children if props else []) if p.name == item.kind.matrix_element)
            table = self._sim.permission_table()
            for p in missing:
                found = _resolve(table, p)
                assert found is not None
                m.add(X.Entry("USER", found[0], found[1], sid))
            text = X.splice(data, node.start, node.end, X.render_matrix(node.name, m, X.depth_of(root, node), _sid_key))
            self.ingest(item, text, at_startup=False, saved=True)

    def create(self, parent: Item | None, name: str, kind: Kind, text: str | None) -> Item:
        """Add a new item (ItemGroupMixIn.createProject / createProjectFromXML after their
        checks): `text` None is a new item of `kind` as `mode=` creates it."""
        self._require_plugin(kind)
        item = Item(name, kind, parent)
        # createProjectFromXML leaves the posted file as it is; createProject saves the new item
        self.ingest(item, text if text is not None else new_item_xml(kind), at_startup=False, saved=text is None)
        self._siblings(parent)[name_key(name)] = item
        return item

    def reload_from_disk(self) -> None:
        """A restart loads every item from its config.xml file again: an entry skipped while
        its permission did not exist (a plugin not loaded) comes back if the file was never
        saved since, and is gone for good if it was."""
        with self._sim.lock:
            for item in list(self.walk()):
                try:
                    self.ingest(item, item.disk, at_startup=True, saved=False)
                except (X.XmlError, ItemError) as e:
                    self._warn("jenkins.model.Jenkins", f"Failed to load {item.full_name}: {e}")

    def schedule(self, job: Item, by: str) -> QueueItem:
        """Queue.schedule2: a job already waiting keeps its queue item (ScheduleResult.existing)."""
        with self._sim.lock:
            for q in self.queue:
                if q.job == job.full_name:
                    return q
            self._queue_counter += 1
            q = QueueItem(self._queue_counter, job.full_name, by)
            self.queue.append(q)
            return q

    def _warn(self, logger: str, message: str) -> None:
        self._sim.log.append(f"WARNING {logger}: {message}")


def _sid_key(sid: str) -> object:
    return name_key(sid)


def _resolve(table: Table, text: str) -> tuple[str, str] | None:
    """AuthorizationContainer.parsePermission: Permission.fromId, then PermissionFinder."""
    p = table.parse(text)
    return None if p is None else (p.id, table.short(p))


def _remove(data: bytes, props: X.Node | None, node: X.Node) -> str:
    """Take a property out of the list as XStream would write the list without it."""
    assert props is not None
    kids = props.children
    if len(kids) == 1:
        start_tag = data[props.start:props.start_end].decode("utf-8", "surrogatepass")
        tag = start_tag if props.empty else start_tag[:-1].rstrip() + "/>"
        return X.splice(data, props.start, props.end, tag)
    i = kids.index(node)
    if i == 0:
        return X.splice(data, node.start, kids[1].start, "")  # the element and the space after it
    return X.splice(data, kids[i - 1].end, node.end, "")  # the space before it and the element


def with_matrix(text: str, kind: Kind, inherit: str | None, entries: list[tuple[str, str, str]]) -> str:
    """`text` with a matrix property added (as a client would write one)."""
    strategy = {"parent": X.INHERIT_PARENT, "global": X.INHERIT_GLOBAL, "none": X.NON_INHERITING, None: None}[inherit]
    return X.insert_property(text, X.property_xml(kind.matrix_element, strategy, X.permission_lines(entries)))


# ------------------------------------------------------------------ config.xml texts
def new_item_xml(kind: Kind) -> str:
    """A new, never configured item as `mode=` creates it (no description, no properties)."""
    if kind is FOLDER:
        return (f'<com.cloudbees.hudson.plugins.folder.Folder plugin="cloudbees-folder@{ITEM_PLUGINS[FOLDER_PLUGIN]}">\n'
                "  <properties/>\n" + _FOLDER_VIEWS + "  <healthMetrics/>\n" + _FOLDER_ICON
                + "</com.cloudbees.hudson.plugins.folder.Folder>")
    if kind is PIPELINE:
        return (f'<flow-definition plugin="workflow-job@{ITEM_PLUGINS[PIPELINE_PLUGIN]}">\n'
                "  <keepDependencies>false</keepDependencies>\n  <properties/>\n  <triggers/>\n"
                "  <disabled>false</disabled>\n</flow-definition>")
    return ("<project>\n  <keepDependencies>false</keepDependencies>\n  <properties/>\n"
            + _FREESTYLE_TAIL + "  <builders/>\n  <publishers/>\n  <buildWrappers/>\n</project>")


# the view holder a new folder gets (DefaultFolderViewHolder with an AllView "All"), as
# matrix-auth's test data written by a real Jenkins shows it
# (src/test/resources/org/jenkinsci/plugins/matrixauth/AmbiguityTest/testDataFrom2xReconfiguration/jobs/F/config.xml)
_FOLDER_VIEWS = """\
  <folderViews class="com.cloudbees.hudson.plugins.folder.views.DefaultFolderViewHolder">
    <views>
      <hudson.model.AllView>
        <owner class="com.cloudbees.hudson.plugins.folder.Folder" reference="../../../.."/>
        <name>All</name>
        <filterExecutors>false</filterExecutors>
        <filterQueue>false</filterQueue>
        <properties class="hudson.model.View$PropertyList"/>
      </hudson.model.AllView>
    </views>
    <tabBar class="hudson.views.DefaultViewsTabBar"/>
  </folderViews>
"""
_FOLDER_ICON = '  <icon class="com.cloudbees.hudson.plugins.folder.icons.StockFolderIcon"/>\n'
_FREESTYLE_TAIL = """\
  <scm class="hudson.scm.NullSCM"/>
  <canRoam>true</canRoam>
  <disabled>false</disabled>
  <blockBuildWhenDownstreamBuilding>false</blockBuildWhenDownstreamBuilding>
  <blockBuildWhenUpstreamBuilding>false</blockBuildWhenUpstreamBuilding>
  <triggers/>
  <concurrentBuild>false</concurrentBuild>
"""
_DISCARDER = """\
    <jenkins.model.BuildDiscarderProperty>
      <strategy class="hudson.tasks.LogRotator">
        <daysToKeep>-1</daysToKeep>
        <numToKeep>10</numToKeep>
        <artifactDaysToKeep>-1</artifactDaysToKeep>
        <artifactNumToKeep>-1</artifactNumToKeep>
      </strategy>
    </jenkins.model.BuildDiscarderProperty>
"""


def sample_xml(kind: Kind, name: str) -> str:
    """A configured item with other settings a matrix change must leave alone: a description
    with markup, another property, a second view, a health metric, a build step."""
    desc = X.escape(f"Team {name}: builds & deploys <main>")
    if kind is FOLDER:
        return (f'<?xml version="1.1" encoding="UTF-8"?>\n'
                f'<com.cloudbees.hudson.plugins.folder.Folder plugin="cloudbees-folder@{ITEM_PLUGINS[FOLDER_PLUGIN]}">\n'
                f"  <description>{desc}</description>\n"
                "  <properties>\n"
                "    <com.cloudbees.hudson.plugins.folder.properties.FolderCredentialsProvider_-FolderCredentialsProperty>\n"
                '      <domainCredentialsMap class="hudson.util.CopyOnWriteMap$Hash"/>\n'
                "    </com.cloudbees.hudson.plugins.folder.properties.FolderCredentialsProvider_-FolderCredentialsProperty>\n"
                "  </properties>\n"
                + _FOLDER_VIEWS.replace("    </views>", """\
      <hudson.model.ListView>
        <owner class="com.cloudbees.hudson.plugins.folder.Folder" reference="../../../.."/>
        <name>releases</name>
        <filterExecutors>false</filterExecutors>
        <filterQueue>false</filterQueue>
        <properties class="hudson.model.View$PropertyList"/>
        <jobNames>
          <comparator class="hudson.util.CaseInsensitiveComparator"/>
        </jobNames>
        <jobFilters/>
        <columns/>
        <recurse>false</recurse>
      </hudson.model.ListView>
    </views>""")
                + "  <healthMetrics>\n"
                "    <com.cloudbees.hudson.plugins.folder.health.WorstChildHealthMetric>\n"
                "      <nonRecursive>false</nonRecursive>\n"
                "    </com.cloudbees.hudson.plugins.folder.health.WorstChildHealthMetric>\n"
                "  </healthMetrics>\n" + _FOLDER_ICON + "</com.cloudbees.hudson.plugins.folder.Folder>")
    if kind is PIPELINE:
        return (f'<?xml version="1.1" encoding="UTF-8"?>\n<flow-definition plugin="workflow-job@{ITEM_PLUGINS[PIPELINE_PLUGIN]}">\n'
                f"  <description>{desc}</description>\n  <keepDependencies>false</keepDependencies>\n"
                "  <properties>\n" + _DISCARDER + "  </properties>\n"
                '  <definition class="org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition" plugin="workflow-cps@4350.vcc65d4958821">\n'
                "    <script>node { sh &apos;make test&apos; }</script>\n    <sandbox>true</sandbox>\n  </definition>\n"
                "  <triggers/>\n  <disabled>false</disabled>\n</flow-definition>")
    return ('<?xml version="1.1" encoding="UTF-8"?>\n<project>\n'
            f"  <description>{desc}</description>\n  <keepDependencies>false</keepDependencies>\n"
            "  <properties>\n" + _DISCARDER + "  </properties>\n" + _FREESTYLE_TAIL
            + "  <builders>\n    <hudson.tasks.Shell>\n      <command>make test</command>\n"
            "      <configuredLocalRules/>\n    </hudson.tasks.Shell>\n  </builders>\n"
            "  <publishers/>\n  <buildWrappers/>\n</project>")

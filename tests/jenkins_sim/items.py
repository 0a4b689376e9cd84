"""The item tree: folders (cloudbees-folder) and jobs (freestyle, pipeline), each with its
config.xml text and the matrix property Jenkins loaded from it, and the queue. Names and URLs
are in item_names.py, the kinds and their config.xml texts in item_kinds.py.

Sources (docs/fidelity.md "Folders and item matrices" has one row per behaviour):
- jenkinsci/jenkins@jenkins-2.568.2: Jenkins.java:489 and cloudbees-folder
  AbstractFolder.java:188 (children in a `CopyOnWriteMap.Tree(String.CASE_INSENSITIVE_ORDER)`:
  lookups ignore case, listings are in that order), AbstractItem.java:477-483 (full name
  `parent/name`), :586-591 (short URL `job/<rawEncode(name)>/`), Queue.java:612-673 and
  :2451-2453 (the queue), AbstractItem.java:926-952 (updateByXml).
- jenkinsci/matrix-auth-plugin@matrix-auth-3.2.8: ItemListenerImpl of both property classes
  (the creator's entries).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterator, Protocol

from . import idstrategy
from . import item_xml as X
from .item_acl import contained_by
from .item_kinds import FOLDER, KINDS, Kind, kind_of_root, new_item_xml, sample_xml
from .item_names import ItemError, check_good_name, name_key, raw_encode
from .permissions import Table

if TYPE_CHECKING:
    from .state import Identity


# ------------------------------------------------------------------ items
@dataclass(eq=False)
class Item:
    name: str
    kind: Kind
    parent: "Item | None"
    xml: str = ""  # the item in memory, as GET config.xml writes it (the matrix property normalised)
    disk: str = ""  # its config.xml file: what a restart loads again
    matrix: X.ItemMatrix | None = None  # the property as Jenkins loaded it (None: none)
    children: dict[tuple[int, ...], "Item"] = field(default_factory=dict)
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
        self.top: dict[tuple[int, ...], Item] = {}
        self.queue: list[QueueItem] = []
        self._queue_counter = 0

    # ------------------------------------------------------------ building (Python API)
    def add_folder(self, full_name: str, config_xml: str | None = None, *,
                   inherit: str | None = None, entries: list[tuple[str, str, str]] | None = None) -> Item:
        """A folder as if loaded from disk at startup (no listeners, no permission checks).
        Without `config_xml`: sample_xml (a configured folder with other properties).
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
    def _siblings(self, parent: Item | None) -> dict[tuple[int, ...], Item]:
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
                text = X.splice(data, node.start, node.end, X.render_matrix(node.name, m, depth, self._sid_key))
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
            text = X.splice(data, node.start, node.end, X.render_matrix(node.name, m, X.depth_of(root, node), self._sid_key))
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

    def _sid_key(self, sid: str) -> object:
        """PermissionEntryComparator's order of sids: the realm's IdStrategy.compare, which
        SECURITY-3924 changed (idstrategy.compare_key)."""
        return idstrategy.compare_key(self._sim.version, sid)

    def _warn(self, logger: str, message: str) -> None:
        self._sim.log.append(f"WARNING {logger}: {message}")


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

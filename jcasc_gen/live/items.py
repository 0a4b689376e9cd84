"""Folder and job matrices on a live Jenkins: read them, compare them with the spec, walk the
tree for matrices the spec does not list.

Every item is read through its config.xml (client.item_config) and parsed by item_xml; the
target of each item is the spec's (items.items_document, what items.yaml holds). Reads run
with bounded concurrency: at most `WORKERS` requests at once, each worker with its own client
(a session and a crumb of its own). Reading the spec's items costs one request per item;
walking the tree for unlisted matrices costs one request per folder plus one per item that is
not in the spec, and only `plan` and `diff --live` do it.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Literal, Mapping, Sequence, TypeVar

from .. import item_paths, names
from ..client import ItemNotFound, JenkinsClient, JenkinsError
from ..effective import MatrixEntry
from ..item_acl import ItemNode
from ..item_xml import Entry, ItemConfig, ItemXmlError, Matrix, parse
from ..items import folder_only
from ..model import Spec

__all__ = ["WORKERS", "Target", "LiveItem", "ItemChange", "targets", "read_items", "item_changes", "walk_unmanaged",
           "parallel", "entries_of", "matrix_entries", "read_live_items", "describe_matrix", "effective_lines", "walk_matrices", "item_lines", "unmanaged_lines"]

WORKERS = 4  # concurrent item requests at most

_TYPE_OF_KIND = {"user": "USER", "group": "GROUP", "user_or_group": "EITHER"}
_KIND_OF_TYPE = {v: k for k, v in _TYPE_OF_KIND.items()}

T = TypeVar("T")
R = TypeVar("R")


def parallel(fn: Callable[[T], R], items: Sequence[T], workers: int = WORKERS) -> list[R | BaseException]:
    """fn over items with at most `workers` at once; results (or the exception raised) in order."""
    def guarded(item: T) -> R | BaseException:
        try:
            return fn(item)
        except Exception as exc:  # returned, reported by the caller with its item
            return exc

    if len(items) <= 1 or workers <= 1:
        return [guarded(i) for i in items]
    with ThreadPoolExecutor(max_workers=min(workers, len(items))) as pool:
        return list(pool.map(guarded, items))


@dataclass(frozen=True)
class Target:
    """What the spec sets on one item."""

    path: str
    inherit: str
    entries: frozenset[Entry]

    @property
    def folder_only(self) -> tuple[str, ...]:
        return tuple(sorted({e.permission for e in self.entries if folder_only(e.permission)}))


def entries_of(grants: Iterable[Any]) -> frozenset[Entry]:
    """model.Grant -> item_xml.Entry, typed (never EITHER unless the spec says user_or_group)."""
    return frozenset(Entry(_TYPE_OF_KIND[g.kind], g.name, p) for g in grants for p in g.effective)  # type: ignore[arg-type]


def targets(spec: Spec) -> list[Target]:
    return [Target(m.path, m.inherit, entries_of(m.grants)) for m in spec.authorization.items]


@dataclass
class LiveItem:
    path: str
    raw: bytes | None = None  # None: not found, or not read (see error)
    config: ItemConfig | None = None
    error: str | None = None  # why it could not be read or parsed
    missing: bool = False

    @property
    def matrix(self) -> Matrix | None:
        return self.config.matrix if self.config is not None else None


def read_item(client: JenkinsClient, path: str) -> LiveItem:
    try:
        raw = client.item_config(path)
    except ItemNotFound:
        return LiveItem(path, missing=True)
    try:
        return LiveItem(path, raw, parse(raw))
    except ItemXmlError as exc:
        return LiveItem(path, raw, error=f"its config.xml cannot be edited safely: {exc}")


def _worker_client(client: JenkinsClient) -> Callable[[], JenkinsClient]:
    import threading

    local = threading.local()

    def get() -> JenkinsClient:
        c = getattr(local, "client", None)
        if c is None:
            c = local.client = client.as_auth(client.auth)
        return c

    return get


def read_items(client: JenkinsClient, paths: Sequence[str], workers: int = WORKERS) -> dict[str, LiveItem]:
    """Each item's config.xml, `workers` at a time. A JenkinsError other than 404 is raised
    (the caller stops before changing anything)."""
    get = _worker_client(client) if workers > 1 and len(paths) > 1 else (lambda: client)
    results = parallel(lambda p: read_item(get(), p), list(paths), workers)
    out: dict[str, LiveItem] = {}
    for path, result in zip(paths, results):
        if isinstance(result, JenkinsError):
            raise result
        if isinstance(result, BaseException):
            raise result
        out[path] = result
    return out


Action = Literal["none", "set", "create"]


@dataclass(frozen=True)
class ItemChange:
    target: Target
    live: LiveItem
    action: Action
    problems: tuple[str, ...] = ()
    create: tuple[str, ...] = ()  # folders to create first (missing ancestors, then the item)

    @property
    def path(self) -> str:
        return self.target.path

    def principal_changes(self) -> list[tuple[str, str, list[str], list[str]]]:
        """(type, sid, added, removed) per principal whose explicit permissions differ."""
        before = self.live.matrix.by_principal() if self.live.matrix else {}
        after: dict[tuple[str, str], set[str]] = {}
        for e in self.target.entries:
            after.setdefault((e.type, e.sid), set()).add(e.permission)
        out = []
        for key in sorted(set(before) | set(after), key=lambda k: (names.fold(k[1]), k[0])):
            b, a = before.get(key, set()), after.get(key, set())
            if a != b:
                out.append((key[0], key[1], sorted(a - b), sorted(b - a)))
        return out

    def to_json(self) -> dict[str, Any]:
        m = self.live.matrix
        return {"path": self.path, "action": self.action, "problems": list(self.problems), "create": list(self.create),
                "inherit": {"live": m.inherit if m else None, "spec": self.target.inherit},
                "principals": [{"type": t, "sid": s, "added": a, "removed": r} for t, s, a, r in self.principal_changes()]}


def _differs(target: Target, matrix: Matrix | None) -> bool:
    if matrix is None:
        return True
    return matrix.inherit != target.inherit or matrix.entries != target.entries or bool(matrix.unknown)


def item_changes(spec: Spec, live: dict[str, LiveItem], *, create_folders: bool = False,
                 existing: Callable[[str], bool] | None = None) -> list[ItemChange]:
    """One change per spec item; `problems` are reasons to refuse the whole apply before any
    change. `existing(path)` tells whether an unlisted ancestor exists (for --create-folders)."""
    out = []
    planned: set[str] = set()
    for target in targets(spec):
        item = live[target.path]
        problems: list[str] = []
        create: list[str] = []
        if item.missing:
            if not create_folders:
                problems.append(f"{target.path!r} does not exist (or the credential cannot read it)")
            else:
                for folder in [*reversed(list(item_paths.ancestors(target.path))), target.path]:
                    key = item_paths.item_key(folder)
                    known = live.get(folder)
                    exists = (known is not None and not known.missing) if known is not None else (
                        existing(folder) if existing is not None else False)
                    if not exists and key not in planned:
                        create.append(folder)
                        planned.add(key)
            action: Action = "create"
        else:
            if item.error:
                problems.append(f"{target.path!r}: {item.error}")
            elif item.config is not None and item.config.kind is None:
                problems.append(f"{target.path!r}: cannot tell whether <{item.config.root}> is a folder or a job")
            elif item.config is not None and item.config.kind == "job" and target.folder_only:
                problems.append(f"{target.path!r} is a job, and matrix-auth keeps {', '.join(target.folder_only)} only on folders")
            action = "set" if _differs(target, item.matrix) else "none"
        out.append(ItemChange(target, item, action, tuple(problems), tuple(create)))
    return out


def matrix_entries(matrix: Matrix | None) -> tuple[MatrixEntry, ...]:
    if matrix is None:
        return ()
    return tuple(MatrixEntry(_KIND_OF_TYPE[t], sid, frozenset(perms))  # type: ignore[arg-type]
                 for (t, sid), perms in sorted(matrix.by_principal().items()))


def effective_lines(spec: Spec, changes: Sequence[ItemChange], live_global: Sequence[MatrixEntry] | None,
                    live_items: dict[str, LiveItem]) -> dict[str, list[str]]:
    """Per changing item, per principal of the item (before or after): the item permissions it
    gains or loses, inheritance and implications included (access.effective_changes). Without
    `live_global` (the live strategy is not the project matrix) only the spec's side is known."""
    from ..access import AccessState, Principal, effective_changes, principal_of, state_from_spec

    after = state_from_spec(spec)
    if live_global is not None:
        nodes = [ItemNode(p, li.matrix.inherit or "parent", matrix_entries(li.matrix))
                 for p, li in live_items.items() if li.matrix is not None]
        before = AccessState("projectMatrix", tuple(live_global), tuple(nodes), item_permissions=after.item_permissions)
    else:
        before = AccessState("(not the project matrix)")
    spec_entries = {m.path: [n.entries for n in after.items if n.path == m.path] for m in spec.authorization.items}
    out: dict[str, list[str]] = {}
    for change in changes:
        if change.action == "none":
            continue
        all_entries = [*matrix_entries(change.live.matrix), *(e for es in spec_entries[change.path] for e in es)]
        who: dict[tuple[str, str], Principal] = {}
        for e in all_entries:
            who.setdefault((e.kind, names.fold(e.name)), principal_of(e, all_entries))
        lines = []
        for pc in effective_changes(before, after, who=[p for _, p in sorted(who.items())], at=[change.path]):
            sc = pc.scopes[0]
            if not before.known:
                lines.append(f"{pc.principal.label}: can then {', '.join(sorted(sc.after)) or 'nothing here'}")
            else:
                lines.append(f"{pc.principal.label}: " + "; ".join(x for x in (
                    ("gains " + ", ".join(sorted(sc.gained))) if sc.gained else "",
                    ("loses " + ", ".join(sorted(sc.lost))) if sc.lost else "") if x))
        out[change.path] = lines
    return out


def walk_matrices(client: JenkinsClient, skip: Iterable[str] = (), workers: int = WORKERS,
                  limit: int = 10_000) -> tuple[list[tuple[str, Matrix]], bool]:
    """Every item matrix Jenkins has, except on the items `skip` names: walk every folder
    (api/json at depth 1, one request per folder), then read the config.xml of each item (one
    request each, `workers` at a time). Returns the matrices in Jenkins' order and whether the
    walk stopped at `limit` items."""
    skipped = {item_paths.item_key(p) for p in skip}
    found: list[str] = []
    folders: list[str | None] = [None]
    truncated = False
    get = _worker_client(client)
    while folders and not truncated:
        batch, folders = folders, []
        results = parallel(lambda f: get().item_children(f), batch, workers)
        for parent, result in zip(batch, results):
            if isinstance(result, BaseException):
                if isinstance(result, ItemNotFound):
                    continue  # gone (or hidden) since its folder was listed
                raise result
            for name, is_folder in result:
                path = name if parent is None else f"{parent}/{name}"
                if item_paths.item_key(path) not in skipped:
                    found.append(path)
                if is_folder:
                    folders.append(path)
                if len(found) >= limit:
                    truncated = True
    items = read_items(client, found, workers)
    out = [(p, li.matrix) for p, li in items.items() if li.matrix is not None]
    return sorted(out, key=lambda pm: item_paths.sort_key(pm[0])), truncated


def walk_unmanaged(client: JenkinsClient, spec: Spec, workers: int = WORKERS) -> tuple[list[tuple[str, Matrix]], bool]:
    """Item matrices on items the spec does not list (plan and diff report them; nothing
    changes them)."""
    return walk_matrices(client, [m.path for m in spec.authorization.items], workers)


def describe_matrix(matrix: Matrix) -> str:
    parts = [f"{t.lower()} {sid}: {', '.join(sorted(perms))}" for (t, sid), perms in sorted(matrix.by_principal().items())]
    return f"inherit {matrix.inherit}; " + ("; ".join(parts) if parts else "no entries")


def read_live_items(client: JenkinsClient, spec: Spec, document: Any, *, create_folders: bool = False,
                    walk: bool = True) -> tuple[list[ItemChange], dict[str, list[str]], list[tuple[str, Matrix]], bool]:
    """What plan and diff --live show about items: each listed item's change and its effect,
    and (walking the tree) the matrices of items the spec does not list."""
    from .item_step import plan_items

    changes, effects = plan_items(client, spec, document, create_folders=create_folders)
    unmanaged: list[tuple[str, Matrix]] = []
    truncated = False
    if walk:
        unmanaged, truncated = walk_unmanaged(client, spec)
    return changes, effects, unmanaged, truncated


def item_lines(changes: Sequence[ItemChange], effects: Mapping[str, Sequence[str]]) -> list[str]:
    """What plan and diff --live print for the listed items that change (or are refused)."""
    out: list[str] = []
    for c in changes:
        if c.action == "none" and not c.problems:
            continue
        m = c.live.matrix
        if c.action == "create":
            head = (f"create folder{'s' if len(c.create) > 1 else ''} {', '.join(c.create)} (empty), then set its matrix"
                    if c.create else "set its matrix")
        elif m is None:
            head = f"add a matrix (inherit {c.target.inherit})"
        else:
            head = "change its matrix" + (f" (inherit {m.inherit} -> {c.target.inherit})" if m.inherit != c.target.inherit else "")
        out.append(f"item     {c.path}: {head}")
        for problem in c.problems:
            out.append(f"           refused: {problem}")
        for t, sid, added, removed in c.principal_changes():
            who = f"{t.lower()} {sid}"
            if added:
                out.append(f"           + {who}: {', '.join(added)}")
            if removed:
                out.append(f"           - {who}: {', '.join(removed)}")
        if m is not None and m.unknown:
            out.append(f"           - {len(m.unknown)} entr{'y' if len(m.unknown) == 1 else 'ies'} Jenkins cannot read")
        for line in effects.get(c.path, ()):
            out.append(f"           effective: {line}")
    return out


def unmanaged_lines(unmanaged: Sequence[tuple[str, Matrix]], truncated: bool) -> list[str]:
    out = [f"not managed: {p} has its own matrix ({describe_matrix(m)}); the spec does not list it, apply leaves it"
           for p, m in unmanaged]
    if truncated:
        out.append("not managed: the walk stopped at its item limit; there may be more")
    return out

"""The items step of `apply`: set each listed item's matrix property, and put it back on rollback.

For each item of authorization.items whose matrix differs from the spec:
  1. (preflight, before any change) read its config.xml; refuse the whole apply when an item
     does not exist (unless --create-folders), cannot be parsed safely, is of a kind this tool
     cannot tell, or is a job given permissions only folders keep. Those bytes are the item's
     snapshot.
  2. read it again right before writing; if it is not byte for byte the snapshot, someone
     changed it meanwhile: stop (and roll back) instead of overwriting their change;
  3. replace only the matrix property (item_xml.replace_matrix) and POST the document;
  4. read it back and compare the matrix with the spec: matrix-auth drops permission ids it
     does not know with only a WARNING in the log, so a missing entry fails the step.
Items the spec does not list are never read or written here. Jenkins has no conditional write
(no ETag on config.xml), so step 2 narrows the window for a lost update to one round trip.

Rollback puts back the snapshot's property bytes of every item this run wrote (or may have
written: a POST without an answer), into the item's current document, and reads it back;
an item someone changed after this run wrote it is reported, not overwritten. Folders created
by --create-folders stay (empty) and are reported.

Requests: one read per listed item at preflight, then per changed item one read, one write and
one read back (plus one request per created folder); at most `items.WORKERS` at once.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Sequence

from ..client import JenkinsClient, JenkinsError
from ..item_xml import ItemXmlError, Matrix, parse, replace_matrix, restore_property
from ..importer import ImportError_, parse_strategy
from .items import WORKERS, ItemChange, effective_lines, item_changes, parallel, read_items

__all__ = ["ItemRecord", "ItemRun", "plan_items", "apply_items", "rollback_items", "ItemStepError"]


class ItemStepError(RuntimeError):
    """An item could not be set as the spec says (the message names it and why)."""


@dataclass
class ItemRecord:
    path: str
    previous: bytes | None  # the snapshot's property bytes; None: the item had no matrix property
    previous_matrix: Matrix | None  # what they read as
    target: Matrix
    landed: Matrix | None = None  # what Jenkins held after the write, once read back


@dataclass
class ItemRun:
    changes: list[ItemChange] = field(default_factory=list)
    records: dict[str, ItemRecord] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _live_global(document: Any) -> list[Any] | None:
    """The live global matrix entries, when the live strategy is the project matrix (else item
    matrices have no effect yet and there is no 'before' to compare with)."""
    strategy = ((document or {}).get("jenkins") or {}).get("authorizationStrategy")
    if not (isinstance(strategy, dict) and "projectMatrix" in strategy):
        return None
    try:
        return parse_strategy(strategy).entries
    except ImportError_:
        return None


def plan_items(client: JenkinsClient, spec: Any, document: Any, *, create_folders: bool = False,
               workers: int = WORKERS) -> tuple[list[ItemChange], dict[str, list[str]]]:
    """Read every listed item and work out its change and what it does per principal."""
    from .. import item_paths

    if not spec.authorization.items:
        return [], {}
    paths = [m.path for m in spec.authorization.items]
    live = read_items(client, paths, workers)
    existing: dict[str, bool] = {}
    if create_folders:
        # unlisted ancestors of missing items: do they exist?
        ancestors = sorted({a for p, li in live.items() if li.missing for a in item_paths.ancestors(p)} - set(live),
                           key=item_paths.sort_key)
        for path, li in read_items(client, ancestors, workers).items():
            existing[path] = not li.missing
    changes = item_changes(spec, live, create_folders=create_folders, existing=lambda p: existing.get(p, False))
    return changes, effective_lines(spec, changes, _live_global(document), live)


def _matches(matrix: Matrix | None, target: Matrix) -> list[str]:
    """What the read-back matrix lacks or has too much, compared with the target."""
    if matrix is None:
        return ["the matrix property is gone"]
    problems = []
    if matrix.inherit != target.inherit:
        problems.append(f"inheritance is {matrix.inherit}, not {target.inherit}")
    dropped = sorted(f"{e.type}:{e.permission}:{e.sid}" for e in target.entries - matrix.entries)
    extra = sorted(f"{e.type}:{e.permission}:{e.sid}" for e in matrix.entries - target.entries)
    if dropped:
        problems.append("Jenkins dropped " + ", ".join(dropped) + " (matrix-auth skips permissions it does not know or that do "
                        "not apply to this kind of item, with only a warning in its log)")
    if extra:
        problems.append("Jenkins added " + ", ".join(extra))
    return problems


def _write_one(run: Any, state: ItemRun, client: JenkinsClient, change: ItemChange) -> None:
    path, target = change.path, change.target
    for folder in change.create:
        run.log("apply", f"creating the empty folder {folder!r} ...")
        client.create_folder(folder)
        with state.lock:
            state.created.append(folder)
    now = client.item_config(path)
    if not change.create and now != change.live.raw:
        raise ItemStepError(f"{path!r} changed in Jenkins after this run read it; not overwriting that change "
                            "(run plan again and apply what it shows)")
    try:
        config = parse(now)
        new = replace_matrix(config, target.inherit, target.entries)
    except ItemXmlError as exc:
        raise ItemStepError(f"{path!r}: {exc}") from None
    wanted = Matrix(target.inherit, target.entries)
    record = ItemRecord(path, config.property_bytes, config.matrix, wanted)
    with state.lock:
        state.records[path] = record  # before the POST: a write whose answer is lost is rolled back too
    client.post_item_config(path, new)
    try:
        back = parse(client.item_config(path))
    except ItemXmlError as exc:
        raise ItemStepError(f"{path!r}: reading it back: {exc}") from None
    record.landed = back.matrix
    problems = _matches(back.matrix, wanted)
    if problems:
        raise ItemStepError(f"{path!r} does not hold the spec's matrix after the write: " + "; ".join(problems))
    run.log("apply", f"item {path!r}: matrix set and read back" + (" (created)" if change.create else ""))


def apply_items(run: Any, state: ItemRun, changes: Sequence[ItemChange], workers: int = WORKERS) -> None:
    """Write every changed item, `workers` at a time; after the first failure no new item is
    started, the ones under way finish, and the failure is raised (the caller rolls back)."""
    todo = [c for c in changes if c.action != "none"]
    if not todo:
        return
    client: JenkinsClient = run.acting
    run.log("apply", f"{len(todo)} item matri{'x' if len(todo) == 1 else 'ces'} (only the matrix property of each config.xml) ...")
    failed: list[BaseException] = []
    local = threading.local()

    def one(change: ItemChange) -> None:
        if failed:
            return
        c = getattr(local, "client", None)
        if c is None:
            c = local.client = client.as_auth(client.auth) if workers > 1 and len(todo) > 1 else client
        try:
            _write_one(run, state, c, change)
        except BaseException as exc:
            failed.append(exc)
            raise

    results = parallel(one, todo, workers)
    errors = [r for r in results if isinstance(r, BaseException)]
    if errors:
        first = errors[0]
        if isinstance(first, JenkinsError):
            raise ItemStepError(first.message + (f" (and {len(errors) - 1} more item(s) failed)" if len(errors) > 1 else ""))
        raise first


def _known(matrix: Matrix | None) -> tuple[str | None, frozenset[Any]]:
    """A matrix without entries Jenkins drops when it loads them (permissions it does not know:
    kept as written by item_xml, never in `Group/Name` form)."""
    if matrix is None:
        return (None, frozenset())
    return (matrix.inherit, frozenset(e for e in matrix.entries if "/" in e.permission))


def rollback_items(run: Any, state: ItemRun, client: JenkinsClient) -> list[str]:
    """Put back each written item's snapshot property; returns what could not be put back."""
    problems: list[str] = []
    for path, record in reversed(list(state.records.items())):
        try:
            now = parse(client.item_config(path))
            if now.property_bytes == record.previous:
                continue  # the write never landed
            ours = [_known(record.target)] + ([_known(record.landed)] if record.landed is not None else [])
            if record.landed is not None and _known(now.matrix) not in ours:
                problems.append(f"{path!r} was changed by someone else after this run wrote it; left as it is")
                continue
            run.log("rollback", f"item {path!r}: putting its previous matrix back ...")
            client.post_item_config(path, restore_property(now, record.previous))
            again = parse(client.item_config(path))
            if _known(again.matrix) != _known(record.previous_matrix):
                problems.append(f"{path!r}: after the rollback its matrix still differs from the snapshot")
            else:
                run.log("rollback", f"item {path!r}: back to its snapshot, read back")
        except (JenkinsError, ItemXmlError) as exc:
            problems.append(f"{path!r}: {getattr(exc, 'message', str(exc))}")
    if state.created:
        run.log("rollback", "folders this run created stay, empty: " + ", ".join(state.created) + " (delete them in Jenkins if unwanted)")
    return problems

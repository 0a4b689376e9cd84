"""The output folder is data, never a path to follow.

Every read and write of generated files (generate, check, diff, init, import's output) goes
through here:

- Folders are opened one component at a time with O_NOFOLLOW (below the current folder, or
  below the folder that holds the path when it lies elsewhere): a symlink committed where
  `generated/` or `generated/pomerium/` should be is refused, never written through or read.
- Files are opened with O_NOFOLLOW and O_NONBLOCK, then fstat'ed: only regular files are read
  (a symlink to a secret, a FIFO that would hang, /dev/zero that would fill memory are each a
  located problem), and at most `MAX_FILE_BYTES`.
- `write_tree` refuses, before writing anything, a target that is not a regular file or that
  lacks the generated header (unless forced); writes temp files, then renames them into place
  with SIGINT/SIGTERM/SIGHUP held back, undoing what it did if a rename fails, so the folder
  holds the old set of files or the new one, never a mix, and no temp file.
- `sync_tree` is `write_tree` that also removes, in the same step, the regular files under the
  folder that carry the generated header and are no longer generated (`prune`). A file without
  the header is never touched; a symlink is never followed, and a symlinked folder never entered.
"""

from __future__ import annotations

import errno
import os
import secrets
import signal
import stat
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator, Mapping, Sequence

__all__ = ["MAX_FILE_BYTES", "UnsafePath", "Read", "read_file", "read_output_file", "output_files", "write_atomic",
           "write_tree", "sync_tree", "Synced", "TEMP_MARK"]

MAX_FILE_BYTES = 64 * 1024 * 1024  # as loader.MAX_BYTES: a 100,000-principal jenkins.yaml is about 20 MiB
TEMP_MARK = ".jcasc-gen-"  # temp and backup files: `.NAME.jcasc-gen-XXXXXXXX.tmp` / `.bak`

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_READ_FLAGS = os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)


class UnsafePath(OSError):
    """A path the tool refuses to read or write; the message names it and says why (an
    OSError, so every `except OSError` that reports a failed write reports this too)."""


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symlink"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _refusal(shown: str, mode: int, verb: str) -> str:
    if stat.S_ISLNK(mode):
        return f"{shown} is a symlink; refusing to {verb} it"
    return f"{shown} is {_kind(mode)}, not a regular file; refusing to {verb} it"


# --- folders ----------------------------------------------------------------------------------


def _split_trusted(path: str) -> tuple[str, list[str]]:
    """(trusted base, components opened without following symlinks). The base is the current
    folder when `path` lies below it (a repository checkout: every component can come from a
    pull request), else the nearest existing folder above the path's last component."""
    path = os.path.abspath(path)
    cwd = os.getcwd()
    if path == cwd:
        return cwd, []
    if path.startswith(cwd.rstrip(os.sep) + os.sep):
        return cwd, [p for p in os.path.relpath(path, cwd).split(os.sep) if p and p != "."]
    parent, name = os.path.split(path)
    parts = [name] if name else []
    while parent != os.path.dirname(parent) and not os.path.lexists(parent):
        parent, missing = os.path.split(parent)
        parts.insert(0, missing)
    return parent or os.sep, parts


def _open_component(parent_fd: int, name: str, shown: str, *, create: bool, made: list[tuple[int, str]] | None) -> int:
    try:
        return os.open(name, _DIR_FLAGS | _NOFOLLOW, dir_fd=parent_fd)
    except FileNotFoundError:
        if not create:
            raise
        os.mkdir(name, 0o777, dir_fd=parent_fd)
        if made is not None:
            made.append((os.dup(parent_fd), name))
        return os.open(name, _DIR_FLAGS | _NOFOLLOW, dir_fd=parent_fd)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK):
            mode = os.stat(name, dir_fd=parent_fd, follow_symlinks=False).st_mode
            raise UnsafePath(_refusal(shown, mode, "use it as a folder")) from None
        raise


def _open_dir(path: str, *, create: bool = False, made: list[tuple[int, str]] | None = None) -> int:
    """A descriptor of folder `path`, reached without following a symlink (see `_split_trusted`).
    Raises UnsafePath, FileNotFoundError (create=False) or OSError."""
    base, parts = _split_trusted(path)
    fd = os.open(base, _DIR_FLAGS)
    shown = os.path.relpath(base) if base != os.getcwd() else "."
    try:
        for part in parts:
            shown = part if shown == "." else os.path.join(shown, part)
            nxt = _open_component(fd, part, shown, create=create, made=made)
            os.close(fd)
            fd = nxt
        return fd
    except BaseException:
        os.close(fd)
        raise


@contextmanager
def _dir(path: str, **kw: object) -> Iterator[int]:
    fd = _open_dir(path, **kw)  # type: ignore[arg-type]
    try:
        yield fd
    finally:
        os.close(fd)


# --- reading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Read:
    """What reading one file gave: its bytes, or that it is missing, or why it was refused."""

    data: bytes | None = None
    missing: bool = False
    problem: str | None = None


def _read_at(dir_fd: int, name: str, shown: str, max_bytes: int) -> Read:
    try:
        fd = os.open(name, _READ_FLAGS, dir_fd=dir_fd)
    except FileNotFoundError:
        return Read(missing=True)
    except OSError as exc:
        try:
            mode = os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode
        except OSError:
            return Read(problem=f"{shown}: cannot read: {exc.strerror or exc}")
        return Read(problem=_refusal(shown, mode, "follow" if stat.S_ISLNK(mode) else "read"))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return Read(problem=_refusal(shown, info.st_mode, "read"))
        if info.st_size > max_bytes:
            return Read(problem=f"{shown} is {info.st_size} bytes, over the {max_bytes}-byte limit; refusing to read it")
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > max_bytes:
                return Read(problem=f"{shown} is over the {max_bytes}-byte limit; refusing to read it")
        return Read(data=b"".join(chunks))
    except OSError as exc:
        return Read(problem=f"{shown}: cannot read: {exc.strerror or exc}")
    finally:
        os.close(fd)


def read_output_file(root: str, rel: str, *, max_bytes: int | None = None, shown_root: str | None = None) -> Read:
    """Read `root/rel` as data: no component followed if it is a symlink, regular files only."""
    limit = MAX_FILE_BYTES if max_bytes is None else max_bytes
    shown = os.path.join(shown_root if shown_root is not None else os.path.relpath(root), rel)
    folder, name = os.path.split(rel)
    try:
        with _dir(root) as fd:
            if not folder:
                return _read_at(fd, name, shown, limit)
            sub = fd
            opened: list[int] = []
            try:
                where = shown_root if shown_root is not None else os.path.relpath(root)
                for part in folder.split("/"):
                    where = os.path.join(where, part)
                    sub = _open_component(sub, part, where, create=False, made=None)
                    opened.append(sub)
                return _read_at(sub, name, shown, limit)
            finally:
                for f in opened:
                    os.close(f)
    except FileNotFoundError:
        return Read(missing=True)
    except UnsafePath as exc:
        return Read(problem=str(exc))
    except OSError as exc:
        return Read(problem=f"{shown}: cannot read: {exc.strerror or exc}")


def read_file(path: str, *, max_bytes: int | None = None) -> Read:
    """One file named by the user (a spec beside its schema, an existing output): the same rules."""
    folder, name = os.path.split(os.path.abspath(path))
    return read_output_file(folder, name, max_bytes=max_bytes, shown_root=os.path.dirname(path))


def output_files(root: str, head: int) -> Iterator[tuple[str, bytes]]:
    """(relative posix path, first `head` bytes) of every regular file under `root`; symlinks,
    FIFOs and devices are skipped unopened and symlinked folders are not entered."""
    try:
        fd = _open_dir(root)
    except (OSError, UnsafePath):
        return
    os.close(fd)
    for folder, dirs, files, dir_fd in os.fwalk(root, follow_symlinks=False):
        dirs.sort()
        for name in sorted(files):
            try:
                info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
                if not stat.S_ISREG(info.st_mode):
                    continue
                fd = os.open(name, _READ_FLAGS, dir_fd=dir_fd)
            except OSError:
                continue
            try:
                if stat.S_ISREG(os.fstat(fd).st_mode):
                    rel = os.path.relpath(os.path.join(folder, name), root).replace(os.sep, "/")
                    yield rel, os.read(fd, head)
            except OSError:
                continue
            finally:
                os.close(fd)


# --- writing ----------------------------------------------------------------------------------


def _temp_name(name: str, suffix: str) -> str:
    return f".{name}{TEMP_MARK}{secrets.token_hex(4)}{suffix}"


def _write_temp(dir_fd: int, name: str, blob: bytes, mode: int = 0o644, suffix: str = ".tmp") -> str:
    tmp = _temp_name(name, suffix)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0), mode, dir_fd=dir_fd)
    try:
        view = memoryview(blob)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
        os.fchmod(fd, mode)
    except BaseException:
        os.close(fd)
        _unlink(dir_fd, tmp)
        raise
    os.close(fd)
    return tmp


def _unlink(dir_fd: int, name: str) -> None:
    try:
        os.unlink(name, dir_fd=dir_fd)
    except FileNotFoundError:
        pass


def _existing(dir_fd: int, name: str) -> os.stat_result | None:
    try:
        return os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return None


def write_atomic(path: str, data: str | bytes, *, mode: int = 0o644) -> None:
    """Write to a temp file beside `path`, fsync, then rename over it. A symlink, FIFO or
    folder at `path` (or a symlink among its folders, see `_split_trusted`) is refused
    (UnsafePath), never followed or replaced."""
    folder, name = os.path.split(os.path.abspath(path))
    blob = data.encode("utf-8") if isinstance(data, str) else data
    with _dir(folder, create=True) as fd:
        old = _existing(fd, name)
        if old is not None and not stat.S_ISREG(old.st_mode):
            raise UnsafePath(_refusal(path, old.st_mode, "replace"))
        with _signals_deferred():
            tmp = _write_temp(fd, name, blob, mode)
            try:
                os.replace(tmp, name, src_dir_fd=fd, dst_dir_fd=fd)
            except BaseException:
                _unlink(fd, tmp)
                raise


# Signals that would end the process between two renames. SIGINT raises KeyboardInterrupt
# anyway; SIGTERM and SIGHUP would kill the process outright and leave temp files behind, so
# while a write is under way they raise too (and are re-raised as the process's own signal).
_DEFERRED = tuple(s for s in (getattr(signal, "SIGINT", None), getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None))
                  if s is not None)


class _Terminated(BaseException):
    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextmanager
def _signals_deferred() -> Iterator[Callable[[], None]]:
    """Within: SIGTERM/SIGHUP (when they would kill the process) raise `_Terminated`, so the
    cleanup of the block runs; `hold()` blocks SIGINT, SIGTERM and SIGHUP until the block ends.
    On leaving, the handlers the process had are back, a held signal is delivered to them, and
    a caught one is sent again (so SIGTERM still ends the process, once the folder is whole)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        yield lambda: None
        return
    previous = {s: signal.getsignal(s) for s in _DEFERRED}
    caught: list[int] = []

    def raise_(signum: int, frame: object) -> None:
        caught.append(signum)
        raise _Terminated(signum)

    for s in _DEFERRED:
        if s != signal.SIGINT and previous[s] == signal.SIG_DFL:
            signal.signal(s, raise_)
    blocked = False

    def hold() -> None:
        nonlocal blocked
        signal.pthread_sigmask(signal.SIG_BLOCK, _DEFERRED)
        blocked = True

    try:
        yield hold
    except _Terminated:
        pass  # the block cleaned up on the way out; the signal is sent again below
    finally:
        for s, handler in previous.items():
            if handler is not None:
                signal.signal(s, handler)
        if blocked:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, _DEFERRED)  # a held signal is delivered now
        for signum in caught:
            os.kill(os.getpid(), signum)
        if caught:  # still alive: someone handles the signal; do not pretend the write happened
            raise SystemExit(128 + caught[0])


@dataclass(frozen=True)
class _Target:
    rel: str
    folder: str  # relative folder, "" for the root
    name: str
    blob: bytes | None  # None: the file is removed (no longer generated)
    old: bytes | None  # the current content when the file exists


@dataclass(frozen=True)
class Synced:
    """What `sync_tree` changed: files written (new or different) and files removed."""

    written: list[str]
    removed: list[str]


def write_tree(root: str, files: Mapping[str, str], *, force: bool = False, header: bytes | None = None) -> list[str]:
    """Write every file under `root` (only those whose content changes). Returns the changed paths.

    See `sync_tree`, which this is without removing anything."""
    return sync_tree(root, files, force=force, header=header).written


def sync_tree(root: str, files: Mapping[str, str], *, force: bool = False, header: bytes | None = None,
              prune: bool = False, prune_under: Sequence[str] | None = None) -> Synced:
    """Make `root` hold `files` (only those whose content changes are written) and, with `prune`,
    no other file that starts with `header` (only under the `prune_under` folder prefixes, such
    as `"staging/"`, when given: the rest of the folder belongs to someone else).

    Refused before anything is written (UnsafePath, listing every problem): the folder or a
    subfolder that is a symlink or not a folder, a target that is not a regular file, and
    (unless `force`) an existing file that does not start with `header`. Then two phases: every
    changed file is written and fsynced to a temp file beside its target (a failure removes
    them all, and the folders made for them); then all are renamed into place, and each file
    to prune is renamed aside, with signals held back; if a rename fails the ones done are
    undone. The folder ends with the old set of files or the new one, never a mix, and no temp
    file. Folders a pruned file leaves empty are removed afterwards.
    """
    if prune and header is None:
        raise ValueError("prune needs the header that marks generated files")
    made: list[tuple[int, str]] = []
    fds: dict[str, int] = {}
    pending: list[tuple[_Target, str]] = []  # (target, temp name; for a removal, where it is moved aside)
    backups: dict[str, str] = {}  # rel -> backup name
    try:
        with _signals_deferred() as hold:
            try:
                fds[""] = _open_dir(root, create=True, made=made)
                targets = _plan(root, files, fds, made, force, header)
                if prune:
                    assert header is not None
                    targets += _prunable(root, files, fds, header, prune_under)
                for t in targets:
                    if t.blob is None:
                        pending.append((t, _temp_name(t.name, ".del")))
                        continue
                    pending.append((t, _write_temp(fds[t.folder], t.name, t.blob)))
                    if t.old is not None:
                        backups[t.rel] = _backup(fds[t.folder], t)
                hold()
                _rename_all(pending, backups, fds)
            except BaseException:
                for t, tmp in pending:
                    if t.blob is not None:
                        _unlink(fds[t.folder], tmp)
                    if t.rel in backups:
                        _unlink(fds[t.folder], backups.pop(t.rel))
                _remove_made(made)
                raise
            for t, tmp in pending:
                if t.blob is None:
                    _unlink(fds[t.folder], tmp)  # the removed file, moved aside
                if t.rel in backups:
                    _unlink(fds[t.folder], backups.pop(t.rel))
            for folder in {t.folder for t, _ in pending}:
                os.fsync(fds[folder])
        _remove_emptied(fds, [t for t, _ in pending if t.blob is None])
    finally:
        for fd in fds.values():
            os.close(fd)
        for fd, _ in made:
            os.close(fd)
    return Synced([t.rel for t, _ in pending if t.blob is not None], [t.rel for t, _ in pending if t.blob is None])


def _prunable(root: str, files: Mapping[str, str], fds: dict[str, int], header: bytes,
              under: Sequence[str] | None) -> list[_Target]:
    """The regular files under `root` that start with `header` and are not in `files`, each
    reached again through folders opened without following symlinks, and read again there:
    what the walk saw is not trusted to be what is removed."""
    out: list[_Target] = []
    shown_root = os.path.relpath(root)
    for rel, head in output_files(root, len(header)):
        if rel in files or not head.startswith(header) or under is not None and not rel.startswith(tuple(under)):
            continue
        folder, _, name = rel.rpartition("/")
        try:
            dir_fd = _existing_folder_fd(root, folder, fds)
        except (FileNotFoundError, UnsafePath):
            continue  # changed under us: then it is not ours to remove
        current = _read_at(dir_fd, name, os.path.join(shown_root, rel), MAX_FILE_BYTES)
        if current.data is not None and current.data.startswith(header):
            out.append(_Target(rel, folder, name, None, current.data))
    return out


def _existing_folder_fd(root: str, folder: str, fds: dict[str, int]) -> int:
    """The descriptor of existing `folder` (relative, posix) under the root; never created."""
    if folder in fds:
        return fds[folder]
    parent, _, name = folder.rpartition("/")
    parent_fd = _existing_folder_fd(root, parent, fds)
    fds[folder] = _open_component(parent_fd, name, os.path.join(os.path.relpath(root), folder), create=False, made=None)
    return fds[folder]


def _remove_emptied(fds: dict[str, int], removed: list[_Target]) -> None:
    """Remove the subfolders that pruning left empty (deepest first; a folder that still holds
    anything stays)."""
    folders = {t.folder for t in removed if t.folder}
    for folder in list(folders):
        while "/" in folder:
            folder = folder.rpartition("/")[0]
            folders.add(folder)
    for folder in sorted(folders, key=lambda f: f.count("/"), reverse=True):
        parent, _, name = folder.rpartition("/")
        if parent in fds:
            try:
                os.rmdir(name, dir_fd=fds[parent])
            except OSError:
                pass


def _folder_fd(root: str, folder: str, fds: dict[str, int], made: list[tuple[int, str]]) -> int:
    """The descriptor of `folder` (relative, posix) under the root, made if missing."""
    if folder in fds:
        return fds[folder]
    parent, _, name = folder.rpartition("/")
    parent_fd = _folder_fd(root, parent, fds, made)
    fds[folder] = _open_component(parent_fd, name, os.path.join(os.path.relpath(root), folder), create=True, made=made)
    return fds[folder]


def _plan(root: str, files: Mapping[str, str], fds: dict[str, int], made: list[tuple[int, str]], force: bool,
          header: bytes | None) -> list[_Target]:
    problems: list[str] = []
    targets: list[_Target] = []
    shown_root = os.path.relpath(root)
    for rel, text in sorted(files.items()):
        folder, _, name = rel.rpartition("/")
        shown = os.path.join(shown_root, rel)
        try:
            dir_fd = _folder_fd(root, folder, fds, made)
        except UnsafePath as exc:
            if str(exc) not in problems:
                problems.append(str(exc))
            continue
        blob = text.encode("utf-8")
        old = _existing(dir_fd, name)
        if old is None:
            targets.append(_Target(rel, folder, name, blob, None))
            continue
        if not stat.S_ISREG(old.st_mode):
            problems.append(_refusal(shown, old.st_mode, "replace"))
            continue
        current = _read_at(dir_fd, name, shown, MAX_FILE_BYTES)
        if current.problem or current.data is None:
            problems.append(current.problem or f"{shown}: cannot read it")
            continue
        if current.data == blob:
            continue
        if header is not None and not force and not current.data.startswith(header):
            problems.append(f"{shown} exists and was not generated by this tool (it lacks the header line); "
                            "refusing to overwrite it (move it away, or pass --force)")
            continue
        targets.append(_Target(rel, folder, name, blob, current.data))
    if problems:
        raise UnsafePath("\n".join(problems))
    return targets


def _backup(dir_fd: int, t: _Target) -> str:
    """A hard link to the current file (a copy where links are not possible), to put back if
    a later rename fails."""
    backup = _temp_name(t.name, ".bak")
    try:
        os.link(t.name, backup, src_dir_fd=dir_fd, dst_dir_fd=dir_fd, follow_symlinks=False)
        return backup
    except OSError:
        assert t.old is not None
        return _write_temp(dir_fd, t.name, t.old, suffix=".bak")


def _rename_all(pending: list[tuple[_Target, str]], backups: dict[str, str], fds: dict[str, int]) -> None:
    done: list[tuple[_Target, str]] = []
    try:
        for t, tmp in pending:
            if t.blob is None:  # a removal: moved aside, deleted once every rename is done
                os.replace(t.name, tmp, src_dir_fd=fds[t.folder], dst_dir_fd=fds[t.folder])
            else:
                os.replace(tmp, t.name, src_dir_fd=fds[t.folder], dst_dir_fd=fds[t.folder])
            done.append((t, tmp))
    except BaseException:
        for t, tmp in reversed(done):
            if t.blob is None:
                os.replace(tmp, t.name, src_dir_fd=fds[t.folder], dst_dir_fd=fds[t.folder])
            elif t.rel in backups:
                os.replace(backups.pop(t.rel), t.name, src_dir_fd=fds[t.folder], dst_dir_fd=fds[t.folder])
            else:
                _unlink(fds[t.folder], t.name)
        raise


def _remove_made(made: list[tuple[int, str]]) -> None:
    for parent_fd, name in reversed(made):
        try:
            os.rmdir(name, dir_fd=parent_fd)
        except OSError:
            pass

"""Atomic file writes: a failed run leaves the previous output untouched."""

from __future__ import annotations

import os
import tempfile
from typing import Mapping

__all__ = ["write_atomic", "write_tree"]


def write_atomic(path: str, data: str | bytes, *, mode: int = 0o644) -> None:
    """Write to a temp file beside `path`, fsync, then rename over it."""
    folder = os.path.dirname(os.path.abspath(path)) or "."
    os.makedirs(folder, exist_ok=True)
    blob = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(blob)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _same(path: str, blob: bytes) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read() == blob
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return False


def write_tree(root: str, files: Mapping[str, str]) -> list[str]:
    """Write every file under `root` (only those whose content changes). Returns the changed paths.

    Two phases, so a failure (disk full, permissions) leaves the previous output as it was:
    first every changed file is written and fsynced to a temp file beside its target; only
    when all of them exist are they renamed into place. A failure in the first phase
    removes the temp files and creates nothing else (folders made for it are removed too).
    """
    pending: list[tuple[str, str, str]] = []  # (rel, temp, target)
    made: list[str] = []
    try:
        for rel, text in sorted(files.items()):
            path = os.path.join(root, rel)
            blob = text.encode("utf-8")
            if _same(path, blob):
                continue
            folder = os.path.dirname(os.path.abspath(path))
            made.extend(_makedirs(folder))
            fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=folder)
            pending.append((rel, tmp, path))
            with os.fdopen(fd, "wb") as fh:
                fh.write(blob)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o644)
    except BaseException:
        for _, tmp, _ in pending:
            _unlink(tmp)
        for folder in reversed(made):
            try:
                os.rmdir(folder)
            except OSError:
                pass
        raise
    for _, tmp, path in pending:
        os.replace(tmp, path)
    return [rel for rel, _, _ in pending]


def _makedirs(folder: str) -> list[str]:
    """Create `folder` and missing parents; return the ones created, outermost first."""
    missing = []
    while not os.path.isdir(folder):
        missing.append(folder)
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    for f in reversed(missing):
        os.mkdir(f)
    return list(reversed(missing))


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass

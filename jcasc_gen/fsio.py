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


def write_tree(root: str, files: Mapping[str, str]) -> list[str]:
    """Write every file under `root` (only those whose content changes). Returns the changed paths.

    All content is rendered and checked before this is called, so a failure here can only be
    an OS error; each file is replaced atomically, never truncated in place.
    """
    changed = []
    for rel, text in sorted(files.items()):
        path = os.path.join(root, rel)
        try:
            with open(path, encoding="utf-8", newline="") as fh:
                if fh.read() == text:
                    continue
        except (FileNotFoundError, UnicodeDecodeError, IsADirectoryError):
            pass
        write_atomic(path, text)
        changed.append(rel)
    return changed

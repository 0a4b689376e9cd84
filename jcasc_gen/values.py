"""Spec values that end up in another tool's syntax, checked before they get there.

- Plugin versions go into plugins.txt / plugins.yaml and from there into jenkins-plugin-cli's
  download URL (`pins.version_problem`).
- `{file: PATH}` secret paths go into Pomerium's `*_file` options, a compose bind mount and,
  for a relative path, a comment of docker-compose.yaml (`file_path_problem`).
- Pomerium policy values go to Pomerium as YAML, which it reads as YAML 1.2: a plain scalar
  both readers take alike passes, one they read differently (`NO`, `1:30`, `0o17`, `1e3`) or a
  number Pomerium cannot carry (NaN, infinity, beyond 64 bits) is refused with a hint to quote
  it (`yaml12.plain_problem`).
"""

from __future__ import annotations

from typing import Any, Callable

from . import _events, names, pins, yaml12
from .loader import LoadedDocument

__all__ = ["check_values", "file_path_problem", "SECRET_FILE_FIELDS"]

# Where `{file: PATH}` may stand (schema $defs/secretRef).
SECRET_FILE_FIELDS: tuple[tuple[str, ...], ...] = (
    ("pomerium", "idp", "client_secret"), ("pomerium", "signing_key"), ("pomerium", "shared_secret"),
    ("pomerium", "cookie_secret"),
)
MAX_PATH_LENGTH = 4096  # PATH_MAX


def file_path_problem(path: str) -> str | None:
    """Why a `{file: PATH}` cannot be passed on as written, or None."""
    if len(path) > MAX_PATH_LENGTH:
        return f"a path of {len(path)} characters (at most {MAX_PATH_LENGTH})"
    bad = names.unsafe_characters(path)
    if bad:
        c, why = bad[0]
        return f"the path contains {names.describe(c)} ({why})"
    if path != path.strip():
        return "the path has leading or trailing spaces"
    if "\\" in path:
        return "the path contains a backslash (Pomerium and compose run on Linux: use '/')"
    return None


def check_values(doc: LoadedDocument, at: Callable[..., None]) -> None:
    data = doc.data
    plugins = data.get("plugins") if isinstance(data, dict) else None
    if isinstance(plugins, dict):
        versions = plugins.get("versions")
        if isinstance(versions, dict):
            for name, version in versions.items():
                problem = pins.version_problem(version) if isinstance(version, str) else None
                if problem:
                    at(("plugins", "versions", name), problem, "write the version the update center lists, e.g. 3.2.8")
        extra = plugins.get("extra")
        if isinstance(extra, list):
            for i, item in enumerate(extra):
                if isinstance(item, str) and ":" in item:
                    problem = pins.version_problem(item.partition(":")[2])
                    if problem:
                        at(("plugins", "extra", i), problem, "write NAME:VERSION, e.g. folder-auth:1.4")
    pom = data.get("pomerium") if isinstance(data, dict) else None
    if not isinstance(pom, dict):
        return
    for path in SECRET_FILE_FIELDS:
        ref: Any = data
        for key in path:
            ref = ref.get(key) if isinstance(ref, dict) else None
        if isinstance(ref, dict) and isinstance(ref.get("file"), str):
            problem = file_path_problem(ref["file"])
            if problem:
                at(path + ("file",), problem, "write the absolute path of the file inside the Pomerium container")
    if "policy" in pom:
        for where, value, raw, _line, _col in _events.plain_scalars_under(doc.text, ("pomerium", "policy")):
            reading = yaml12.plain_problem(value, raw)
            if reading:
                at(where, *reading)

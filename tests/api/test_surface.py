"""The public API stays what docs/api.md documents: the names `jcasc_gen` exports, their
signatures and their attributes are compared with public_api.txt, so a change is
deliberate (regenerate with JCASC_GEN_UPDATE_GOLDENS=1, then read the diff). The surface,
and a user's script written against it, type-check with `mypy --strict`."""

from __future__ import annotations

import dataclasses
import inspect
import os
import pathlib
import re
import subprocess
import sys
import types

import pytest

import jcasc_gen

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent.parent
EXPECTED = HERE / "public_api.txt"
UPDATE = os.environ.get("JCASC_GEN_UPDATE_GOLDENS") == "1"
# The modules behind the public names: checked with --strict (the rest of the package with the
# project's settings, tests/test_typing.py).
PUBLIC_MODULES = ["jcasc_gen/__init__.py", "jcasc_gen/_api.py", "jcasc_gen/_jenkins.py", "jcasc_gen/_results.py",
                  "jcasc_gen/_errors.py", "jcasc_gen/diagnostics.py", "jcasc_gen/effective.py", "jcasc_gen/exitcodes.py",
                  "jcasc_gen/live/plan.py", "jcasc_gen/live/verify.py", "jcasc_gen/item_acl.py", "jcasc_gen/progress.py",
                  # the access review: the public AccessReport and what it carries and writes
                  "jcasc_gen/_review.py", "jcasc_gen/access_report.py", "jcasc_gen/access.py", "jcasc_gen/item_cells.py",
                  "jcasc_gen/report_html.py", "jcasc_gen/report_csv.py"]


# Classes people make themselves; the others come from jcasc-gen, so their constructors are not API.
CONSTRUCTED_BY_USERS = {"Jenkins", "JcascGenError", "SpecError", "Unreachable"}


def _members(cls: type) -> list[str]:
    out = []
    fields = [f.name for f in dataclasses.fields(cls)] if dataclasses.is_dataclass(cls) else []
    annotations: dict[str, object] = {}
    for klass in reversed(cls.__mro__):
        if klass.__module__.startswith("jcasc_gen"):
            annotations.update(getattr(klass, "__annotations__", {}))
    # dataclass fields, slots, and attributes only instances have (declared on the class)
    declared = [n for n in annotations if not n.startswith("_") and n not in fields
                and (not hasattr(cls, n) or isinstance(inspect.getattr_static(cls, n), types.MemberDescriptorType))]
    for name in fields + declared:
        out.append(f"  .{name}: {annotations[name]}")
    for name in sorted(dir(cls)):
        if name in fields or name in declared:
            continue
        if name.startswith("_") and not (name == "__init__" and cls.__name__ in CONSTRUCTED_BY_USERS):
            continue
        owner = next((k for k in cls.__mro__ if name in k.__dict__), object)
        if not owner.__module__.startswith("jcasc_gen"):
            continue  # inherited from Exception or object
        raw = inspect.getattr_static(cls, name)
        if isinstance(raw, property):
            out.append(f"  .{name}: property -> {inspect.signature(raw.fget).return_annotation}")  # type: ignore[arg-type]
        elif isinstance(raw, (classmethod, staticmethod)) or inspect.isfunction(raw):
            out.append(f"  .{name}{inspect.signature(getattr(cls, name))}")
        else:
            out.append(f"  .{name}: {annotations.get(name, type(raw).__name__)} = {raw!r}")
    return out


def _describe(name: str, cls: type) -> list[str]:
    bases = ", ".join(b.__name__ for b in cls.__bases__)
    return [f"class {name}({bases})", *_members(cls)]


def surface() -> str:
    from jcasc_gen.effective import Identity, MatrixEntry, Reason, Row
    from jcasc_gen.item_acl import Decision, ItemExplanation

    lines = []
    for name in sorted(jcasc_gen.__all__):
        obj = getattr(jcasc_gen, name)
        if inspect.isclass(obj):
            lines.extend(_describe(name, obj))
        elif callable(obj):
            lines.append(f"def {name}{inspect.signature(obj)}")
        else:
            lines.append(f"{name} = {type(obj).__name__}")
    lines.append("# reached through Explanation (not exported by name)")
    for cls in (Identity, MatrixEntry, Row, Reason, ItemExplanation, Decision):
        lines.extend(_describe(cls.__name__, cls))
    return "\n".join(lines) + "\n"


def test_public_names_and_signatures_are_as_documented() -> None:
    got = surface()
    if UPDATE:
        EXPECTED.write_text(got)
    assert got == EXPECTED.read_text(), "the public API changed: if deliberate, regenerate public_api.txt and update docs/api.md"


def test_every_public_name_and_attribute_is_documented() -> None:
    doc = (REPO / "docs" / "api.md").read_text()
    missing = [n for n in jcasc_gen.__all__ if f"`{n}" not in doc]
    attributes = {m.group(1) for m in re.finditer(r"^  \.(\w+)", surface(), re.M)} - {"__init__"}
    missing += [f".{a}" for a in sorted(attributes) if not re.search(rf"[`.]{a}\b", doc)]
    assert not missing, f"docs/api.md does not mention {missing}"


def test_import_is_cheap_and_names_load_on_use() -> None:
    code = ("import sys, jcasc_gen; before = sorted(m for m in sys.modules if m.startswith('jcasc_gen')); "
            "jcasc_gen.load; jcasc_gen.Jenkins; "
            "heavy = [m for m in ('requests', 'jenkins', 'jwt', 'cryptography', 'jsonschema', 'yaml', 'jinja2') if m in sys.modules]; "
            "print(before, heavy)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=REPO)
    assert r.stdout.strip() == "['jcasc_gen'] []", r.stdout + r.stderr
    with pytest.raises(AttributeError):
        jcasc_gen.no_such_name  # type: ignore[attr-defined]  # noqa: B018


def test_mypy_strict_on_the_public_surface_and_a_script_using_it(tmp_path: pathlib.Path) -> None:
    pytest.importorskip("mypy")
    r = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent", "--cache-dir", str(tmp_path / "cache"),
                        *PUBLIC_MODULES, "examples/api/plan_changes.py"],
                       cwd=REPO, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr


def test_no_module_hides_a_public_name() -> None:
    """`import jcasc_gen.x` binds `jcasc_gen.x` to the module, over the lazily loaded public name
    of the same spelling (as once `jcasc_gen.report` the module hid `jcasc_gen.report` the
    function): with every module imported, each public name is still what the API exports."""
    import importlib
    import pkgutil

    for info in pkgutil.walk_packages(jcasc_gen.__path__, "jcasc_gen."):
        if not info.name.endswith("__main__"):
            importlib.import_module(info.name)
    hidden = [n for n in jcasc_gen.__all__ if isinstance(getattr(jcasc_gen, n), types.ModuleType)]
    assert not hidden, f"modules named like public names: {hidden}"

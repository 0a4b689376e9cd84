"""tools/mutation (docs/testing.md): the mutator makes each kind of mutant it documents, a
mutant really changes behaviour, and the configuration names files and tests that exist.
The mutation run itself is not part of the suite (it runs the suite hundreds of times)."""

from __future__ import annotations

import ast
import pathlib
import textwrap
from typing import Any

import pytest

from tools.mutation.mutator import OPERATORS, Mutant, mutants
from tools.mutation.runner import function_code

REPO = pathlib.Path(__file__).resolve().parents[1]
tomllib = pytest.importorskip("tomllib")  # the tool needs Python 3.11; the package does not

SOURCE = textwrap.dedent('''\
    """Docstring: never mutated."""
    from dataclasses import dataclass

    __all__ = ["Row", "decide"]


    @dataclass(frozen=True)
    class Row:
        id: str
        implied_by: str | None
        enabled: bool = True


    ROWS = (Row("Job/Read", "Permission/GenericRead"), Row("Job/Discover", "Job/Read", enabled=False))
    LIMITS = {"a": 1}


    def decide(x: int, names: list[str]) -> Any:
        """Docstring."""
        if x > 2 and names:
            names.append(str(x))
        total = x + 1
        total += 2
        first = names[0]
        return min(total, 300), first.lower(), [n for n in names if not n], -x
    ''')


@pytest.fixture(scope="module")
def made() -> list[Mutant]:
    return mutants("sample.py", SOURCE)


def _descriptions(made: list[Mutant], operator: str) -> set[str]:
    return {m.description for m in made if m.operator == operator}


def test_every_documented_operator_makes_mutants(made: list[Mutant]) -> None:
    assert {m.operator for m in made} == set(OPERATORS)


def test_catalog_rows_lose_implications_and_elements(made: list[Mutant]) -> None:
    constants = _descriptions(made, "constant")
    assert "implied_by: 'Job/Read' -> None" in constants  # a string given to the module's own class
    assert "id: 'Job/Discover' -> None" in constants
    assert "enabled: False -> True" in constants
    assert "True -> False" in constants  # the dataclass default
    elements = _descriptions(made, "element")
    assert "delete element Row('Job/Read', 'Permission/GenericRead')" in elements
    assert "delete keyword enabled=False" in elements
    assert "delete entry 'a': 1" in elements


def test_operators_inside_a_function(made: list[Mutant]) -> None:
    assert "> -> >= in x > 2" in _descriptions(made, "compare")
    assert "and -> or in x > 2 and names" in _descriptions(made, "boolean")
    assert "not n -> n" in _descriptions(made, "boolean")
    assert {"+ -> - in x + 1", "total += -> -="} <= _descriptions(made, "arithmetic")
    assert "-x -> x" in _descriptions(made, "arithmetic")
    assert "names.append(str(x)) -> pass" in _descriptions(made, "statement")
    assert any(d.startswith("return (min(total, 300)") and d.endswith("-> return None") for d in _descriptions(made, "return"))
    assert "x > 2 and names -> not (x > 2 and names)" in _descriptions(made, "negate")
    assert {"names[0] -> names[1]", "names[0] -> names[-1]"} <= _descriptions(made, "index")
    assert {"first.lower() -> first", "str(x) -> x", "min(...) -> max(...) in min(total, 300)"} <= _descriptions(made, "call")
    assert "'Docstring.' -> 'XXDocstring.XX'" not in _descriptions(made, "constant")
    assert not any("__all__" in m.code or "Docstring" in m.code or "import" in m.code for m in made)


def test_where_a_mutant_lives(made: list[Mutant]) -> None:
    by = {m.description: m for m in made}
    row = by["implied_by: 'Job/Read' -> None"]
    assert row.import_time and row.function is None and row.scope == "ROWS"
    inner = by["> -> >= in x > 2"]
    assert not inner.import_time and inner.function == "decide" and inner.probe == (inner.line, inner.line)
    default = by["True -> False"]
    assert default.import_time and default.scope == "Row"


def _run(code: Any, *args: Any) -> Any:
    namespace: dict[str, Any] = {"Any": Any}
    exec(code, namespace)
    return namespace["decide"](*args)


def test_a_mutant_changes_what_the_code_does(made: list[Mutant]) -> None:
    original = _run(compile(SOURCE, "sample.py", "exec"), 3, ["A"])
    by = {m.description: m for m in made}
    assert _run(by["first.lower() -> first"].compiled, 3, ["A"]) != original
    assert _run(by["min(...) -> max(...) in min(total, 300)"].compiled, 3, ["A"]) != original
    # the swap runner replaces one function's code: it finds it in the mutated module
    swapped = function_code(by["+ -> - in x + 1"].compiled, "decide")
    assert swapped is not None and swapped.co_name == "decide"


def test_descriptions_are_unique_per_line(made: list[Mutant]) -> None:
    keys = [(m.line, m.description) for m in made]
    assert len(keys) == len(set(keys))


def test_only_limits_the_mutants_to_named_top_level_definitions() -> None:
    assert {m.scope for m in mutants("sample.py", SOURCE, only=["LIMITS"])} == {"LIMITS"}


def test_the_configuration_names_what_exists() -> None:
    config = tomllib.loads((REPO / "tools/mutation/targets.toml").read_text(encoding="utf-8"))
    for path, target in config["modules"].items():
        tree = ast.parse((REPO / path).read_text(encoding="utf-8"))
        names = {getattr(n, "name", None) for n in tree.body} | {
            t.id for n in tree.body if isinstance(n, (ast.Assign, ast.AnnAssign))
            for t in (n.targets if isinstance(n, ast.Assign) else [n.target]) if isinstance(t, ast.Name)}
        assert set(target.get("only", [])) <= names, path
        for test in target["tests"]:
            assert (REPO / test).exists(), test
    for prefix in config["exclude"]:
        assert (REPO / prefix.split("::", 1)[0]).exists(), prefix
    equivalent = tomllib.loads((REPO / "tools/mutation/equivalent.toml").read_text(encoding="utf-8"))
    for entry in equivalent.get("equivalent", []):
        assert {"file", "line", "code", "mutation", "why"} <= set(entry), entry
        assert entry["file"] in config["modules"] and entry["why"].strip(), entry

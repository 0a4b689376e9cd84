"""The compiled yes/no schema check must agree with jsonschema everywhere, or a bad spec
would pass unreported (schema.validate_shape trusts a "valid" from it)."""

from __future__ import annotations

import copy
import pathlib
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jcasc_gen import _events
from jcasc_gen._fastschema import Unsupported, compile_schema
from jcasc_gen.schema import schema

REPO = pathlib.Path(__file__).resolve().parents[2]
SPECS = sorted(REPO.glob("tests/cases/*.spec.yaml")) + sorted(REPO.glob("samples/*.yaml"))

_reference = jsonschema.Draft202012Validator(schema())
_fast = compile_schema(schema())


def _load(path: pathlib.Path) -> Any:
    try:
        data, problems = _events.build(path.read_text(encoding="utf-8"))
    except Exception:
        return None
    return None if problems else data


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.name)
def test_fast_check_agrees_with_jsonschema_on_every_case_and_sample(path: pathlib.Path) -> None:
    data = _load(path)
    if data is None:
        pytest.skip("does not load")
    assert _fast(data) == _reference.is_valid(data)


_scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=False, width=16),
                     st.sampled_from(["", "x", "Job/Read", "https://a.example", "0.33", "v0.21.0", "env", "A_B", "http://h/p"]))
_values = st.recursive(_scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                        st.dictionaries(st.sampled_from(["env", "file", "user", "group", "roles", "permissions", "x"]), inner, max_size=3)),
                       max_leaves=6)


def _paths(data: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(data, dict):
        for k, v in data.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += _paths(v, prefix + (i,))
    return out


_BASE = _load(REPO / "samples" / "pomerium-jenkins.yaml")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_fast_check_agrees_with_jsonschema_on_mutated_specs(data: st.DataObject) -> None:
    """Replace any node of a real spec by an arbitrary value (or drop a key): same verdict."""
    spec = copy.deepcopy(_BASE)
    path = data.draw(st.sampled_from(_paths(spec)[1:]))
    parent = spec
    for item in path[:-1]:
        parent = parent[item]
    if isinstance(parent, dict) and data.draw(st.booleans()):
        del parent[path[-1]]
    else:
        parent[path[-1]] = data.draw(_values)
    assert _fast(spec) == _reference.is_valid(spec)


def test_unknown_keywords_are_refused_at_compile_time() -> None:
    with pytest.raises(Unsupported):
        compile_schema({"type": "object", "patternProperties": {"^x": {}}, "additionalProperties": False})
    with pytest.raises(Unsupported):
        compile_schema({"uniqueItems": True})

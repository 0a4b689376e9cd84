"""Any YAML a user can write gives located errors or output, never a traceback: random
values are put at every place of a valid spec (hypothesis), and the loader's limits hold."""

from __future__ import annotations

import copy
import pathlib
import tracemalloc
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jcasc_gen.diagnostics import SpecError
from jcasc_gen.model import load_spec_text
from jcasc_gen.outputs import prepare

from ._cli import CASES

BASE: dict[str, Any] = yaml.safe_load((CASES / "guide-v021.spec.yaml").read_text(encoding="utf-8"))
BASE["jwt"] = {"username_claim": "email", "issuers": ["authenticate.corp.example.com"], "leeway_seconds": 5}
BASE["plugins"] = {"versions": {"jwt-auth": "0.3.0"}, "extra": ["git:5.7.0"]}
BASE["authorization"]["roles"] = {"admin": ["Overall/Administer"]}
BASE["output"] = {"dir": "out", "compose": False}

scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 10**6), st.floats(allow_nan=False),
                    st.text(max_size=12), st.sampled_from(["Overall/Administer", "https://x.example.com", "env", "file",
                                                            "user", "group", "${X}", "https://[x", ""]))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                      max_leaves=8)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, prefix + (i,))
    return out


PATHS = _paths(BASE)[1:]


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(PATHS), values), min_size=1, max_size=3))
def test_random_values_anywhere_never_crash(edits: list[tuple[tuple[Any, ...], Any]]) -> None:
    data = copy.deepcopy(BASE)
    for path, value in edits:
        node = data
        try:
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue
    text = yaml.safe_dump(data, allow_unicode=True)
    try:
        loaded = load_spec_text(text, "spec.yaml")
    except SpecError as exc:
        assert exc.diagnostics and all(d.line >= 1 and d.col >= 1 and d.message for d in exc.diagnostics)
        return
    prepare(loaded)  # lint + render with parse-back: a mismatch would raise RenderError


def test_billion_laughs_fails_fast_in_bounded_memory() -> None:
    text = (CASES / "load-billion-laughs.spec.yaml").read_text(encoding="utf-8")
    # one more level than the committed case: 9^10 strings if anything expanded it
    text += "j: &j [*i,*i,*i,*i,*i,*i,*i,*i,*i]\n"
    tracemalloc.start()
    try:
        try:
            load_spec_text(text, "laughs.yaml")
        except SpecError as exc:
            assert "alias expansion exceeds the cap" in exc.diagnostics[0].message
        else:
            raise AssertionError("a billion-laughs document was accepted")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 * 1024 * 1024


def test_shared_lists_through_anchors_are_fine() -> None:
    grants = "\n".join(f"    - group: g{i}\n      permissions: *read" for i in range(300))
    text = ("version: 1\njenkins: {url: https://jenkins.example.com}\n"
            "jwt: {header: X-Jwt, issuers: [i], audiences: [a], jwks_url: https://jenkins.example.com/jwks}\n"
            "authorization:\n  roles:\n    read: &read [Overall/Read, Job/Read, View/Read, Job/Build, Job/Cancel]\n"
            "  grants:\n    - user: admin\n      permissions: [Overall/Administer]\n" + grants + "\n")
    loaded = load_spec_text(text, "spec.yaml")
    assert len(loaded.spec.authorization.grants) == 301


def test_load_spec_text_on_non_mapping_roots(tmp_path: pathlib.Path) -> None:
    for text in ("[]", "42", "'x'", "~", "{}", "version: 1\n"):
        try:
            load_spec_text(text, "spec.yaml")
        except SpecError as exc:
            assert exc.diagnostics
        else:
            raise AssertionError(text)

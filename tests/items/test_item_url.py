"""client.item_url: the one place item names become URL paths. Every name the spec accepts
reaches the item it names: Stapler splits the path and %-decodes each token as UTF-8
(the simulator's TokenList reading, written from stapler's source) back to the exact names."""

from __future__ import annotations

from hypothesis import assume, given, settings, strategies as st

from jcasc_gen import item_paths
from jcasc_gen.client import item_url
from tests.jenkins_sim.item_names import stapler_decode, url_tokens

_names = st.text(min_size=1, max_size=12).filter(lambda n: item_paths.name_problem(n) is None)


@settings(max_examples=200)
@given(st.lists(_names, min_size=1, max_size=4))
def test_every_accepted_name_reaches_its_item(names: list[str]) -> None:
    path = "/".join(names)
    assume(item_paths.path_problem(path) is None)
    url = item_url(path)
    assert url.isascii() and " " not in url and "?" not in url and "#" not in url
    tokens = url_tokens("/" + url + "config.xml")
    assert tokens[-1] == "config.xml"
    assert tokens[:-1:2] == ["job"] * len(names)
    assert [stapler_decode(t) for t in tokens[1:-1:2]] == names


def test_a_lone_surrogate_is_refused_in_the_spec() -> None:
    assert item_paths.name_problem("a\ud800b") is not None

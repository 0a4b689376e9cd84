"""The product's permission catalog (jcasc_gen/permissions.py) against the simulator's table
(tests/jenkins_sim/permissions.py), entry by entry.

They are two independent transcriptions of the same sources (core's and the plugins'
`Permission` definitions; matrix-auth's implication walk). A wrong line on either side shows
up here: a missing or renamed permission, a wrong Java id, a changed impliedBy, a flipped
enabled-by-default flag, a wrong providing plugin, or a walk that disagrees.
"""

from __future__ import annotations

import pytest

from jcasc_gen import permissions as product
from tests.jenkins_sim import permissions as sim

GENERIC_OWNER = "hudson.security.Permission"


def _sim_by_short() -> dict[str, sim.PermissionDef]:
    return {sim.short_form(p): p for p in sim.PERMISSIONS if p.owner != GENERIC_OWNER}


def _product_java(pid: str | None) -> str | None:
    """The Java id of a catalog id or of one of the catalog's generic names."""
    if pid is None:
        return None
    if pid in product.GENERIC:
        return f"{GENERIC_OWNER}.{pid.split('/', 1)[1]}"
    return product.CATALOG[pid].java_id


def test_the_same_permissions() -> None:
    assert sorted(product.CATALOG) == sorted(_sim_by_short())


@pytest.mark.parametrize("pid", sorted(product.CATALOG))
def test_each_entry_agrees(pid: str) -> None:
    mine, theirs = product.CATALOG[pid], _sim_by_short().get(pid)
    assert theirs is not None, f"{pid} is not in the simulator's table"
    assert mine.java_id == theirs.id, "Java id"
    assert _product_java(mine.implied_by) == theirs.implied_by, "impliedBy"
    assert mine.enabled == theirs.enabled, "enabled by default"
    assert mine.plugin == theirs.plugin, "providing plugin"


def test_generic_permissions_agree() -> None:
    generic = {p.name: p for p in sim.PERMISSIONS if p.owner == GENERIC_OWNER}
    assert sorted(n.split("/", 1)[1] for n in product.GENERIC) == sorted(generic)
    for name, implied_by in product.GENERIC.items():
        assert _product_java(implied_by) == generic[name.split("/", 1)[1]].implied_by, name


def test_java_ids_map_back() -> None:
    for pid, p in product.CATALOG.items():
        assert product.from_java_id(p.java_id) == pid


def test_the_implication_walks_agree() -> None:
    """has_permission({q}, p) for every pair: the walk, impliedBy chains and disabled
    permissions skipped, on both sides."""
    ids = sorted(product.CATALOG)
    for held in ids:
        for checked in ids:
            assert product.has_permission({held}, checked) == sim.has_permission({held}, checked), (held, checked)

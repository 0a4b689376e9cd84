"""A Jenkins simulator over real HTTP (configuration-as-code, matrix-auth, jwt-auth) and a
fake Pomerium side, for the apply and verify tests. See README.md."""

from __future__ import annotations

from .casc import CascError
from .item_kinds import ITEM_PLUGINS
from .item_names import ItemError
from .pomerium import PomeriumSide
from .server import DEFAULT_AVAILABLE, DEFAULT_PLUGINS, JenkinsSim
from .state import ANONYMOUS, Identity, JwtRealm, LocalRealm, Strategy

__all__ = [
    "JenkinsSim",
    "PomeriumSide",
    "JwtRealm",
    "LocalRealm",
    "Strategy",
    "Identity",
    "ANONYMOUS",
    "CascError",
    "DEFAULT_PLUGINS",
    "DEFAULT_AVAILABLE",
    "ITEM_PLUGINS",
    "ItemError",
]

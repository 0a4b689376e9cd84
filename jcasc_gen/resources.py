"""Files shipped inside the installed package (schemas/, templates/), found beside the code.

In the source tree `jcasc_gen/_data/{schemas,templates}` are symlinks to the top-level folders;
a wheel carries real copies, so the installed package never reads the source tree.
"""

from __future__ import annotations

import sys
from importlib import resources as _res

if sys.version_info >= (3, 11):
    from importlib.resources.abc import Traversable
else:  # importlib.abc.Traversable is deprecated from 3.12 and goes away later
    from importlib.abc import Traversable

__all__ = ["data_dir", "read_text"]


def data_dir(kind: str) -> Traversable:
    return _res.files("jcasc_gen").joinpath("_data").joinpath(kind)  # one part per call: 3.10's Traversable.joinpath takes one


def read_text(kind: str, name: str) -> str:
    return data_dir(kind).joinpath(name).read_text(encoding="utf-8")

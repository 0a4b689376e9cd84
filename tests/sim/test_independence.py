"""The simulator is an oracle written from the sources: it imports nothing from the product.
(Before, its ACL called the product's permission catalog, so a wrong implication in the
catalog changed the simulator too and no test could see it.)"""

from __future__ import annotations

import ast
import pathlib

SIM = pathlib.Path(__file__).resolve().parents[1] / "jenkins_sim"


def test_the_simulator_imports_nothing_from_jcasc_gen() -> None:
    offenders = []
    for path in sorted(SIM.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders += [f"{path.name}:{node.lineno}: {n}" for n in names if n.split(".")[0] == "jcasc_gen"]
    assert not offenders

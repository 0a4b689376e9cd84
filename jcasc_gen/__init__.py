"""jcasc-gen: Jenkins behind Pomerium, declared in one spec file.

The Python API (docs/api.md) is what this package exports, and nothing else:

    spec = jcasc_gen.load("jcasc-gen.yaml")        # Spec, or SpecError with located diagnostics
    jcasc_gen.lint(spec)                            # list[Diagnostic]
    jcasc_gen.generate(spec)                        # {relative path: text}
    jcasc_gen.explain(spec, "user:alice@example.com", groups=["devs"])   # Explanation
    jenkins = jcasc_gen.Jenkins("http://jenkins:8080/", user=..., token=..., signing_key=pem)
    jenkins.plan(spec) / jenkins.apply(spec) / jenkins.verify(spec)      # results: .ok, .exit_code, .to_json()
    jcasc_gen.report(spec).to_html() / jenkins.report(spec).to_csv()     # AccessReport: who can do what, and why

Modules are private. The names load on first use, so `import jcasc_gen` costs nothing and
offline work never loads requests, python-jenkins, cryptography or PyJWT.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__version__ = "0.1.0"
TOOL_NAME = "jcasc-gen"

if TYPE_CHECKING:
    from ._api import Spec as Spec, explain as explain, explain_all as explain_all, generate as generate, lint as lint, load as load
    from ._errors import JcascGenError as JcascGenError, Unreachable as Unreachable
    from ._jenkins import Jenkins as Jenkins
    from ._review import AccessReport as AccessReport, report as report
    from ._results import (ApplyResult as ApplyResult, ApplyStep as ApplyStep, PlanResult as PlanResult,
                           VerifyResult as VerifyResult)
    from .diagnostics import Diagnostic as Diagnostic, SpecError as SpecError
    from .effective import Explanation as Explanation
    from .live.plan import PluginChange as PluginChange
    from .live.verify import CheckResult as CheckResult
    from .progress import Event as Event

# public name -> the private module that defines it
_EXPORTS: dict[str, str] = {
    "load": "._api", "lint": "._api", "generate": "._api", "explain": "._api", "explain_all": "._api", "Spec": "._api",
    "Jenkins": "._jenkins",
    "report": "._review", "AccessReport": "._review",
    "PlanResult": "._results", "ApplyResult": "._results", "ApplyStep": "._results", "VerifyResult": "._results",
    "CheckResult": ".live.verify", "PluginChange": ".live.plan", "Event": ".progress",
    "Diagnostic": ".diagnostics", "Explanation": ".effective",
    "JcascGenError": "._errors", "SpecError": ".diagnostics", "Unreachable": "._errors",
}

__all__ = ["__version__", *_EXPORTS]

if not TYPE_CHECKING:  # hidden from type checkers, so a misspelt name is still an error there

    def __getattr__(name: str) -> object:
        module = _EXPORTS.get(name)
        if module is None:
            raise AttributeError(f"module 'jcasc_gen' has no attribute {name!r}")
        import importlib

        value = getattr(importlib.import_module(module, __name__), name)
        globals()[name] = value  # later lookups skip this function
        return value

    def __dir__() -> list[str]:
        return sorted(set(globals()) | set(_EXPORTS))

"""jcasc-gen: Jenkins behind Pomerium, declared in one spec file.

Public API: `load_spec` (spec file -> typed model), `render` (model -> generated files).
"""

from __future__ import annotations

__version__ = "0.1.0"
TOOL_NAME = "jcasc-gen"

__all__ = ["__version__", "TOOL_NAME"]

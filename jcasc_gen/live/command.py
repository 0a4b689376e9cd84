"""What the three live commands (plan, apply, verify) share: spec + lint + credentials."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from typing import Any

from ..commands._common import CommandFailed, emit_json as _emit_json, load_or_report, output_dir, print_diagnostics
from ..exitcodes import ExitCode
from ..model import LoadedSpec
from .credentials import CredentialError, Credentials, resolve
from .redact import redact, redact_logs, say

__all__ = ["LiveInput", "prepare", "emit_json", "generated_path"]


@dataclass
class LiveInput:
    loaded: LoadedSpec
    files: dict[str, str]
    creds: Credentials


def prepare(args: argparse.Namespace, *, command: str) -> LiveInput:
    """Load and lint the spec, render it, resolve credentials; exit 2 on any problem."""
    from ..outputs import prepare as render_all

    redact_logs()
    loaded = load_or_report(args, command=command)
    gen = render_all(loaded, strict=getattr(args, "strict", False))
    print_diagnostics(gen.diagnostics)
    if gen.failed:
        say(f"{args.spec}: the spec has errors; nothing was done")
        raise CommandFailed(ExitCode.USAGE)
    try:
        creds = resolve(args, loaded.spec, warn=say)
    except CredentialError as exc:
        say(f"error: {exc}")
        raise CommandFailed(exc.exit_code) from None
    return LiveInput(loaded, dict(gen.files), creds)


def generated_path(args: argparse.Namespace, loaded: LoadedSpec, rel: str = "jenkins.yaml") -> str:
    return os.path.relpath(os.path.join(output_dir(args, loaded), rel))


def emit_json(payload: dict[str, Any]) -> None:
    """JSON to stdout, through the redactor like every other output."""
    _emit_json(payload, scrub=redact)

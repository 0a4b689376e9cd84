"""`jcasc-gen diff SPEC [-o DIR | --live --url URL]`: what would change, as a reviewer wants it.

Against the output folder (default) each generated file is compared by meaning (its own
parser; jenkins.yaml through `normalize_managed`), so reformatting is not a difference.
Against a live Jenkins (`--live`) the managed sections of its JCasC export are compared.
Exit 0 no differences, 1 differences, 2 invalid spec or usage, 3 Jenkins unreachable or
credentials refused. Nothing is written, nothing on Jenkins changes.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from ..exitcodes import ExitCode
from ._common import (CommandFailed, add_format_argument, add_output_argument, add_spec_argument, add_strict_argument,
                      emit_json, load_or_report, print_diagnostics, usage_error)
from ._fleet_live import add_fleet_arguments, fleet_mode, run_fleet
from ._fleet import (add_controller_argument, compare_fleet, controller_names, generate_fleet, load_fleet_or_report,
                     rerun_flags)


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_spec_argument(p)
    add_output_argument(p)
    add_format_argument(p, markdown=True)
    add_strict_argument(p)
    add_controller_argument(p)
    p.add_argument("--live", action="store_true", help="compare with the managed sections of a live Jenkins (needs --url and credentials)")
    from ._live import add_arguments as add_connection_arguments

    add_connection_arguments(p)
    add_fleet_arguments(p, controller=False)


def _file_report(root: str, files: dict[str, str], chosen: Any) -> list[dict[str, Any]]:
    from ..diffing import files_equal, semantic_changes
    from ..fsio import read_output_file
    from ..render import FILES

    tree = compare_fleet(root, chosen, files)
    out: list[dict[str, Any]] = []
    for rel in sorted(set(files) | set(tree.extra)):
        got = read_output_file(root, rel)
        current: str | None
        if got.problem is not None:
            # never followed, opened or printed: the problem is the whole report for this path
            out.append({"path": rel, "status": "unsafe", "problem": got.problem, "current": None, "target": files.get(rel)})
            continue
        if got.data is None:
            current = None
        else:
            try:
                current = got.data.decode("utf-8")
            except UnicodeDecodeError:
                current = "(not UTF-8 text)\n"
        target = files.get(rel)
        if current is None:
            status = "added"
        elif target is None:
            status = "removed"
        else:
            status = "unchanged" if files_equal(rel, current, target) else "changed"
        item: dict[str, Any] = {"path": rel, "status": status, "current": current, "target": target}
        kind = FILES.get(rel.partition("/")[2] if chosen.has_controllers else rel)  # a controller's files are in <name>/
        if status == "changed" and kind is not None and kind.dialect == "jcasc":
            import yaml

            from ..render import RenderError, parse_yaml

            try:  # the capped event-stream reader (alias budget), as for specs
                before, after = parse_yaml(current), parse_yaml(target)  # type: ignore[arg-type]
                if isinstance(before, dict) and isinstance(after, dict):
                    item["changes"] = semantic_changes(before, after)
            except (RenderError, yaml.YAMLError):
                pass  # the text diff still shows it
        out.append(item)
    return out


def _live_document(args: argparse.Namespace, spec: Any) -> tuple[dict[str, Any], str, Any]:
    """The live export, the URL it came from (--url or JENKINS_URL) and the item matrices
    (live/items.read_live_items); tries the pre-switch credential, then the JWT one (exit 3 on
    failure)."""
    from ..client import JenkinsError
    from ..live.credentials import CredentialError
    from ..live.reads import read_export
    from ..live.redact import redact, say
    from ._live import Live, jenkins_from_args, say_event
    from ._report import note_url

    try:
        jenkins, names = jenkins_from_args(args, on_event=say_event)
    except CredentialError as exc:
        say(f"error: {exc}")
        raise CommandFailed(exc.exit_code, redact(exc.message), redact(exc.hint) if exc.hint else None) from None
    note_url(jenkins.url)
    creds = Live(spec, jenkins, names).call(jenkins._credentials, spec)
    try:
        document, items = read_export(creds, spec._loaded.spec)
    except JenkinsError as exc:
        say(f"error: {exc}")
        raise CommandFailed(exc.exit_code, redact(exc.message), redact(exc.hint) if exc.hint else None) from None
    return document, creds.conn.url, items


def run(args: argparse.Namespace) -> int:
    if args.url and not args.live:
        return usage_error("--url compares with a live Jenkins only together with --live (without it, diff compares with the "
                           "output folder)")
    if args.live and fleet_mode(args):
        if args.format == "markdown":
            return _one_controller_markdown(args)
        from ..live.fleet import diff_task

        return run_fleet(args, "diff", lambda t: diff_task(t, text=args.format == "text"))
    return _run_live(args) if args.live else _run_files(args)


def _refuse(args: argparse.Namespace, diagnostics: list[Any]) -> int:
    if args.format == "json":
        emit_json({"command": "diff", "ok": False, "spec": args.spec, "diagnostics": [d.to_json() for d in diagnostics]})
    else:
        print_diagnostics(diagnostics)
    return ExitCode.USAGE


def _run_live(args: argparse.Namespace) -> int:
    from .._api import lint
    from .. import colour
    from ..live.credentials import shown_url
    from ..live.reads import live_diff

    spec = load_or_report(args, command="diff")
    findings = lint(spec, strict=args.strict)
    if any(d.blocking for d in findings):
        return _refuse(args, findings)
    if args.format != "json":
        print_diagnostics(findings)
    live, url, items = _live_document(args, spec)
    different, lines, fields = live_diff(spec._loaded.spec, live, items)
    if args.format == "markdown":
        sys.stdout.write(_live_markdown(args, None, spec._loaded.spec, live, items, lines))
    elif args.format == "json":
        emit_json({"command": "diff", "ok": not different, "spec": args.spec, "against": "live", "url": shown_url(url),
                   "changes": fields["changes"], "diagnostics": [d.to_json() for d in findings],
                   "items": fields["items"], "unmanaged_items": fields["unmanaged_items"]})
    else:
        sys.stdout.write("".join(colour.lines(lines, sys.stdout)))
        print("live Jenkins: " + ("differs from the spec" if different else "matches the spec"), file=sys.stderr)
    return ExitCode.DIFFERENCES if different else ExitCode.OK


def _run_files(args: argparse.Namespace) -> int:
    from .. import colour
    from ..diffing import summary_lines, unified

    chosen = load_fleet_or_report(args, command="diff")
    gen = generate_fleet(chosen, strict=args.strict)
    if gen.failed:
        return _refuse(args, gen.diagnostics)
    if args.format != "json":
        print_diagnostics(gen.diagnostics)
    root = chosen.root
    report = _file_report(root, dict(gen.files), chosen)
    different = any(r["status"] != "unchanged" for r in report)
    shown = os.path.relpath(root)
    if args.format == "markdown":
        sys.stdout.write(_markdown(args, chosen, shown, report))
    elif args.format == "json":
        emit_json({"command": "diff", "ok": not different, "spec": args.spec, **controller_names(chosen), "against": "output",
                   "output": root, "files": [{"path": r["path"], "status": r["status"],
                                              **({"changes": r["changes"].to_json()} if "changes" in r else {}),
                                              **({"problem": r["problem"]} if "problem" in r else {})} for r in report],
                   "diagnostics": [d.to_json() for d in gen.diagnostics]})
    else:
        out: list[str] = []
        for r in report:
            if r["status"] == "unchanged":
                continue
            if r["status"] == "unsafe":
                out.append(f"! {r['problem']}\n")
                continue
            if "changes" in r:
                out += [f"# {shown}/{r['path']}: {r['status']}\n"] + summary_lines(r["changes"])
            out += unified(r["current"], r["target"], f"{shown}/{r['path']}", f"{shown}/{r['path']} (from {args.spec})")
        sys.stdout.write("".join(colour.lines(out, sys.stdout)))
        if different:
            print(f"{shown}: differs from what {args.spec} generates; `jcasc-gen generate {args.spec}{rerun_flags(args)}` writes it",
                  file=sys.stderr)
        else:
            print(f"{shown}: no differences", file=sys.stderr)
    return ExitCode.DIFFERENCES if different else ExitCode.OK


def _markdown(args: argparse.Namespace, chosen: Any, shown: str, report: list[dict[str, Any]]) -> str:
    """Who gains and loses what, per controller: what the output folder grants (before) against
    what the spec grants (after), with the file diff folded below."""
    from ..access import state_from_output, state_from_spec
    from ..change_markdown import Section, md_code, sections_markdown
    from ..diffing import unified

    raw: list[str] = []
    other: dict[str | None, list[str]] = {}
    for r in report:
        if r["status"] == "unsafe":
            raw.append(f"! {r['problem']}\n")
        elif r["status"] != "unchanged":
            raw += unified(r["current"], r["target"], f"{shown}/{r['path']}", f"{shown}/{r['path']} (from {args.spec})")
        if "changes" in r:
            owner = r["path"].partition("/")[0] if chosen.has_controllers else None
            other.setdefault(owner, []).extend(r["changes"].settings_summary())
    sections = [Section(name, state_from_output(spec.output_dir, spec._loaded.spec), state_from_spec(spec._loaded.spec),
                        other.get(name, [])) for name, spec in chosen.specs]
    changed = sum(r["status"] != "unchanged" for r in report)
    title = f"Effective permission changes: {md_code(args.spec, in_table=False)} against {md_code(shown, in_table=False)}"
    return sections_markdown(title, sections, details=[(f"Generated files: {changed} changed", "".join(raw))])


def _live_markdown(args: argparse.Namespace, name: str | None, spec: Any, live: Any, items: Any, lines: list[str]) -> str:
    from ..access import live_states
    from ..change_markdown import Section, md_code, sections_markdown
    from ..diffing import semantic_changes
    from ..jcasc import target_document

    item_changes, _, unmanaged, _ = items
    before, after = live_states(spec, live, item_changes, unmanaged)
    other = semantic_changes(live, target_document(spec)).settings_summary()
    return sections_markdown(f"Effective permission changes: {md_code(args.spec, in_table=False)} against the live Jenkins",
                             [Section(name, before, after, other)],
                             details=[("What changes on the live Jenkins (managed sections and items)", "".join(lines))])


def _one_controller_markdown(args: argparse.Namespace) -> int:
    """diff --live --controller NAME --format markdown: one controller's comment."""
    from ..client import JenkinsError
    from ..live.reads import live_diff, read_export
    from ..live.redact import redact, say
    from ._fleet_live import prepare_targets

    if args.all or len(args.controllers) != 1:
        say("diff --live --format markdown reads one controller: name it with --controller NAME (the offline diff covers "
            "every controller in one comment)")
        return ExitCode.USAGE
    (target,) = prepare_targets(args, "diff", os.environ)
    model = target.spec._loaded.spec
    try:
        live, items = read_export(target.creds, model)
    except JenkinsError as exc:
        say(f"{target.name}: error: {exc}")
        return exc.exit_code
    different, lines, _ = live_diff(model, live, items)
    sys.stdout.write(redact(_live_markdown(args, target.name, model, live, items, lines)))
    return ExitCode.DIFFERENCES if different else ExitCode.OK

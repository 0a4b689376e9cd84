"""Benchmarks for jcasc-gen: prints figures and ratios; asserts nothing.

Run `benchmarks/run` (all of them, a few minutes on 2 cores) or `python benchmarks/bench.py NAME`.
Every timing is the best of several runs of a whole fresh process, measured in the same run
as the floor it is compared with, so machine speed cancels out of the ratios.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from typing import Callable

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)

from make_spec import misspelt_roles_text, spec_text  # noqa: E402

PY = sys.executable
JCASC_GEN = [PY, "-m", "jcasc_gen"]

# The floor: a fresh Python that loads the spec with PyYAML's C loader and dumps the
# equivalent JCasC document (realm + typed matrix entries) with PyYAML's C dumper.
FLOOR = r"""
import sys, yaml
data = yaml.load(open(sys.argv[1], encoding="utf-8"), Loader=yaml.CSafeLoader)
roles = data["authorization"].get("roles", {})
rank = {"user_or_group": 0, "group": 1, "user": 2}
entries = []
for g in data["authorization"]["grants"]:
    kind = next(k for k in rank if k in g)
    perms = set(g.get("permissions", []))
    for r in g.get("roles", []):
        perms.update(roles[r])
    key = "userOrGroup" if kind == "user_or_group" else kind
    entries.append((rank[kind], g[kind], {key: {"name": g[kind], "permissions": sorted(perms)}}))
entries.sort(key=lambda e: (e[0], e[1]))
doc = {"jenkins": {"authorizationStrategy": {"globalMatrix": {"entries": [e[2] for e in entries]}},
                   "securityRealm": {"jwtAuth": {"acceptedAudience": "jenkins.corp.example.com"}}}}
with open(sys.argv[2], "w", encoding="utf-8") as fh:
    yaml.dump(doc, fh, Dumper=yaml.CSafeDumper, default_flow_style=False)
"""


def run_once(cmd: list[str], cwd: str | None = None) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"benchmark command failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-2000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, max(peak, before)


def peak_rss(cmd: list[str], cwd: str | None = None) -> int:
    """Peak RSS in KiB of one child, measured with /usr/bin/time when present (RUSAGE_CHILDREN is a max over all children)."""
    timer = shutil.which("time") or ("/usr/bin/time" if os.path.exists("/usr/bin/time") else None)
    if timer:
        proc = subprocess.run([timer, "-f", "%M", *cmd], cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if proc.returncode == 0:
            return int(proc.stderr.strip().splitlines()[-1])
    script = "import resource,subprocess,sys;subprocess.run(sys.argv[1:],check=True,stdout=subprocess.DEVNULL);print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    out = subprocess.run([PY, "-c", script, *cmd], cwd=cwd, capture_output=True, text=True, check=True)
    return int(out.stdout.strip())


def best(cmd: list[str], repeat: int, cwd: str | None = None) -> float:
    return min(run_once(cmd, cwd)[0] for _ in range(repeat))


def bench_generate(repeat: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        figures = {}
        for n in (10_000, 100_000):
            spec = os.path.join(tmp, f"spec{n}.yaml")
            with open(spec, "w", encoding="utf-8") as fh:
                fh.write(spec_text(n))
            out = os.path.join(tmp, f"out{n}")
            reps = repeat if n == 10_000 else 1
            tool = best([*JCASC_GEN, "generate", spec, "-o", out, "-q"], reps)
            floor = best([PY, "-c", FLOOR, spec, os.path.join(tmp, "floor.yaml")], reps)
            figures[n] = (tool, floor)
            print(f"generate {n:>7,} principals: {tool:6.2f} s   floor (C load + C dump): {floor:6.2f} s   ratio {tool / floor:4.2f}"
                  + ("   (target <= 1.5)" if n == 10_000 else ""))
        t10, t100 = figures[10_000][0], figures[100_000][0]
        print(f"generate scaling 100k / 10k: {t100 / t10:5.2f}   (target <= 12, linear is 10)")
        spec = os.path.join(tmp, "spec100000.yaml")
        peak = peak_rss([*JCASC_GEN, "generate", spec, "-o", os.path.join(tmp, "peak"), "-q"])
        print(f"generate 100,000 principals peak memory: {peak / 1024:6.1f} MiB   (target < 512)")


def _run_expecting(cmd: list[str], code: int) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != code:
        raise SystemExit(f"expected exit {code}, got {proc.returncode}: {' '.join(cmd)}\n{proc.stderr[-2000:]}")
    return elapsed


def bench_misspelt(repeat: int) -> None:
    """`validate` of a spec whose every grant names a misspelt role (each an error with a
    did-you-mean hint): 3,000 once took 201 s, quadratic in the roles; now linear."""
    with tempfile.TemporaryDirectory() as tmp:
        figures = {}
        for n in (3_000, 30_000):
            spec = os.path.join(tmp, f"misspelt{n}.yaml")
            with open(spec, "w", encoding="utf-8") as fh:
                fh.write(misspelt_roles_text(n))
            figures[n] = min(_run_expecting([*JCASC_GEN, "validate", spec], 2) for _ in range(repeat if n == 3_000 else 1))
            print(f"validate {n:>6,} misspelt role references: {figures[n]:6.2f} s")
        print(f"misspelt scaling 30k / 3k: {figures[30_000] / figures[3_000]:5.2f}   (linear is 10)")


def bench_startup(repeat: int) -> None:
    minimal = os.path.join(REPO, "samples", "minimal.yaml")
    tool = best([*JCASC_GEN, "validate", minimal], repeat)
    floor = best([PY, "-c", "import yaml, jinja2, jsonschema"], repeat)
    print(f"validate samples/minimal.yaml: {tool * 1000:6.1f} ms   floor (import yaml, jinja2, jsonschema): {floor * 1000:6.1f} ms   ratio {tool / floor:4.2f}   (target <= 1.5)")
    proc = subprocess.run([PY, "-X", "importtime", "-m", "jcasc_gen", "validate", minimal], capture_output=True, text=True)
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    heavy = sorted(m for m in imported if m.split(".")[0] in {"requests", "jenkins", "cryptography", "jwt", "urllib3", "jsonschema"})
    print(f"validate imports none of requests, python-jenkins, cryptography, PyJWT, jsonschema: {'yes' if not heavy else 'NO: ' + ', '.join(heavy[:8])}")


def bench_requests(repeat: int) -> None:
    try:
        from http_count import count_requests  # type: ignore[import-not-found]
    except ImportError as exc:  # pragma: no cover - depends on the simulator
        print(f"requests: skipped ({exc})")
        return
    for n in (10, 10_000):
        counts = count_requests(n)
        print(f"HTTP requests with {n:>6,} principals: " + "   ".join(f"{k} {v}" for k, v in counts.items()))


def bench_stages(repeat: int) -> None:
    """What each stage of `generate` costs for 10,000 principals, in one process (best of N)."""
    import gc

    sys.path.insert(0, REPO)
    from jcasc_gen import _events, lint_rules as lint, render
    from jcasc_gen._perf import gc_paused
    from jcasc_gen.jcasc import target_document
    from jcasc_gen.loader import load_file
    from jcasc_gen.model import build_spec, semantic_check
    from jcasc_gen.schema import is_valid

    with tempfile.TemporaryDirectory() as tmp:
        spec_path = os.path.join(tmp, "spec.yaml")
        with open(spec_path, "w", encoding="utf-8") as fh:
            fh.write(spec_text(10_000))
        timings: dict[str, float] = {}

        def stage(name: str, fn: Callable[[], object]) -> object:
            best_t, result = float("inf"), None
            for _ in range(repeat):
                gc.collect()
                with gc_paused():
                    t0 = time.perf_counter()
                    result = fn()
                    best_t = min(best_t, time.perf_counter() - t0)
            timings[name] = best_t
            return result

        doc = stage("load (YAML events -> data, duplicate/alias/tag checks)", lambda: load_file(spec_path))
        stage("schema (compiled check; jsonschema only on failure)", lambda: is_valid(doc.data))  # type: ignore[union-attr]
        stage("schema with jsonschema itself (for comparison)", lambda: __import__("jsonschema").Draft202012Validator(
            __import__("jcasc_gen.schema", fromlist=["schema"]).schema()).is_valid(doc.data))  # type: ignore[union-attr]
        stage("semantic rules (permissions, roles, duplicates)", lambda: semantic_check(doc))  # type: ignore[arg-type]
        spec = stage("model (defaults, role expansion, sorting, sha256)", lambda: build_spec(doc.data))  # type: ignore[union-attr]
        stage("lint", lambda: lint.lint(spec, doc))  # type: ignore[arg-type]
        ctx = render._jenkins_context(spec)  # type: ignore[arg-type]
        env = render._environment()
        text = stage("render jenkins.yaml (jinja2, quoting filter)", lambda: env.get_template("jenkins.yaml.j2").render(
            dict(ctx, header="#", dialect="jcasc", spec=spec)))
        expected = render._escape_all(target_document(spec))  # type: ignore[arg-type]
        stage("parse-back of jenkins.yaml (streamed compare)", lambda: _events.first_difference(text, expected))  # type: ignore[arg-type]
        stage("parse-back with yaml.load + == (for comparison)", lambda: __import__("yaml").load(text, Loader=__import__("yaml").CSafeLoader) == expected)
    for name, t in timings.items():
        print(f"stage {name:<62} {t * 1000:8.1f} ms")


def bench_items(repeat: int) -> None:
    try:
        from item_requests import count  # type: ignore[import-not-found]
    except ImportError as exc:  # pragma: no cover - depends on the simulator
        print(f"items: skipped ({exc})")
        return
    for n in (10, 1000):
        for step, figures in count(n).items():
            print(f"items {n:>5,} {step:<26} {figures}")


def bench_fleet(repeat: int) -> None:
    """50 controllers: apply and plan --all at several --parallel (benchmarks/fleet.py)."""
    import fleet  # type: ignore[import-not-found]

    fleet.main([])


def bench_report(repeat: int) -> None:
    """The access report for 10,000 principals (benchmarks/report.py)."""
    subprocess.run([PY, os.path.join(HERE, "report.py"), "--repeat", str(min(repeat, 3))], check=True)


BENCHES: dict[str, Callable[[int], None]] = {
    "stages": bench_stages,
    "startup": bench_startup,
    "generate": bench_generate,
    "requests": bench_requests,
    "misspelt": bench_misspelt,
    "items": bench_items,
    "fleet": bench_fleet,
    "report": bench_report,
}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("names", nargs="*", metavar="NAME", help=f"any of {', '.join(BENCHES)} (default: all)")
    p.add_argument("--repeat", type=int, default=5, help="runs per figure; the best counts (default 5)")
    args = p.parse_args()
    unknown = [n for n in args.names if n not in BENCHES]
    if unknown:
        p.error(f"unknown benchmark {unknown[0]!r}; choose from {', '.join(BENCHES)}")
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, {os.uname().machine}")
    for name in args.names or list(BENCHES):
        BENCHES[name](args.repeat)


if __name__ == "__main__":
    main()

"""Mutation testing of the modules that decide who gets in: `python -m tools.mutation --help`.

docs/testing.md says how to run it, how to read what it prints and how to record an
equivalent mutant. Not part of the test suite: it runs the suite hundreds of times.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from .mutator import Mutant, mutants
from .runner import FreshRun, Job, Queue, SessionServer, SwapRun, fresh_child, preload, run_jobs, serve_session

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
KILLED = ("killed", "timeout")


@dataclass
class Target:
    path: str  # repository-relative
    tests: list[str]
    only: list[str]
    mutants: list[Mutant] = field(default_factory=list)

    @property
    def module(self) -> str:
        return self.path.removesuffix(".py").replace("/", ".")

    @property
    def short(self) -> str:
        return Path(self.path).stem

    @property
    def abspath(self) -> str:
        return str((REPO / self.path).resolve())


@dataclass
class Outcome:
    mutant: Mutant
    target: Target
    status: str = "pending"  # killed / survived / timeout / error / equivalent / no coverage
    first_failure: str | None = None
    tests_run: int = 0
    seconds: float = 0.0
    why: str = ""
    log: str = ""

    @property
    def ident(self) -> str:
        return f"{self.target.short}:{self.mutant.index}"


@dataclass
class Config:
    package: str
    exclude: list[str]
    preload: list[str]
    targets: list[Target]


def load_config(path: Path) -> Config:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    targets = [Target(p, list(t["tests"]), list(t.get("only", []))) for p, t in data["modules"].items()]
    return Config(data.get("package", "jcasc_gen"), list(data.get("exclude", [])), list(data.get("preload", [])), targets)


def load_equivalents(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return list(tomllib.loads(path.read_text(encoding="utf-8")).get("equivalent", []))


def match_equivalents(outcomes: Sequence[Outcome], entries: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mark listed mutants equivalent; return the entries that matched nothing (stale)."""
    by_key: dict[tuple[str, str, str], list[Outcome]] = {}
    for o in outcomes:
        by_key.setdefault(o.mutant.key, []).append(o)
    stale = []
    for entry in entries:
        key = (entry.get("file", ""), entry.get("code", ""), entry.get("mutation", ""))
        free = [o for o in by_key.get(key, []) if o.status != "equivalent"]
        if not free:
            stale.append(entry)
            continue
        hit = min(free, key=lambda o: abs(o.mutant.line - int(entry.get("line", 0))))
        hit.status, hit.why = "equivalent", str(entry.get("why", ""))
    return stale


def toml_string(value: str) -> str:
    """A TOML basic string holding exactly `value`."""
    out = []
    for ch in value:
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F or 0xD800 <= ord(ch) <= 0xDFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def record_equivalent(path: Path, o: Outcome, why: str) -> None:
    m = o.mutant
    entry = (f"\n[[equivalent]]\nfile = {toml_string(m.path)}\nline = {m.line}\ncode = {toml_string(m.code)}\n"
             f"mutation = {toml_string(m.description)}\nwhy = {toml_string(why)}\n")
    with path.open("a", encoding="utf-8") as fh:
        fh.write(entry)


def test_files(paths: Sequence[str]) -> list[str]:
    out: list[str] = []
    for p in paths:
        full = REPO / p
        if full.is_dir():
            out += sorted(str(f.relative_to(REPO)) for f in full.rglob("test_*.py"))
        elif full.is_file():
            out.append(p)
        else:
            raise SystemExit(f"tools/mutation/targets.toml: no such test path: {p}")
    return out


def _balanced(files: Sequence[str], groups: int) -> list[list[str]]:
    """Spread files over `groups` by size (a stand-in for run time before anything was timed)."""
    out: list[list[str]] = [[] for _ in range(max(1, groups))]
    load = [0] * len(out)
    for f in sorted(files, key=lambda f: -(REPO / f).stat().st_size):
        i = load.index(min(load))
        out[i].append(f)
        load[i] += (REPO / f).stat().st_size
    return [g for g in out if g]


@dataclass
class Baseline:
    durations: dict[str, float]
    failed: set[str]
    lines: dict[str, dict[str, set[int]]]  # test node id -> file -> lines ("None": outside any test)
    per_file_overhead: float
    seconds: float


def run_baseline(files: Sequence[str], targets: Sequence[Target], workers: int, excluded: Sequence[str],
                 package: str, log_dir: str | None) -> Baseline:
    jobs = [Job(f"baseline-{i}", 3600, FreshRun(group, None, excluded, package, trace=[t.abspath for t in targets],
                                                  stop_at_first_failure=False))
            for i, group in enumerate(_balanced(files, workers))]
    started = time.monotonic()
    run_jobs(Queue(lambda j: j, jobs), workers=workers, child=fresh_child, on_done=lambda j: None, log_dir=log_dir)
    durations: dict[str, float] = {}
    failed: set[str] = set()
    lines: dict[str, dict[str, set[int]]] = {}
    overheads = []
    for job in jobs:
        r = job.result
        if r.get("status") not in ("passed", "failed") or "durations" not in r:
            raise SystemExit(f"the baseline run failed ({r.get('status')}): {r.get('error', '')}\n{r.get('log_tail', '')}")
        if r.get("rc") == 2 or str(r.get("first_failure") or "").startswith("collecting "):
            # pytest runs nothing after a collection error: the baseline would miss those tests
            raise SystemExit(f"the baseline could not collect the tests: {r.get('first_failure')} "
                             "(a missing test dependency? reinstall with pip install -e '.[test]')")
        durations.update(r["durations"])
        failed.update(r["failed"])
        for test, by_file in r["lines"].items():
            mine = lines.setdefault(test, {})
            for f, ls in by_file.items():
                mine.setdefault(f, set()).update(ls)
        overheads.append(max(0.0, r["seconds"] - sum(r["durations"].values())) / max(1, len(job.payload.files)))
    return Baseline(durations, failed, lines, max(overheads, default=1.0), time.monotonic() - started)


def _file(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


class Planner:
    """Which tests a mutant runs, in which order: the tests that reached its statement (every
    mapped test for code that runs at import), those that killed most mutants of the same
    module so far first, then the fastest."""

    def __init__(self, baseline: Baseline):
        self.b = baseline
        self.kills: Counter[tuple[str, str]] = Counter()

    def mapped(self, t: Target) -> list[str]:
        return [n for n in self.b.durations if n not in self.b.failed and _file(n).startswith(tuple(t.tests))]

    def reaching(self, o: Outcome) -> list[str]:
        m, t = o.mutant, o.target
        mapped = self.mapped(t)
        probe = set(range(m.probe[0], m.probe[1] + 1))
        if m.import_time or probe & self.b.lines.get("None", {}).get(t.abspath, set()):
            return mapped
        return [n for n in mapped if probe & self.b.lines.get(n, {}).get(t.abspath, set())]

    def ranked(self, t: Target, tests: Sequence[str]) -> list[str]:
        return sorted(tests, key=lambda n: (-self.kills[(t.path, n)], self.b.durations[n]))

    def estimate(self, tests: Sequence[str], fresh: bool) -> float:
        files = {_file(n) for n in tests}
        return sum(self.b.durations[n] for n in tests) + (self.b.per_file_overhead * len(files) if fresh else 0.0)

    def first_files(self, t: Target, tests: Sequence[str], count: int = 2) -> set[str]:
        """The files most likely to hold a killer: most kills in this module, then most lines reached."""
        score: dict[str, tuple[int, int]] = {}
        for n in tests:
            k, c = score.get(_file(n), (0, 0))
            score[_file(n)] = (k + self.kills[(t.path, n)], c + len(self.b.lines.get(n, {}).get(t.abspath, ())))
        return set(sorted(score, key=lambda f: score[f], reverse=True)[:count])


def _fmt_seconds(s: float) -> str:
    return f"{int(s // 60)}m{int(s % 60):02d}s"


def report(outcomes: Sequence[Outcome], targets: Sequence[Target], stale: Sequence[dict[str, Any]],
           out: Any = sys.stdout) -> dict[str, float]:
    scores: dict[str, float] = {}
    print(f"\n{'module':<28} {'mutants':>7} {'equiv':>6} {'killed':>7} {'timeout':>7} {'survived':>8} "
          f"{'error':>6} {'score':>7}", file=out)
    for t in targets:
        mine = [o for o in outcomes if o.target is t]
        c = Counter(o.status for o in mine)
        survived = c["survived"] + c["no coverage"]
        counted = len(mine) - c["equivalent"] - c["error"]
        score = 100.0 * (c["killed"] + c["timeout"]) / counted if counted else 100.0
        scores[t.path] = score
        print(f"{t.path:<28} {len(mine):>7} {c['equivalent']:>6} {c['killed']:>7} {c['timeout']:>7} "
              f"{survived:>8} {c['error']:>6} {score:>6.1f}%", file=out)
    survivors = [o for o in outcomes if o.status in ("survived", "no coverage")]
    if survivors:
        print(f"\nsurvivors ({len(survivors)}): file:line: mutation [operator; id]", file=out)
        for o in sorted(survivors, key=lambda o: (o.mutant.path, o.mutant.line, o.mutant.index)):
            note = "; no test reaches it" if o.status == "no coverage" else ""
            print(f"  {o.mutant.path}:{o.mutant.line}: {o.mutant.description} [{o.mutant.operator}; {o.ident}{note}]", file=out)
            print(f"      {o.mutant.code}", file=out)
    errors = [o for o in outcomes if o.status == "error"]
    if errors:
        print(f"\nerrors ({len(errors)}): the run could not tell; not counted", file=out)
        for o in errors:
            print(f"  {o.mutant.path}:{o.mutant.line}: {o.mutant.description} [{o.ident}]\n{o.log}", file=out)
    if stale:
        print(f"\nstale entries in tools/mutation/equivalent.toml ({len(stale)}): no mutant matches them", file=out)
        for e in stale:
            print(f"  {e.get('file')}:{e.get('line')}: {e.get('mutation')}  ({e.get('code')})", file=out)
    return scores


def rescore(path: Path, targets: Sequence[Target]) -> int:
    """An earlier run's outcomes, scored with today's equivalent list. Mutants are matched by
    (file, code, mutation); a mutant listed since that run counts as equivalent."""
    rows = json.loads(path.read_text(encoding="utf-8"))
    by_path = {t.path: t for t in targets}
    outcomes: list[Outcome] = []
    for r in rows:
        t = by_path.get(r["file"])
        if t is None:
            continue
        m = Mutant(path=r["file"], index=int(r["id"].rsplit(":", 1)[1]), line=r["line"], end_line=r["line"],
                   operator=r["operator"], description=r["mutation"], code=r["code"], import_time=False,
                   probe=(r["line"], r["line"]), scope="", function=None, compiled=compile("", "<none>", "exec"))
        o = Outcome(m, t, status=r["status"], first_failure=r.get("killed_by"), tests_run=r.get("tests", 0),
                    seconds=r.get("seconds", 0.0), why=r.get("why", ""))
        if o.status == "equivalent":
            o.status = "pending"  # judged again below
        outcomes.append(o)
    stale = match_equivalents(outcomes, load_equivalents(HERE / "equivalent.toml"))
    for o in outcomes:
        if o.status == "pending":
            o.status = "error"  # listed as equivalent then, not any more: the run has no result for it
            o.log = "listed as equivalent during that run; run it again"
    print(f"rescored {path}: {len(outcomes)} mutants")
    report(outcomes, [t for t in targets if any(o.target is t for o in outcomes)], stale)
    return 0


def _select(targets: list[Target], names: Sequence[str]) -> list[Target]:
    if not names:
        return targets
    out = []
    for name in names:
        hits = [t for t in targets if name in (t.path, t.short, t.module) or t.path.endswith("/" + name)
                or t.path.removesuffix(".py").endswith("/" + name)]
        if not hits:
            raise SystemExit(f"no target module {name!r} in tools/mutation/targets.toml "
                             f"(known: {', '.join(t.short for t in targets)})")
        out += [h for h in hits if h not in out]
    return out


class Progress:
    def __init__(self, total: int, started: float):
        self.total, self.started = total, started
        self.counts: Counter[str] = Counter()
        self.last = 0.0

    def add(self, status: str) -> None:
        self.counts[status] += 1
        n = sum(self.counts.values())
        if n == self.total or time.monotonic() - self.last > 30:
            self.last = time.monotonic()
            print(f"  {n}/{self.total} mutants ({', '.join(f'{k} {v}' for k, v in sorted(self.counts.items()))}) "
                  f"{_fmt_seconds(time.monotonic() - self.started)}, load {os.getloadavg()[0]:.1f}",
                  file=sys.stderr, flush=True)


def _settle(o: Outcome, r: dict[str, Any]) -> None:
    o.status = {"failed": "killed", "passed": "survived"}.get(r["status"], r["status"])
    o.first_failure = r.get("first_failure")
    o.seconds += r.get("seconds", 0.0)
    o.log = r.get("log_tail", "") or r.get("error", "") or r.get("log", "")


def run_fresh(outcomes: Sequence[Outcome], planner: Planner | None, args: argparse.Namespace, excluded: Sequence[str],
              package: str, progress: Progress) -> None:
    """Mutants in import-time code: a fresh import per mutant. First the tests in the two
    files likeliest to kill it (collecting is the cost here), then, if it survived, the rest."""
    by_name: dict[str, tuple[Outcome, list[str]]] = {}

    def job(o: Outcome, tests: Sequence[str] | None, rest: list[str], stage: int) -> Job:
        t = o.target
        name = f"{o.ident.replace(':', '-')}-{stage}"
        by_name[name] = (o, rest)
        if tests is None:  # --only: every mapped test, pytest's order
            run = FreshRun(test_files(t.tests), None, excluded, package, mutant=(t.module, t.abspath, o.mutant.compiled))
            return Job(name, 1800, run)
        assert planner is not None
        files = sorted({_file(n) for n in tests})
        run = FreshRun(files, tests, excluded, package, mutant=(t.module, t.abspath, o.mutant.compiled))
        return Job(name, 3 * planner.estimate(tests, fresh=True) + 15, run)

    def make(o: Outcome) -> Job | None:
        if planner is None:
            return job(o, None, [], 1)
        tests = planner.ranked(o.target, planner.reaching(o))
        if not tests:
            o.status = "no coverage"
            progress.add(o.status)
            return None
        o.tests_run = len(tests)
        first = planner.first_files(o.target, tests)
        head = [n for n in tests if _file(n) in first]
        rest = [n for n in tests if _file(n) not in first]
        return job(o, head, rest, 1)

    queue = Queue(make, outcomes)

    def on_done(j: Job) -> None:
        o, rest = by_name.pop(j.name)
        _settle(o, j.result)
        if o.status == "survived" and rest:
            assert planner is not None
            queue.push_front(job(o, planner.ranked(o.target, rest), [], 2))
            return
        if o.status == "killed" and planner is not None and o.first_failure:
            planner.kills[(o.target.path, o.first_failure.split(" (", 1)[0])] += 1
        progress.add(o.status)

    run_jobs(queue, workers=args.workers, child=fresh_child, on_done=on_done, log_dir=args.logs)


def run_swapped(outcomes: Sequence[Outcome], planner: Planner, args: argparse.Namespace, excluded: Sequence[str],
                progress: Progress) -> None:
    """Mutants inside functions: one session server collects the tests once (in a child, so
    this process never imports the package), and forks a child per mutant that swaps the
    function's code. Results come back over a pipe, one JSON line each."""
    if not outcomes:
        return
    files = sorted({_file(n) for o in outcomes for n in planner.mapped(o.target)})
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        rc = 70
        try:
            rc = _serve(outcomes, planner, args, excluded, files, os.fdopen(write_end, "w", buffering=1))
        finally:
            os._exit(rc)
    os.close(write_end)
    by_ident = {o.ident: o for o in outcomes}
    try:
        with os.fdopen(read_end) as lines:
            for line in lines:
                msg = json.loads(line)
                o = by_ident[msg["id"]]
                if msg.get("status") == "no coverage":
                    o.status = "no coverage"
                else:
                    o.tests_run = msg["tests"]
                    _settle(o, msg["result"])
                    if o.status == "killed" and o.first_failure:
                        planner.kills[(o.target.path, o.first_failure.split(" (", 1)[0])] += 1
                progress.add(o.status)
    except BaseException:
        os.kill(pid, signal.SIGTERM)  # the server kills its children on the way out
        raise
    finally:
        _, status = os.waitpid(pid, 0)
    missing = [o for o in outcomes if o.status == "pending"]
    if missing:
        raise SystemExit(f"the session server stopped (status {status}) before {len(missing)} mutants were run; "
                         "rerun with --logs DIR to see why")


def _serve(outcomes: Sequence[Outcome], planner: Planner, args: argparse.Namespace, excluded: Sequence[str],
           files: Sequence[str], pipe: Any) -> int:
    def serve(server: SessionServer) -> None:
        def make(o: Outcome) -> Job | None:
            tests = planner.ranked(o.target, planner.reaching(o))
            if not tests:
                pipe.write(json.dumps({"id": o.ident, "status": "no coverage"}) + "\n")
                return None
            assert o.mutant.function is not None
            o.tests_run = len(tests)
            run = SwapRun(o.target.module, o.mutant.function, o.mutant.compiled, tests)
            return Job(o.ident.replace(":", "-"), 3 * planner.estimate(tests, fresh=False) + 10, run)

        by_name = {o.ident.replace(":", "-"): o for o in outcomes}

        def on_done(j: Job) -> None:
            o = by_name[j.name]
            ff = j.result.get("first_failure")
            if j.result["status"] == "failed" and ff:
                planner.kills[(o.target.path, ff.split(" (", 1)[0])] += 1
            pipe.write(json.dumps({"id": o.ident, "tests": o.tests_run, "result": j.result}) + "\n")

        run_jobs(Queue(make, outcomes), workers=args.workers, child=server.swap_child, on_done=on_done,
                 log_dir=args.logs)

    serve_session(files, excluded, serve)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tools.mutation", description=__doc__)
    ap.add_argument("modules", nargs="*", help="target modules (tokens, live/guard, jcasc_gen/lint_rules.py...); default: all")
    ap.add_argument("-j", "--workers", type=int, default=os.cpu_count() or 2, help="children at a time (default: cores)")
    ap.add_argument("--list", action="store_true", help="print the mutants with their ids and stop")
    ap.add_argument("--only", default="", help="comma-separated mutant ids (tokens:12,lint_rules:40) to run alone, "
                                               "without the baseline: each runs every mapped test")
    ap.add_argument("--json", metavar="FILE", help="write every mutant's outcome to FILE")
    ap.add_argument("--logs", metavar="DIR", help="keep each child's pytest output in DIR")
    ap.add_argument("--min-score", type=float, default=None, help="exit 1 when a module scores below this percentage")
    ap.add_argument("--rescore", metavar="JSON", help="print the report of an earlier run's --json output again, "
                                                     "with tools/mutation/equivalent.toml as it is now")
    ap.add_argument("--record", metavar="ID", help="append mutant ID to tools/mutation/equivalent.toml (with --why) and stop")
    ap.add_argument("--why", default="", help="with --record: why no input can tell the mutant from the original")
    args = ap.parse_args(argv)
    os.chdir(REPO)
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))

    config = load_config(HERE / "targets.toml")
    package, excluded = config.package, config.exclude
    targets = _select(config.targets, args.modules)
    outcomes: list[Outcome] = []
    for t in targets:
        t.mutants = mutants(t.path, (REPO / t.path).read_text(encoding="utf-8"), only=t.only, filename=t.abspath)
        outcomes += [Outcome(m, t) for m in t.mutants]
    stale = match_equivalents(outcomes, load_equivalents(HERE / "equivalent.toml"))
    if args.rescore:
        return rescore(Path(args.rescore), targets)
    if args.record:
        hit = [o for o in outcomes if o.ident == args.record]
        if not hit or not args.why.strip():
            raise SystemExit("--record needs a mutant id from --list and --why saying why it is equivalent")
        if hit[0].status == "equivalent":
            raise SystemExit(f"{args.record} is already listed as equivalent")
        record_equivalent(HERE / "equivalent.toml", hit[0], args.why.strip())
        print(f"recorded {args.record}: {hit[0].mutant.path}:{hit[0].mutant.line}: {hit[0].mutant.description}")
        return 0
    if args.only:
        wanted = {s.strip() for s in args.only.split(",") if s.strip()}
        unknown = wanted - {o.ident for o in outcomes}
        if unknown:
            raise SystemExit(f"unknown mutant ids: {', '.join(sorted(unknown))} (see --list)")
        outcomes = [o for o in outcomes if o.ident in wanted]
        stale = []
    if args.list:
        for o in outcomes:
            mark = "  (equivalent)" if o.status == "equivalent" else ""
            print(f"{o.ident:<16} {o.mutant.path}:{o.mutant.line}: {o.mutant.description} [{o.mutant.operator}]{mark}")
        return 0
    if args.logs:
        os.makedirs(args.logs, exist_ok=True)

    started = time.monotonic()
    # a kill (timeout, Ctrl-C) unwinds through run_jobs, which kills the children it started
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))
    preload(package, config.preload)
    todo = [o for o in outcomes if o.status == "pending"]
    baseline_seconds = 0.0
    if args.only:
        progress = Progress(len(todo), started)
        run_fresh(todo, None, args, excluded, package, progress)
    else:
        files = sorted({f for t in targets for f in test_files(t.tests)})
        print(f"baseline: {len(files)} test files, {args.workers} workers, tracing {len(targets)} modules ...",
              file=sys.stderr, flush=True)
        baseline = run_baseline(files, targets, args.workers, excluded, package, args.logs)
        baseline_seconds = baseline.seconds
        print(f"baseline: {len(baseline.durations)} tests in {_fmt_seconds(baseline.seconds)}"
              + (f"; failing, left out: {', '.join(sorted(baseline.failed))}" if baseline.failed else ""),
              file=sys.stderr, flush=True)
        planner = Planner(baseline)
        progress = Progress(len(todo), started)
        fresh = [o for o in todo if o.mutant.function is None]
        swapped = [o for o in todo if o.mutant.function is not None]
        # swapped first: the session server is a child, so this process still has not imported
        # the package when the fresh children fork; and kills learned there order the fresh runs
        run_swapped(swapped, planner, args, excluded, progress)
        run_fresh(fresh, planner, args, excluded, package, progress)
    total = time.monotonic() - started
    print(f"\nmutation run: {len(targets)} modules, {len(outcomes)} mutants, {args.workers} workers, "
          f"baseline {_fmt_seconds(baseline_seconds)}, total {_fmt_seconds(total)}; "
          f"load average at the end {os.getloadavg()[0]:.1f}")
    scores = report(outcomes, targets, stale)
    if args.json:
        Path(args.json).write_text(json.dumps([{
            "id": o.ident, "file": o.mutant.path, "line": o.mutant.line, "operator": o.mutant.operator,
            "mutation": o.mutant.description, "code": o.mutant.code, "status": o.status, "why": o.why,
            "killed_by": o.first_failure, "tests": o.tests_run, "seconds": round(o.seconds, 2),
        } for o in outcomes], indent=1) + "\n", encoding="utf-8")
    if args.min_score is not None and any(s < args.min_score for s in scores.values()):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Running pytest against mutants in forked children, a few at a time, each with a timeout.

Two ways to put a mutant in place:
- fresh: the child (forked from a process that imported pytest and the third-party
  libraries but never the package under test) puts a finder at the front of
  `sys.meta_path` that serves the mutant's code for the target module, then runs
  `pytest.main` on the chosen tests. Everything is imported and collected afresh, exactly as
  in a real run. Needed for a mutant in code that runs at import (tables, class bodies,
  default values), whose effects spread into whatever imported it.
- swap: a session server collects the tests once; each child forked from it replaces the
  `__code__` of the one function (or method) that holds the mutant and runs the chosen
  items. No import or collection per mutant: most mutants cost a fork and their tests.
The baseline is a fresh run of every mapped test that records, per test, the lines of the
target files it executes and how long it takes.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import inspect
import json
import os
import signal
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from types import CodeType, FrameType, ModuleType
from typing import Any, Callable, Iterable, Sequence

# Imported before any fork, so children start with them loaded. Never the package under
# test: a fresh child must import it (and everything that imports it) itself.
PRELOAD = (
    "pytest", "_pytest.python", "_pytest.assertion.rewrite", "_pytest.runner", "hypothesis",
    "hypothesis.strategies", "jinja2", "yaml", "jsonschema", "requests", "urllib3", "jwt", "jwt.algorithms",
    "cryptography.hazmat.primitives.asymmetric.ec", "cryptography.hazmat.primitives.asymmetric.rsa",
    "cryptography.hazmat.primitives.serialization", "jenkins", "http.server", "socketserver", "difflib",
    "xml.etree.ElementTree", "email.utils", "ipaddress", "uuid", "hashlib", "secrets",
)

PYTEST_ARGS = ("-q", "-p", "no:cacheprovider", "--no-header", "--tb=short", "-o", "addopts=")


def preload(package: str, extra: Sequence[str] = ()) -> None:
    """Import what every child needs, once, before the first fork. `extra` names modules of
    the repository that do not import the package (the Jenkins simulator)."""
    # Children compile every module they import afresh when no bytecode is cached (and this
    # environment sets PYTHONDONTWRITEBYTECODE): cache it, outside the repository.
    sys.dont_write_bytecode = False
    sys.pycache_prefix = os.path.join(tempfile.gettempdir(), f"jcasc-gen-mutation-pycache-{os.getuid()}")
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    for name in extra:
        importlib.import_module(name)
    _hypothesis_profile()
    leaked = [m for m in sys.modules if m == package or m.startswith(package + ".")]
    if leaked:
        raise RuntimeError(f"preloading imported the package under test, which each child must import itself: {leaked[:3]}")


def _hypothesis_profile() -> None:
    """Reproducible runs: derandomized, no example database, no deadlines or health checks
    (a mutant that is merely slow under load must not count as killed)."""
    from hypothesis import HealthCheck, settings

    settings.register_profile("mutation", derandomize=True, database=None, deadline=None,
                              suppress_health_check=list(HealthCheck), print_blob=False)
    settings.load_profile("mutation")


# --- processes ---------------------------------------------------------------------------


@dataclass
class Job:
    name: str
    timeout: float
    payload: Any
    result: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Running:
    job: Job
    pid: int
    started: float
    result_path: str
    log_path: str


def run_jobs(take: Callable[[], Job | None], *, workers: int, child: Callable[[Job], dict[str, Any]],
             on_done: Callable[[Job], None], log_dir: str | None = None) -> None:
    """Fork a child per job, `workers` at a time, until `take()` has nothing left and every
    child is done. `child(job)` runs in the child with stdout/stderr sent to a log; its dict
    (plus status: passed / failed / timeout / error, and seconds) becomes `job.result`.
    `on_done` runs in this process as each job ends, before `take()` is asked again."""
    tmp = tempfile.mkdtemp(prefix="mutation-")
    running: dict[int, _Running] = {}
    try:
        while True:
            while len(running) < workers:
                job = take()
                if job is None:
                    break
                result_path = os.path.join(tmp, f"{job.name}.json")
                log_path = os.path.join(log_dir or tmp, f"{job.name}.log")
                sys.stdout.flush()
                sys.stderr.flush()
                pid = os.fork()
                if pid == 0:
                    _in_child(job, child, result_path, log_path)
                running[pid] = _Running(job, pid, time.monotonic(), result_path, log_path)
            if not running:
                break  # take() had nothing, and nothing running can queue more
            pid, _ = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                now = time.monotonic()
                for r in list(running.values()):
                    if now - r.started > r.job.timeout:
                        _kill_group(r.pid)
                        os.waitpid(r.pid, 0)
                        del running[r.pid]
                        _finish(r, "timeout", now, log_dir, on_done)
                time.sleep(0.01)
            elif pid in running:
                _finish(running.pop(pid), None, time.monotonic(), log_dir, on_done)
    finally:
        for r in running.values():
            _kill_group(r.pid)
        for name in os.listdir(tmp):
            os.unlink(os.path.join(tmp, name))
        os.rmdir(tmp)


class Queue:
    """A job source for run_jobs: `take` pops the front, `push_front` queues a follow-up first."""

    def __init__(self, make: Callable[[Any], Job | None], items: Iterable[Any]):
        self.make = make
        self.items = list(items)
        self.front: list[Job] = []

    def __call__(self) -> Job | None:
        if self.front:
            return self.front.pop(0)
        while self.items:
            job = self.make(self.items.pop(0))
            if job is not None:
                return job
        return None

    def push_front(self, job: Job) -> None:
        self.front.insert(0, job)


def _in_child(job: Job, child: Callable[[Job], dict[str, Any]], result_path: str, log_path: str) -> None:
    os.setpgrp()  # so a timeout kills whatever the tests started too
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(log, 1)
    os.dup2(log, 2)
    result: dict[str, Any] = {"rc": 70}
    try:
        result.update(child(job))
    except BaseException as exc:  # noqa: BLE001 - whatever happens, the parent needs an answer
        import traceback

        traceback.print_exc()
        result["error"] = repr(exc)
    finally:
        try:
            with open(result_path, "w", encoding="utf-8") as fh:
                json.dump(result, fh)
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(0)


def _kill_group(pid: int) -> None:
    for target in (-pid, pid):
        try:
            os.kill(target, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def _finish(r: _Running, forced: str | None, now: float, log_dir: str | None,
            on_done: Callable[[Job], None]) -> None:
    _kill_group(r.pid)  # anything the tests left running in the child's group
    result: dict[str, Any] = {}
    if forced is None:
        try:
            with open(r.result_path, encoding="utf-8") as fh:
                result = json.load(fh)
        except (OSError, ValueError):
            result = {"error": "the child died without an answer", "rc": 70}
    rc = result.get("rc")
    if forced:
        status = forced
    elif "error" in result or rc not in (0, 1, 2):
        status = "error"  # 0 all passed, 1 a test failed, 2 interrupted (a collection error: a failure)
    else:
        status = "passed" if rc == 0 else "failed"
    result["status"] = status
    result["seconds"] = round(now - r.started, 2)
    if log_dir is not None:
        result["log"] = r.log_path
    elif os.path.exists(r.log_path):
        if status == "error":
            with open(r.log_path, encoding="utf-8", errors="replace") as fh:
                result["log_tail"] = fh.read()[-3000:]
        os.unlink(r.log_path)
    r.job.result = result
    on_done(r.job)


# --- fresh children: pytest.main in a process that has not imported the package ----------


@dataclass
class FreshRun:
    files: Sequence[str]
    order: Sequence[str] | None  # node ids to run, in this order; None: everything collected
    excluded: Sequence[str]
    package: str
    mutant: tuple[str, str, CodeType] | None = None  # (module name, file path, code)
    trace: Sequence[str] = ()  # baseline: record the lines of these files each test runs
    stop_at_first_failure: bool = True


class _MutantFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serves `code` for module `name`; every other import goes on as usual."""

    def __init__(self, name: str, path: str, code: CodeType):
        self.name, self.path, self.code = name, path, code

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != self.name:
            return None
        return importlib.util.spec_from_file_location(fullname, self.path, loader=self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        exec(self.code, module.__dict__)


class _Selection:
    """pytest plugin: keep only the chosen tests, in the chosen order; note the first failure."""

    def __init__(self, order: Sequence[str] | None, excluded: Sequence[str]):
        self.order = list(order) if order is not None else None
        self.excluded = tuple(excluded)
        self.first_failure: str | None = None

    def pytest_collection_modifyitems(self, session: Any, config: Any, items: list[Any]) -> None:
        keep = [i for i in items if not i.nodeid.startswith(self.excluded)] if self.excluded else list(items)
        if self.order is not None:
            rank = {nodeid: n for n, nodeid in enumerate(self.order)}
            keep = sorted((i for i in keep if i.nodeid in rank), key=lambda i: rank[i.nodeid])
        kept = set(keep)
        dropped = [i for i in items if i not in kept]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
        items[:] = keep

    def pytest_runtest_logreport(self, report: Any) -> None:
        if report.failed and self.first_failure is None:
            self.first_failure = report.nodeid + ("" if report.when == "call" else f" ({report.when})")

    def pytest_collectreport(self, report: Any) -> None:
        if report.failed and self.first_failure is None:
            self.first_failure = f"collecting {report.nodeid}"


class _Coverage(_Selection):
    """pytest plugin for the baseline: which lines of the target files each test runs, and
    how long it takes. Lines run outside any test (imports, collection) are filed under None."""

    def __init__(self, targets: Iterable[str], excluded: Sequence[str], package: str):
        super().__init__(None, excluded)
        self.targets = frozenset(targets)
        self.package = package
        self.current: str | None = None
        self.started = 0.0
        self.lines: dict[str | None, dict[str, set[int]]] = {}
        self.durations: dict[str, float] = {}
        self.failed: set[str] = set()

    def pytest_configure(self, config: Any) -> None:
        threading.settrace(self._global)  # the simulator runs product code in its server threads
        sys.settrace(self._global)

    def pytest_unconfigure(self, config: Any) -> None:
        sys.settrace(None)
        threading.settrace(None)  # type: ignore[arg-type,unused-ignore]

    def _global(self, frame: FrameType, event: str, arg: Any) -> Callable[..., Any] | None:
        if frame.f_code.co_filename in self.targets:
            return self._local
        return None

    def _local(self, frame: FrameType, event: str, arg: Any) -> Callable[..., Any] | None:
        if event == "line":
            self.lines.setdefault(self.current, {}).setdefault(frame.f_code.co_filename, set()).add(frame.f_lineno)
        return self._local

    def pytest_runtest_protocol(self, item: Any, nextitem: Any) -> None:
        clear_caches(self.package)
        self.current = item.nodeid
        self.started = time.perf_counter()

    def pytest_runtest_logfinish(self, nodeid: str, location: Any) -> None:
        self.durations[nodeid] = time.perf_counter() - self.started
        self.current = None

    def pytest_runtest_logreport(self, report: Any) -> None:
        super().pytest_runtest_logreport(report)
        if report.failed:
            self.failed.add(report.nodeid)


def clear_caches(package: str) -> None:
    """Empty every functools cache of the package: a cache hit runs no line, so without this
    only the first caller of a cached function would be seen depending on it, and a swapped
    function's cached answers would outlive it."""
    for name, module in list(sys.modules.items()):
        if module is not None and (name == package or name.startswith(package + ".")):
            for value in list(vars(module).values()):
                clear = getattr(value, "cache_clear", None)
                if callable(clear) and not isinstance(value, type):
                    clear()


def fresh_child(job: Job) -> dict[str, Any]:
    import pytest

    run: FreshRun = job.payload
    if run.mutant is not None:
        name, path, code = run.mutant
        sys.meta_path.insert(0, _MutantFinder(name, path, code))
    plugin = _Coverage(run.trace, run.excluded, run.package) if run.trace else _Selection(run.order, run.excluded)
    args = [*PYTEST_ARGS, *(["-x"] if run.stop_at_first_failure else []), *run.files]
    out: dict[str, Any] = {"rc": int(pytest.main(args, plugins=[plugin])), "first_failure": plugin.first_failure}
    if isinstance(plugin, _Coverage):
        out["durations"] = plugin.durations
        out["failed"] = sorted(plugin.failed)
        out["lines"] = {str(test): {f: sorted(v) for f, v in files.items()} for test, files in plugin.lines.items()}
    return out


# --- swap children: one collected session, a function's code replaced per mutant ---------


@dataclass
class SwapRun:
    module: str
    function: str  # qualified name: `f` or `Class.method`
    code: CodeType  # the mutated module's code; the function's code is found in it
    order: Sequence[str]


def function_code(module_code: CodeType, qualname: str) -> CodeType | None:
    """The code object of `qualname` inside a compiled module."""
    stack = [module_code]
    while stack:
        code = stack.pop()
        for const in code.co_consts:
            if isinstance(const, CodeType):
                if const.co_qualname == qualname:
                    return const
                if "<locals>" not in const.co_qualname:
                    stack.append(const)
    return None


def live_function(module: ModuleType, qualname: str) -> Any:
    """The function object the running program calls for `qualname` (through properties,
    static/class methods and functools wrappers such as lru_cache)."""
    obj: Any = module
    for part in qualname.split("."):
        obj = vars(obj)[part]
        if isinstance(obj, property):
            obj = obj.fget
        elif isinstance(obj, (staticmethod, classmethod)):
            obj = obj.__func__
    return inspect.unwrap(obj)


class SessionServer:
    """pytest plugin: collect once, then serve mutants instead of running the test loop."""

    def __init__(self, serve: Callable[["SessionServer"], None]):
        self.serve = serve
        self.items: dict[str, Any] = {}
        self.session: Any = None
        self.first_failure: str | None = None

    def pytest_collection_modifyitems(self, session: Any, config: Any, items: list[Any]) -> None:
        self.items = {i.nodeid: i for i in items}

    def pytest_runtestloop(self, session: Any) -> bool:
        self.session = session
        self.serve(self)
        return True

    def pytest_runtest_logreport(self, report: Any) -> None:
        if report.failed and self.first_failure is None:
            self.first_failure = report.nodeid + ("" if report.when == "call" else f" ({report.when})")

    def swap_child(self, job: Job) -> dict[str, Any]:
        run: SwapRun = job.payload
        new = function_code(run.code, run.function)
        if new is None:
            raise RuntimeError(f"no code for {run.function} in the mutated module")
        live_function(sys.modules[run.module], run.function).__code__ = new
        clear_caches(run.module.split(".", 1)[0])
        items = [self.items[n] for n in run.order if n in self.items]
        for i, item in enumerate(items):
            nextitem = items[i + 1] if i + 1 < len(items) else None
            item.ihook.pytest_runtest_protocol(item=item, nextitem=nextitem)
            if self.first_failure is not None:
                return {"rc": 1, "first_failure": self.first_failure}
        return {"rc": 0 if items else 5, "first_failure": None}


def serve_session(files: Sequence[str], excluded: Sequence[str], serve: Callable[[SessionServer], None]) -> int:
    """Collect `files` in this process (stdout to /dev/null: pytest's own report is noise
    here) and call `serve(server)` in place of the test loop."""
    import pytest

    server = SessionServer(serve)
    selection = _Selection(None, excluded)
    saved = os.dup(1)
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    try:
        return int(pytest.main(["-p", "no:cacheprovider", "-o", "addopts=", "-s", "-p", "no:terminal", *files],
                               plugins=[selection, server]))
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)

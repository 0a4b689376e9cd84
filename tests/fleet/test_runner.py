"""The fleet runner on its own: the concurrency bound, fail-fast, one controller's failure or
crash contained, whole prefixed lines, the worst exit code."""

from __future__ import annotations

import io
import threading
import time
from typing import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jcasc_gen.runner import Outcome, Printer, Reporter, run_tasks, summary_table, worst


class Counter:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now = 0
        self.peak = 0
        self.started: list[str] = []

    def task(self, name: str, code: int = 0, hold: float = 0.02) -> Callable[[Reporter], Outcome]:
        def run(r: Reporter) -> Outcome:
            with self.lock:
                self.now += 1
                self.peak = max(self.peak, self.now)
                self.started.append(name)
            r.line("started")
            time.sleep(hold)
            with self.lock:
                self.now -= 1
            return Outcome(name, code, "ok" if code == 0 else "failed")
        return run


def printer() -> tuple[Printer, io.StringIO, io.StringIO]:
    out, err = io.StringIO(), io.StringIO()
    return Printer(out, err), out, err


@pytest.mark.parametrize("parallel", [1, 2, 3, 8])
def test_no_more_than_parallel_tasks_run_at_once_and_all_run(parallel: int) -> None:
    c = Counter()
    p, _, _ = printer()
    tasks = [(f"c{i}", c.task(f"c{i}")) for i in range(7)]
    run = run_tasks(tasks, parallel=parallel, printer=p)
    assert [o.controller for o in run.outcomes] == [f"c{i}" for i in range(7)]
    assert all(o.exit_code == 0 for o in run.outcomes) and sorted(c.started) == sorted(n for n, _ in tasks)
    assert c.peak <= parallel
    if parallel == 1:
        assert c.started == [n for n, _ in tasks]  # one at a time, in the order given


def test_a_failure_does_not_stop_the_others_and_the_worst_code_wins() -> None:
    c = Counter()
    p, _, _ = printer()
    run = run_tasks([("a", c.task("a", 4)), ("b", c.task("b", 0)), ("c", c.task("c", 1))], parallel=1, printer=p)
    assert [o.exit_code for o in run.outcomes] == [4, 0, 1] and run.exit_code == 4


def test_fail_fast_starts_nothing_after_a_failure_and_lets_running_ones_finish() -> None:
    c = Counter()
    p, _, _ = printer()
    release = threading.Event()

    def slow(r: Reporter) -> Outcome:
        release.wait(5)  # still running when "bad" fails
        return Outcome("slow", 0, "ok")

    def bad(r: Reporter) -> Outcome:
        try:
            return Outcome("bad", 4, "rolled back")
        finally:
            threading.Timer(0.1, release.set).start()

    tasks = [("slow", slow), ("bad", bad), ("later1", c.task("later1")), ("later2", c.task("later2"))]
    run = run_tasks(tasks, parallel=2, printer=p, fail_fast=True)
    assert [(o.controller, o.exit_code, o.result) for o in run.outcomes] == [
        ("slow", 0, "ok"), ("bad", 4, "rolled back"), ("later1", None, "skipped"), ("later2", None, "skipped")]
    assert c.started == [] and run.exit_code == 4


def test_what_counts_as_a_failure_is_the_callers() -> None:
    c = Counter()
    p, _, _ = printer()
    tasks = [("a", c.task("a", 1)), ("b", c.task("b", 0))]
    # plan: 1 means "changes", not a failure
    run = run_tasks(tasks, parallel=1, printer=p, fail_fast=True, failed=lambda o: (o.exit_code or 0) >= 2)
    assert [o.exit_code for o in run.outcomes] == [1, 0]


def test_a_task_that_raises_is_contained() -> None:
    c = Counter()
    p, _, err = printer()

    def boom(r: Reporter) -> Outcome:
        raise RuntimeError("bug")

    run = run_tasks([("x", boom), ("y", c.task("y"))], parallel=2, printer=p)
    assert [(o.controller, o.exit_code, o.result) for o in run.outcomes] == [("x", 5, "crashed"), ("y", 0, "ok")]
    assert "x: error: unexpected RuntimeError: bug\n" in err.getvalue()


@settings(max_examples=20, deadline=None)
@given(st.lists(st.text(alphabet="ab \n", min_size=0, max_size=40), min_size=1, max_size=6))
def test_lines_of_concurrent_controllers_never_mix(texts: list[str]) -> None:
    p, out, err = printer()

    def talker(name: str) -> Callable[[Reporter], Outcome]:
        def run(r: Reporter) -> Outcome:
            for _ in range(20):
                for t in texts:
                    r.line(name * 50 + t)
            r.block([name * 30] * 3)
            return Outcome(name, 0, "ok")
        return run

    names = ["p", "q", "r", "s"]
    run_tasks([(n, talker(n)) for n in names], parallel=4, printer=p)
    for line in err.getvalue().splitlines():
        name, _, rest = line.partition(":")
        rest = rest[1:]  # an empty line is the bare prefix, without its space
        assert name in names and (rest.startswith(name * 50) or set(rest) <= set("ab "))
    blocks = out.getvalue().splitlines()
    assert len(blocks) == 12
    for i in range(0, 12, 3):  # a controller's report comes out as one piece
        assert len({line for line in blocks[i:i + 3]}) == 1


def test_worst_and_the_summary_table() -> None:
    assert worst([0, 1, None, 3]) == 3 and worst([None]) == 0 and worst([5, 4]) == 5
    table = summary_table([Outcome("prod", 0, "applied", 3), Outcome("staging-eu", 4, "rolled back", 2), Outcome("dev", None, "skipped")])
    assert table == [
        "CONTROLLER  RESULT       EXIT  CHANGES",
        "prod        applied      0     3",
        "staging-eu  rolled back  4     2",
        "dev         skipped      -     -",
    ]


@pytest.mark.parametrize("a, b, same", [
    ("http://jenkins:8080/", "http://jenkins:8080", True),
    ("http://Jenkins:8080/", "http://jenkins:8080/", True),
    ("http://jenkins/", "http://jenkins:80/", True),
    ("https://jenkins/", "https://jenkins:443", True),
    ("http://jenkins:8080/", "http://jenkins:8081/", False),
    ("http://jenkins:8080/a/", "http://jenkins:8080/b/", False),
    ("http://jenkins/", "https://jenkins/", False),
])
def test_two_urls_are_the_same_jenkins_when_only_their_spelling_differs(a: str, b: str, same: bool) -> None:
    from jcasc_gen.commands._fleet_live import _address

    assert (_address(a) == _address(b)) is same

"""Run one command on several controllers: at most `parallel` at a time, each controller's lines
prefixed with its name, a summary table at the end, and the worst exit code for the run.

The runner knows nothing about Jenkins: a task is a function of a `Reporter` that returns an
`Outcome`. One failing task never stops the others; with `fail_fast` no new task starts after
a failure, and the ones running finish (an apply that fails rolls back on its own).

Printing goes through one lock, line by line, so lines of different controllers never mix
within a line, and a task's final report (`Reporter.block`) comes out as one piece.
"""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Sequence, TextIO

__all__ = ["Outcome", "Reporter", "Printer", "Run", "run_tasks", "worst", "summary_rows", "summary_table", "SKIPPED"]

SKIPPED = "skipped"


@dataclass(frozen=True)
class Outcome:
    """What one controller's command came to."""

    controller: str
    exit_code: int | None  # None: never started (fail-fast)
    result: str  # a word or two for the summary: "applied", "rolled back", "no changes", ...
    changes: int | None = None  # what was (or would be) changed; None where it does not apply
    document: dict[str, Any] = field(default_factory=dict)  # the command's JSON document for this controller
    checks: tuple[Any, ...] = ()  # verification checks (live.verify.CheckResult), for JUnit
    error: str | None = None  # why it stopped, when it did
    seconds: float | None = None  # how long it ran (the runner measures it)

    @property
    def ran(self) -> bool:
        return self.exit_code is not None


def worst(codes: Sequence[int | None]) -> int:
    """The run's exit code: the highest of the controllers' (0 when none ran).

    The exit codes are ordered by how much a person must do about the controller, so the
    highest is the worst: 5 (failed and not rolled back: its state needs a human), 4 (failed and
    rolled back), 3 (not reached, or credentials refused), 2 (refused before anything was
    touched, or invalid input), 1 (differences, or a verification failed), 0."""
    ran = [c for c in codes if c is not None]
    return max(ran) if ran else 0


class Printer:
    """Serialises output of concurrent controllers: each line whole, prefixed with its name."""

    def __init__(self, out: TextIO | None = None, err: TextIO | None = None, scrub: Callable[[str], str] | None = None) -> None:
        self._lock = threading.Lock()
        self._out = out
        self._err = err
        self._scrub = scrub or (lambda s: s)

    def write(self, prefix: str, lines: Sequence[str], *, stream: str = "err") -> None:
        target = (self._out or sys.stdout) if stream == "out" else (self._err or sys.stderr)
        text = "".join(f"{prefix}{line}".rstrip() + "\n" if not line else f"{prefix}{line}\n"
                       for chunk in lines for line in self._scrub(chunk).split("\n"))
        with self._lock:
            target.write(text)
            target.flush()


class Reporter:
    """One controller's voice: progress lines to stderr, its report to stdout, each prefixed."""

    def __init__(self, controller: str, printer: Printer) -> None:
        self.controller = controller
        self._printer = printer
        self._prefix = f"{controller}: "

    def line(self, text: str) -> None:
        """A progress or error line (stderr), as it happens."""
        self._printer.write(self._prefix, [text])

    def block(self, lines: Sequence[str]) -> None:
        """The controller's report (stdout), all its lines together."""
        if lines:
            self._printer.write(self._prefix, [line.rstrip("\n") for line in lines], stream="out")


Task = Callable[[Reporter], Outcome]


@dataclass(frozen=True)
class Run:
    outcomes: list[Outcome]  # in the order of the tasks; those never started are SKIPPED
    interrupted: bool  # Ctrl-C: no task started after it, the running ones finished

    @property
    def exit_code(self) -> int:
        return 130 if self.interrupted else worst([o.exit_code for o in self.outcomes])


def run_tasks(tasks: Sequence[tuple[str, Task]], *, parallel: int, printer: Printer, fail_fast: bool = False,
              failed: Callable[[Outcome], bool] = lambda o: bool(o.exit_code)) -> Run:
    """Run every task, at most `parallel` at once, in the order given.

    `failed` decides what counts as a failure for `fail_fast` (after one, no task starts; the
    running ones finish). A task that raises is a bug: its controller gets the `crashed` outcome
    and the others go on."""
    if parallel < 1:
        raise ValueError("parallel must be at least 1")
    outcomes: list[Outcome | None] = [None] * len(tasks)
    stop = threading.Event()
    lock = threading.Lock()
    pending = list(range(len(tasks)))
    pending.reverse()

    def next_index() -> int | None:
        with lock:
            if stop.is_set() or not pending:
                return None
            return pending.pop()

    def worker() -> None:
        while (i := next_index()) is not None:
            name, task = tasks[i]
            reporter = Reporter(name, printer)
            start = time.perf_counter()
            try:
                outcome = task(reporter)
            except Exception as exc:  # a bug in one controller's task must not take the others down
                reporter.line(f"error: unexpected {type(exc).__name__}: {exc}")
                outcome = crashed(name, exc)
            outcome = replace(outcome, seconds=time.perf_counter() - start)
            outcomes[i] = outcome
            if fail_fast and failed(outcome):
                stop.set()

    threads = [threading.Thread(target=worker, name=f"jcasc-gen-{n}", daemon=True) for n in range(min(parallel, len(tasks)))]
    for t in threads:
        t.start()
    interrupted = False
    for t in threads:
        while t.is_alive():
            try:
                t.join(0.2)
            except KeyboardInterrupt:
                # Stop starting controllers; the running ones finish (an apply rolls back on failure).
                if not interrupted:
                    interrupted = True
                    stop.set()
                    printer.write("", ["interrupted: no further controller starts; waiting for the running ones"])
    return Run([o if o is not None else Outcome(tasks[i][0], None, SKIPPED) for i, o in enumerate(outcomes)], interrupted)


def crashed(controller: str, exc: BaseException) -> Outcome:
    return Outcome(controller, 5, "crashed", error=f"unexpected {type(exc).__name__}: {exc}")


def summary_rows(outcomes: Sequence[Outcome]) -> list[dict[str, Any]]:
    return [{"controller": o.controller, "result": o.result, "exit_code": o.exit_code, "changes": o.changes,
             "seconds": None if o.seconds is None else round(o.seconds, 3)} for o in outcomes]


def summary_table(outcomes: Sequence[Outcome], label: str = "CHANGES",
                  column: Callable[[Outcome], int | None] = lambda o: o.changes) -> list[str]:
    """The summary as text: controller, result, exit code, and `column` (changes by default)."""
    rows = [["CONTROLLER", "RESULT", "EXIT", label]]
    for o in outcomes:
        value = column(o)
        rows.append([o.controller, o.result, "-" if o.exit_code is None else str(o.exit_code),
                     "-" if value is None else str(value)])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]

"""One clock for a run: a deadline, a cancellation flag, and child budgets for its phases.

A `Budget` is made once, where the user's time limit enters (a backend's `solve`, the re-plan,
the calendar, the hire advice), and handed down. A phase gets a child: a share of what is left
(`share`) or a number of seconds (`child`), never past the parent's deadline. Every child
shares its root's cancellation flag, so `cancel()` anywhere stops the whole run: searches
ask `expired()` between rounds, CP-SAT is stopped through `stop_cpsat`, HiGHS through the
`SolveInterrupter` of `interrupter`, and a caller in another thread or process sets the flag
(`cancel_when` polls a predicate such as "is the job still active"). HiGHS through MathOpt
(OR-Tools 9.15) does not look at its interrupter during a MIP search, only at its time limit:
a cancelled budget gives a later HiGHS solve no time, but one already searching runs to its
own phase's limit.

Overrun policy (`OVERRUN_SECONDS`): a phase that must run to give any answer at all (CP-SAT
taking up its start, a thread being stopped) may run at most 0.5 s past the deadline
(`late`); nothing else goes past it. The one exception is `rescue`: a run that holds no valid
plan yet may take longer to get one (a late plan beats none); it says so in the log.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ortools.sat.python import cp_model
    from ortools.util.python.solve_interrupter import SolveInterrupter

log = logging.getLogger(__name__)

OVERRUN_SECONDS = 0.5  # the most a late phase may run past the deadline
_WATCH_SECONDS = 0.05  # how often a CP-SAT watcher looks at the flag


class _Flag:
    """The cancellation flag a root budget shares with all its children, and what to call
    when it is set."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self._lock = threading.Lock()
        self._callbacks: dict[int, Callable[[], None]] = {}
        self._next = 0

    def set(self) -> None:
        with self._lock:
            self.event.set()
            callbacks = list(self._callbacks.values())
        for callback in callbacks:
            callback()

    def add(self, callback: Callable[[], None]) -> int:
        with self._lock:
            key = self._next
            self._next += 1
            self._callbacks[key] = callback
            fire = self.event.is_set()
        if fire:
            callback()
        return key

    def remove(self, key: int) -> None:
        with self._lock:
            self._callbacks.pop(key, None)


class Budget:
    """A deadline on `time.perf_counter` and a cancellation flag shared with its children."""

    def __init__(
        self,
        seconds: float,
        *,
        _deadline: float | None = None,
        _flag: _Flag | None = None,
        _latest: float | None = None,
    ):
        now = time.perf_counter()
        self.started = now
        self.deadline = now + max(float(seconds), 0.0) if _deadline is None else _deadline
        self.seconds = max(self.deadline - now, 0.0)  # what it was given
        self._flag = _flag if _flag is not None else _Flag()
        # The latest any late phase of this run may end: the root's deadline plus the policy.
        self._latest = self.deadline + OVERRUN_SECONDS if _latest is None else _latest

    @classmethod
    def of(cls, limit: Budget | float) -> Budget:
        """`limit` itself if it is a budget, else a new one of that many seconds (for callers
        that hold a plain number: a test, a benchmark, the command line)."""
        return limit if isinstance(limit, Budget) else cls(float(limit))

    def __repr__(self) -> str:
        return f"Budget(remaining={self.remaining():.3f}s, cancelled={self.cancelled})"

    # -- the clock ------------------------------------------------------------------------
    def remaining(self) -> float:
        """Seconds left to the deadline (0 once passed or cancelled)."""
        if self.cancelled:
            return 0.0
        return max(self.deadline - time.perf_counter(), 0.0)

    def limit_seconds(self) -> float:
        """What is left, as a time limit a solver accepts (OR-Tools reads 0 as no limit)."""
        return max(self.remaining(), 0.01)

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def expired(self) -> bool:
        """The deadline has passed or the run was cancelled."""
        return self.cancelled or time.perf_counter() >= self.deadline

    # -- children ---------------------------------------------------------------------------
    def child(self, seconds: float) -> Budget:
        """`seconds` from now, or less: never past this budget's deadline."""
        deadline = min(time.perf_counter() + max(float(seconds), 0.0), self.deadline)
        return self._derive(deadline)

    def share(self, fraction: float) -> Budget:
        """`fraction` of what is left."""
        return self.child(max(float(fraction), 0.0) * self.remaining())

    def until(self, deadline: float) -> Budget:
        """Up to an absolute `perf_counter` time, never past this budget's deadline."""
        return self._derive(min(deadline, self.deadline))

    def late(self, seconds: float = OVERRUN_SECONDS) -> Budget:
        """For a phase that must run to give any answer (CP-SAT taking up its start): what is
        left, but at least `seconds` (at most `OVERRUN_SECONDS`, and no more than this budget
        was given), so it may end up to `OVERRUN_SECONDS` past the deadline."""
        floor = min(float(seconds), OVERRUN_SECONDS, self.seconds)
        return self._derive(min(max(self.deadline, time.perf_counter() + floor), self._latest))

    def rescue(self, seconds: float, why: str) -> Budget:
        """At least `seconds` from now, past the deadline if need be: only for a run that holds
        no valid plan yet, where a late plan beats none. Logged when it overruns."""
        now = time.perf_counter()
        deadline = max(self.deadline, now + float(seconds))
        if deadline > self.deadline + OVERRUN_SECONDS:
            log.warning("%s: runs up to %.1f s past the time limit", why, deadline - self.deadline)
        return Budget(0.0, _deadline=deadline, _flag=self._flag, _latest=deadline + OVERRUN_SECONDS)

    def _derive(self, deadline: float) -> Budget:
        return Budget(0.0, _deadline=deadline, _flag=self._flag, _latest=self._latest)

    # -- cancellation -------------------------------------------------------------------------
    @property
    def cancelled(self) -> bool:
        return self._flag.event.is_set()

    def cancel(self) -> None:
        """Stop this run: this budget, its parent and every child see it at once."""
        self._flag.set()

    @contextmanager
    def on_cancel(self, callback: Callable[[], None]) -> Iterator[None]:
        """`callback()` if the run is cancelled while inside the block (at once if it already is)."""
        key = self._flag.add(callback)
        try:
            yield
        finally:
            self._flag.remove(key)

    @contextmanager
    def interrupter(self, interrupter: SolveInterrupter | None = None) -> Iterator[SolveInterrupter]:
        """A MathOpt `SolveInterrupter` (the one given, or a new one) that fires on cancellation;
        pass it to a HiGHS solve inside the block."""
        if interrupter is None:
            from ortools.util.python.solve_interrupter import SolveInterrupter

            interrupter = SolveInterrupter()
        with self.on_cancel(interrupter.interrupt):
            yield interrupter

    @contextmanager
    def stop_cpsat(self, solver: cp_model.CpSolver) -> Iterator[None]:
        """Stop `solver`'s search on cancellation while inside the block. Once cancelled, a
        thread asks again until the block ends: `stop_search` before the search has started
        would be lost."""
        done = threading.Event()

        def keep_stopping() -> None:
            while not done.is_set():
                solver.stop_search()
                done.wait(_WATCH_SECONDS)

        def start() -> None:
            threading.Thread(target=keep_stopping, name="budget-cpsat-stop", daemon=True).start()

        with self.on_cancel(start):
            try:
                yield
            finally:
                done.set()

    @contextmanager
    def cancel_when(self, predicate: Callable[[], bool], every_seconds: float = 0.5) -> Iterator[None]:
        """Cancel this run once `predicate()` is true, asked every `every_seconds` in a thread
        while inside the block (e.g. "the job's row is no longer active")."""
        done = threading.Event()

        def poll() -> None:
            while not done.wait(every_seconds):
                try:
                    if predicate():
                        self.cancel()
                        return
                except Exception:  # a failed look is no reason to stop the run
                    log.exception("cancellation check failed")

        poller = threading.Thread(target=poll, name="budget-cancel-when", daemon=True)
        poller.start()
        try:
            yield
        finally:
            done.set()
            poller.join()

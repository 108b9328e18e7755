"""Many independent solves at once: in this process, or on Dask distributed.

Robustness (one re-plan per leaver or pair of leavers) and sweeps (one solve per policy point)
are hundreds to thousands of tasks that share one large input (the data set) and return small
rows. `run_tasks` runs `task(shared, item)` for every item and yields each outcome as it ends.

Why Dask distributed and not Ray: both would do. Dask's wheels are pure Python and small (Ray
ships a ~70 MB binary with its own object store and dashboard), a `LocalCluster` of worker
processes needs no daemon, and the same code runs on a cluster given its scheduler address.
What these sweeps need maps onto its API one to one:
- the data set is shipped once per worker, not once per task: `client.scatter(shared,
  broadcast=True)` puts a copy in every worker's memory, and each task gets a reference to it;
- results stream back as they finish (`as_completed`), so progress can be shown and each row
  written at once: an interrupted run keeps the rows that finished;
- a task that raises is retried (`submit(..., retries=)`); a task whose worker dies is
  rescheduled by the scheduler (`distributed.scheduler.allowed-failures`, 3 by default) and
  the nanny starts a new worker. A task that still fails is reported as failed with its error;
  the other tasks go on.

`workers=0` runs the same tasks in this process, one after another, without importing Dask:
the reference a distributed run is compared with, and the mode for a machine without Dask.

Determinism is the task's business (seeds, deterministic time limits): the engine only decides
where a task runs, never what it computes; outcomes come in completion order, and callers sort
them by key.
"""

from __future__ import annotations

import logging
import os
import time
import traceback
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from planner.io.rows_log import maybe_rows_log

log = logging.getLogger(__name__)

S = TypeVar("S")  # the input every task shares (shipped once per worker)
T = TypeVar("T")  # one task's own input (small)
R = TypeVar("R")  # one task's result (small)

HOST = "127.0.0.1"  # a local cluster listens on loopback only


@dataclass(frozen=True)
class Engine:
    """Where tasks run. `workers` 0: in this process; else a local cluster of that many worker
    processes (one thread each: the solves are CPU-bound and hold the GIL in their Python
    phases), or, with `cluster`, the running scheduler at that address (its workers as they
    are; `workers` is then ignored). `retries`: further attempts for a task that raises."""

    workers: int = 2
    cluster: str | None = None
    retries: int = 2

    @property
    def serial(self) -> bool:
        return self.workers <= 0 and self.cluster is None

    def describe(self) -> str:
        if self.cluster:
            return f"Dask cluster at {self.cluster}"
        if self.serial:
            return "serial, in this process"
        return f"local Dask cluster, {self.workers} worker process(es)"


@dataclass(frozen=True)
class Done(Generic[T, R]):
    """One finished task: its result, or the error of its last attempt."""

    key: str
    item: T
    result: R | None
    error: str | None
    seconds: float  # the task's own time where it ran (without queueing and transfer)
    where: str  # "pid <n>" of the process that ran it

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class Setup:
    """What it cost to get going before the first task: starting workers, shipping the input."""

    start_seconds: float
    scatter_seconds: float
    workers: int


def timed(task: Callable[[S, T], R], shared: S, item: T) -> tuple[R, float, str]:
    """`task(shared, item)` with its own run time and process, measured where it runs (a
    module-level function, so Dask pickles it by reference)."""
    started = time.perf_counter()
    result = task(shared, item)
    return result, time.perf_counter() - started, f"pid {os.getpid()}"


@contextmanager
def run_tasks(
    task: Callable[[S, T], R],
    shared: S,
    items: Sequence[T],
    keys: Sequence[str],
    engine: Engine,
) -> Iterator[tuple[Setup, Iterator[Done[T, R]]]]:
    """Run `task(shared, item)` for each item; yields (setup, outcomes in completion order).

    `task` must be importable by name in the workers (a module-level function of an installed
    package). `keys` name the tasks (unique). The cluster (a local one) is shut down when the
    block ends, also on an error or Ctrl-C, so no worker outlives the run."""
    if len(keys) != len(items) or len(set(keys)) != len(keys):
        raise ValueError("run_tasks needs one unique key per item")
    if engine.serial:
        yield Setup(0.0, 0.0, 0), _serial(task, shared, items, keys, engine.retries)
        return
    with _client(engine) as (client, start_seconds):
        started = time.perf_counter()
        # One copy of the shared input per worker; tasks get a reference, not the data.
        shared_ref = client.scatter(shared, broadcast=True, hash=False)
        scatter_seconds = time.perf_counter() - started
        workers = len(client.scheduler_info(n_workers=-1)["workers"])
        # Keys unique to this run: on a shared scheduler another run (or the one before, not yet
        # forgotten) may hold the same names, and Dask takes equal keys for the same task.
        run = uuid.uuid4().hex[:12]
        futures = [
            client.submit(
                timed, task, shared_ref, item, key=f"{key}@{run}", retries=engine.retries, pure=False
            )
            for item, key in zip(items, keys, strict=True)
        ]
        by_key = {f"{key}@{run}": (key, item) for key, item in zip(keys, items, strict=True)}
        try:
            yield Setup(start_seconds, scatter_seconds, workers), _gather(futures, by_key)
        finally:
            client.cancel(futures)


def _serial(
    task: Callable[[S, T], R], shared: S, items: Sequence[T], keys: Sequence[str], retries: int
) -> Iterator[Done[T, R]]:
    for item, key in zip(items, keys, strict=True):
        error = ""
        for attempt in range(retries + 1):
            try:
                result, seconds, where = timed(task, shared, item)
            except Exception as exc:  # as Dask does: retry, then report the last error and go on
                error = _words(exc)
                log.warning("task %s failed (attempt %d of %d): %s", key, attempt + 1, retries + 1, error)
                continue
            yield Done(key, item, result, None, seconds, where)
            break
        else:
            yield Done(key, item, None, error, 0.0, "")


def _gather(futures: list[Any], by_key: dict[str, tuple[str, T]]) -> Iterator[Done[T, Any]]:
    from distributed import as_completed

    for future in as_completed(futures):
        key, item = by_key[str(future.key)]
        if future.status == "finished":
            result, seconds, where = future.result()
            yield Done(key, item, result, None, seconds, where)
        else:  # "error" after its retries, or "cancelled" (a lost task past allowed-failures)
            try:
                exc = future.exception()
                error = _words(exc) if exc is not None else future.status
            except Exception as lost:  # CancelledError and the like carry the reason themselves
                error = _words(lost)
            log.warning("task %s failed: %s", key, error)
            yield Done(key, item, None, error, 0.0, "")
        future.release()  # the row is read; the worker may forget it


@contextmanager
def _client(engine: Engine) -> Iterator[tuple[Any, float]]:
    """A client of the engine's cluster, and the seconds it took to start (or reach) it."""
    from distributed import Client

    started = time.perf_counter()
    if engine.cluster:
        with Client(engine.cluster, timeout=30) as client:
            yield client, time.perf_counter() - started
        return
    with local_cluster(engine.workers) as cluster, Client(cluster) as client:
        client.wait_for_workers(engine.workers, timeout=120)
        yield client, time.perf_counter() - started


def local_cluster(workers: int) -> Any:
    """A `LocalCluster` of `workers` processes, one thread each, on loopback only and without the
    dashboard (its HTTP server keeps only the health routes, on a free port: a busy 8787 is no
    matter). Use it as a context manager: the workers end with the block."""
    from distributed import LocalCluster

    return LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        host=HOST,
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": f"{HOST}:0"},
        silence_logs=logging.WARNING,
    )


def _words(exc: BaseException) -> str:
    last = traceback.format_exception_only(type(exc), exc)[-1].strip()
    return last[:500]


@dataclass
class TaskRun(Generic[R]):
    """What a run of many tasks gave: the results in the tasks' order, the failures, the time."""

    outcomes: list[R] = field(default_factory=list)  # in the order of the tasks given
    failed: dict[str, str] = field(default_factory=dict)  # task key -> error
    task_seconds: dict[str, float] = field(default_factory=dict)  # task key -> its own run time
    setup: Setup = field(default_factory=lambda: Setup(0.0, 0.0, 0))
    wall_seconds: float = 0.0
    total: int = 0
    interrupted: bool = False

    @property
    def complete(self) -> bool:
        return not self.interrupted and len(self.outcomes) + len(self.failed) == self.total


def collect(
    task: Callable[[S, T], R],
    shared: S,
    items: Sequence[T],
    keys: Sequence[str],
    engine: Engine,
    log_path: Path | None,
    log_row: Callable[[Done[T, R]], dict[str, Any]],
    on_done: Callable[[Done[T, R], int, int], None] | None = None,
) -> TaskRun[R]:
    """`run_tasks` to the end: each finished task written to `log_path` (JSON lines) as it
    arrives, `on_done(done, finished, total)` told; Ctrl-C stops the run and keeps what
    finished (`interrupted`); the cluster is shut down either way."""
    run: TaskRun[R] = TaskRun(total=len(items))
    got: dict[str, R] = {}
    started = time.perf_counter()
    try:
        with (
            maybe_rows_log(log_path) as log,
            run_tasks(task, shared, items, keys, engine) as (setup, results),
        ):
            run.setup = setup
            for done in results:
                if done.result is not None:
                    got[done.key] = done.result
                    run.task_seconds[done.key] = round(done.seconds, 4)
                else:
                    run.failed[done.key] = done.error or "failed"
                if log is not None:
                    log.write(log_row(done))
                if on_done is not None:
                    on_done(done, len(got) + len(run.failed), run.total)
    except KeyboardInterrupt:
        run.interrupted = True
    run.wall_seconds = round(time.perf_counter() - started, 3)
    run.outcomes = [got[k] for k in keys if k in got]
    return run

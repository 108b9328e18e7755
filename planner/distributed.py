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
- a task that raises is tried again where it ran, up to `retries` times; a Dask task whose
  worker dies is rescheduled by the scheduler (`distributed.scheduler.allowed-failures`, 3 by
  default) and the nanny starts a new worker. A task that still fails is reported as failed
  with its error; the other tasks go on.

Given an estimate of each task's cost, many short tasks go to Dask as fewer batches, longest
first (`planner.batching`): the scheduling a Dask task costs is paid once a batch, and no long
task starts last. Results then stream back a batch at a time; a lost batch runs again whole.

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

from planner.batching import plan_batches
from planner.io.rows_log import maybe_rows_log
from planner.native_output import mute_process_stdout

log = logging.getLogger(__name__)

S = TypeVar("S")  # the input every task shares (shipped once per worker)
T = TypeVar("T")  # one task's own input (small)
R = TypeVar("R")  # one task's result (small)

HOST = "127.0.0.1"  # a local cluster listens on loopback only

# The environment a local cluster's worker processes start with. One thread for the numerical
# libraries, as Dask sets it: each worker is one slot of the cluster, and a thread pool per
# worker would fight the other workers for the cores. Not Dask's MALLOC_TRIM_THRESHOLD_=65536
# (it hands freed memory back to the system sooner): fixing a glibc threshold also stops glibc
# raising its mmap threshold, so every large array of a re-plan becomes a fresh mmap whose pages
# fault in zeroed. Measured on 5,000 x 150 (24 re-plans, one worker, CPU time): 6.2 s in the
# task with it, 5.0 s without, 4.8-5.1 s in a plain process. A local run is short and its
# workers end with it; the memory is not worth a fifth of the CPU.
WORKER_ENVIRON = {"OMP_NUM_THREADS": 1, "MKL_NUM_THREADS": 1, "OPENBLAS_NUM_THREADS": 1}
# ... and the configuration: no statistical profiler (it samples every worker's stack every
# 10 ms for a dashboard that a local cluster does not serve; measured 1-5 % of the CPU); the
# event-loop health check (it only warns of a blocked loop) every 200 ms, not 20 ms: an idle
# 2-worker cluster then uses 0.03 of a core instead of 0.07 (scheduler, nannies and workers,
# CPU time over 10 s), and a worker's loop takes the GIL from its task less often.
LOCAL_CONFIG: dict[str, Any] = {
    "distributed.nanny.pre-spawn-environ": WORKER_ENVIRON,
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "200ms",
}
# Workers forked from a fork server that imported Dask and the tasks' modules once, not each
# spawned afresh to import them all again: measured on 5,000 x 150 with 2 workers (load ~6.5),
# start and scatter 7.0-8.0 s spawned, 4.0-5.4 s from a fork server, 1.4-3.3 s from one that
# preloads the re-plan. The fork server is a single-threaded process of its own, so this is
# not the unsafe fork of a process with threads. (Not on Windows, which only spawns.)
FORK_SERVER = "forkserver"


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
    # The CPU time of the task's thread: below `seconds` when the machine is busy with other work.
    cpu_seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class Setup:
    """What it cost to get going before the first task: starting workers, shipping the input;
    and how the tasks went out (`batches`: Dask tasks submitted, 0 when serial)."""

    start_seconds: float
    scatter_seconds: float
    workers: int
    batches: int = 0


# One task's outcome where it ran: (result, error, seconds, where, cpu_seconds) as in `Done`;
# result None when it failed.
Attempted = tuple[Any, str | None, float, str, float]


@contextmanager
def run_tasks(
    task: Callable[[S, T], R],
    shared: S,
    items: Sequence[T],
    keys: Sequence[str],
    engine: Engine,
    costs: Sequence[float] | None = None,
) -> Iterator[tuple[Setup, Iterator[Done[T, R]]]]:
    """Run `task(shared, item)` for each item; yields (setup, outcomes in completion order).

    `task` must be importable by name in the workers (a module-level function of an installed
    package). `keys` name the tasks (unique). `costs`, an estimate per task (any positive unit):
    the tasks go to the cluster in batches, longest first (`planner.batching`); without it,
    one Dask task each, in the items' order. The cluster (a local one) is shut down when the
    block ends, also on an error or Ctrl-C, so no worker outlives the run."""
    if len(keys) != len(items) or len(set(keys)) != len(keys):
        raise ValueError("run_tasks needs one unique key per item")
    if costs is not None and len(costs) != len(items):
        raise ValueError(f"run_tasks got {len(costs)} cost estimates for {len(items)} tasks")
    if engine.serial:
        yield Setup(0.0, 0.0, 0), _serial(task, shared, items, keys, engine.retries)
        return
    with _client(engine, (task.__module__,)) as (client, start_seconds):
        started = time.perf_counter()
        # One copy of the shared input per worker; tasks get a reference, not the data.
        shared_ref = client.scatter(shared, broadcast=True, hash=False)
        scatter_seconds = time.perf_counter() - started
        workers = client.scheduler_info(n_workers=-1)["workers"]
        slots = sum(w["nthreads"] for w in workers.values()) or 1
        groups = plan_batches(costs, slots) if costs is not None else [[i] for i in range(len(items))]
        # Keys unique to this run: on a shared scheduler another run (or the one before, not yet
        # forgotten) may hold the same names, and Dask takes equal keys for the same task.
        run = uuid.uuid4().hex[:12]
        futures = {
            client.submit(
                run_batch,
                task,
                shared_ref,
                [items[i] for i in group],
                [keys[i] for i in group],
                engine.retries,
                key=f"batch-{b}@{run}",
                # Dask's own retries only cover a batch that raises past run_batch (it catches
                # what a task raises); a batch whose worker dies is rescheduled by the scheduler.
                retries=engine.retries,
                pure=False,
                priority=len(groups) - b,  # started in the order planned: longest first
            ): group
            for b, group in enumerate(groups)
        }
        try:
            yield (
                Setup(start_seconds, scatter_seconds, len(workers), len(groups)),
                _gather(futures, items, keys),
            )
        finally:
            client.cancel(list(futures))


def attempt(task: Callable[[S, T], R], shared: S, item: T, key: str, retries: int) -> Attempted:
    """`task(shared, item)`, tried again up to `retries` times while it raises; its result, or
    the last error in words (as Dask does for a task: retry, then report and go on)."""
    error = ""
    for attempt_no in range(retries + 1):
        started, cpu_started = time.perf_counter(), time.thread_time()
        try:
            result = task(shared, item)
        except Exception as exc:
            error = _words(exc)
            log.warning("task %s failed (attempt %d of %d): %s", key, attempt_no + 1, retries + 1, error)
            continue
        seconds, cpu_seconds = time.perf_counter() - started, time.thread_time() - cpu_started
        return result, None, seconds, f"pid {os.getpid()}", cpu_seconds
    return None, error, 0.0, "", 0.0


def run_batch(
    task: Callable[[S, T], R], shared: S, items: Sequence[T], keys: Sequence[str], retries: int
) -> list[Attempted]:
    """One Dask task: each item's `attempt`, in order (a module-level function, so Dask pickles
    it by reference). Runs in a worker process only (serial runs call `attempt`), whose standard
    output is the terminal's: HiGHS' raw printf is muted there (`planner.native_output`)."""
    mute_process_stdout()
    return [attempt(task, shared, item, key, retries) for item, key in zip(items, keys, strict=True)]


def _serial(
    task: Callable[[S, T], R], shared: S, items: Sequence[T], keys: Sequence[str], retries: int
) -> Iterator[Done[T, R]]:
    for item, key in zip(items, keys, strict=True):
        yield Done(key, item, *attempt(task, shared, item, key, retries))


def _gather(futures: dict[Any, list[int]], items: Sequence[T], keys: Sequence[str]) -> Iterator[Done[T, Any]]:
    from distributed import as_completed

    for future in as_completed(list(futures)):
        group = futures[future]
        if future.status == "finished":
            for i, outcome in zip(group, future.result(), strict=True):
                yield Done(keys[i], items[i], *outcome)
        else:  # "error" past its retries, or "cancelled" (a lost batch past allowed-failures)
            try:
                exc = future.exception()
                error = _words(exc) if exc is not None else future.status
            except Exception as lost:  # CancelledError and the like carry the reason themselves
                error = _words(lost)
            log.warning("batch of %s failed: %s", ", ".join(keys[i] for i in group), error)
            for i in group:
                yield Done(keys[i], items[i], None, error, 0.0, "", 0.0)
        future.release()  # the rows are read; the worker may forget them


@contextmanager
def _client(engine: Engine, preload: Sequence[str] = ()) -> Iterator[tuple[Any, float]]:
    """A client of the engine's cluster, and the seconds it took to start (or reach) it;
    `preload`: modules a local cluster's workers start with (`local_cluster`)."""
    from distributed import Client

    started = time.perf_counter()
    if engine.cluster:
        with Client(engine.cluster, timeout=30) as client:
            yield client, time.perf_counter() - started
        return
    with local_cluster(engine.workers, preload) as cluster, Client(cluster) as client:
        client.wait_for_workers(engine.workers, timeout=120)
        yield client, time.perf_counter() - started


def local_cluster(workers: int, preload: Sequence[str] = ()) -> Any:
    """A `LocalCluster` of `workers` processes, one thread each, on loopback only and without the
    dashboard (its HTTP server keeps only the health routes, on a free port: a busy 8787 is no
    matter), its workers started as LOCAL_CONFIG says, from a fork server that has imported
    `preload` (the modules of the tasks to come; the first cluster of a process sets them). Use
    it as a context manager: the workers end with the block."""
    import multiprocessing

    import dask
    from distributed import LocalCluster

    config = dict(LOCAL_CONFIG)
    if FORK_SERVER in multiprocessing.get_all_start_methods():
        config["distributed.worker.multiprocessing-method"] = FORK_SERVER
    # The nannies read the configuration and environment for their workers when they are made,
    # here, and keep them for a worker they restart.
    with dask.config.set(config):
        if config.get("distributed.worker.multiprocessing-method") == FORK_SERVER:
            _preload_fork_server(preload)
        return LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host=HOST,
            dashboard_address=None,
            scheduler_kwargs={"dashboard_address": f"{HOST}:0"},
            silence_logs=logging.WARNING,
        )


def _preload_fork_server(modules: Sequence[str]) -> None:
    from distributed.utils import get_mp_context

    # Dask names its preloads (its own packages) the first time it makes the context, here;
    # ours replace them. Python starts the fork server with the first worker and keeps it, and
    # with it what it imported: a module it cannot import is skipped.
    get_mp_context().set_forkserver_preload(["distributed", *modules])


def _words(exc: BaseException) -> str:
    last = traceback.format_exception_only(type(exc), exc)[-1].strip()
    return last[:500]


@dataclass
class TaskRun(Generic[R]):
    """What a run of many tasks gave: the results in the tasks' order, the failures, the time."""

    outcomes: list[R] = field(default_factory=list)  # in the order of the tasks given
    failed: dict[str, str] = field(default_factory=dict)  # task key -> error
    task_seconds: dict[str, float] = field(default_factory=dict)  # task key -> its own run time
    task_cpu_seconds: dict[str, float] = field(default_factory=dict)  # task key -> its thread's CPU time
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
    costs: Sequence[float] | None = None,
) -> TaskRun[R]:
    """`run_tasks` to the end: each finished task written to `log_path` (JSON lines) as it
    arrives, `on_done(done, finished, total)` told; Ctrl-C stops the run and keeps what
    finished (`interrupted`); the cluster is shut down either way. `costs`: as for `run_tasks`."""
    run: TaskRun[R] = TaskRun(total=len(items))
    got: dict[str, R] = {}
    started = time.perf_counter()
    try:
        with (
            maybe_rows_log(log_path) as log,
            run_tasks(task, shared, items, keys, engine, costs) as (setup, results),
        ):
            run.setup = setup
            for done in results:
                if done.result is not None:
                    got[done.key] = done.result
                    run.task_seconds[done.key] = round(done.seconds, 4)
                    run.task_cpu_seconds[done.key] = round(done.cpu_seconds, 4)
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

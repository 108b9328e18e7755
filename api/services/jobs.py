"""Solve jobs: stored first, then handed to a process pool so CP-SAT never runs on the event loop.

Visit calendars and hire advice go through the same pool (`dispatch`): one pool, so
PLANNER_SOLVE_WORKERS bounds all the CPU-bound work the server does at once."""

from __future__ import annotations

import logging
import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor

from api.db import DatasetVersionRow, JobRow
from api.schemas import JobIn
from api.services.scenario import resolve
from api.store import JobKind, Store
from planner.errors import InputError, InputProblem
from planner.models import Dataset
from planner.native_output import mute_process_stdout
from planner.scenario.spec import SolverSettings
from planner.solvers import SOLVERS

log = logging.getLogger(__name__)

MAX_TIME_LIMIT_SECONDS = 3600.0
MAX_THREADS = 8


class JobService:
    def __init__(self, store: Store, database_url: str, workers: int):
        self._store = store
        self._database_url = database_url
        self._workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._futures: dict[str, Future[str]] = {}
        self._guard = threading.Lock()

    def submit(self, spec: JobIn, actor: str, workspace: str) -> JobRow:
        version = stored_version(self._store, spec.dataset_id, spec.dataset_version, workspace)
        check_solver(spec.solver)
        # Resolve once here so a bad override or change is a 422 now, not a failed job later.
        resolve(Dataset.model_validate(version.payload), spec.policy_overrides, spec.changes, spec.as_of)
        row = self._store.create_job(
            spec.dataset_id, version.version, spec.model_dump(mode="json"), actor, workspace=workspace
        )
        from api.services.worker import run_job

        self.dispatch(JobRow, row.id, run_job)
        return row

    def dispatch(self, kind: JobKind, row_id: str, target: Callable[[str, str], str]) -> None:
        """Run `target(database_url, row_id)` in a worker process; the target writes its own status.
        A worker that dies before it could leaves the record of `kind` failed."""
        with self._guard:
            future = self._executor().submit(target, self._database_url, row_id)
            self._futures[row_id] = future
        future.add_done_callback(lambda f: self._finished(kind, row_id, f))

    def withdraw(self, row_id: str) -> None:
        """Keep a queued task from starting (a running one cannot be stopped from here)."""
        with self._guard:
            future = self._futures.get(row_id)
        if future is not None:
            future.cancel()

    def cancel(self, job_id: str) -> bool:
        """True when the job was still unfinished. A queued job never starts; a running one
        stops at its next progress report and its result is discarded either way."""
        cancelled = self._store.cancel(JobRow, job_id)
        self.withdraw(job_id)
        return cancelled

    def shutdown(self) -> None:
        with self._guard:
            pool, self._pool = self._pool, None
        if pool is None:
            return
        # A worker left running would write its result after the server is gone, racing the
        # restart that marks its job failed; stop the workers with the server. The executor
        # has no public way to do this before Python 3.14 (terminate_workers).
        for process in list(getattr(pool, "_processes", {}).values()):
            process.terminate()
        pool.shutdown(wait=False, cancel_futures=True)

    def _executor(self) -> ProcessPoolExecutor:
        # Spawn, not fork: the server has threads and open database connections. The workers'
        # standard output is the server's log: HiGHS' raw printf is muted there.
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self._workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=mute_process_stdout,
            )
        return self._pool

    def _finished(self, kind: JobKind, row_id: str, future: Future[str]) -> None:
        with self._guard:
            self._futures.pop(row_id, None)
        if future.cancelled():
            return
        exc = future.exception()
        if exc is not None:  # the worker process died (killed, out of memory) before writing a status
            log.error("worker for %s died: %s", row_id, exc)
            self._store.fail(kind, row_id, f"the solve worker stopped: {type(exc).__name__}: {exc}")


def stored_version(store: Store, dataset_id: str, version: int | None, workspace: str) -> DatasetVersionRow:
    """The data set version a job is for (None: the latest); LookupError (404) names what is missing,
    also for a data set of another workspace."""
    if store.dataset(dataset_id, workspace=workspace) is None:
        raise LookupError(f"data set {dataset_id!r} not found")
    row = store.version(dataset_id, version)
    if row is None:
        raise LookupError(f"data set {dataset_id!r} has no version {version}")
    return row


def check_solver(solver: SolverSettings) -> None:
    """The solver settings of a job (a solve, a hire advice) within what the server allows."""
    problems = []
    if solver.name not in SOLVERS:
        problems.append(f"unknown solver {solver.name!r}; choose one of: {', '.join(sorted(SOLVERS))}")
    if solver.time_limit_seconds > MAX_TIME_LIMIT_SECONDS:
        problems.append(f"time_limit_seconds must be at most {MAX_TIME_LIMIT_SECONDS:g}")
    if solver.threads > MAX_THREADS:
        problems.append(f"threads must be at most {MAX_THREADS}")
    if problems:
        raise InputError([InputProblem("request", None, "solver", p) for p in problems])

"""Attrition risk and policy sweeps as jobs (#21): POST stores a job and queues it, a thread
runs one job at a time, GET reads its progress and rows, DELETE cancels it.

The tasks run on `planner.distributed`: a Dask cluster at PLANNER_DASK_SCHEDULER when set, else
a local cluster of PLANNER_ANALYSIS_WORKERS processes (default 2) started with the first job and
kept for the next ones (starting one costs seconds), or in the job's thread with 0 workers. One
job at a time, because each already spreads over every worker.

Jobs live in this server's memory, not in the database: a result is rows a director reads once
and can ask for again, and keeping it in memory needs no new table. They do not survive a
restart (a job a restart interrupts is gone, as its rows would be stale anyway); the rows of a
cancelled or failed job that finished are kept and shown.
"""

from __future__ import annotations

import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from api.db import new_id, now
from api.schemas_analyses import MAX_TASKS, AnalysisOut, AnalysisResultOut, RobustnessIn, SweepIn
from api.services.jobs import check_solver, stored_version
from api.services.plans import stored_service
from api.services.scenario import resolve
from api.store import Store
from planner.distributed import Done, Engine, local_cluster
from planner.errors import Cancelled, InputError, InputProblem
from planner.models import Dataset, Plan
from planner.robustness import (
    ReplanSettings,
    baseline,
    bench_strength,
    leaver_sets,
    replan_without,
    risk_rows,
    run_robustness,
)
from planner.sweep import SweepBase, expand, run_sweep, sweep_rows, with_point
from planner.sweep.spec import SweepBlock

log = logging.getLogger(__name__)

WORKERS_ENV = "PLANNER_ANALYSIS_WORKERS"
SCHEDULER_ENV = "PLANNER_DASK_SCHEDULER"
# The tasks' modules, imported once by the fork server the local workers start from.
TASK_MODULES = (replan_without.__module__, SweepBase.__module__)


@dataclass
class AnalysisJob:
    id: str
    kind: str
    workspace: str
    dataset_id: str
    dataset_version: int
    total: int
    created_at: datetime = field(default_factory=now)
    status: str = "queued"
    started_at: datetime | None = None
    finished_at: datetime | None = None
    error: str | None = None
    results: list[Any] = field(default_factory=list)  # outcomes as they arrive
    failures: dict[str, str] = field(default_factory=dict)
    stop: threading.Event = field(default_factory=threading.Event)
    extra: dict[str, Any] = field(default_factory=dict)  # robustness: the bench rows

    def out(self) -> AnalysisOut:
        return AnalysisOut(
            analysis_id=self.id,
            kind=self.kind,  # type: ignore[arg-type]
            dataset_id=self.dataset_id,
            dataset_version=self.dataset_version,
            status=self.status,  # type: ignore[arg-type]
            finished_tasks=len(self.results) + len(self.failures),
            total_tasks=self.total,
            failed_tasks=len(self.failures),
            created_at=self.created_at,
            started_at=self.started_at,
            finished_at=self.finished_at,
            error=self.error,
        )

    def result(self) -> AnalysisResultOut:
        out = AnalysisResultOut(analysis=self.out(), failures=dict(self.failures))
        results = list(self.results)
        if self.kind == "robustness":
            out.risk = risk_rows(results)
            out.bench = self.extra.get("bench", [])
        else:
            out.points = sweep_rows(sorted(results, key=lambda o: o.index))
        return out


class AnalysisService:
    def __init__(self, store: Store, workers: int | None = None, scheduler: str | None = None):
        self._store = store
        self._workers = int(os.environ.get(WORKERS_ENV, "2")) if workers is None else workers
        self._scheduler = (os.environ.get(SCHEDULER_ENV) or None) if scheduler is None else scheduler
        self._jobs: dict[str, AnalysisJob] = {}
        self._guard = threading.Lock()
        self._runner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="analysis")
        self._cluster: Any = None

    # -- requests ---------------------------------------------------------------------------------
    def submit_robustness(self, dataset_id: str, spec: RobustnessIn, workspace: str) -> AnalysisJob:
        version = stored_version(self._store, dataset_id, spec.dataset_version, workspace)
        dataset = Dataset.model_validate(version.payload)
        plan = self._plan_in_force(dataset_id, version.version, workspace)
        try:
            sets = leaver_sets(dataset, spec.leavers, spec.sample, spec.seed)
        except ValueError as exc:  # too few managers for the leavers asked
            raise _bad("leavers", str(exc)) from None
        if len(sets) > MAX_TASKS:
            raise _bad("sample", f"{len(sets)} leaver sets; ask for a sample of at most {MAX_TASKS}")
        settings = ReplanSettings(spec.max_moves, spec.time_limit_seconds, spec.deterministic)
        job = AnalysisJob(new_id(), "robustness", workspace, dataset_id, version.version, len(sets))

        def work() -> None:
            base = baseline(dataset, plan, settings)
            job.extra["bench"] = bench_strength(base)
            run_robustness(base, sets, self._engine(), on_done=self._collect(job))

        return self._queue(job, work)

    def submit_sweep(self, dataset_id: str, spec: SweepIn, workspace: str) -> AnalysisJob:
        version = stored_version(self._store, dataset_id, spec.dataset_version, workspace)
        check_solver(spec.solver)
        dataset, _ = resolve(Dataset.model_validate(version.payload), spec.policy_overrides, [], None)
        try:
            block = SweepBlock(
                mode=spec.mode, samples=spec.samples, seed=spec.seed, parameters=spec.parameters
            )
            points = expand(block)
        except ValueError as exc:
            raise _bad("parameters", str(exc)) from None
        if len(points) > MAX_TASKS:
            raise _bad("parameters", f"{len(points)} points; at most {MAX_TASKS}")
        for k, point in enumerate(points):  # a value the policy refuses is a 422 now, not a failed task
            with_point(dataset, point, where=f"request point {k}")
        base = SweepBase(dataset, spec.solver)
        job = AnalysisJob(new_id(), "sweep", workspace, dataset_id, version.version, len(points))
        return self._queue(job, lambda: run_sweep(base, points, self._engine(), on_done=self._collect(job)))

    def get(self, analysis_id: str, workspace: str) -> AnalysisJob:
        with self._guard:
            job = self._jobs.get(analysis_id)
        if job is None or job.workspace != workspace:
            raise LookupError(f"analysis {analysis_id!r} not found")
        return job

    def cancel(self, analysis_id: str, workspace: str) -> AnalysisJob:
        """Stop the job if unfinished: a queued one never starts, a running one stops after its
        next finished task (the rows so far are kept)."""
        job = self.get(analysis_id, workspace)
        with self._guard:
            if job.status in ("queued", "running"):
                job.stop.set()
                if job.status == "queued":
                    job.status, job.finished_at = "cancelled", now()
        return job

    def shutdown(self) -> None:
        with self._guard:
            for job in self._jobs.values():
                job.stop.set()
        self._runner.shutdown(wait=True, cancel_futures=True)
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    # -- running ----------------------------------------------------------------------------------
    def _queue(self, job: AnalysisJob, work: Any) -> AnalysisJob:
        with self._guard:
            self._jobs[job.id] = job
        self._runner.submit(self._run, job, work)
        return job

    def _run(self, job: AnalysisJob, work: Any) -> None:
        with self._guard:
            if job.stop.is_set():
                return
            job.status, job.started_at = "running", now()
        try:
            work()
            status = "cancelled" if job.stop.is_set() else "succeeded"
        except Cancelled:
            status = "cancelled"
        except Exception as exc:  # a bug must end the job, not leave it running
            log.exception("analysis %s failed", job.id)
            job.error = f"{type(exc).__name__}: {exc}"
            status = "failed"
        with self._guard:
            job.status, job.finished_at = status, now()

    def _collect(self, job: AnalysisJob) -> Any:
        def on_done(done: Done[Any, Any], _finished: int, _total: int) -> None:
            if done.result is not None:
                job.results.append(done.result)
            else:
                job.failures[done.key] = done.error or "failed"
            if job.stop.is_set():
                raise Cancelled("analysis cancelled by request")

        return on_done

    def _engine(self) -> Engine:
        if self._scheduler:
            return Engine(cluster=self._scheduler)
        if self._workers <= 0:
            return Engine(workers=0)
        if self._cluster is None:  # only the runner thread gets here
            self._cluster = local_cluster(self._workers, TASK_MODULES)
        return Engine(cluster=self._cluster.scheduler_address)

    def _plan_in_force(self, dataset_id: str, version: int, workspace: str) -> Plan | None:
        """The data set's current plan when it was made for this version; else None (the data's
        own current managers are the plan in force, as for a staff-change event)."""
        row = self._store.dataset(dataset_id, workspace=workspace)
        plan = (
            self._store.plan(row.current_plan_id, workspace=workspace)
            if row and row.current_plan_id
            else None
        )
        if plan is None or plan.dataset_version != version:
            return None
        return Plan(assignment=dict(plan.assignment), service=stored_service(plan), team=plan.team or {})


def _bad(where: str, message: str) -> InputError:
    return InputError([InputProblem("request", None, where, message)])

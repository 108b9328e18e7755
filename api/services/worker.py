"""What runs in a solve worker process: load the job, solve, store the plan and the status.

The worker talks to the database directly, which is how progress reaches the API (a status
GET reads what the worker last wrote) and why a job survives nothing but its own process: a
restart marks unfinished jobs failed. Every write is conditional on the job still being
active, so a cancel that lands mid-solve wins over the result; and the solve stops at once: the
job's budget is cancelled when a progress write finds the job no longer active, or when a
watcher reading the row every half second does (a solve may go long without progress).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from sqlalchemy import update

from api.db import JobRow, PlanRow, new_id, now
from api.jsonsafe import finite
from api.schemas import JobIn
from api.services.job_lifecycle import in_worker, stop_check
from api.services.scenario import resolve
from api.store import ACTIVE_JOB_STATES, Store, rows_changed
from planner.assign import run_assignment
from planner.budget import Budget
from planner.context import Context
from planner.errors import InfeasibleError, InputError
from planner.models import Dataset
from planner.report import summary
from planner.solvers import Progress, SolveOptions

log = logging.getLogger(__name__)

PROGRESS_EVERY_SECONDS = 0.5


def run_job(database_url: str, job_id: str) -> str:
    """Entry point in the worker process; returns the final status (also written to the DB)."""
    return in_worker(database_url, lambda store: _run(store, job_id))


def _run(store: Store, job_id: str) -> str:
    if not store.update_active(JobRow, job_id, status="running", started_at=now()):
        return "cancelled"
    job = store.job(job_id, workspace=None)
    assert job is not None
    spec = JobIn.model_validate(job.request)
    stored = store.version(job.dataset_id, job.dataset_version)
    assert stored is not None
    budget = Budget(spec.solver.time_limit_seconds)
    try:
        base = Dataset.model_validate(stored.payload)
        dataset, notes = resolve(base, spec.policy_overrides, spec.changes, spec.as_of)
        with budget.cancel_when(stop_check(store, JobRow, job_id), PROGRESS_EVERY_SECONDS):
            outcome = run_assignment(
                Context.build(dataset),
                spec.solver.name,
                SolveOptions(
                    time_limit_seconds=spec.solver.time_limit_seconds,
                    threads=spec.solver.effective_threads,
                    seed=spec.solver.seed,
                    on_progress=_reporter(store, job_id, budget),
                    budget=budget,
                ),
                max_moves=spec.max_moves,
            )
    except InfeasibleError as exc:
        store.update_active(JobRow, job_id, status="infeasible", reasons=list(exc.reasons), finished_at=now())
        return "infeasible"
    except InputError as exc:
        store.fail(JobRow, job_id, str(exc))
        return "failed"
    except Exception as exc:  # a bug must end the job, not leave it "running" forever
        log.exception("job %s failed", job_id)
        store.fail(JobRow, job_id, f"{type(exc).__name__}: {exc}")
        return "failed"
    if budget.cancelled:
        return "cancelled"  # the row says so already; the plan is the incumbent, not published

    block = summary(outcome, inputs={"dataset_id": job.dataset_id, "dataset_version": job.dataset_version})
    block["notes"] = notes
    if outcome.plan is not None:
        block["service"] = dict(outcome.plan.service)  # read back by PlanService.plan_of
    block = finite(block)
    final = _progress_of(block["solver"])
    if outcome.plan is None:
        store.update_active(
            JobRow,
            job_id,
            status="no_solution",
            progress=final,
            finished_at=now(),
            error=f"no plan found within {spec.solver.time_limit_seconds:g} s ({outcome.result.status.value})",
        )
        return "no_solution"
    with store.session() as s:
        # Only an active job may publish a plan; the UPDATE is the check, inside the same transaction.
        plan = PlanRow(
            id=new_id(),
            dataset_id=job.dataset_id,
            dataset_version=job.dataset_version,
            name=spec.name,
            job_id=job_id,
            scenario_dataset=None if dataset is base else dataset.model_dump(mode="json"),
            max_moves=outcome.max_moves,
            assignment=dict(outcome.plan.assignment),
            summary=block,
            # Account teams (read back by PlanService.plan_of); null without teams.
            team=outcome.plan.model_dump(mode="json").get("team"),
            created_by=job.created_by,
        )
        done = s.execute(
            update(JobRow)
            .where(JobRow.id == job_id, JobRow.status.in_(ACTIVE_JOB_STATES))
            .values(status="succeeded", progress=final, plan_id=plan.id, finished_at=now())
        )
        if rows_changed(done) == 0:
            return "cancelled"  # nothing else was written in this transaction
        store.add_plan(s, plan, make_current=spec.adopt)
    return "succeeded"


def _reporter(store: Store, job_id: str, budget: Budget) -> Any:
    """on_progress callback: write at most every half second; cancel the job's budget when the
    job is no longer active."""
    last = [0.0]
    solutions = [0]

    def report(p: Progress) -> None:
        solutions[0] += 1
        if time.monotonic() - last[0] < PROGRESS_EVERY_SECONDS:
            return
        last[0] = time.monotonic()
        gap = abs(p.objective - p.bound) / max(abs(p.objective), 1.0)
        progress = finite(
            {
                "elapsed_seconds": round(p.elapsed_seconds, 3),
                "objective": p.objective / 100,
                "best_bound": p.bound / 100,
                "gap": round(gap, 6),
                "solutions": solutions[0],
            }
        )
        if not store.update_active(JobRow, job_id, progress=progress):
            budget.cancel()

    return report


def _progress_of(solver: dict[str, Any]) -> dict[str, Any]:
    return {
        "elapsed_seconds": solver["runtime_seconds"],
        "objective": solver["objective"],
        "best_bound": solver["best_bound"],
        "gap": solver["gap"],
    }

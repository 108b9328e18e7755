"""What runs in a worker process for a calendar: load the plan and its data, plan the visits,
store them with the summary. The status is written as for every job (`job_lifecycle`), each
write conditional on the calendar still being active, so a cancel that lands mid-build wins
over the result; and a watcher reads the row every half second and cancels the build's budget,
so a cancelled build frees its worker within a round instead of running to its time limit."""

from __future__ import annotations

from typing import Any

from api.db import CalendarRow
from api.schemas_calendar import CalendarIn
from api.services.calendars import calendar_inputs, visit_row
from api.services.datasets import DatasetCache
from api.services.job_lifecycle import in_worker, run_task, stop_check
from api.services.plans import PlanService
from api.store import Store
from planner.budget import Budget
from planner.calendar.check import check_calendar
from planner.calendar.solve import plan_calendar
from planner.calendar.summary import build_summary
from planner.calendar.visits import plan_visits

CHECK_SECONDS = 0.5  # how often the search looks at the row for a cancel


def run_calendar(database_url: str, calendar_id: str) -> str:
    """Entry point in the worker process; returns the final status (also written to the DB)."""
    return in_worker(database_url, lambda store: _run(store, calendar_id))


def _run(store: Store, calendar_id: str) -> str:
    return run_task(store, CalendarRow, calendar_id, "calendar", lambda row: _build(store, row))


def _build(store: Store, row: CalendarRow) -> dict[str, Any]:
    """The columns of a calendar that succeeded: its summary and its visits."""
    spec = CalendarIn.model_validate(row.request)
    plans = PlanService(store, DatasetCache(size=1))
    plan = plans.get(row.plan_id)
    stored = plans.plan_of(plan)
    inputs = calendar_inputs(plans.dataset_of(plan), plan.assignment, spec, stored.service, stored.team)
    # One process: the pool's size is the server's whole budget for CPU-bound work.
    budget = Budget(spec.time_limit_seconds)
    with budget.cancel_when(stop_check(store, CalendarRow, row.id), CHECK_SECONDS):
        planned = plan_calendar(inputs, seed=spec.seed, workers=1, budget=budget)
    visits = plan_visits(planned)
    summary = build_summary(planned, visits, check_calendar(inputs, visits))
    return {"summary": summary, "visits": [visit_row(v) for v in visits]}

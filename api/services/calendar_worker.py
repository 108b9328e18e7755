"""What runs in a worker process for a calendar: load the plan and its data, plan the visits,
store them with the summary. Like a solve (`worker.py`), every write is conditional on the
calendar still being active, so a cancel that lands mid-build wins over the result; and the
search itself reads the row every half second, so a cancelled build frees its worker within a
round instead of running to its time limit."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from api.db import make_engine, make_sessions, now
from api.jsonsafe import finite
from api.schemas_calendar import CalendarIn
from api.services.calendars import calendar_inputs, visit_row
from api.services.datasets import DatasetCache
from api.services.plans import PlanService
from api.store import ACTIVE_JOB_STATES, Store
from planner.calendar.check import check_calendar
from planner.calendar.solve import plan_calendar
from planner.calendar.summary import build_summary
from planner.calendar.visits import plan_visits
from planner.errors import Cancelled, InputError

log = logging.getLogger(__name__)

CHECK_SECONDS = 0.5


def run_calendar(database_url: str, calendar_id: str) -> str:
    """Entry point in the worker process; returns the final status (also written to the DB)."""
    engine = make_engine(database_url, pooled=False)
    try:
        return _run(Store(make_sessions(engine)), calendar_id)
    finally:
        engine.dispose()


def _run(store: Store, calendar_id: str) -> str:
    if not store.update_active_calendar(calendar_id, status="running", started_at=now()):
        return "cancelled"
    row = store.calendar(calendar_id)
    assert row is not None
    try:
        spec = CalendarIn.model_validate(row.request)
        plans = PlanService(store, DatasetCache(size=1))
        plan = plans.get(row.plan_id)
        inputs = calendar_inputs(plans.dataset_of(plan), plan.assignment, spec, plans.plan_of(plan).service)
        # One process: the pool's size is the server's whole budget for CPU-bound work.
        planned = plan_calendar(
            inputs,
            time_limit_s=spec.time_limit_seconds,
            seed=spec.seed,
            workers=1,
            should_stop=_cancelled(store, calendar_id),
        )
        visits = plan_visits(planned)
        summary = build_summary(planned, visits, check_calendar(inputs, visits))
    except Cancelled:  # the row says so already; the core is free for the next job
        return "cancelled"
    except InputError as exc:  # checked on submit already; a failed build still says what was wrong
        store.update_active_calendar(calendar_id, status="failed", error=str(exc), finished_at=now())
        return "failed"
    except Exception as exc:  # a bug must end the build, not leave it "running" forever
        log.exception("calendar %s failed", calendar_id)
        store.update_active_calendar(
            calendar_id, status="failed", error=f"{type(exc).__name__}: {exc}", finished_at=now()
        )
        return "failed"
    done = store.update_active_calendar(
        calendar_id,
        status="succeeded",
        summary=finite(summary),
        visits=[visit_row(v) for v in visits],
        finished_at=now(),
    )
    return "succeeded" if done else "cancelled"


def _cancelled(store: Store, calendar_id: str) -> Callable[[], bool]:
    """True once the calendar is no longer active (cancelled). The search asks every round,
    so the database is read at most every CHECK_SECONDS."""
    last = [time.monotonic()]

    def stop() -> bool:
        if time.monotonic() - last[0] < CHECK_SECONDS:
            return False
        last[0] = time.monotonic()
        row = store.calendar(calendar_id)
        return row is None or row.status not in ACTIVE_JOB_STATES

    return stop

"""Write a calendar directory: visits.csv, one .ics per manager, summary.json — atomically."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from planner.calendar.check import CalendarViolation, check_calendar
from planner.calendar.ics import write_ics
from planner.calendar.solve import CalendarPlan
from planner.calendar.summary import build_summary
from planner.calendar.visits import Visit, plan_visits, write_visits
from planner.io.plan_dir import atomic_directory, write_json


def write_calendar(
    plan: CalendarPlan, out: Path
) -> tuple[list[Visit], list[CalendarViolation], dict[str, Any]]:
    """Write `out` (replacing it only once everything is written) and return what went in."""
    visits = plan_visits(plan)
    violations = check_calendar(plan.inputs, visits)
    summary = build_summary(plan, visits, violations)
    # DTSTAMP from the horizon start, not the clock: the same plan gives the same files.
    stamp = dt.datetime.combine(plan.inputs.work.horizon.start, dt.time(), tzinfo=dt.UTC)
    with atomic_directory(Path(out)) as scratch:
        write_visits(scratch / "visits.csv", visits)
        write_ics(
            scratch,
            visits,
            plan.inputs.dataset,
            [m.built.manager_id for m in plan.managers],
            plan.inputs.calendar.timezone,
            stamp,
        )
        write_json(scratch / "summary.json", summary)
    return visits, violations, summary

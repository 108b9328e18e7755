"""Write a calendar directory: visits.csv, one .ics per manager, summary.json — atomically."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from planner.calendar.check import CalendarViolation, check_calendar
from planner.calendar.ics import calendar_zone, ics_stamp, write_ics
from planner.calendar.solve import CalendarPlan
from planner.calendar.summary import build_summary
from planner.calendar.visits import Visit, plan_visits, write_visits
from planner.io.outdir import OutputDir, atomic_directory
from planner.io.plan_dir import write_json


def write_calendar(
    plan: CalendarPlan, out: Path | OutputDir
) -> tuple[list[Visit], list[CalendarViolation], dict[str, Any]]:
    """Write `out` (replacing it only once everything is written) and return what went in.

    `out` is a path, or a folder the caller claimed before planning (planner.io.outdir)."""
    visits = plan_visits(plan)
    violations = check_calendar(plan.inputs, visits)
    summary = build_summary(plan, visits, violations)
    stamp = ics_stamp(plan.inputs.work.horizon.start)
    with atomic_directory(out, "calendar") as scratch:
        write_visits(scratch / "visits.csv", visits)
        write_ics(
            scratch,
            visits,
            plan.inputs.dataset,
            [m.built.manager_id for m in plan.managers],
            calendar_zone(plan.inputs.calendar.timezone, plan.inputs.work.country),
            stamp,
        )
        write_json(scratch / "summary.json", summary)
    return visits, violations, summary

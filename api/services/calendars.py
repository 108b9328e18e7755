"""Visit calendars for stored plans.

Building one is a job, not a request: the search runs up to its time limit (tens of seconds for
a few thousand accounts), so POST stores the request and hands it to the solve worker pool, and
the plan's calendar is read back with GET. The inputs are checked before anything is queued, so
an unknown manager in the leave list is a 422 at once, not a failed calendar later.

The .ics files come from the latest calendar that succeeded, so a calendar subscription keeps
working while a new one is built, and after one failed.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

from api.db import CalendarRow
from api.schemas_calendar import CalendarIn
from api.services.jobs import JobService
from api.services.plans import PlanService
from api.store import Store
from planner.calendar.build import CalendarInputs, make_inputs
from planner.calendar.ics import calendar_zone, ics_content_disposition, ics_stamp, manager_calendar
from planner.calendar.inputs import Assignment, Availability
from planner.calendar.policy import format_clock, parse_clock, parse_weekdays
from planner.calendar.visits import Visit
from planner.calendar.workdays import make_calendar
from planner.errors import InputError, InputProblem
from planner.models import Dataset


class CalendarConflict(Exception):
    """The plan's calendar is being built: a second build must wait, its .ics is not there yet."""


class CalendarService:
    def __init__(self, store: Store, plans: PlanService, jobs: JobService):
        self._store = store
        self._plans = plans
        self._jobs = jobs
        # Check-then-insert of "one build per plan at a time"; builds are rare, one lock will do.
        self._submit_lock = threading.Lock()

    def submit(self, plan_id: str, spec: CalendarIn, actor: str, workspace: str) -> CalendarRow:
        plan = self._plans.within(workspace).get(plan_id)
        stored = self._plans.plan_of(plan)
        calendar_inputs(self._plans.dataset_of(plan), plan.assignment, spec, stored.service, stored.team)
        with self._submit_lock:
            active = self._store.active_calendar(plan_id)
            if active is not None:
                raise CalendarConflict(
                    f"a calendar for plan {plan_id!r} is already {active.status} (requested "
                    f"{active.created_at.isoformat()}); GET it, or DELETE it to start over"
                )
            row = self._store.create_calendar(
                plan_id, spec.model_dump(mode="json"), actor, workspace=plan.workspace
            )
        from api.services.calendar_worker import run_calendar

        self._jobs.dispatch(CalendarRow, row.id, run_calendar)
        return row

    def latest(self, plan_id: str, workspace: str, status: str | None = None) -> CalendarRow:
        """A plan's calendars are in its workspace: the plan is looked up there first."""
        self._plans.within(workspace).get(plan_id)
        row = self._store.latest_calendar(plan_id, status)
        if row is None:
            what = f"{status} calendar" if status else "calendar"
            raise LookupError(f"plan {plan_id!r} has no {what} yet")
        return row

    def cancel(self, plan_id: str, workspace: str) -> CalendarRow:
        """Cancel the build under way, if any. A queued build never starts; a running one
        finishes its search and its result is discarded."""
        self.latest(plan_id, workspace)
        active = self._store.active_calendar(plan_id)
        if active is not None:
            self._store.cancel(CalendarRow, active.id)
            self._jobs.withdraw(active.id)
        return self.latest(plan_id, workspace)

    def ics(self, plan_id: str, manager_id: str, workspace: str) -> tuple[str, bytes]:
        """(Content-Disposition, RFC 5545 text) of one manager's visits, as `planner calendar` writes it."""
        plan = self._plans.within(workspace).get(plan_id)
        row = self._store.latest_calendar(plan_id, status="succeeded")
        if row is None:
            if self._store.active_calendar(plan_id) is not None:
                raise CalendarConflict(f"the calendar for plan {plan_id!r} is still being built")
            raise LookupError(f"plan {plan_id!r} has no finished calendar")
        assert row.summary is not None and row.visits is not None
        if manager_id not in {m["manager_id"] for m in row.summary["managers"]}:
            raise LookupError(f"manager {manager_id!r} has no accounts in the calendar of plan {plan_id!r}")
        visits = [visit_of(v) for v in row.visits if v["manager_id"] == manager_id]
        start = dt.date.fromisoformat(row.summary["horizon"]["start"])
        timezone = calendar_zone(row.summary["settings"]["timezone"], row.summary["horizon"].get("country"))
        cal = manager_calendar(manager_id, visits, self._plans.dataset_of(plan), timezone, ics_stamp(start))
        return ics_content_disposition(manager_id), cal.to_ical()


def calendar_inputs(
    dataset: Dataset,
    assignment: dict[str, str | None],
    spec: CalendarIn,
    service: dict[str, str] | None = None,
    team: dict[str, dict[str, list[str | None]]] | None = None,
) -> CalendarInputs:
    """The library's calendar inputs for a stored plan; InputError names the request field.
    `service`: the plan's reduced levels (account_id -> level name; absent = full service).
    `team`: the plan's account teams (planner.models.Plan.team); with them the calendar plans
    every role's visits and the joint visits, as `planner calendar` does from a plan.csv with roles."""
    if spec.settings is not None:
        policy = dataset.policy.model_copy(update={"calendar": spec.settings})
        dataset = dataset.model_copy(update={"policy": policy})
    work = make_calendar(
        spec.start.isoformat(), spec.weeks, spec.country, dataset.policy.calendar.weekday_set
    )
    horizon = work.horizon
    problems: list[InputProblem] = []
    leave: dict[str, set[dt.date]] = {}
    for k, away in enumerate(spec.leave):
        if away.manager_id not in dataset.manager_by_id:
            problems.append(
                _problem(
                    f"leave[{k}].manager_id",
                    f"unknown manager_id {away.manager_id!r} (not in the plan's data)",
                )
            )
            continue
        # Only days inside the horizon matter; clipping also bounds the work a long leave makes.
        first, last = max(away.start, horizon.start), min(away.end or away.start, horizon.end)
        days = leave.setdefault(away.manager_id, set())
        days.update(first + dt.timedelta(days=n) for n in range((last - first).days + 1))
    availability: dict[str, Availability] = {}
    for k, when in enumerate(spec.availability):
        if when.account_id not in dataset.account_by_id:
            problems.append(
                _problem(
                    f"availability[{k}].account_id",
                    f"unknown account_id {when.account_id!r} (not in the plan's data)",
                )
            )
            continue
        window = None
        if when.window_start or when.window_end:
            window = (parse_clock(when.window_start or "00:00"), parse_clock(when.window_end or "24:00"))
        weekdays = parse_weekdays(";".join(when.weekdays)) if when.weekdays else None
        availability[when.account_id] = Availability(weekdays, window)
    if problems:
        raise InputError(problems)
    plan = Assignment(
        manager_of={a: m for a, m in assignment.items() if m},
        tier_of={},  # the plan's tiers are the computed ones, as in its plan.csv
        unassigned=tuple(a for a, m in assignment.items() if not m),
        level_of={a: lv for a, lv in (service or {}).items() if assignment.get(a) and lv != "full"},
        # As planner.calendar.inputs.read_plan: filled slots of accounts with a manager.
        team_of={
            a: {role: tuple(p for p in people if p) for role, people in by_role.items()}
            for a, by_role in (team or {}).items()
            if assignment.get(a)
        },
        team_plan=bool(team),
    )
    return make_inputs(dataset, plan, work, {m: frozenset(d) for m, d in leave.items()}, availability)


def visit_row(v: Visit) -> dict[str, Any]:
    """A visit as stored and answered: the columns of visits.csv."""
    return {
        "manager_id": v.manager_id,
        "date": v.date.isoformat(),
        "start": format_clock(v.start),
        "end": format_clock(v.end),
        "account_id": v.account_id,
        "sequence": v.sequence,
        "travel_minutes_before": v.travel_minutes_before,
        "night_away": v.night_away,
        # A team plan's calendar (visits.csv's role and joint_with): the role on every visit,
        # the other person on a joint visit only.
        **({"role": v.role} if v.role else {}),
        **({"joint_with": v.joint_with} if v.joint_with else {}),
    }


def visit_of(row: dict[str, Any]) -> Visit:
    return Visit(
        manager_id=row["manager_id"],
        date=dt.date.fromisoformat(row["date"]),
        start=parse_clock(row["start"]),
        end=parse_clock(row["end"]),
        account_id=row["account_id"],
        sequence=int(row["sequence"]),
        travel_minutes_before=int(row["travel_minutes_before"]),
        night_away=bool(row.get("night_away", False)),  # absent in calendars stored before trips
        role=row.get("role", ""),
        joint_with=row.get("joint_with", ""),
    )


def _problem(column: str, message: str) -> InputProblem:
    return InputProblem("request", None, column, message)

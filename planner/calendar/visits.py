"""Visits with dates and clock times, and `visits.csv` in and out.

A day's route leaves home at the day start; each visit starts on arrival, or when the
account's time window opens if that is later, and lasts the tier's visit duration.
`travel_minutes_before` is the leg that ends at the visit (from home for the first one).

A team plan's calendar (planner.teams) adds two columns: `role`, the person's role on the account,
and `joint_with`, on a joint visit (planner.calendar.joint) the other person there, who starts
it at the same time on the same day.

`night_away` is true on every visit of a day after which the manager stays away overnight, near
the day's last visit (planner.calendar.trips); the next day then leaves from there, not from home.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from planner.calendar.solve import CalendarPlan
from planner.errors import InputError, InputProblem
from planner.io.tables import read_table
from planner.models.calendar_policy import format_clock, parse_clock
from planner.pvrp.check import route_times

VISIT_COLUMNS = (
    "manager_id", "date", "start", "end", "account_id", "sequence", "travel_minutes_before", "night_away",
)  # fmt: skip
TEAM_COLUMNS = ("role", "joint_with")  # written for a team plan's calendar only
_TRUE = {"true", "yes", "1", "y", "是"}


@dataclass(frozen=True)
class Visit:
    manager_id: str
    date: dt.date
    start: int  # minutes after midnight
    end: int
    account_id: str
    sequence: int  # 1-based order within the manager's day
    travel_minutes_before: int
    row: int | None = None  # row in visits.csv, when read back
    night_away: bool = False  # the night after this visit's day is spent away from home
    role: str = ""  # a team plan's calendar: the person's role on the account
    joint_with: str = ""  # a joint visit: the other person there (same day, same start)


def plan_visits(plan: CalendarPlan) -> list[Visit]:
    out: list[Visit] = []
    day_start = plan.inputs.calendar.day_start_minutes
    horizon = plan.inputs.work.horizon
    team = plan.inputs.assignment.team_plan
    together = {
        (who, j.account_id, j.day): other
        for j in plan.joint
        if j.placed and j.partner_id is not None
        for who, other in ((j.manager_id, j.partner_id), (j.partner_id, j.manager_id))
    }
    for m in plan.managers:
        problem = m.built.whole
        nights = m.built.trips.nights if m.built.trips is not None else frozenset()
        for d, day in enumerate(m.built.routes(m.result.solution.routes)):
            for route in day:
                times = route_times(problem, route, d)
                for seq, (c, begin, leg) in enumerate(
                    zip(route, times.start, times.travel_before, strict=True), start=1
                ):
                    start = day_start + round(begin)
                    account = m.built.account_ids[c - 1]
                    joint_with = (
                        together.get((m.built.manager_id, account, d), "") if c in m.built.joint else ""
                    )
                    out.append(
                        Visit(
                            manager_id=m.built.manager_id,
                            date=horizon.date(d),
                            start=start,
                            end=start + round(problem.service[c]),
                            account_id=account,
                            sequence=seq,
                            travel_minutes_before=round(leg),
                            night_away=d in nights,
                            role=m.built.role(c) if team else "",
                            joint_with=joint_with,
                        )
                    )
    out.sort(key=lambda v: (v.manager_id, v.date, v.sequence))
    return out


def write_visits(path: Path, visits: list[Visit]) -> None:
    team = any(v.role or v.joint_with for v in visits)
    with Path(path).open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow((*VISIT_COLUMNS, *TEAM_COLUMNS) if team else VISIT_COLUMNS)
        for v in visits:
            writer.writerow(
                [
                    v.manager_id,
                    v.date.isoformat(),
                    format_clock(v.start),
                    format_clock(v.end),
                    v.account_id,
                    v.sequence,
                    v.travel_minutes_before,
                    "true" if v.night_away else "",
                    *((v.role, v.joint_with) if team else ()),
                ]
            )


def read_visits(path: Path) -> list[Visit]:
    """visits.csv from a calendar directory (or the file itself); extra columns are ignored."""
    path = Path(path)
    if path.is_dir():
        path = path / "visits.csv"
    table = read_table(path)
    required = ("manager_id", "date", "start", "end", "account_id", "sequence")
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise InputError(
            [InputProblem(table.name, 1, ", ".join(missing), "required column missing from the header")]
        )
    problems: list[InputProblem] = []
    out: list[Visit] = []
    for number, row in table.rows:
        bad = False
        for column in required:
            if not row.get(column):
                problems.append(InputProblem(table.name, number, column, "required value is blank"))
                bad = True
        if bad:
            continue
        try:
            date = dt.date.fromisoformat(row["date"][:10])
        except ValueError:
            problems.append(
                InputProblem(table.name, number, "date", f"{row['date']!r} is not a date (YYYY-MM-DD)")
            )
            continue
        clocks = []
        for column in ("start", "end"):
            try:
                clocks.append(parse_clock(row[column]))
            except ValueError as exc:
                problems.append(InputProblem(table.name, number, column, str(exc)))
        numbers = []
        for column in ("sequence", "travel_minutes_before"):
            text = row.get(column, "") or "0"
            try:
                numbers.append(int(float(text)))
            except ValueError:
                problems.append(InputProblem(table.name, number, column, f"{text!r} is not a number"))
        if len(clocks) < 2 or len(numbers) < 2:
            continue
        out.append(
            Visit(
                row["manager_id"],
                date,
                clocks[0],
                clocks[1],
                row["account_id"],
                numbers[0],
                numbers[1],
                number,
                (row.get("night_away") or "").strip().casefold() in _TRUE,
                (row.get("role") or "").strip(),
                (row.get("joint_with") or "").strip(),
            )
        )
    if problems:
        raise InputError(problems)
    return out

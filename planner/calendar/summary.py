"""summary.json: what was asked, what was planned, what falls short and why.

Shortfall reasons, per account window left without a visit, first that applies:
    no working day      the manager does not work on any day of the window (leave, holidays)
    not available       the account is not available on any of the manager's working days there
    longer than a day   the visit does not fit a working day even on an overnight trip (the
                        road one way plus the visit exceed it), or the account's time window
                        is shorter than the visit
    no trip fits        an account too far for a day trip: no run of working days in the
                        window (before a day off) held an overnight trip that reached it
    not enough time     the days were there, but filled with more valuable visits (or the
                        tier's spacing left no day for it)

Visits are due at each account's service level in the plan: `visits.required_by_level` counts
them per level ("full", or a reduced level's name), `reduced_accounts` lists the accounts the
plan serves at a reduced level (fewer visits by decision, not a shortfall), and accounts the
plan leaves unserved are listed in `unassigned_accounts`: no visit is due, none is missing.

A team plan's calendar counts visits per role too (`visits.required_by_role`), and
`joint_visits` says how many joint visits the policy asks for, how many are placed (with their
day and start), and each one not placed with why (planner.calendar.joint_plan).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np

from planner.calendar.build import ManagerProblem
from planner.calendar.check import CalendarViolation, count_by_rule
from planner.calendar.solve import CalendarPlan
from planner.calendar.visits import Visit
from planner.models import TIER_ORDER
from planner.models.calendar_policy import format_clock
from planner.models.teams import ACCOUNT_MANAGER
from planner.pvrp.check import route_times
from planner.pvrp.problem import WindowRule


def build_summary(
    plan: CalendarPlan, visits: list[Visit], violations: list[CalendarViolation]
) -> dict[str, Any]:
    inputs = plan.inputs
    horizon = inputs.work.horizon
    cal = inputs.calendar
    required = dict.fromkeys((t.value for t in TIER_ORDER), 0)
    planned = dict.fromkeys((t.value for t in TIER_ORDER), 0)
    level_names = ["full"] + [lv.name for t in TIER_ORDER for lv in inputs.policy.tiers[t].reduced_levels]
    required_by_level = dict.fromkeys(level_names, 0)
    planned_by_level = dict.fromkeys(level_names, 0)
    required_by_role: defaultdict[str, int] = defaultdict(int)
    planned_by_role: defaultdict[str, int] = defaultdict(int)
    reduced_accounts: list[dict[str, Any]] = []
    managers: list[dict[str, Any]] = []
    short_accounts: list[dict[str, Any]] = []
    busiest: dict[str, Any] | None = None
    travel_total = 0.0
    for m in plan.managers:
        built = m.built
        p = built.whole
        routes = built.routes(m.result.solution.routes)
        visits_of: defaultdict[int, int] = defaultdict(int)
        for day in routes:
            for route in day:
                for c in route:
                    visits_of[c] += 1
        travel_min = 0.0
        visit_min = 0.0
        for d, day in enumerate(routes):
            for route in day:
                if not route:
                    continue
                times = route_times(p, route, d)
                travel_min += times.travel
                visit_min += float(p.service[list(route)].sum())
                hours = times.duration / 60
                if busiest is None or hours > busiest["hours"]:
                    busiest = {
                        "manager_id": built.manager_id,
                        "date": horizon.date(d).isoformat(),
                        "hours": round(hours, 2),
                        "visits": len(route),
                        "travel_hours": round(times.travel / 60, 2),
                    }
        trips = built.trips
        missed_visits = 0
        missed_minutes = 0.0
        for c in range(1, p.n_customers + 1):
            account = built.account_ids[c - 1]
            tier = inputs.tier[account].value
            level = inputs.level_of(account)
            rule = p.rules[c - 1]
            required[tier] += rule.required
            planned[tier] += visits_of.get(c, 0)
            required_by_level[level] += rule.required
            planned_by_level[level] += visits_of.get(c, 0)
            required_by_role[built.role(c)] += rule.required
            planned_by_role[built.role(c)] += visits_of.get(c, 0)
            if level != "full" and built.role(c) == ACCOUNT_MANAGER:
                reduced_accounts.append(
                    {
                        "account_id": account,
                        "manager_id": built.manager_id,
                        "tier": tier,
                        "level": level,
                        "visit_every_weeks": inputs.visit_every_weeks(account),
                        "tier_visit_every_weeks": inputs.policy.tiers[inputs.tier[account]].visit_every_weeks,
                        "required": rule.required,
                        "planned": visits_of.get(c, 0),
                    }
                )
            missing = rule.required - visits_of.get(c, 0)
            if missing > 0:
                missed_visits += missing
                missed_minutes += missing * (float(p.service[c]) + 2 * float(p.travel[0, c]))
                short_accounts.append(
                    {
                        "account_id": account,
                        "manager_id": built.manager_id,
                        "tier": tier,
                        "level": level,
                        "required": rule.required,
                        "planned": visits_of.get(c, 0),
                        "missing": missing,
                        "reason": _reason(
                            built, c, [d for d, day in enumerate(routes) for r in day if c in r]
                        ),
                        # A team plan's visit may be any role's: the words name it.
                        **({"role": built.role(c)} if inputs.assignment.team_plan else {}),
                    }
                )
        travel_total += travel_min
        managers.append(
            {
                "manager_id": built.manager_id,
                "accounts": len(set(built.account_ids)),  # a joint visit's node is one more
                "working_days": int(sum(1 for o in built.off if o is None)),
                # Days off of this manager alone (leave, or inactive), beside the horizon's.
                "own_days_off": [
                    {"date": horizon.date(d).isoformat(), "reason": o}
                    for d, o in enumerate(built.off)
                    if o is not None and inputs.work.working[d]
                ],
                "required_visits": p.required_visits(),
                "planned_visits": int(sum(visits_of.values())),
                "missed_visits": missed_visits,
                "missed_hours": round(missed_minutes / 60, 1),
                "travel_hours": round(travel_min / 60, 2),
                "visit_hours": round(visit_min / 60, 2),
                # Overnight trips to accounts a day trip cannot reach (planner.calendar.trips).
                "trips": sum(1 for d in trips.routes if trips.day_start[d] == 0) if trips else 0,
                "nights_away": len(trips.nights) if trips else 0,
                "remote_accounts": sorted(built.account_ids[c - 1] for c in trips.remote) if trips else [],
                "solver_status": m.result.status.value,
                "solver_seconds": round(m.result.runtime_s, 2),
            }
        )
    by_rule = count_by_rule(violations)
    over_days = {(v.manager_id, v.date) for v in violations if v.rule == "daily_hours"}
    return {
        "horizon": {
            "start": horizon.start.isoformat(),
            "end": horizon.end.isoformat(),
            "weeks": horizon.weeks,
            "country": inputs.work.country,
            "working_days_without_leave": int(sum(inputs.work.working)),
            # What a reader of the calendar needs to tell a holiday from an empty day.
            "days_off": inputs.work.days_off(),
            "extra_working_days": inputs.work.extra_working_days(),
        },
        "settings": cal.model_dump(),
        "visits": {
            "required_by_tier": required,
            "planned_by_tier": planned,
            "required_by_level": required_by_level,
            "planned_by_level": planned_by_level,
            "required": sum(required.values()),
            "planned": sum(planned.values()),
            "rows_in_visits_csv": len(visits),
            **(
                {"required_by_role": dict(required_by_role), "planned_by_role": dict(planned_by_role)}
                if inputs.assignment.team_plan
                else {}
            ),
        },
        **({"joint_visits": _joint(plan)} if plan.joint else {}),
        "travel_hours_total": round(travel_total / 60, 2),
        "busiest_day": busiest,
        "days_over_capacity": len(over_days),
        "shortfall": {
            "managers": [
                {
                    k: m[k]
                    for k in (
                        "manager_id",
                        "required_visits",
                        "planned_visits",
                        "missed_visits",
                        "missed_hours",
                    )
                }
                for m in managers
                if m["missed_visits"]
            ],
            "accounts": sorted(short_accounts, key=lambda a: (a["manager_id"], a["account_id"])),
        },
        "reduced_accounts": sorted(reduced_accounts, key=lambda a: (a["manager_id"], a["account_id"])),
        # Unserved by the plan (no manager): no visit is due, so none is counted as missing.
        "unassigned_accounts": list(inputs.assignment.unassigned),
        "managers": managers,
        "check": {"violations": len(violations), "by_rule": by_rule},
        "runtime_seconds": round(plan.runtime_s, 2),
    }


def _joint(plan: CalendarPlan) -> dict[str, Any]:
    horizon = plan.inputs.work.horizon
    day_start = plan.inputs.calendar.day_start_minutes
    placed = [j for j in plan.joint if j.placed and j.day is not None and j.start is not None]
    return {
        "asked": len(plan.joint),
        "placed": len(placed),
        "visits": [
            {
                "account_id": j.account_id,
                "manager_id": j.manager_id,
                "partner_id": j.partner_id,
                "role": j.role,
                "date": horizon.date(j.day).isoformat(),
                "start": format_clock(day_start + j.start),
            }
            for j in placed
            if j.day is not None and j.start is not None
        ],
        "not_placed": [
            {
                "account_id": j.account_id,
                "manager_id": j.manager_id,
                "partner_id": j.partner_id,
                "role": j.role,
                "window_start": horizon.date(j.window[0]).isoformat(),
                "window_end": horizon.date(j.window[1]).isoformat(),
                "reason": j.reason,
            }
            for j in plan.joint
            if not j.placed
        ],
    }


def _reason(built: ManagerProblem, c: int, visited: list[int]) -> str:
    p = built.whole
    remote = built.trips is not None and c in built.trips.remote
    rule = p.rules[c - 1]
    assert isinstance(rule, WindowRule)
    reasons = []
    for lo, hi in rule.windows:
        if any(lo <= d <= hi for d in visited):
            continue
        days = np.arange(lo, hi + 1)
        working = p.vehicles[days] > 0
        one_day = 2 * float(p.travel[0, c]) + float(p.service[c])
        window_short = False
        if p.time_window is not None:
            # The visit must also leave time to drive home before the day ends.
            latest_end = min(p.time_window[c, 1], p.max_duration[lo] - p.travel[c, 0])
            window_short = latest_end - max(p.time_window[c, 0], p.travel[0, c]) < p.service[c]
        if not working.any():
            reasons.append("no working day")
        elif not (working & rule.allowed[days]).any():
            reasons.append("not available")
        elif (
            remote and float(p.travel[0, c]) + float(p.service[c]) <= p.max_duration[lo] and not window_short
        ):
            reasons.append("no trip fits")
        elif one_day > p.max_duration[lo] or window_short:
            reasons.append("longer than a day")
        else:
            reasons.append("not enough time")
    return "; ".join(sorted(set(reasons))) or "not enough time"

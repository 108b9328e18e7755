"""The check's rule `joint_visit`: joint visits are in any calendar, not only the planner's.

Read from the visits alone (a calendar edited by hand included), against the windows the policy
asks joint visits in (planner.calendar.joint):
- each window needs a day on which the account manager and the holder of the joint role
  (the plan's team row) both visit the account;
- a visit marked `joint_with` somebody needs that person at the same account that day,
  starting at the same time.
"""

from __future__ import annotations

from collections import defaultdict

from planner.calendar.build import CalendarInputs
from planner.calendar.joint import joint_windows, person
from planner.calendar.violation import CalendarViolation
from planner.calendar.visits import Visit
from planner.models.calendar_policy import format_clock
from planner.models.teams import ACCOUNT_MANAGER


def check_joint(inputs: CalendarInputs, visits: list[Visit]) -> list[CalendarViolation]:
    horizon = inputs.work.horizon
    found: list[CalendarViolation] = []
    at: dict[tuple[str, str], dict[int, list[Visit]]] = defaultdict(lambda: defaultdict(list))
    for v in visits:
        if horizon.contains(v.date):
            at[(v.manager_id, v.account_id)][horizon.day(v.date)].append(v)
    for v in visits:
        if not v.joint_with or not horizon.contains(v.date):
            continue
        theirs = at.get((v.joint_with, v.account_id), {}).get(horizon.day(v.date), [])
        if not theirs:
            detail = f"marked as a joint visit with {v.joint_with}, who does not visit the account that day"
        elif all(o.start != v.start for o in theirs):
            starts = ", ".join(format_clock(o.start) for o in theirs)
            detail = (
                f"marked as a joint visit with {v.joint_with}, who starts at {starts}, "
                f"not at {format_clock(v.start)}"
            )
        else:
            continue
        found.append(CalendarViolation("joint_visit", v.manager_id, v.account_id, v.date, detail))
    teams = inputs.teams
    if teams is None or not inputs.assignment.team_plan:
        return found  # a calendar of the account managers alone: the plan names no team
    for account_id, manager_id in inputs.assignment.manager_of.items():
        windows = joint_windows(teams, inputs.tier[account_id], horizon.weeks)
        if not windows:
            continue
        rule = teams.joint(inputs.tier[account_id])
        assert rule is not None
        holders = inputs.assignment.team_of.get(account_id, {}).get(rule.role, ())
        a_days = at.get((manager_id, account_id), {})
        for lo, hi in windows:
            together = [
                d
                for d in range(lo, hi + 1)
                if d in a_days and any(d in at.get((h, account_id), {}) for h in holders)
            ]
            if together:
                continue
            who = person(inputs.dataset, manager_id, ACCOUNT_MANAGER)
            with_ = person(inputs.dataset, holders[0] if holders else None, rule.role)
            found.append(
                CalendarViolation(
                    "joint_visit",
                    manager_id,
                    account_id,
                    horizon.date(lo),
                    f"no day between {horizon.date(lo)} and {horizon.date(hi)} on which {who} and {with_} "
                    f"both visit the account (the policy asks for {rule.per_quarter} joint visit(s) a quarter)",
                )
            )
    return found

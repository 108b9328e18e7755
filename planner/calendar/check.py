"""`planner check-calendar`: validate any visit calendar, including one edited by hand.

Each manager's visits become routes of that manager's `PeriodicProblem` (days in the order of
`sequence`) and go through the same checker as the PVRP benchmark (`planner.pvrp.check`),
whose findings are renamed into calendar terms. The clock times in visits.csv are then
checked on their own, because a person may have moved a visit without moving the rest.

Rules (stable names):
    unknown_manager, unknown_account   ids not in the managers / accounts files
    wrong_manager     the plan gives the account to somebody else (or to nobody: unserved)
    outside_horizon   date outside --start .. --start + --weeks
    not_working_day / holiday / leave / manager_inactive   a visit on a day the manager is off
    duplicate_visit   the same account twice on one day
    frequency         a visit window with no visit, or with more than one; the windows follow
                      the account's service level in the plan (its tier's visit_every_weeks, or
                      the reduced level's; a team role's: the role's), and an unserved account
                      needs none; a visit marked `joint_with` is never one too many
    spacing           two visits of one account closer than the tier's min_spacing_days
    availability      a visit on a weekday the account is not available
    time_window       a visit starting before or ending after the account's window
    visit_duration    end - start differs from the tier's hours_per_visit
    timing            a visit starts before the manager can be there (day start or previous
                      visit's end, plus travel), or two visits of a day share a sequence number
    daily_hours       travel + visits (and waiting) of a day exceed hours_per_day (a day after a
                      night away starts near the previous day's last visit; a day before one
                      ends at its own last visit; a day with no visit after a night away is
                      the road home)
    night_away        a night away (visits.csv `night_away`) before a day off or past the horizon:
                      a trip ends at home before a weekend, holiday or leave
    joint_visit       a window the policy asks a joint visit in (teams.joint_visits) without a day
                      both the account manager and the role's holder visit the account, or a
                      visit marked `joint_with` somebody who does not start it with them
                      (planner.calendar.joint_check)

A team plan's calendar holds every role's visits: a visit is the person's if the plan gives them
the account in some role, and its frequency and length are that role's.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

import numpy as np

from planner.calendar.build import CalendarInputs, ManagerProblem, build_manager, managers_with_accounts
from planner.calendar.joint_check import check_joint
from planner.calendar.violation import CalendarViolation
from planner.calendar.visits import Visit
from planner.models.calendar_policy import format_clock
from planner.pvrp.check import check, route_times
from planner.pvrp.problem import PeriodicProblem, PeriodicSolution, WindowRule


def check_calendar(inputs: CalendarInputs, visits: list[Visit]) -> list[CalendarViolation]:
    ds = inputs.dataset
    horizon = inputs.work.horizon
    found: list[CalendarViolation] = []
    by_manager: dict[str, list[Visit]] = defaultdict(list)
    for v in visits:
        if v.manager_id not in ds.manager_by_id:
            found.append(
                CalendarViolation(
                    "unknown_manager", v.manager_id, v.account_id, v.date, "manager not in the managers file"
                )
            )
        elif v.account_id not in ds.account_by_id:
            found.append(
                CalendarViolation(
                    "unknown_account", v.manager_id, v.account_id, v.date, "account not in the accounts file"
                )
            )
        elif inputs.role_of(v.manager_id, v.account_id) is None:
            owner = inputs.assignment.manager_of.get(v.account_id)
            found.append(
                CalendarViolation(
                    "wrong_manager",
                    v.manager_id,
                    v.account_id,
                    v.date,
                    f"the plan assigns this account to {owner}"
                    if owner
                    else "the plan leaves this account unserved (no manager)",
                )
            )
        elif not horizon.contains(v.date):
            found.append(
                CalendarViolation(
                    "outside_horizon",
                    v.manager_id,
                    v.account_id,
                    v.date,
                    f"horizon is {horizon.start} to {horizon.end}",
                )
            )
        else:
            by_manager[v.manager_id].append(v)
    for manager_id in sorted(managers_with_accounts(inputs)):
        built = build_manager(inputs, manager_id)
        found += _check_manager(inputs, built, by_manager.get(manager_id, []))
    found += check_joint(inputs, visits)
    return found


def _check_manager(
    inputs: CalendarInputs, built: ManagerProblem, visits: list[Visit]
) -> list[CalendarViolation]:
    horizon = inputs.work.horizon
    mid = built.manager_id
    found: list[CalendarViolation] = []
    days: dict[int, list[Visit]] = defaultdict(list)
    for v in visits:
        days[horizon.day(v.date)].append(v)
    ordered = {d: sorted(vs, key=lambda v: (v.sequence, v.start)) for d, vs in days.items()}
    p, night_problems = _with_nights(inputs, built, ordered)
    found += night_problems
    routes: tuple[tuple[tuple[int, ...], ...], ...] = tuple(
        (tuple(built.node_of(v.account_id) for v in ordered[d]),) if d in ordered else ()
        for d in range(p.n_days)
    )
    report = check(p, PeriodicSolution(routes))
    # A visit marked joint may be one more than the person's role is due (outside its windows, or
    # a second one in a window); whether the other person is there is the rule joint_visit's
    # (planner.calendar.joint_check).
    joint_extra = {(v.account_id, horizon.day(v.date)) for v in visits if v.joint_with}
    over_days: set[int] = set()
    for problem_found in report.violations:
        d = problem_found.day
        date = horizon.date(d) if d is not None else None
        account = built.account_ids[problem_found.customer - 1] if problem_found.customer else ""
        if problem_found.rule == "routes_per_day" and d is not None:
            reason = built.off[d] or "day off"
            rule = _off_rule(reason)
            for v in days.get(d, []):
                found.append(CalendarViolation(rule, mid, v.account_id, date, reason))
        elif problem_found.rule == "repeat_visit":
            found.append(CalendarViolation("duplicate_visit", mid, account, date, problem_found.detail))
        elif problem_found.rule == "duration" and d is not None:
            need = route_times(p, routes[d][0], d).duration
            over_days.add(d)
            found.append(
                CalendarViolation(
                    "daily_hours",
                    mid,
                    "",
                    date,
                    f"travel + visits take {need:.0f} min, {inputs.calendar.minutes_per_day} min allowed",
                )
            )
        elif problem_found.rule == "frequency" and (account, d) in joint_extra:
            pass  # a joint visit is never one too many: the policy asks for it besides the role's
        elif problem_found.rule in ("frequency", "spacing", "availability"):
            found.append(CalendarViolation(problem_found.rule, mid, account, date, problem_found.detail))
        # capacity and time_window: no loads in the calendar; windows are checked on the clock below.
    for c in report.missed:
        window_rule = p.rules[c - 1]
        assert isinstance(window_rule, WindowRule)
        account = built.account_ids[c - 1]
        visited = {horizon.day(v.date) for v in visits if v.account_id == account}
        level = inputs.level_of(account)
        at_level = "" if level == "full" else f" (service level {level!r})"
        for lo, hi in window_rule.windows:
            if not any(lo <= d <= hi for d in visited):
                found.append(
                    CalendarViolation(
                        "frequency",
                        mid,
                        account,
                        horizon.date(lo),
                        f"no visit between {horizon.date(lo)} and {horizon.date(hi)}{at_level}",
                    )
                )
    for d, day_visits in sorted(ordered.items()):
        found += _clock_rules(inputs, p, built, d, day_visits, report_overrun=d not in over_days)
    return found


def _with_nights(
    inputs: CalendarInputs, built: ManagerProblem, ordered: dict[int, list[Visit]]
) -> tuple[PeriodicProblem, list[CalendarViolation]]:
    """The manager's problem with each day's start and end as the calendar's nights away say:
    a night away is spent near that day's last visit, and the next day leaves from there."""
    p = built.whole
    horizon = inputs.work.horizon
    start = np.zeros(p.n_days, dtype=np.int64)
    end = np.zeros(p.n_days, dtype=np.int64)
    found: list[CalendarViolation] = []
    limit = inputs.calendar.minutes_per_day
    for d in sorted(d for d, vs in ordered.items() if any(v.night_away for v in vs)):
        stay = built.node_of(ordered[d][-1].account_id)
        end[d] = stay
        after = d + 1
        date = horizon.date(d)
        if after >= p.n_days or built.off[after] is not None:
            why = (
                "the horizon ends"
                if after >= p.n_days
                else f"{horizon.date(after)} is a day off ({built.off[after]})"
            )
            found.append(
                CalendarViolation("night_away", built.manager_id, ordered[d][-1].account_id, date,
                                  f"a night away after {date}, but {why}: the trip must end at home")
            )  # fmt: skip
            continue
        start[after] = stay
        if after not in ordered and p.travel[stay, 0] > limit:
            found.append(
                CalendarViolation("daily_hours", built.manager_id, "", horizon.date(after),
                                  f"the road home takes {p.travel[stay, 0]:.0f} min, {limit} min allowed")
            )  # fmt: skip
    return replace(p, day_start=start, day_end=end), found


def _off_rule(reason: str) -> str:
    if reason == "leave":
        return "leave"
    if reason.startswith("holiday"):
        return "holiday"
    if reason == "manager inactive":
        return "manager_inactive"
    return "not_working_day"


def _clock_rules(
    inputs: CalendarInputs,
    p: PeriodicProblem,
    built: ManagerProblem,
    d: int,
    ordered: list[Visit],
    *,
    report_overrun: bool,
) -> list[CalendarViolation]:
    """Times of one manager-day, as written: durations, travel gaps, windows, end of day."""
    if not ordered:
        return []
    cal = inputs.calendar
    mid = built.manager_id
    date = inputs.work.horizon.date(d)
    found: list[CalendarViolation] = []
    seqs = [v.sequence for v in ordered]
    if len(set(seqs)) != len(seqs):
        found.append(CalendarViolation("timing", mid, "", date, f"sequence numbers repeat: {sorted(seqs)}"))
    free_at = cal.day_start_minutes
    prev = p.start_node(d)
    for v in ordered:
        node = built.node_of(v.account_id)
        need = round(p.service[node])
        if v.end - v.start != need:
            found.append(
                CalendarViolation(
                    "visit_duration",
                    mid,
                    v.account_id,
                    date,
                    f"{v.end - v.start} min, the tier asks for {need} min",
                )
            )
        arrive = free_at + round(p.travel[prev, node])
        if v.start < arrive:
            found.append(
                CalendarViolation(
                    "timing",
                    mid,
                    v.account_id,
                    date,
                    f"starts {format_clock(v.start)}, cannot be there before {format_clock(arrive)}",
                )
            )
        avail = inputs.availability.get(v.account_id)
        if (
            avail is not None
            and avail.window is not None
            and (v.start < avail.window[0] or v.end > avail.window[1])
        ):
            found.append(
                CalendarViolation(
                    "time_window",
                    mid,
                    v.account_id,
                    date,
                    f"{format_clock(v.start)}-{format_clock(v.end)} outside {format_clock(avail.window[0])}-{format_clock(avail.window[1])}",
                )
            )
        free_at = max(v.end, arrive + need)
        prev = node
    home = free_at + round(p.travel[prev, p.end_node(d)])
    limit = cal.day_start_minutes + cal.minutes_per_day
    if home > limit and report_overrun:
        where = "back home" if p.end_node(d) == 0 else "done"
        found.append(
            CalendarViolation(
                "daily_hours",
                mid,
                "",
                date,
                f"{where} at {format_clock(home)}, the working day ends at {format_clock(limit)}",
            )
        )
    return found


def count_by_rule(violations: list[CalendarViolation]) -> dict[str, int]:
    out: dict[str, int] = {}
    for v in violations:
        out[v.rule] = out.get(v.rule, 0) + 1
    return dict(sorted(out.items()))

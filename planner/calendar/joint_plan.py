"""Choose the day and start time of every joint visit before each person's calendar is planned.

For an account whose tier asks for joint visits (planner.calendar.joint), its account manager
A and the holder B of the joint role, and each window [lo, hi] a joint visit is due in:

    start s = max(road from A's home, road from B's home, the account's window opening)
              (minutes after the day starts: the earliest both can be there, leaving home)
    a day d of the window is a candidate when A and B both work on d (working day, no holiday,
    no leave), the account takes visits on d's weekday, neither already has a joint visit on
    d, and for each person s + their visit + the road home fits their working day and the
    visit ends inside the account's time window;
    the candidate with the fewest joint visits of A or B within SPREAD_DAYS is chosen, then
    the one nearest the window's middle (earliest on a tie): a person with many joint visits
    gets them spread over the window rather than stacked in one week (a fixed start time
    splits a day), and the role's other visits have room on either side for their spacing.

A window with no candidate is reported with the reason, first that applies: the role's slot
is unfilled; the visit does not fit one of them a day trip from home (joint visits are not
planned on overnight trips); they share no working day there; the account takes visits on no
common working day; every such day already holds another joint visit of one of them. The
chosen visit then goes into both calendars as a node of its own (planner.calendar.build), and
`confirm` reports one that the day's search still could not fit in either calendar.
"""

from __future__ import annotations

from collections import defaultdict

from planner.calendar.build import CalendarInputs, manager_off_days, travel_for
from planner.calendar.inputs import Availability
from planner.calendar.joint import JointVisit, joint_windows, person
from planner.models.teams import ACCOUNT_MANAGER

SPREAD_DAYS = 3  # a joint visit this close to another of the same person's crowds its week


def plan_joint(inputs: CalendarInputs) -> tuple[JointVisit, ...]:
    teams = inputs.teams
    if teams is None or not teams.joint_visits or not inputs.assignment.team_plan:
        return ()  # a calendar of the account managers alone: the plan names no team
    horizon = inputs.work.horizon
    out: list[JointVisit] = []
    busy: dict[str, set[int]] = defaultdict(set)  # person -> days holding a joint visit
    off: dict[str, tuple[str | None, ...]] = {}
    for account_id, manager_id in inputs.assignment.manager_of.items():
        tier = inputs.tier[account_id]
        windows = joint_windows(teams, tier, horizon.weeks)
        if not windows:
            continue
        rule = teams.joint(tier)
        assert rule is not None
        holders = inputs.assignment.team_of.get(account_id, {}).get(rule.role, ())
        partner = holders[0] if holders else None
        asked = [JointVisit(account_id, rule.role, manager_id, partner, w) for w in windows]
        if partner is None:
            out += [
                j.failed(f"the plan leaves the account's {rule.role.replace('_', ' ')} slot unfilled")
                for j in asked
            ]
            continue
        start, too_long = _start(inputs, account_id, manager_id, partner, rule.role)
        if too_long:
            out += [j.failed(too_long) for j in asked]
            continue
        for who in (manager_id, partner):
            if who not in off:
                off[who] = manager_off_days(inputs, who)
        for j in asked:
            day, why = _day(inputs, j, off, busy)
            if day is None:
                out.append(j.failed(why))
                continue
            busy[manager_id].add(day)
            busy[partner].add(day)
            out.append(JointVisit(account_id, rule.role, manager_id, partner, j.window, day, start))
    return tuple(out)


def _start(
    inputs: CalendarInputs, account_id: str, manager_id: str, partner: str, role: str
) -> tuple[int, str | None]:
    """(start in minutes after the day starts, None) or (0, why no day trip holds the visit)."""
    cal = inputs.calendar
    avail = inputs.availability.get(account_id, Availability())
    legs = {}
    for who, their_role in ((manager_id, ACCOUNT_MANAGER), (partner, role)):
        travel = travel_for(inputs, who, [account_id])
        legs[who] = (round(travel[0, 1]), inputs.visit_minutes(account_id, their_role), round(travel[1, 0]))
    opens = avail.window[0] - cal.day_start_minutes if avail.window is not None else 0
    start = max(opens, *(there for there, _, _ in legs.values()))
    closes = avail.window[1] - cal.day_start_minutes if avail.window is not None else cal.minutes_per_day
    for who, their_role in ((manager_id, ACCOUNT_MANAGER), (partner, role)):
        there, visit, back = legs[who]
        name = person(inputs.dataset, who, their_role)
        if start + visit + back > cal.minutes_per_day:
            return 0, (
                f"starting together at {_clock(inputs, start)} (the earliest both can be there), "
                f"{name} would be home at {_clock(inputs, start + visit + back)}: {there} min there, "
                f"{visit} min visit, {back} min back do not fit a {cal.minutes_per_day} min working day "
                "(joint visits are not planned on overnight trips)"
            )
        if start + visit > closes:
            return 0, (
                f"starting together at {_clock(inputs, start)} (the earliest both can be there), "
                f"{name}'s {visit} min visit would end after the account closes at {_clock(inputs, closes)}"
            )
    return start, None


def _day(
    inputs: CalendarInputs,
    j: JointVisit,
    off: dict[str, tuple[str | None, ...]],
    busy: dict[str, set[int]],
) -> tuple[int | None, str]:
    horizon = inputs.work.horizon
    lo, hi = j.window
    assert j.partner_id is not None
    a, b = j.manager_id, j.partner_id
    avail = inputs.availability.get(j.account_id, Availability())
    both = [d for d in range(lo, hi + 1) if off[a][d] is None and off[b][d] is None]
    open_ = [d for d in both if avail.weekdays is None or horizon.date(d).weekday() in avail.weekdays]
    free = [d for d in open_ if d not in busy[a] and d not in busy[b]]
    if free:
        middle = (lo + hi) / 2

        def crowd(d: int) -> int:  # joint visits either already has in d's week
            return sum(abs(d - e) <= SPREAD_DAYS for who in (a, b) for e in busy[who])

        return min(free, key=lambda d: (crowd(d), abs(d - middle), d)), ""
    name_a = person(inputs.dataset, a, ACCOUNT_MANAGER)
    name_b = person(inputs.dataset, b, j.role)
    between = f"between {horizon.date(lo)} and {horizon.date(hi)}"
    if not both:
        works_a = sum(off[a][d] is None for d in range(lo, hi + 1))
        works_b = sum(off[b][d] is None for d in range(lo, hi + 1))
        return None, (
            f"{name_a} and {name_b} have no working day in common {between} "
            f"({name_a.split(' (')[0]} works {works_a} of those days, {name_b.split(' (')[0]} {works_b}: "
            "leave, holidays or different working days)"
        )
    if not open_:
        return None, (
            f"the account takes visits on none of the {len(both)} working day(s) {name_a} and {name_b} "
            f"share {between}"
        )
    return None, (
        f"each of the {len(open_)} day(s) {name_a} and {name_b} could both visit {between} "
        "already holds another joint visit of one of them"
    )


def confirm(
    inputs: CalendarInputs, joint: tuple[JointVisit, ...], visited: dict[tuple[str, str], set[int]]
) -> tuple[JointVisit, ...]:
    """The joint visits with those a person's day search left out reported as not placed:
    `visited[(person, account)]` = the days that person's calendar has the account's joint
    visit on (the other person's visit that day stays, on its own)."""
    out = []
    for j in joint:
        if j.placed and j.day is not None and j.start is not None:
            missing = [
                who
                for who in (j.manager_id, j.partner_id)
                if who and j.day not in visited.get((who, j.account_id), set())
            ]
            if missing:
                j = j.failed(
                    f"{' and '.join(missing)} could not fit it at {_clock(inputs, j.start)} on "
                    f"{inputs.work.horizon.date(j.day)} (the day's other visits and roads left no room)"
                )
        out.append(j)
    return tuple(out)


def _clock(inputs: CalendarInputs, minutes_after_start: int) -> str:
    total = inputs.calendar.day_start_minutes + minutes_after_start
    return f"{total // 60:02d}:{total % 60:02d}"

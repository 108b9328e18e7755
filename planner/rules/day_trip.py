"""visit_fits_a_day: a manager may serve an account only if the calendar can visit it within
working days (`calendar.hours_per_day`), so that the assignment never promises visits the calendar
cannot place (#13).

With overnight trips (policy `overnight: true`, the default) the road one way plus the visit must
fit a day: the manager stays the night and comes back the next day (planner.calendar.trips).
Without them (`overnight: false`) the road there and back plus the visit must fit one day: a
Hangzhou manager's strategic account 3.6 h away by road needs 3 h on site plus 7.2 h driving.

The travel is the assignment's own (planner.travel: road, train or plane, or the matrix).
"""

from __future__ import annotations

import numpy as np

from planner.context import Context
from planner.rules.base import PairRule, register_pair
from planner.travel import one_way_hours

KEY = "overnight"


def visit_fits_a_day(ctx: Context, a: np.ndarray, m: np.ndarray) -> np.ndarray:
    policy = ctx.dataset.policy
    shape = np.broadcast_shapes(np.shape(a), np.shape(m))
    legs = 1 if policy.setting(KEY) else 2  # one way and a night away, or there and back
    visit = ctx.tier_param("hours_per_visit")[ctx.tier[a]]
    fits = legs * one_way_hours(ctx, a, m) + visit <= policy.calendar.hours_per_day + 1e-9
    return np.broadcast_to(fits, shape)


def _none_left(ctx: Context, i: int) -> str:
    day = ctx.dataset.policy.calendar.hours_per_day
    if ctx.dataset.policy.setting(KEY):
        return (
            f"are too far from every eligible manager even with a night away (the road one way plus the "
            f"visit exceed a {day:g}-hour working day); hire nearer, or give travel times (travel.matrix_file)"
        )
    return (
        f"are too far from every eligible manager for a day trip (the road there and back plus the visit "
        f"exceed a {day:g}-hour working day); allow overnight trips (policy overnight: true) or hire nearer"
    )


def _breach(ctx: Context, a: int, m: int) -> str:
    account, manager = ctx.dataset.accounts[a].account_id, ctx.dataset.managers[m].manager_id
    hours = float(one_way_hours(ctx, np.array(a), np.array(m)))
    visit = float(ctx.tier_param("hours_per_visit")[ctx.tier[a]])
    day = ctx.dataset.policy.calendar.hours_per_day
    if ctx.dataset.policy.setting(KEY):
        return (f"account {account} is {hours:.1f} h from manager {manager}: the road one way and the "
                f"{visit:g}-hour visit exceed a {day:g}-hour working day, even with a night away")  # fmt: skip
    return (f"account {account} is {hours:.1f} h from manager {manager}: there and back with the "
            f"{visit:g}-hour visit exceed a {day:g}-hour working day (overnight trips are off)")  # fmt: skip


register_pair(
    PairRule(
        "visit_fits_a_day",
        visit_fits_a_day,
        "the calendar can reach the account: the road one way (with overnight trips) or both ways "
        "(without), plus the visit, fit a working day",
        _none_left,
        _breach,
        expensive=True,
    ),
    (KEY, bool, True, "overnight trips allowed; false: every account within a day trip"),
)

"""visit_fits_a_day: without overnight trips (policy `overnight: false`), a manager may serve an
account only if one visit and the road there and back fit a working day (`calendar.hours_per_day`).
Otherwise the assignment would promise visits the calendar cannot place (#13): a Hangzhou manager's
strategic account 4 h away in Shanghai needs 3 h on site plus 8 h on the road in an 8-hour day.

The travel is the assignment's own (great-circle by road factor and speed, or the travel matrix).
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
    if policy.setting(KEY):
        return np.ones(shape, dtype=bool)
    visit = ctx.tier_param("hours_per_visit")[ctx.tier[a]]
    return np.broadcast_to(
        2 * one_way_hours(ctx, a, m) + visit <= policy.calendar.hours_per_day + 1e-9, shape
    )


def _none_left(ctx: Context, i: int) -> str:
    day = ctx.dataset.policy.calendar.hours_per_day
    return (
        f"are too far from every eligible manager for a day trip (the road there and back plus the visit "
        f"exceed a {day:g}-hour working day); allow overnight trips (policy overnight: true) or hire nearer"
    )


register_pair(
    PairRule(
        "visit_fits_a_day",
        visit_fits_a_day,
        "without overnight trips, one visit and the road there and back fit a working day",
        _none_left,
    ),
    (KEY, bool, True, "overnight trips allowed: false makes visit_fits_a_day a hard rule"),
)

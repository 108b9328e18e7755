"""A start for a scarce region that packs its most valuable accounts first, exactly.

Under scarcity a region's plan is decided by a few heavy, valuable units: on the 3,000 x 80 set
one region of 280 accounts and 8 managers holds 32 accounts worth 5 M points or more left out, of about 25 h a month
each (a manager has 105-139 h), and leaving one out costs 19 M points, more than the LP
of the whole region (5.5 M). Which managers they go to is a bin packing: value first places them
one by one and left one out (18.7 M), and HiGHS, given the whole region from that start, was still
at 7.46 M after 3 s (6.44 M after 90 s).

So: HiGHS first on those units alone (the others left out), each option priced by its cost plus
its hours at the region's price of an hour (`value_first.hour_price`), so the packing leaves the
hours the others need; a small MIP it usually proves in well under a second. Then value first
fills the room left around them. On that region: 9.1 M before any search, and 6.51 M after 3 s of
HiGHS from it (bound 6.04 M).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from planner.budget import Budget
from planner.problem import AssignmentProblem
from planner.solvers.rins import Choice, solve_mip
from planner.solvers.value_first import hour_price, unit_worth, value_first

# Units worth at least this many times the region's price of an hour are packed first. On the
# 3,000 x 80 set a strategic account's hour is worth 60-70 times the price, a standard one's
# about once it.
PACK_RATIO = 10.0
PACK_SHARE = 0.3  # of the budget, at most, for the packing MIP


def packed_start(problem: AssignmentProblem, budget: Budget) -> Choice | None:
    """A valid plan whose most valuable units were packed by a MIP first (None when there
    is no price of an hour, nothing to pack, or the MIP found nothing in its time)."""
    heavy, price = heavy_units(problem)
    if not heavy.any() or heavy.all():
        return None
    priced = problem.pair_cost + np.rint(price[problem.pair_agent] * problem.pair_weight)
    packing = replace(problem, pair_cost=priced.astype(problem.pair_cost.dtype), hint=None)
    found, _reason, _bound = solve_mip(
        packing, heavy[problem.pair_unit], None, budget.child(budget.remaining() * PACK_SHARE)
    )
    if found is None:
        return None
    pairs = problem.pair_index(*found)
    fixed = np.where(heavy, pairs, -1)
    return value_first(problem, fixed, budget)


def heavy_units(problem: AssignmentProblem) -> tuple[np.ndarray, np.ndarray]:
    """(U,) the units packed first: worth PACK_RATIO times their region's price of an hour or
    more, where hours have a price; and (M,) that price per agent (`value_first.hour_price`)."""
    priority, full_hours = unit_worth(problem)
    price = hour_price(problem, priority, full_hours)
    region_price = price[_home(problem)]
    return (region_price > 0) & (priority >= PACK_RATIO * region_price), price


def _home(problem: AssignmentProblem) -> np.ndarray:
    """(U,) an agent each unit may go to: all of a unit's options lie in one region, so any
    of them gives the region's price (units with none get agent 0, and are never heavy)."""
    home = np.zeros(problem.n_units, dtype=np.int64)
    home[problem.pair_unit] = problem.pair_agent
    return home

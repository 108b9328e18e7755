"""Two managers at a time: their accounts re-packed exactly, with the valuable accounts nobody serves.

Under scarcity a region's plan is a packing of heavy accounts (a strategic account takes 10-43 h
of a 96-128 h month, travel included) into a few managers, and what is wrong with a plan is
usually a pair of managers packed badly: one reduces a key account (about 175 k points for the
5 h it saves) while another spends 20 h on standard accounts worth 3 k points an hour. Fixing that
moves accounts across both managers at once, which neither one-manager knapsacks
(`knapsack_sweep`) nor the LP's neighbourhood (`rins`, whose LP is integral where the plan is
wrong) do well.

So, until the budget ends: take a manager and a partner drawn by how many accounts they could
both serve, free every account the two hold and every account nobody serves that could go to
either and is worth at least `WORTH_RATIO` of the region's price of an hour
(`value_first.hour_price`; the cheap standard accounts nobody serves would only slow the MIP,
and a later knapsack sweep puts them into the room left), and give that small MIP to HiGHS with
the plan as its start. A pair HiGHS proved optimal without a better plan is not drawn again until
one of its managers changes.

Measured on the largest region of the generated 3,000 x 80 set (17,424 options, 17 managers):
from the same plan (8.94 M points, LP bound 7.96 M), 15 s of pairs reached 8.50 M, three managers
at a time 8.61 M (HiGHS rarely proves those within 1 s), all unserved accounts freed 8.60 M;
HiGHS on the whole region needs 300 s for 8.26 M.
"""

from __future__ import annotations

import math

import numpy as np

from planner.budget import Budget
from planner.problem import AssignmentProblem
from planner.solvers.rins import Choice, solve_mip
from planner.solvers.value_first import hour_price, unit_worth

WORTH_RATIO = 0.2  # unserved accounts worth at least this share of an hour's price join a pair
# HiGHS' time on one pair, at most; most pairs it proves in 0.1-0.3 s. Quiet, 3,000 x 80 scarce
# (30 s, seeds 7 / 0): 0.5 s 2.38 % / 1.75 %, 0.3 s 2.14-2.18 % / 1.74 %, 0.2 s 2.40 % / 1.75 %.
STEP_SECONDS = 0.3
MIN_STEP_SECONDS = 0.15  # no pair starts with less time left than this


def improve_by_pairs(problem: AssignmentProblem, start: Choice, budget: Budget, seed: int = 0) -> Choice:
    """The best plan met re-packing two managers at a time from `start` (a valid plan) within
    `budget`; never worse than `start`."""
    if problem.n_agents < 2:
        return start
    rng = np.random.default_rng(seed)
    priority, full_hours = unit_worth(problem)
    price = hour_price(problem, priority, full_hours)
    worth = (
        priority >= WORTH_RATIO * float(np.median(price))
        if (price > 0).any()
        else np.ones(problem.n_units, bool)
    )
    may = np.zeros((problem.n_agents, problem.n_units), dtype=bool)
    may[problem.pair_agent, problem.pair_unit] = True
    shared = may.astype(np.float64) @ may.T.astype(np.float64)
    np.fill_diagonal(shared, 0.0)
    best, objective = start, float(problem.objective_of(*start))
    proven: set[tuple[int, int]] = set()  # pairs proven optimal since their managers last changed
    while budget.remaining() >= MIN_STEP_SECONDS:
        pair = _draw(rng, shared, proven)
        if pair is None:
            break
        a, b = pair
        own = problem.pair_index(*best)
        placed = own >= 0
        holder = np.full(problem.n_units, -1, dtype=np.int64)
        holder[placed] = problem.pair_agent[own[placed]]
        free = (holder == a) | (holder == b) | (~placed & worth & (may[a] | may[b]))
        keep = np.zeros(problem.n_pairs, dtype=bool)
        keep[own[placed]] = True
        keep |= free[problem.pair_unit] & ((problem.pair_agent == a) | (problem.pair_agent == b))
        found, reason, _ = solve_mip(problem, keep, best, budget.child(min(STEP_SECONDS, budget.remaining())))
        value = float(problem.objective_of(*found)) if found is not None else math.inf
        if value < objective:
            best, objective = found, value  # type: ignore[assignment]
            proven = {p for p in proven if a not in p and b not in p}
        elif reason == "optimal":
            proven.add((min(a, b), max(a, b)))
    return best


def _draw(
    rng: np.random.Generator, shared: np.ndarray, proven: set[tuple[int, int]]
) -> tuple[int, int] | None:
    """A pair of managers not proven, drawn with odds by the accounts they share (None: all are)."""
    weights = shared.copy()
    for a, b in proven:
        weights[a, b] = weights[b, a] = 0.0
    total = float(weights.sum())
    if total <= 0.0:
        return None
    flat = int(rng.choice(weights.size, p=(weights / total).ravel()))
    a, b = divmod(flat, weights.shape[1])
    return int(a), int(b)

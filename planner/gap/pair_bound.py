"""A lower bound for any assignment problem from its pairs alone: capacities priced, the rest dropped.

For multipliers v >= 0 on the agents' capacities,

    L(v) = sum_u min( min_{p of u} (cost[p] + v[agent(p)] weight[p]),  unassigned_cost[u] )
           - sum_m v[m] capacity[m]

is at most the pair and unserved cost of every plan (the argument of `planner.gap.lagrange`, on
the pair list instead of dense matrices, and with an option of leaving a unit unserved where the
problem allows it). Every other part of the model only adds to the objective or removes plans:
the balance and peer-spread terms are >= 0 (coefficients >= 0, max - min), and the lower bands,
named limits, move budget and exclusive rows are dropped. So L(v) is a proven lower bound of the
whole problem for any v >= 0; projected subgradient steps (Polyak's, towards the best plan's
value) raise it towards the LP bound of the capacities-only relaxation.

Why: on the side-constrained models the engine hands to CP-SAT, CP-SAT at 20,000 x 500
(800,000 pairs) spends a 10 s limit building and loading its model and proves nothing, and the
plan went out with a bound of 0 ("gap 100 %"). One step here is a few vectorised passes over
the pairs (about 10 ms at 800,000 pairs), so a second buys a bound within about a percent.
"""

from __future__ import annotations

import math

import numpy as np

from planner.budget import Budget
from planner.problem import AssignmentProblem

# Taken off before the bound is rounded up: float sums of the priced pairs (1e6-1e8 at planner
# sizes) carry rounding of about 1e-16 per term and unit of value.
_ROUND_EPS = 1e-6
_ROUND_REL = 1e-9


def relaxes(problem: AssignmentProblem) -> bool:
    """True when every term this bound drops is >= 0 for every plan (coefficients >= 0)."""
    if problem.balance_coef < 0:
        return False
    return problem.spread_coef is None or bool((np.asarray(problem.spread_coef) >= 0).all())


def pair_bound(
    problem: AssignmentProblem, limit: Budget | float, upper: float | None = None, max_steps: int = 2000
) -> int | None:
    """The best L(v) found within `limit`, rounded up (the objective is an integer); None when
    the problem has no plan to bound (a unit with no pair that must be served) or when a
    dropped term could be negative. `upper`: the value of a known plan, the steps' target."""
    budget = Budget.of(limit)
    if problem.n_units == 0 or not relaxes(problem):
        return None
    order = np.argsort(problem.pair_unit, kind="stable")
    unit = problem.pair_unit[order]
    agent = problem.pair_agent[order]
    cost = problem.pair_cost[order].astype(float)
    weight = problem.pair_weight[order].astype(float)
    starts = np.flatnonzero(np.r_[True, unit[1:] != unit[:-1]]) if unit.size else np.zeros(0, dtype=np.int64)
    served = unit[starts]  # units with at least one pair, in order
    unserved = np.full(problem.n_units, np.inf)
    if problem.unassigned_cost is not None:
        unserved = problem.unassigned_cost.astype(float)
    lonely = np.ones(problem.n_units, dtype=bool)
    lonely[served] = False
    if not np.isfinite(unserved[lonely]).all():
        return None  # a unit nobody may serve, and it must be served: no plan to bound
    fixed = float(unserved[lonely].sum())  # units without pairs are left unserved in every plan
    cap_out = unserved[served]
    segment = np.repeat(np.arange(starts.size), np.diff(np.r_[starts, unit.size]))
    capacity = problem.capacity.astype(float)
    m = problem.n_agents

    def evaluate(v: np.ndarray) -> tuple[float, np.ndarray]:
        priced = cost + v[agent] * weight
        best = np.minimum(np.minimum.reduceat(priced, starts), cap_out) if starts.size else priced[:0]
        value = fixed + float(best.sum()) - float(v @ capacity)
        # Load of each unit's cheapest pair (the first one where several tie; none when the
        # unit is cheaper left unserved): the subgradient is that load less the capacity.
        hit = np.flatnonzero(priced <= best[segment])
        first = hit[np.r_[True, segment[hit][1:] != segment[hit][:-1]]] if hit.size else hit
        load = np.bincount(agent[first], weights=weight[first], minlength=m)
        return value, load - capacity

    v = np.zeros(m)
    best_v_value = -math.inf
    best_v = v.copy()
    theta, stall = 2.0, 0
    for _ in range(max_steps):
        value, grad = evaluate(v)
        if value > best_v_value + 1e-9:
            best_v, best_v_value, stall = v.copy(), value, 0
        else:
            stall += 1
            if stall >= 20:
                theta, stall = theta / 2, 0
                v = best_v.copy()
        grad = np.where((v <= 0) & (grad < 0), 0.0, grad)  # projection onto v >= 0
        norm = float(grad @ grad)
        if norm == 0 or theta < 1e-4 or budget.expired():
            break
        if upper is not None and _rounded(best_v_value) >= upper:
            break  # the plan of value `upper` is proven optimal
        target = best_v_value + 1e-3 * abs(best_v_value) + 1 if upper is None else upper
        target = max(target, best_v_value + 1e-4 * abs(best_v_value) + 1)
        v = np.maximum(0.0, v + theta * (target - value) / norm * grad)
    return _rounded(best_v_value)


def _rounded(value: float) -> int:
    return math.ceil(value - _ROUND_EPS - _ROUND_REL * abs(value))

"""Lagrangian relaxation of the capacity constraints: a proven lower bound and reduced costs.

For multipliers v >= 0 on the capacities,

    L(v) = sum_j min_i (c[i][j] + v[i] a[i][j]) - sum_i v[i] b[i]  <=  OPT,

because for any feasible x, c.x = sum_ij (c + v a) x - sum_i v[i] load[i] >= that
expression. What remains after relaxing capacities has the integrality property, so
max_v L(v) equals the LP relaxation bound; we reach it approximately by a projected
subgradient ascent over just m numbers (one (m, n) pass per step).

The same argument gives *additive* reduced costs: with
rc[i][j] = c[i][j] + v[i] a[i][j] - min_k (c[k][j] + v[k] a[k][j]) >= 0, every feasible
solution x has c.x >= L(v) + sum_j rc[x_j][j]. So a pair with L(v) + rc >= UB cannot be
in any solution better than an incumbent of value UB, which is what makes fixing it safe.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from planner.budget import Budget
from planner.gap.dense import DenseGap

# Float sums of integer data are exact far beyond GAP sizes; this only absorbs the rounding
# of the multipliers' products before we round the bound up to the next integer.
_ROUND_EPS = 1e-6


@dataclass(frozen=True)
class Lagrangian:
    multipliers: np.ndarray  # (m,) v >= 0
    value: float  # L(v), a valid lower bound on the (integer) optimum
    reduced_cost: np.ndarray  # (m, n) rc >= 0, +inf where ineligible
    iterations: int

    @property
    def bound(self) -> int:
        """The bound rounded up: the objective is an integer."""
        return math.ceil(self.value - _ROUND_EPS)


def evaluate(dense: DenseGap, v: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """L(v), each job's argmin agent, and the subgradient (load - capacity)."""
    priced = dense.cost + v[:, None] * dense.weight
    best = priced.argmin(axis=0)
    jobs = np.arange(dense.n_jobs)
    value = float(priced[best, jobs].sum() - v @ dense.capacity)
    load = np.bincount(best, weights=dense.weight[best, jobs], minlength=dense.n_agents)
    return value, best, load - dense.capacity


def reduced_costs(dense: DenseGap, v: np.ndarray) -> np.ndarray:
    priced = dense.cost + v[:, None] * dense.weight
    return priced - priced.min(axis=0)


def ascend(
    dense: DenseGap,
    upper: float,
    limit: Budget | float,
    incumbent: float | None = None,
    max_iterations: int = 3000,
    start: np.ndarray | None = None,
) -> Lagrangian:
    """Projected subgradient ascent with Polyak steps towards `upper` (an objective estimate,
    typically the incumbent's value; `incumbent` only when it is a real solution's value).

    The step factor halves after a run of non-improving steps, the usual Held-Karp scheme;
    it stops when `limit` (a budget, or seconds) expires, after `max_iterations`, or once the
    bound meets `upper`.
    """
    budget = Budget.of(limit)
    v = np.zeros(dense.n_agents) if start is None else start.astype(float).copy()
    best_v, best_value = v.copy(), -math.inf
    theta, stall, iterations = 2.0, 0, 0
    for _ in range(max_iterations):
        iterations += 1
        value, _, grad = evaluate(dense, v)
        if value > best_value + 1e-9:
            best_v, best_value, stall = v.copy(), value, 0
        else:
            stall += 1
            if stall >= 20:
                theta, stall = theta / 2, 0
                v = best_v.copy()
        # Only violated directions matter where v is already 0 (projection onto v >= 0).
        grad = np.where((v <= 0) & (grad < 0), 0.0, grad)
        norm = float(grad @ grad)
        if norm == 0 or theta < 1e-4:
            break
        if incumbent is not None and math.ceil(best_value - _ROUND_EPS) >= incumbent:
            break  # the incumbent is proven optimal
        target = max(upper, best_value + 1e-3 * abs(best_value) + 1)
        v = np.maximum(0.0, v + theta * (target - value) / norm * grad)
        if budget.expired():
            break
    return Lagrangian(best_v, best_value, reduced_costs(dense, best_v), iterations)

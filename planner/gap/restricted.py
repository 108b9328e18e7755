"""CP-SAT on a reduced pair set, hinted with the incumbent: the engine's improvement phase.

The pair set keeps, for each job, its `k` agents of smallest Lagrangian reduced cost plus
its incumbent agent, and drops every pair that reduced-cost fixing rules out. Solutions of
the reduced model are solutions of the full one; its *bound* is not a bound for the full
problem unless every dropped pair was dropped by fixing (`RestrictedModel.exact`), in which
case min(incumbent, reduced bound) is one (see `planner.gap.lagrange`).

The model itself is `planner.solvers.cpsat.build_model` on a sub-`AssignmentProblem`, the
same code the planner's CP-SAT backend runs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from planner.gap.dense import DenseGap
from planner.gap.lagrange import Lagrangian
from planner.problem import AssignmentProblem


@dataclass(frozen=True, eq=False)
class RestrictedModel:
    problem: AssignmentProblem  # same units and agents, fewer pairs, incumbent as hint
    pairs: np.ndarray  # (P',) indices into the full problem's pairs
    exact: bool  # True when only provably useless pairs were dropped


def fixable(lagrangian: Lagrangian, incumbent: float) -> np.ndarray:
    """(m, n) True where a pair cannot be in any solution cheaper than `incumbent`."""
    # Any solution using pair (i, j) costs at least L(v) + rc[i][j]; costs are integers.
    return lagrangian.value + lagrangian.reduced_cost > incumbent - 1 + 1e-6


def restrict(
    problem: AssignmentProblem,
    dense: DenseGap,
    lagrangian: Lagrangian,
    incumbent: np.ndarray | None,
    incumbent_cost: float,
    k: int,
    hint: bool = True,
) -> RestrictedModel:
    m, n = dense.n_agents, dense.n_jobs
    rc = np.where(dense.eligible, lagrangian.reduced_cost, np.inf)
    dead = fixable(lagrangian, incumbent_cost) | ~dense.eligible
    keep = ~dead
    exact = True
    if k < m:
        kth = np.partition(rc, k - 1, axis=0)[k - 1]
        near = rc <= kth[None, :]
        exact = bool((near | dead).all())
        keep &= near
    if incumbent is not None:
        keep[incumbent, np.arange(n)] = True
    pairs = np.sort(dense.pair_of[keep])
    sub = replace(problem.with_pairs(pairs), hint=incumbent if hint else None)
    return RestrictedModel(sub, pairs, exact)

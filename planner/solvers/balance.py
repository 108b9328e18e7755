"""Lift the least-loaded managers: a balance repair for plans whose parts were solved alone.

The split backend solves each region with the balance term dropped, so the combined plan
often leaves a few managers far below the rest (a junior with few eligible accounts, say):
the spread U_max - U_min is set by them alone. Moving one account to the lowest manager
rarely pays, because the next lowest then sets the spread; what pays is lifting every
manager below some level t together. So for each level t on a grid, each manager below t
takes the accounts that are cheapest per hour to take from managers who stay at or above t
(and within their capacity and account cap), and the level whose exact objective is lowest
wins. The result is checked with the problem's own objective and constraints; a plan that
is not better is never returned.
"""

from __future__ import annotations

import numpy as np

from planner.budget import Budget
from planner.problem import AssignmentProblem
from planner.solvers.cpsat import satisfies

GRID_STEPS = 20  # levels tried between today's minimum and the mean utilisation


def lift_minimum(
    problem: AssignmentProblem, unit_agent: np.ndarray, limit: Budget | float = 2.0
) -> np.ndarray:
    """A plan with a lower objective than `unit_agent` (which must be valid), or that plan;
    within `limit` (a budget, or seconds)."""
    if not problem.balance_coef or problem.balance_agents is None or not problem.balance_agents.any():
        return unit_agent
    if not satisfies(problem, unit_agent):
        return unit_agent
    budget = Budget.of(limit)
    best, best_value = unit_agent, problem.objective_of(unit_agent)
    bc = problem.capacity_for_balance().astype(float)
    balanced = np.nonzero(problem.balance_agents)[0]
    util = problem.load_of(unit_agent)[balanced] / bc[balanced]
    low, mean = float(util.min()), float(util.mean())
    for level in np.linspace(low, mean, GRID_STEPS + 1)[1:]:
        if budget.expired():
            break
        candidate = _lift_to(problem, unit_agent, float(level), bc)
        if candidate is None or not satisfies(problem, candidate):
            continue
        value = problem.objective_of(candidate)
        if value < best_value:
            best, best_value = candidate, value
    return best


def _lift_to(
    problem: AssignmentProblem, unit_agent: np.ndarray, level: float, bc: np.ndarray
) -> np.ndarray | None:
    """Every balanced manager below `level` brought up to it, cheapest hours first; None if
    some manager cannot get there."""
    out = unit_agent.copy()
    pairs = problem.pair_index(out)
    load = problem.load_of(out).astype(float)
    count = problem.limit_load(pairs[pairs >= 0])  # (R, M) against every manager limit
    uses, uppers = problem.uses, problem.uppers
    assert problem.balance_agents is not None
    floor = np.where(problem.balance_agents, level * bc, -np.inf)  # donors may not drop below
    lower = problem.lower if problem.lower is not None else np.zeros(problem.n_agents)
    current_cost = np.where(pairs >= 0, problem.pair_cost[np.maximum(pairs, 0)], 0)
    order = np.argsort(load / np.maximum(bc, 1))
    for j in order:
        if not problem.balance_agents[j] or load[j] >= level * bc[j]:
            continue
        mine = np.nonzero(problem.pair_agent == j)[0]
        units = problem.pair_unit[mine]
        donor = out[units]
        ok = (donor >= 0) & (donor != j)
        mine, units, donor = mine[ok], units[ok], donor[ok]
        if mine.size == 0:
            return None
        # Extra cost per hour gained, cheapest first.
        extra = (problem.pair_cost[mine] - current_cost[units]) / np.maximum(problem.pair_weight[mine], 1)
        for k in np.argsort(extra, kind="stable"):
            if load[j] >= level * bc[j]:
                break
            p, u, a = int(mine[k]), int(units[k]), int(donor[k])
            if out[u] != a:
                continue  # already moved in this pass
            w_old = problem.pair_weight[pairs[u]]
            w_new = problem.pair_weight[p]
            if load[j] + w_new > problem.capacity[j] or load[a] - w_old < max(floor[a], lower[a]):
                continue
            if ((uppers[:, j] >= 0) & (count[:, j] + uses[:, p] > uppers[:, j])).any():
                continue
            out[u] = j
            load[j] += w_new
            load[a] -= w_old
            count[:, j] += uses[:, p]
            count[:, a] -= uses[:, pairs[u]]
            pairs[u] = p
            current_cost[u] = problem.pair_cost[p]
        if load[j] < level * bc[j]:
            return None
    return out  # the caller checks the move budget and every other rule with `satisfies`

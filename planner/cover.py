"""The fewest accounts a re-plan must leave uncovered, with CP-SAT's proof where it has one.

A re-plan that leaves accounts uncovered should say whether a better one exists within the
same disruption budget, or whether the data (who may serve what, the hours left) and the
budget do not allow full cover. This module answers that question, for the benchmarks and
for the re-plan's honest status.

Model: the re-plan's problem with every pair cost, the balance term and the peer spreads set
to zero, restricted to the connected parts of the eligibility graph that hold an uncovered
unit (a unit nobody may serve has no part and is counted apart). CP-SAT minimises

    sum over units u not held:  size[u] y[u]  +  sum over held units u:  H size[u] y[u]

(y[u] = 1: u unassigned; H = 1 + every unheld account) subject to hours, manager limits,
lower bounds and the disruption budget (the voluntary moves the rest of the plan uses are
taken off it). A held unit is one the plan in force gives a manager who may keep it: the
re-plan never drops it to cover another (`planner.replan.keep_held`), and H makes that so
here too. So when CP-SAT's bound B is below H, no plan within the budget that keeps every held
account leaves fewer than B of the other accounts uncovered: a lower bound, and a proof of
the minimum when a plan found reaches it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from planner.budget import Budget
from planner.problem import AssignmentProblem
from planner.solvers.base import SolveOptions, Status
from planner.solvers.cpsat import CpSatSolver
from planner.solvers.decompose import components, restrict


@dataclass(frozen=True)
class CoverCount:
    """Accounts left uncovered that some manager may serve (`nobody` counts the others)."""

    found: int  # in the best plan found (the start's count when nothing better was found)
    least: int  # lower bound: no plan within the budget keeping every held account does better
    nobody: int  # accounts no active manager may serve at all: uncovered in every plan
    status: Status  # CP-SAT's: OPTIMAL when `found` == `least` is proven
    unit_agent: np.ndarray  # the plan with `found` (unit -> agent, -1 unassigned)
    unit_level: np.ndarray | None

    @property
    def proven(self) -> bool:
        return self.found == self.least


def fewest_uncovered(
    problem: AssignmentProblem,
    start: np.ndarray,
    start_level: np.ndarray | None,
    budget: Budget,
    threads: int = 2,
) -> CoverCount:
    """The fewest accounts left uncovered within `problem`'s rules and budget, from the valid
    plan `start` (unit -> agent, -1 unassigned; `problem.hint` is the plan in force)."""
    has_pairs = np.bincount(problem.pair_unit, minlength=problem.n_units) > 0
    nobody = int(problem.unit_size[~has_pairs].sum())
    open_units = (start < 0) & has_pairs
    found = int(problem.unit_size[open_units].sum())
    agent = start.copy()
    level = None if start_level is None else start_level.copy()
    if found == 0:
        return CoverCount(0, 0, nobody, Status.OPTIMAL, agent, level)
    parts = [(u, a) for u, a in components(problem) if open_units[u].any()]
    units = np.concatenate([u for u, _ in parts])
    agents = np.concatenate([a for _, a in parts])
    held = problem.hint >= 0 if problem.hint is not None else np.zeros(problem.n_units, dtype=bool)
    if problem.pair_level is not None:
        # A held account keeps at least the service it has: covering another by reducing it is
        # a trade of service the policy prices, not room the data leave.
        now = problem.hint_level if problem.hint_level is not None else np.zeros(problem.n_units, np.int64)
        unit = problem.pair_unit
        keep = ~held[unit] | (problem.pair_level <= now[unit])
        keep |= (start >= 0)[unit] & (
            problem.pair_index(start, start_level)[unit] == np.arange(problem.n_pairs)
        )
        problem = problem.with_pairs(keep)
    unheld_accounts = int(problem.unit_size[units][~held[units]].sum())
    price = np.where(held, (unheld_accounts + 1) * problem.unit_size, problem.unit_size)
    counted = replace(
        problem,
        pair_cost=np.zeros(problem.n_pairs, dtype=np.int64),
        balance_coef=0,
        unassigned_cost=price.astype(np.int64),
        hint=start,
        hint_level=start_level,
    )
    sub = restrict(counted, units, agents, scale=1)
    if problem.max_moves is not None and problem.pair_moves is not None:
        pairs = problem.pair_index(start, start_level)
        moves = np.zeros(problem.n_units, dtype=np.int64)
        moves[pairs >= 0] = problem.pair_moves[pairs[pairs >= 0]]
        outside = int(moves.sum() - moves[units].sum())
        sub = replace(sub, max_moves=max(problem.max_moves - outside, 0))
    options = SolveOptions(time_limit_seconds=budget.remaining(), threads=threads, budget=budget)
    result = CpSatSolver().solve(sub, options)
    least = 0
    if result.bound is not None and result.bound < unheld_accounts + 1:
        least = int(np.ceil(result.bound - 1e-6))
    better = result.objective is not None and result.objective < int(price[open_units].sum())
    if result.unit_agent is not None and better:
        agent[units] = np.where(result.unit_agent >= 0, agents[np.maximum(result.unit_agent, 0)], -1)
        if level is not None:
            got = result.unit_level if result.unit_level is not None else np.zeros(units.size, np.int64)
            level[units] = np.where(result.unit_agent >= 0, got, 0)
    found = int(problem.unit_size[(agent < 0) & has_pairs].sum())
    return CoverCount(found, min(least, found), nobody, result.status, agent, level)

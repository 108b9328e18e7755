"""A new hire's first book: accounts offered from the busiest colleagues, within the move budget.

A re-plan after `manager_joined` keeps every account with the manager who holds it (moving costs
points, and a hire with no accounts breaks no rule), so the hire would start with nothing and the
fairness report would flag them as idle. With the policy's `rebalance_on_join` (on by default)
the re-plan then offers the hire accounts: those the hire may serve at the level they have now,
taken from the most utilised managers first, each to whom it costs least to move, while the hire
stays below the mean utilisation of the managers who share accounts with them (the team they
join), no donor falls below the hire, every hour and manager limit holds and the voluntary moves
stay within the budget. Each offered account is a voluntary move in the answer.

Why a rule of thumb and not the optimiser: the balance term prices only the extreme utilisations,
so no single move to the hire pays for its move cost under the default weights; a director's
expectation ("give the new person a fair share, from those who have too much") is stated here
and shows as such in the answer's notes.
"""

from __future__ import annotations

import numpy as np

from planner.models.policy import register_setting
from planner.problem import AssignmentProblem

KEY = "rebalance_on_join"
register_setting(
    KEY,
    bool,
    True,
    "a manager_joined event offers the hire accounts from the busiest colleagues, within the move budget",
)


def offer_to_hire(
    problem: AssignmentProblem,
    unit_agent: np.ndarray,
    unit_level: np.ndarray | None,
    hire: int,
    moves_left: int | None,
) -> tuple[np.ndarray, list[int]]:
    """(unit -> agent with the offered units moved to `hire`; the units moved, in order)."""
    agent = unit_agent.copy()
    levels = np.zeros(problem.n_units, dtype=np.int64) if unit_level is None else unit_level
    pair_of = problem.pair_index(agent, levels)
    use = problem.resource_use()
    held = pair_of >= 0
    room = problem.room_left(pair_of[held])
    capacity = np.maximum(problem.capacity.astype(float), 1.0)
    load = problem.capacity - room[0]

    mine = np.nonzero(problem.pair_agent == hire)[0]
    same_level = levels[problem.pair_unit[mine]] == (
        0 if problem.pair_level is None else problem.pair_level[mine]
    )
    offers = mine[same_level & held[problem.pair_unit[mine]]]
    offers = offers[agent[problem.pair_unit[offers]] != hire]
    if offers.size == 0:
        return agent, []
    team = np.unique(agent[problem.pair_unit[offers]])
    target = float((load[team] / capacity[team]).mean())
    budget = np.inf if moves_left is None else float(moves_left)
    moves = problem.pair_moves if problem.pair_moves is not None else np.zeros(problem.n_pairs, np.int64)
    moved: list[int] = []
    while offers.size:
        donors = agent[problem.pair_unit[offers]]
        donor_util = load[donors] / capacity[donors]
        # Busiest donor first; among its accounts, the cheapest to give the hire.
        order = np.lexsort((problem.pair_cost[offers], -donor_util))
        placed = False
        hire_util = load[hire] / capacity[hire]
        if hire_util >= target:
            break
        for p in offers[order].tolist():
            u, donor = int(problem.pair_unit[p]), int(agent[problem.pair_unit[p]])
            old = int(pair_of[u])
            after_hire = (load[hire] + use[0, p]) / capacity[hire]
            after_donor = (load[donor] - use[0, old]) / capacity[donor]
            if moves[p] > budget or after_hire > target or after_donor < after_hire:
                continue
            if not (use[:, p] <= room[:, hire]).all():
                continue
            room[:, hire] -= use[:, p]
            room[:, donor] += use[:, old]
            load = problem.capacity - room[0]
            agent[u], pair_of[u] = hire, p
            budget -= float(moves[p])
            moved.append(u)
            placed = True
            break
        if not placed:
            break
        offers = offers[agent[problem.pair_unit[offers]] != hire]
    return agent, moved

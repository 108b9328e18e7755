"""Split an assignment problem along its eligibility graph.

Regions rarely share managers, so the (unit, agent) graph falls into connected
parts that only the balance term couples. Each part solved alone is small
enough for CP-SAT to close its gap quickly; together they give a start for the
whole problem and a valid lower bound:

    whole objective = sum_r pair costs_r + c * global spread
                    >= sum_r (pair costs_r + (c / K) * spread_r)     since spread_r <= global spread
so part r is solved with costs scaled by K and balance coefficient c, and its
bound divided by K; the sum of those is a lower bound for the whole.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from planner.problem import AssignmentProblem


def components(problem: AssignmentProblem) -> list[tuple[np.ndarray, np.ndarray]]:
    """(units, agents) of each connected part, by label propagation over the pairs."""
    agent_label = np.arange(problem.n_agents)
    big = np.iinfo(np.int64).max
    while True:
        unit_label = np.full(problem.n_units, big)
        np.minimum.at(unit_label, problem.pair_unit, agent_label[problem.pair_agent])
        new = agent_label.copy()
        np.minimum.at(new, problem.pair_agent, unit_label[problem.pair_unit])
        if np.array_equal(new, agent_label):
            break
        agent_label = new
    parts = []
    for label in np.unique(agent_label):
        agents = np.nonzero(agent_label == label)[0]
        units = np.nonzero(unit_label == label)[0]
        parts.append((units, agents))
    return parts


def _distinct(keys: np.ndarray) -> np.ndarray:
    """np.unique of `keys`, without its sort or hash when they come sorted, as the compiler
    writes pairs (unit-major, then agent, then level): 0.57 s of a 2 s limit at 800,000 pairs."""
    if keys.size and bool((keys[1:] >= keys[:-1]).all()):
        return keys[np.r_[True, keys[1:] != keys[:-1]]]
    return np.unique(keys)


def sole_agent_load(problem: AssignmentProblem) -> tuple[np.ndarray, np.ndarray]:
    """(hours, accounts) per agent of the units only that agent may serve, each at its
    lightest option: what the agent must hold whatever the plan, if those units are served."""
    keys = _distinct(problem.pair_unit * problem.n_agents + problem.pair_agent)  # distinct (unit, agent)
    unit_of, agent_of = keys // problem.n_agents, keys % problem.n_agents
    tied = (np.bincount(unit_of, minlength=problem.n_units) == 1)[unit_of]
    lightest = np.full(problem.n_units, np.iinfo(np.int64).max)
    np.minimum.at(lightest, problem.pair_unit, problem.pair_weight)
    hours = np.bincount(agent_of[tied], weights=lightest[unit_of[tied]], minlength=problem.n_agents)
    accounts = np.bincount(
        agent_of[tied], weights=problem.unit_size[unit_of[tied]], minlength=problem.n_agents
    )
    return hours.astype(np.int64), accounts.astype(np.int64)


def limit_shortfalls(
    problem: AssignmentProblem, units: np.ndarray, agents: np.ndarray
) -> list[tuple[str, int, int]]:
    """(limit name, need, have) of each manager limit the part's units cannot all fit under:
    every agent of the part has that limit, and the units' least use adds up to more than the
    limits do. The counting argument of every limit rule, in the model's terms."""
    out = []
    for r, name in enumerate(problem.limit_names):
        upper = problem.uppers[r, agents]
        if agents.size == 0 or (upper < 0).any():
            continue
        least = np.full(problem.n_units, np.iinfo(np.int64).max)
        np.minimum.at(least, problem.pair_unit, problem.uses[r])
        need = int(least[units].sum()) if units.size else 0
        if need > int(upper.sum()):
            out.append((name, need, int(upper.sum())))
    return out


def place_part(plan: np.ndarray, units: np.ndarray, agents: np.ndarray, part_plan: np.ndarray) -> None:
    """Write a part's plan (its own agent numbering, -1 = unassigned) into the whole plan: the
    inverse of `restrict` for solutions."""
    plan[units] = np.where(part_plan >= 0, agents[np.maximum(part_plan, 0)], -1)


def local_plan(plan: np.ndarray, units: np.ndarray, agents: np.ndarray, n_agents: int) -> np.ndarray:
    """A part's plan (unit -> its own agent numbering, -1 = unassigned) read from the whole plan
    over `n_agents` agents: the inverse of `place_part`, as `restrict` numbers the part."""
    agent_new = np.full(n_agents, -1, dtype=np.int64)
    agent_new[agents] = np.arange(agents.size)
    old = plan[units]
    return np.where(old >= 0, agent_new[np.maximum(old, 0)], -1)


def cheapest_options(problem: AssignmentProblem) -> np.ndarray:
    """Per unit, its cheapest option (staying unserved included, where allowed); 0 for a unit
    with none."""
    none = np.iinfo(np.int64).max
    cheapest = np.full(problem.n_units, none, dtype=np.int64)
    np.minimum.at(cheapest, problem.pair_unit, problem.pair_cost)
    if problem.unassigned_cost is not None:
        cheapest = np.minimum(cheapest, problem.unassigned_cost)
    return np.where(cheapest < none, cheapest, 0)


def cheapest_bound(problem: AssignmentProblem) -> float:
    """Sum over units of their cheapest option: a lower bound of any plan's pair and unserved
    costs. Units with no option add nothing."""
    return float(cheapest_options(problem).sum())


def restrict(
    problem: AssignmentProblem, units: np.ndarray, agents: np.ndarray, scale: int
) -> AssignmentProblem:
    """The part on `units` x `agents`, costs multiplied by `scale` (see the module docstring)."""
    keep = np.isin(problem.pair_unit, units) & np.isin(problem.pair_agent, agents)
    unit_new = np.full(problem.n_units, -1, dtype=np.int64)
    unit_new[units] = np.arange(units.size)
    agent_new = np.full(problem.n_agents, -1, dtype=np.int64)
    agent_new[agents] = np.arange(agents.size)
    hint = None if problem.hint is None else local_plan(problem.hint, units, agents, problem.n_agents)

    def pick(arr: np.ndarray | None, idx: np.ndarray) -> np.ndarray | None:
        return None if arr is None else arr[idx]

    return replace(
        problem,
        n_units=int(units.size),
        n_agents=int(agents.size),
        pair_unit=unit_new[problem.pair_unit[keep]],
        pair_agent=agent_new[problem.pair_agent[keep]],
        pair_cost=problem.pair_cost[keep] * scale,
        pair_weight=problem.pair_weight[keep],
        capacity=problem.capacity[agents],
        unit_size=problem.unit_size[units],
        pair_moves=pick(problem.pair_moves, keep),
        lower=pick(problem.lower, agents),
        limit_use=problem.uses[:, keep],
        limit_upper=problem.uppers[:, agents],
        balance_agents=pick(problem.balance_agents, agents),
        balance_capacity=pick(problem.balance_capacity, agents),
        balance_member=None if problem.balance_member is None else problem.balance_member[:, agents],
        unassigned_cost=None if problem.unassigned_cost is None else problem.unassigned_cost[units] * scale,
        hint=hint,
        pair_level=pick(problem.pair_level, keep),
        # One-role-per-account rows (account teams) join options of one person: a row lies in
        # one part whole, so the part keeps its rows as they are.
        pair_exclusive=pick(problem.pair_exclusive, keep),
        hint_level=pick(problem.hint_level, units),
        unit_names=None,
        agent_names=None,
        # A part's peer spreads would not add up to the whole's: parts drop them (a relaxation,
        # so their bounds stay bounds); the whole plan is priced with them (objective_of).
        spread_names=(),
        spread_coef=None,
        spread_use=None,
        spread_group=None,
    )

"""Starts for the shortfall model: value first, and from the LP's integral part.

Both return a valid plan (capacity, account caps, move budget; not the lower band) as
unit -> agent (-1 unserved) and unit -> level, serving the most valuable hours first: units in
order of what an hour of their service is worth (unserved cost per hour of full service at
their cheapest agent), each to its cheapest option that fits; a unit that finds no room first
relocates units off one of its agents to other agents with room, then ejects units worth less
together; last, passes upgrade reduced and unserved units into the room left.
"""

from __future__ import annotations

import heapq
import math

import numpy as np

from planner.budget import Budget
from planner.problem import AssignmentProblem
from planner.solvers.construct import Placement
from planner.solvers.decompose import components
from planner.solvers.rins import AGREE

REPAIR_OPTIONS = 3  # a unit that finds no room tries to make some on its 3 cheapest agents
REPAIR_SECONDS = 1.0  # making room for units that find none stops after this
CHECK_EVERY = 256  # units placed between looks at the clock
REPAIR_SHARE = 0.25  # or after this share of the caller's budget (a 2 s limit at 800,000 pairs)


def value_first(
    problem: AssignmentProblem, fixed: np.ndarray | None = None, budget: Budget | None = None
) -> tuple[np.ndarray, np.ndarray | None]:
    """A valid plan (capacity, account caps, move budget; not the lower band) that serves the
    most valuable hours first. Returns unit -> agent (-1 unserved) and unit -> level.

    `fixed` (unit -> pair, -1 free) places units first, as given: the LP's integral part.
    It must fit together; the other units then fill the room left. Making room for a unit
    that finds none (relocating, then ejecting less valuable units) stops after
    `REPAIR_SECONDS` (within `budget`); later units then take only the room they find. At the
    budget's deadline placing stops: the units not reached stay unserved, a valid plan still."""
    pairs_of = problem.pairs_of_unit()
    level = problem.pair_level if problem.pair_level is not None else np.zeros(problem.n_pairs, np.int64)
    weight, agent_of, cost = problem.pair_weight, problem.pair_agent, problem.pair_cost
    moves = problem.pair_moves if problem.pair_moves is not None else np.zeros(problem.n_pairs, np.int64)
    chosen = np.full(problem.n_units, -1, dtype=np.int64)
    # The bookkeeping of room (hours and every manager limit) and moves left is the construction's.
    state = Placement(
        problem,
        pairs_of,
        chosen,
        problem.resource_room(),
        float(problem.max_moves) if problem.max_moves is not None else math.inf,
    )
    room, use = state.room, state.use
    if fixed is not None:
        for u in np.nonzero(fixed >= 0)[0].tolist():
            state.place(u, int(fixed[u]))

    priority, full_hours = unit_worth(problem)
    lost = _lost(problem)
    # An option's price: its cost plus its hours at what an hour is worth where it is scarce.
    # Hours are what runs out, and the cheapest option by cost alone was often a far manager's:
    # at 20,000 x 500 (115 % demand) the plan then spent 38 % more hours than its units need at
    # their nearest managers and left 178 strategic and key accounts out (objective 1.92 G
    # against an LP bound of 0.35 G; priced, 0.45 G).
    priced = cost + hour_price(problem, priority, full_hours)[agent_of] * weight
    order = np.argsort(-priority, kind="stable")

    def best_fit(u: int, current: int) -> int:
        """Cheapest option of u that fits beside what is placed (u's own pair freed), or -1."""
        pairs = pairs_of[u]
        if pairs.size == 0:
            return -1
        free_m = state.moves_left + (int(moves[current]) if current >= 0 else 0)
        fits = state.fits(pairs, current) & (moves[pairs] <= free_m)
        if not fits.any():
            return -1
        options = pairs[fits]
        return int(options[np.argmin(priced[options])])

    def fits(u: int, p: int) -> bool:
        """Option p of unit u fits the room, the moves left and the exclusive rows now."""
        return bool(
            (use[:, p] <= room[:, agent_of[p]]).all() and state.moves_left >= moves[p] and state.row_free(p)
        )

    def relocate_for(u: int) -> bool:
        """Place u by moving units off one of its agents to other agents with room (their
        options elsewhere that fit), cheapest extra cost first; undone if it does not free
        enough. Nothing is left unserved, so this is tried before `eject_for`."""
        pairs = pairs_of[u]
        owner = np.where(chosen >= 0, agent_of[np.maximum(chosen, 0)], -1)
        for p in pairs[np.argsort(cost[pairs], kind="stable")][:REPAIR_OPTIONS].tolist():
            a = int(agent_of[p])
            here = np.nonzero(owner == a)[0]
            done: list[tuple[int, int]] = []
            for v in here[np.argsort(priority[here], kind="stable")].tolist():
                if fits(u, p):
                    break
                old = int(chosen[v])
                others = pairs_of[v][agent_of[pairs_of[v]] != a]
                fit = others[state.fits(others) & (moves[others] - moves[old] <= state.moves_left)]
                if fit.size:
                    state.move(v, int(fit[np.argmin(cost[fit])]))
                    done.append((v, old))
            if fits(u, p):
                state.place(u, p)
                return True
            for v, old in reversed(done):
                state.move(v, old)
        return False

    def eject_for(u: int) -> list[int]:
        """Place u by taking units off one of its agents, those worth least per hour first,
        where what they are worth together is least and below u's own worth; returns the
        units taken off ([] if no agent frees enough for less)."""
        pairs = pairs_of[u]
        on = chosen >= 0
        owner = np.where(on, agent_of[np.maximum(chosen, 0)], -1)
        best: tuple[float, int, np.ndarray] | None = None
        for p in pairs.tolist():
            if not state.row_free(p):
                continue  # the person already holds another role on this account
            a = int(agent_of[p])
            here = np.nonzero(owner == a)[0]
            here = here[np.argsort(priority[here], kind="stable")]
            freed = room[:, [a]] + np.cumsum(use[:, chosen[here]], axis=1)
            freed_m = state.moves_left + np.cumsum(moves[chosen[here]])
            enough = np.nonzero((freed >= use[:, [p]]).all(axis=0) & (freed_m >= moves[p]))[0]
            if enough.size == 0:
                continue
            out = _cheapest_cover(
                here, enough[0], freed, freed_m, use[:, p], int(moves[p]), use, moves, chosen, lost
            )
            worth = float(lost[out].sum()) + float(cost[p])
            if worth < lost[u] and (best is None or worth < best[0]):
                best = (worth, p, out)
        if best is None:
            return []
        _, p, out = best
        for v in out.tolist():
            state.unplace(v)
        state.place(u, p)
        return out.tolist()

    # Most valuable first; a unit that finds no room may take it from units worth less
    # together, which go back in the queue. Each ejection lowers the worth of what is left
    # out, so the chain ends; the cap only bounds the time on a pathological instance.
    queue = [(-priority[u], int(u)) for u in order.tolist() if chosen[u] < 0]
    heapq.heapify(queue)
    ejections_left = 5 * problem.n_units
    repair = (
        Budget(REPAIR_SECONDS)
        if budget is None
        else budget.child(min(REPAIR_SECONDS, REPAIR_SHARE * budget.seconds))
    )
    # The whole start keeps the caller's deadline: at 800,000 pairs on a loaded machine one pass
    # took 4.5 s of a 2 s limit. Units not reached by then stay unserved (still a valid plan).
    placed = 0
    while queue:
        placed += 1
        if budget is not None and placed % CHECK_EVERY == 0 and budget.expired():
            break
        _, u = heapq.heappop(queue)
        if chosen[u] >= 0 or priority[u] < 0:
            continue
        p = best_fit(u, -1)
        if p >= 0:
            state.place(u, p)
            continue
        if ejections_left > 0 and not repair.expired():
            ejections_left -= 1
            if relocate_for(u):
                continue
            for v in eject_for(u):
                heapq.heappush(queue, (-priority[v], v))
    # Upgrades: a unit left unserved or reduced takes a cheaper option if one now fits.
    for _ in range(2):
        changed = False
        for k, u in enumerate(order.tolist()):
            if budget is not None and k % CHECK_EVERY == 0 and budget.expired():
                break
            current = int(chosen[u])
            if current >= 0 and level[current] == 0:
                continue
            p = best_fit(u, current)
            if p >= 0 and p != current and (current < 0 or cost[p] < cost[current]):
                state.move(u, p)
                changed = True
        if not changed:
            break
    return problem.read_choice(chosen[chosen >= 0])


def _lost(problem: AssignmentProblem) -> np.ndarray:
    if problem.unassigned_cost is None:
        return np.full(problem.n_units, np.inf)
    return problem.unassigned_cost.astype(float)


def unit_worth(problem: AssignmentProblem) -> tuple[np.ndarray, np.ndarray]:
    """(U,) what an hour of each unit's service is worth (its unserved cost per hour of full
    service at its cheapest agent; -1 without a full-service option), and those hours."""
    full_hours = np.full(problem.n_units, np.inf)
    is_full = problem.pair_level == 0 if problem.pair_level is not None else np.ones(problem.n_pairs, bool)
    np.minimum.at(full_hours, problem.pair_unit[is_full], problem.pair_weight[is_full].astype(float))
    priority = np.where(np.isfinite(full_hours), _lost(problem) / np.maximum(full_hours, 1.0), -1.0)
    return priority, full_hours


def _cheapest_cover(
    here: np.ndarray,
    last: int,
    freed: np.ndarray,
    freed_moves: np.ndarray,
    need: np.ndarray,
    need_moves: int,
    use: np.ndarray,
    moves: np.ndarray,
    chosen: np.ndarray,
    lost: np.ndarray,
) -> np.ndarray:
    """Which of an agent's units (`here`, least worth per hour first) to take off for room:
    the prefix up to `last` that first frees enough, or a shorter prefix and one later unit that
    completes it, whichever is worth less: the prefix may end on a valuable unit where one
    later, heavier unit worth less would free the room alone (the starts at 3,000 x 80 and
    20,000 x 500 came out 0.5 % and 0.2 % cheaper)."""
    out = here[: last + 1]
    worth = float(lost[out].sum())
    extra = use[:, chosen[here]]
    before = freed - extra  # room freed by the units before each one
    before_m = freed_moves - moves[chosen[here]]
    prefix_worth = np.cumsum(lost[here]) - lost[here]
    for j in range(last):  # the prefix here[:j], then one unit after it
        later = np.arange(j, here.size)
        fits = ((before[:, [j]] + extra[:, later]) >= need[:, None]).all(axis=0)
        fits &= before_m[j] + moves[chosen[here[later]]] >= need_moves
        if not fits.any():
            continue
        k = later[fits][np.argmin(lost[here[later[fits]]])]
        total = float(prefix_worth[j] + lost[here[k]])
        if total < worth:
            out, worth = np.append(here[:j], here[k]), total
    return out


def hour_price(problem: AssignmentProblem, priority: np.ndarray, full_hours: np.ndarray) -> np.ndarray:
    """(M,) what an hour of each agent is worth: in its region (a connected part), the worth per
    hour of the last unit that full service at the cheapest agents would still fit, taken most
    valuable first (0 where everything fits) -- a Lagrange multiplier of the region's hours."""
    price = np.zeros(problem.n_agents)
    hours = np.where(np.isfinite(full_hours), full_hours, 0.0)
    for units, agents in components(problem):
        ranked = units[np.argsort(-priority[units], kind="stable")]
        k = int(np.searchsorted(np.cumsum(hours[ranked]), float(problem.capacity[agents].sum())))
        if k < ranked.size and np.isfinite(priority[ranked[k]]):  # units may not go unserved: none
            price[agents] = max(float(priority[ranked[k]]), 0.0)
    return price


def lp_start(
    problem: AssignmentProblem, x: np.ndarray, budget: Budget | None = None
) -> tuple[np.ndarray, np.ndarray | None]:
    """The LP optimum's integral part (units it places wholly on one option), the rest filled
    value first. Such an LP has few fractional units (at most about one per tight row), so
    this start agrees with the LP almost everywhere and the neighbourhood MIP stays small."""
    whole = np.nonzero(x >= AGREE)[0]
    fixed = np.full(problem.n_units, -1, dtype=np.int64)
    fixed[problem.pair_unit[whole]] = whole
    return value_first(problem, fixed, budget)

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
from ortools.sat.python import cp_model

from planner.budget import Budget
from planner.problem import AssignmentProblem
from planner.solvers.base import SolveOptions, Status
from planner.solvers.cpsat import CpSatSolver, build_model, satisfies
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


@dataclass(frozen=True)
class Neighbourhood:
    """The accounts a local search may move to cover a start's uncovered ones, and the
    managers it may give them to (whole-problem indices)."""

    units: np.ndarray
    agents: np.ndarray  # every manager one of `units` may go to


def neighbourhood(
    problem: AssignmentProblem, start: np.ndarray, open_units: np.ndarray, rings: int = 1
) -> Neighbourhood:
    """Where covering `open_units` (a mask) can happen without a region-wide search.

    Ring 1: the uncovered accounts, the residents of the managers who may serve them (the
    hubs), the accounts the start moved away from their manager (moving one back gives a
    voluntary move back to the budget, which the start may have spent on lighter accounts),
    and the changed accounts (free of the budget to move again) on any manager the others may
    go to. An uncovered heavy account fits only where residents leave its few hubs, and what
    one resident frees is seldom enough: covering needs several residents out and the heavy
    accounts shuffled between hubs at once (measured on 5,000 x 150, M041: the leaver's heavy
    accounts on three hubs, 20 units moved in all).
    Each further ring adds every account on the managers the last one reaches: a resident of
    a hub may then leave by a chain (b1 to C once C's c1 moves on to D)."""
    unit_of = problem.pair_unit
    hubs = np.unique(problem.pair_agent[open_units[unit_of]])
    placed = start >= 0
    held = problem.hint >= 0 if problem.hint is not None else np.zeros(problem.n_units, dtype=bool)
    moved = placed & held & (start != problem.hint) if problem.hint is not None else np.zeros_like(held)
    units = open_units | (placed & np.isin(start, hubs)) | moved
    agents = np.unique(np.concatenate([hubs, problem.pair_agent[units[unit_of]]]))
    units |= placed & ~held & np.isin(start, agents)
    for _ in range(rings - 1):
        units |= placed & np.isin(start, agents)
        agents = np.unique(np.concatenate([agents, problem.pair_agent[units[unit_of]]]))
    return Neighbourhood(np.nonzero(units)[0], agents)


def cover_near(
    problem: AssignmentProblem,
    start: np.ndarray,
    start_level: np.ndarray | None,
    budget: Budget,
) -> tuple[np.ndarray, np.ndarray | None] | None:
    """A plan that covers more of the accounts the valid plan `start` leaves uncovered, from
    CP-SAT on their `neighbourhood` only, every other unit kept where `start` has it; None when
    the search finds none within `budget`. Within `problem`'s hours, limits, lower bounds and
    disruption budget; every account `start` serves stays served, and a held one (its manager
    in the plan in force, `problem.hint`, may keep it) at no less service than it has, as
    `fewest_uncovered` counts.

    Ejection chains (`planner.repair`) cover one account at a time along a path, each with the
    fewest moves it needs then; when a leaver's heavy accounts share a few possible managers,
    the budget runs out on the first ones (5,000 x 150, M041: 6 of 7 covered with 18 of 20
    moves, where a plan covering all 7 within 20 exists). Covering them together needs the
    moves planned for them all at once.

    Ring 1 of the neighbourhood first; when CP-SAT proves it can cover no more there, ring 2
    with the time left. Two phases on a ring, since one objective with covering first and
    costs after puts coefficients 10^9 apart and CP-SAT found no cover in 0.2 s, where
    counting alone proves the answer in a fraction of that (measured on M041 and M044):
    1. the fewest accounts uncovered, no cost at all (as `fewest_uncovered`);
    2. with what time is left, the cheapest plan that covers the same accounts, from the
       first (pair costs; balance and peer spreads are left out, the whole plan is priced
       later). Without it the first phase's moves would be arbitrary."""
    has_pairs = np.bincount(problem.pair_unit, minlength=problem.n_units) > 0
    open_units = (start < 0) & has_pairs
    if not open_units.any() or problem.has_exclusive:
        return None
    best: tuple[AssignmentProblem, Neighbourhood, np.ndarray, np.ndarray | None] | None = None
    searched = 0
    for rings in (1, 2):
        sub, near = _near_problem(problem, start, start_level, open_units, rings)
        if sub.n_units == searched:
            break  # the wider ring holds no more accounts: proven already
        searched = sub.n_units
        assert sub.hint is not None
        # No account the start serves is dropped to cover others: not one its manager keeps
        # (`planner.replan.keep_held`), nor one of the changed accounts the start placed
        # (covering three standard accounts instead of a key account is no gain to a sales
        # director). The search only adds accounts.
        placed = sub.hint >= 0
        size = sub.unit_size
        counting = replace(
            sub,
            pair_cost=np.zeros(sub.n_pairs, dtype=np.int64),
            unassigned_cost=np.where(placed, int(size[~placed].sum()) + 1, 1) * size,
        )
        found, proven = _search(counting, budget.share(PHASE_ONE_SHARE))
        kept = found is not None and not (placed & (found[0] < 0)).any()
        if kept and found is not None and int(size[found[0] < 0].sum()) < int(size[sub.hint < 0].sum()):
            best = (sub, near, *found)
            break
        if not proven or budget.remaining() < POLISH_MIN_SECONDS:
            break  # the time ran out on this ring: a wider one would not get further
    if best is None:
        return None
    sub, near, agent, level = best
    if budget.remaining() >= POLISH_MIN_SECONDS:
        # The cheapest plan serving the accounts the first phase serves: those it leaves
        # uncovered are left out, every other one must be served.
        served = np.nonzero(agent >= 0)[0]
        same = restrict(replace(sub, unassigned_cost=None), served, np.arange(sub.n_agents), scale=1)
        now = (agent[served], None if level is None else level[served])
        cheaper, _ = _search(replace(same, hint=now[0], hint_level=now[1]), budget)
        if cheaper is not None and same.objective_of(*cheaper) < same.objective_of(*now):
            agent[served] = cheaper[0]
            if level is not None and cheaper[1] is not None:
                level[served] = cheaper[1]
    out = start.copy()
    out[near.units] = np.where(agent >= 0, near.agents[np.maximum(agent, 0)], -1)
    out_level = None
    if start_level is not None:
        out_level = start_level.copy()
        got = level if level is not None else np.zeros(near.units.size, np.int64)
        out_level[near.units] = np.where(agent >= 0, got, 0)
    return out, out_level


PHASE_ONE_SHARE = 0.7  # of the time given: counting first; polishing costs gets the rest
POLISH_MIN_SECONDS = 0.02  # below this CP-SAT returns its hint: the polish is skipped


def _near_problem(
    problem: AssignmentProblem,
    start: np.ndarray,
    start_level: np.ndarray | None,
    open_units: np.ndarray,
    rings: int,
) -> tuple[AssignmentProblem, Neighbourhood]:
    """The `neighbourhood` of `open_units` as a problem of its own (with covering priced by the
    caller), `start` its hint. Every unit outside keeps its place: the managers' hours and
    limits are what those leave, lower bounds what they do not already meet, the disruption
    budget what their moves leave."""
    near = neighbourhood(problem, start, open_units, rings)
    inside = np.zeros(problem.n_units, dtype=bool)
    inside[near.units] = True
    chosen = problem.pair_index(start, start_level)
    fixed = chosen[(chosen >= 0) & ~inside]
    room = problem.room_left(fixed)  # (1 + R, M)
    held = problem.hint >= 0 if problem.hint is not None else np.zeros(problem.n_units, dtype=bool)
    unit = problem.pair_unit
    keep = inside[unit] & np.isin(problem.pair_agent, near.agents)
    if problem.pair_level is not None:
        # As `fewest_uncovered`: a held account keeps at least the service it has.
        now = problem.hint_level if problem.hint_level is not None else np.zeros(problem.n_units, np.int64)
        keep &= ~held[unit] | (problem.pair_level <= now[unit]) | (chosen[unit] == np.arange(problem.n_pairs))
    lower = None
    if problem.lower is not None:
        fixed_load = np.bincount(problem.pair_agent[fixed], problem.pair_weight[fixed], problem.n_agents)
        lower = np.maximum(problem.lower - fixed_load.astype(np.int64), 0)
    local = replace(
        problem.with_pairs(keep),
        capacity=room[0],
        limit_upper=np.where(problem.uppers >= 0, room[1:], -1),
        lower=lower,
        balance_coef=0,
        unassigned_cost=np.zeros(problem.n_units, dtype=np.int64),  # priced by the caller
        hint=start,
        hint_level=start_level,
    )
    sub = restrict(local, near.units, near.agents, scale=1)
    if problem.max_moves is not None and problem.pair_moves is not None:
        sub = replace(sub, max_moves=max(problem.max_moves - int(problem.pair_moves[fixed].sum()), 0))
    return sub, near


def _search(
    problem: AssignmentProblem, budget: Budget
) -> tuple[tuple[np.ndarray, np.ndarray | None] | None, bool]:
    """CP-SAT on a neighbourhood model from its hint, within `budget`: the best plan found that
    keeps every rule (or None), and whether it is proven optimal (or none exists).

    These are packing problems of a hundred accounts where the LP's bound does the work: two
    workers, one with CP-SAT's fuller LP relaxation (linearization level 2), one with the
    default. Measured on the ring-1 models of M038, M041 and M044 (5,000 x 150, 141, 86 and
    77 accounts; load 6 on 2 cores, 4 seeds): proven in 0.18-0.28, 0.10-0.13 and 0.11-0.20 s.
    The fuller LP alone was faster on most seeds (0.03-0.21 s) but once took 1.8 s (and over
    3 s on another run); CP-SAT's default two-worker portfolio took 0.25-2 s, HiGHS 0.12-0.4 s.
    """
    built = build_model(problem)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 2
    solver.parameters.subsolvers.extend(["max_lp", "default_lp"])
    solver.parameters.max_time_in_seconds = budget.limit_seconds()
    solver.parameters.catch_sigint_signal = False
    with budget.stop_cpsat(solver):
        status = solver.solve(built.model)
    proven = status in (cp_model.OPTIMAL, cp_model.INFEASIBLE)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, proven
    chosen = np.asarray(list(solver.response_proto.solution), dtype=np.int64)[: built.n_pairs] > 0
    found = problem.read_choice(chosen)
    return (found if satisfies(problem, *found) else None), proven

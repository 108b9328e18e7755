"""Improve a plan in the neighbourhood its LP relaxation points to (RINS).

Relaxation-induced neighbourhood search (Danna, Rothberg & Le Pape, 2005): where a plan and
the optimum of the LP relaxation agree, the unit stays; the others may go to any agent the
LP gives them a share of, to their own agent, and (in the wider rounds) to their next
cheapest agents by LP reduced cost. The MIP on that handful of pairs keeps every rule of the
full model, balance and account caps included (`relaxation_proto(..., integer=True)`), so
HiGHS solves it in seconds where the whole model (800,000 pairs) would not even start.

Why it pays on the split backend's plans: the regions are solved alone by heuristics that
stall 0.4-0.6 % above their bounds at 20,000 x 500, while the LP of the whole is integral on
all but a few hundred of 18,000 units; measured there, the first round takes 2 s and removes
about a third of the gap.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field, replace

import numpy as np
from ortools.math_opt import result_pb2
from pybind11_abseil.status import StatusNotOk

from planner.budget import Budget
from planner.linear_model import relaxation_proto
from planner.problem import AssignmentProblem
from planner.solvers.cpsat import satisfies
from planner.solvers.lp_bound import LpBound, dense_values, solve_proto

log = logging.getLogger(__name__)

ROUNDS = (0, 2, 4, 8)  # extra cheapest pairs (by reduced cost) per free unit, one round each
MIN_ROUND_SECONDS = 1.0
AGREE = 1 - 1e-6  # an LP value this close to 1 counts as the LP placing the whole unit


@dataclass(frozen=True)
class Round:
    extra: int  # cheapest pairs added per free unit
    pairs: int  # pairs in the MIP
    reason: str  # HiGHS' termination: optimal, feasible, infeasible, ...
    objective: float | None  # of the plan it found, if valid
    seconds: float


@dataclass
class Outcome:
    plan: np.ndarray
    objective: float
    rounds: list[Round] = field(default_factory=list)
    level: np.ndarray | None = None  # unit -> service level, for problems with levels

    @property
    def seconds(self) -> float:
        return round(sum(r.seconds for r in self.rounds), 3)


def neighbourhood(
    problem: AssignmentProblem,
    plan: np.ndarray,
    x: np.ndarray,
    reduced_cost: np.ndarray | None = None,
    extra: int = 0,
    free_units: np.ndarray | None = None,
    level: np.ndarray | None = None,
) -> np.ndarray:
    """Mask of the pairs the MIP may use: each unit's own pair, and for every unit the LP
    does not place wholly on its pair (or in `free_units`), its pairs with LP weight and its
    `extra` pairs of lowest reduced cost."""
    own = problem.pair_index(plan, level)
    keep = np.zeros(problem.n_pairs, dtype=bool)
    keep[own[own >= 0]] = True
    free = np.ones(problem.n_units, dtype=bool)
    placed = own >= 0
    free[placed] = x[own[placed]] < AGREE
    if free_units is not None:
        free |= free_units
    open_pair = free[problem.pair_unit]
    keep |= open_pair & (x > 1e-6)
    if extra and reduced_cost is not None:
        # Per free unit, its `extra` pairs of lowest reduced cost: sort by (unit, rc) and take
        # the first `extra` of each unit's run.
        candidates = np.nonzero(open_pair)[0]
        order = candidates[np.lexsort((reduced_cost[candidates], problem.pair_unit[candidates]))]
        units = problem.pair_unit[order]
        first = np.searchsorted(units, units)  # start of each unit's run
        keep[order[np.arange(order.size) - first < extra]] = True
    return keep


def improve(
    problem: AssignmentProblem,
    plan: np.ndarray,
    lp: LpBound,
    limit: Budget | float,
    free_units: np.ndarray | None = None,
    level: np.ndarray | None = None,
    rounds: tuple[int, ...] = ROUNDS,
) -> Outcome:
    """Rounds of the neighbourhood MIP within `limit` (a budget, or seconds); never returns a
    worse plan.

    `plan` may break rules where `free_units` says (a region whose heuristic found nothing
    valid): those units are free in every round, and the first valid plan found wins.
    With service levels, `level` is the plan's unit -> level vector."""
    budget = Budget.of(limit)
    valid = satisfies(problem, plan, level)
    best = Outcome(plan, float(problem.objective_of(plan, level)) if valid else math.inf, level=level)
    if lp.x is None:
        return best
    for extra in rounds:
        if budget.remaining() < MIN_ROUND_SECONDS:
            break
        started = time.perf_counter()
        keep = neighbourhood(
            problem, best.plan, lp.x, lp.reduced_cost, extra, None if valid else free_units, best.level
        )
        # HiGHS refuses a start that breaks a row ("kError"), so only a valid plan goes in.
        found, reason, _ = solve_mip(problem, keep, (best.plan, best.level) if valid else None, budget)
        value = float(problem.objective_of(*found)) if found is not None else None
        best.rounds.append(
            Round(extra, int(keep.sum()), reason, value, round(time.perf_counter() - started, 3))
        )
        if found is not None and value is not None and value < best.objective:
            (best.plan, best.level), best.objective, valid = found, value, True
        if reason not in ("optimal", "infeasible"):
            break  # the time ran out in this round: a wider one would not get further
    return best


Choice = tuple[np.ndarray, np.ndarray | None]  # unit -> agent, unit -> level (None: all full)


def solve_mip(
    problem: AssignmentProblem, keep: np.ndarray, start: Choice | None, budget: Budget
) -> tuple[Choice | None, str, float | None]:
    """HiGHS on the MIP restricted to the pairs in `keep` (all of them: the whole model),
    within `budget`.
    Returns the plan if it keeps every rule exactly, HiGHS' termination reason, and its dual
    bound (a bound of the whole problem only when `keep` holds every pair)."""
    sub = replace(problem.with_pairs(keep), hint=None)
    proto = relaxation_proto(sub, integer=True)
    try:
        answer = solve_proto(
            proto,
            budget,
            hint=None if start is None else _hint(sub, *start),
            exact_gap=True,
        )
    except StatusNotOk as exc:
        log.warning("neighbourhood MIP refused: %s", exc)
        return None, "refused", None
    reason = result_pb2.TerminationReasonProto.Name(answer.termination.reason)
    reason = reason.removeprefix("TERMINATION_REASON_").lower()
    dual = float(answer.termination.objective_bounds.dual_bound)
    bound = dual if math.isfinite(dual) else None
    if not answer.solutions or not answer.solutions[0].HasField("primal_solution"):
        return None, reason, bound
    chosen = dense_values(answer.solutions[0].primal_solution.variable_values, sub.n_pairs) > 0.5
    found = sub.read_choice(chosen)
    # HiGHS works in floating point: only a plan that keeps every rule exactly counts.
    if not satisfies(problem, *found):
        log.warning("neighbourhood MIP returned a plan that breaks a rule; ignored")
        return None, reason, bound
    return found, reason, bound


def _hint(sub: AssignmentProblem, plan: np.ndarray, level: np.ndarray | None = None) -> dict[int, float]:
    """The plan as a complete MIP start: every x, y, U_max and U_min, V_max and V_min."""
    hint = dict.fromkeys(range(sub.n_pairs), 0.0)
    own = sub.pair_index(plan, level)
    for p in own[own >= 0].tolist():
        hint[p] = 1.0
    n = sub.n_pairs
    if sub.unassigned_cost is not None:
        for u in range(sub.n_units):
            hint[n + u] = float(own[u] < 0)
        n += sub.n_units
    # U_max, U_min of each balance group (ceiling and floor of the utilisations, which every
    # writer allows), the first group's before the spreads and the others' after them, as
    # `relaxation_proto` numbers them (account teams: one group per role).
    extremes = sub.balance_extremes(sub.load_of(plan, level))
    if extremes:
        hint[n], hint[n + 1] = float(extremes[0][0]), float(extremes[0][1])
        n += 2
    for value in (v for pair in sub.spread_extremes(plan) for v in pair):
        hint[n] = float(value)  # V_max, V_min of each peer-spread group
        n += 1
    for high, low in extremes[1:]:
        hint[n], hint[n + 1] = float(high), float(low)
        n += 2
    return hint

"""Full service first: every backend plans a shortfall only when full service does not fit.

When the policy lets accounts be reduced or unserved (the default), the problem is first tried
at full service: counting arguments (`short_of_hours`), then the construction, then the
backend's own full-service search. Only if full service does not fit does the options model
(levels and unserved columns) get planned: by `ShortfallSolver` for auto and engine, by the
backend itself for CP-SAT and CBC (`ServiceFirst`). Service first, then cost: by the policy's
default weights a reduced or unserved option costs more than the travel, match and balance it
could save, so the full-service optimum is the plan a director expects. Other weights may make
an option cheaper, so a full-service plan is held against a bound on the plans that use one
(`_certify`) before it is called optimal.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from planner.budget import Budget
from planner.problem import AssignmentProblem
from planner.solvers.base import AssignmentSolver, SolveOptions, SolveResult, Status, cancelled_note
from planner.solvers.construct import construct
from planner.solvers.cpsat import given_start, satisfies
from planner.solvers.decompose import cheapest_bound, components, limit_shortfalls, sole_agent_load
from planner.solvers.lp_bound import lp_bound
from planner.solvers.shortfall import ShortfallSolver
from planner.solvers.value_first import value_first

log = logging.getLogger(__name__)

# When the construction cannot place every unit at full level (it is a heuristic: it fails on
# the 20,000 x 500 generated set, which the split backend plans in full), the full-service
# search gets this share of the limit to find a plan before the shortfall model takes the
# rest (at 0.6 that set came out at 0.367 % in 36 s of a 60 s limit; 0.356 % with all 60 s).
FULL_TRY_SHARE = 0.85
# A full-service plan is held against the LP of the whole options model up to this size, with at
# most this much time (about 0.5 s at 50,000 options); beyond, the policy's premise stands.
CERTIFY_MAX_PAIRS = 200_000
CERTIFY_SECONDS = 5.0
LP_FIRST_SHARE = 0.1  # of the time left, for the LP bound before CP-SAT or CBC plan the options
# Below this many options the options model itself is solved when full service is not proven best,
# so that a small problem's optimum is exact: by the backend when it models options (CP-SAT, CBC);
# by the shortfall solver only on tiny models (it is built for shortages, not to polish a plan).
EXACT_MAX_PAIRS = 20_000
EXACT_FULL_SHARE = 0.5  # of the limit for the full-service search on such a model
TINY_PAIRS = 2_000


def _phase(options: SolveOptions, budget: Budget, share: float) -> SolveOptions:
    """Options for a phase within `budget`. A deterministic run's limit is work, not wall time,
    so what the clock says must not change what the solver is given: it gets `share` of the
    user's figure as its deterministic limit (the budget still carries the cancellation)."""
    if options.deterministic:
        return options.within(budget, time_limit_seconds=options.time_limit_seconds * share)
    return options.within(budget)


def short_of_hours(full: AssignmentProblem) -> bool:
    """Counting arguments that prove full service cannot fit: a unit nobody may serve, a
    connected part (region) whose units need more hours, or more of a manager limit, than its managers
    have, or units only one manager may serve that need more than that manager's hours."""
    if full.n_units == 0:
        return False
    per_unit = np.bincount(full.pair_unit, minlength=full.n_units)
    if (per_unit == 0).any():
        return True
    least = np.full(full.n_units, np.iinfo(np.int64).max)
    np.minimum.at(least, full.pair_unit, full.pair_weight)
    for units, agents in components(full):
        if units.size == 0:
            continue
        if int(least[units].sum()) > int(full.capacity[agents].sum()):
            return True
        if limit_shortfalls(full, units, agents):
            return True
    need, _ = sole_agent_load(full)
    return bool((need > full.capacity).any())


def with_shortfall(
    problem: AssignmentProblem,
    options: SolveOptions,
    solve_full: Callable[[AssignmentProblem, SolveOptions], SolveResult],
    name: str,
    solve_short: Callable[[AssignmentProblem, SolveOptions], SolveResult] | None = None,
) -> SolveResult:
    """Solve a problem that may have reduced or unserved options with a backend built for
    full service (`solve_full`): unless counting proves the hours short, the plan is optimised
    among full-service plans and kept as it is where `_certify` proves no option beats it (or
    cannot look); otherwise the hours fall short, or an option may be cheaper, and `solve_short`
    (default: `ShortfallSolver`) plans the options."""
    options = options.clock()
    if not problem.has_options:
        return cancelled_note(solve_full(problem, options), options.timer)
    start = time.perf_counter()
    budget = options.timer
    full = problem.full_service()
    result: SolveResult | None = None
    fallback: SolveResult | None = None  # a full-service plan, kept if the options model does worse
    full_share = 1.0
    if not short_of_hours(full):
        plan = construct(full)
        # The construction proves full service fits; without it, the full-service search
        # gets a share of the time to find a plan before the shortfall model takes over.
        fits = satisfies(full, plan)
        full_share = 1.0 if fits else FULL_TRY_SHARE
        if solve_short is not None and problem.n_pairs <= EXACT_MAX_PAIRS and not options.deterministic:
            # A small model may go on to the options model (`_certify`): keep it time to, even
            # when the full-service search runs long (a loaded machine; CBC's process start-up).
            # A deterministic run counts work, not the clock, and keeps its whole limit.
            full_share = min(full_share, EXACT_FULL_SHARE)
        # The options' floor needs no plan: counted now, within the limit (0.11 s at 1.5 M
        # options), not after the full-service search has used its share of it.
        options_low = options_floor(problem)
        tried = solve_full(
            replace(full, hint=plan) if fits else full,
            _phase(options, budget.until(budget.started + full_share * budget.seconds), full_share),
        )
        if tried.status.has_solution and tried.unit_agent is not None and satisfies(full, tried.unit_agent):
            floor, lp = _certify(problem, tried, budget, options_low)
            proven = floor is None or tried.objective is None or floor >= tried.objective
            every_plan = -math.inf
            if floor is not None:
                # A bound on every plan: the full-service ones are bounded by the search's own
                # bound, the others by `floor`; the LP bounds both. The options search below
                # often proves less (CP-SAT: nothing, on the options model).
                full_bound = tried.bound if tried.bound is not None else -math.inf
                every_plan = max(min(full_bound, float(floor)), -math.inf if lp is None else float(lp))
            if not proven and problem.n_pairs <= (EXACT_MAX_PAIRS if solve_short is not None else TINY_PAIRS):
                # The weights may make a reduced or unserved option cheaper than full service (e.g.
                # a small `unassigned` weight): solve the options model itself, from this plan.
                log.info(
                    "full service not proven best (floor %s < %s); solving the options",
                    floor,
                    tried.objective,
                )
                problem = replace(problem, hint=tried.unit_agent, hint_level=None)
                bound = None if every_plan == -math.inf else every_plan
                fallback = replace(
                    tried, bound=bound, status=Status.FEASIBLE, message="the best full-service plan"
                )
            elif proven:
                result, service = tried, "full service fits"
            else:
                assert floor is not None  # not proven: _certify did look
                bound = None if every_plan == -math.inf else every_plan
                message = "the best full-service plan; its bound covers every option"
                result = replace(tried, bound=bound, status=Status.FEASIBLE, message=message)
                service = "full service fits"
    if result is None:
        log.info("no full-service plan; planning with the options (%d)", problem.n_pairs)
        short = solve_short if solve_short is not None else ShortfallSolver().solve
        lp_first = None
        # Neither in a deterministic run: both stop at wall-clock limits.
        helps = solve_short is not None and fallback is None and not options.deterministic
        if helps and problem.n_pairs <= CERTIFY_MAX_PAIRS:
            # CP-SAT and CBC prove little on the options model (CP-SAT 96 %, CBC 72 % gap at
            # 300 x 12 short of hours in 2 s; the LP is within 1 %): its LP first, a tenth of the time.
            share = min(budget.remaining() * LP_FIRST_SHARE, CERTIFY_SECONDS)
            relaxed = lp_bound(problem, budget.child(share))
            lp_first = None if relaxed.bound is None else float(math.ceil(relaxed.bound - 1e-6))
        first = None
        first_words = "the value-first start (planner.solvers.value_first)"
        if helps:
            # The value-first start (valuable hours first; its repairs are bounded): CP-SAT takes
            # it as its hint and polishes it; a plan that comes back worse gives way to it. CP-SAT's
            # own start and CBC's search stayed 4x the LP at 300 x 12 short of hours.
            first = value_first(problem, budget=budget.child(budget.remaining() * LP_FIRST_SHARE))
            if not satisfies(problem, *first):
                first = None
            # Unless the caller's own start (today's plan in a re-plan) is valid and better: it
            # used to be replaced by value first, so a re-plan under scarcity lost it.
            given = given_start(problem)
            if given is not None and (
                first is None or problem.objective_of(*given) < problem.objective_of(*first)
            ):
                first, first_words = given, "the start it was given"
            if first is not None:
                problem = replace(problem, hint=first[0], hint_level=first[1])
        result = short(problem, _phase(options, budget.child(budget.remaining()), 1.0))
        service = "shortfall"
        if first is not None:
            value = float(problem.objective_of(*first))
            if result.objective is None or value < result.objective:
                lowest = max(result.bound if result.bound is not None else -math.inf, cheapest_bound(problem))
                message = f"{name} found no better plan than {first_words}"
                result = _value_first_result(result, problem, first, lowest, message)
        if lp_first is not None:
            result = _with_bound(result, lp_first)
        if not result.status.has_solution and result.status != Status.INFEASIBLE and fallback is None:
            # The backend found no plan in its time (CBC on 54,000 options in 10 s): the value-
            # first start is a valid plan, cheaper than none, and says what it is; its bound is
            # each unit's cheapest option (every cost is >= 0 and every plan picks one per unit).
            # A late plan beats none (the budget's overrun policy): its repairs get half a second at most.
            first = value_first(problem, budget=budget.late())
            if satisfies(problem, *first):
                message = f"{name} found no plan in time; this is the value-first start (planner.solvers.value_first)"
                result = _value_first_result(result, problem, first, cheapest_bound(problem), message)
        if fallback is not None and (
            result.objective is None
            or (fallback.objective is not None and result.objective > fallback.objective)
        ):
            # The options search found nothing better (the shortfall solver builds its own
            # start and may miss a plan that keeps a tight move budget): the full-service plan
            # stands, with the best bound either side proved.
            bounds = [b for b in (result.bound, fallback.bound) if b is not None]
            result = replace(fallback, bound=max(bounds) if bounds else None)
            service = "full service fits"
        elif fallback is not None and fallback.bound is not None:
            # The options search's plan stands; the bound proved before it may be the better one.
            result = _with_bound(result, fallback.bound)
    return cancelled_note(
        replace(
            result,
            solver=name,
            runtime_seconds=time.perf_counter() - start,
            statistics={**result.statistics, "service": service},
        ),
        budget,
    )


def _with_bound(result: SolveResult, floor: float) -> SolveResult:
    """`result` with `floor`, a bound proved apart, where it beats the result's own (never above
    the objective); optimal when the bound meets the objective. A result without a plan as it is."""
    if result.objective is None:
        return result
    bound = min(max(result.bound if result.bound is not None else -math.inf, floor), result.objective)
    status = Status.OPTIMAL if bound >= result.objective else result.status
    return replace(result, bound=bound, status=status)


def _value_first_result(
    result: SolveResult,
    problem: AssignmentProblem,
    choice: tuple[np.ndarray, np.ndarray | None],
    floor: float,
    message: str,
) -> SolveResult:
    """`result` with the value-first plan `choice` in place of its own: feasible, its bound `floor`
    (at least each unit's cheapest option: every cost is >= 0 and every plan picks one option per
    unit) but never above the plan's objective."""
    value = float(problem.objective_of(*choice))
    return replace(
        result,
        status=Status.FEASIBLE,
        unit_agent=choice[0],
        unit_level=choice[1],
        objective=value,
        bound=min(floor, value),
        message=message,
    )


def options_floor(problem: AssignmentProblem) -> int:
    """A lower bound on every plan that uses at least one reduced or unserved option: each unit
    at its cheapest full option, plus the least extra any unit pays for its cheapest other
    option (balance is never negative). When it reaches the full-service optimum, that optimum
    is the problem's."""
    level = problem.pair_level if problem.pair_level is not None else np.zeros(problem.n_pairs, np.int64)
    big = np.iinfo(np.int64).max // 4
    full = np.full(problem.n_units, big, dtype=np.int64)
    other = np.full(problem.n_units, big, dtype=np.int64)
    np.minimum.at(full, problem.pair_unit[level == 0], problem.pair_cost[level == 0])
    np.minimum.at(other, problem.pair_unit[level > 0], problem.pair_cost[level > 0])
    if problem.unassigned_cost is not None:
        other = np.minimum(other, problem.unassigned_cost)
    has = (full < big) & (other < big)
    if not has.any() or not (full < big).all():
        return big
    return int(full.sum() + (other[has] - full[has]).min())


def _certify(
    problem: AssignmentProblem, tried: SolveResult, budget: Budget, floor: int
) -> tuple[int | None, int | None]:
    """A lower bound on the plans that use a reduced or unserved option, to hold the full-service
    plan against: `floor` (`options_floor`), and where that does not reach the plan's objective, the LP of
    the whole options model (small models only). None: not checked (a large model, or no time
    left for the LP), where the full-service premise of the default weights is taken as it is:
    a reduced or unserved option costs more than the travel, match and balance it could save.
    Second: that LP's bound (None when not solved), a bound on every plan."""
    if tried.objective is None:
        return None, None
    if floor >= tried.objective:
        return floor, None
    if problem.n_pairs > CERTIFY_MAX_PAIRS:
        return None, None
    relaxed = lp_bound(problem, budget.child(min(budget.remaining(), CERTIFY_SECONDS)))
    if relaxed.bound is None:
        return None, None  # no time left to bound the options: as for a large model
    lp = math.ceil(relaxed.bound - 1e-6)
    return max(floor, lp), lp


class ServiceFirst:
    """A backend that models the options itself (CP-SAT, CBC), asked for full service first:
    on the options model CP-SAT proves little (a bound far below zero on the demo with one
    leaver, where the full-service model is optimal in a second), so it gets that model
    whenever full service fits, like every other backend."""

    def __init__(self, inner: AssignmentSolver) -> None:
        self.inner = inner
        self.name = inner.name

    def supports(self, problem: AssignmentProblem) -> str | None:
        return self.inner.supports(problem)

    def solve(self, problem: AssignmentProblem, options: SolveOptions) -> SolveResult:
        return with_shortfall(problem, options, self.inner.solve, self.name, solve_short=self.inner.solve)

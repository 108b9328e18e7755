"""Planning under scarcity: when the hours fall short, keep the most valuable service first.

The "auto" backend comes here when full service does not fit (its construction could not
place every unit at full level). The model is the multiple-choice assignment of
`planner.problem`: each unit is served by one agent at one level, or not at all, and an hour
of lost service is priced by its tier and value (`planner.objective`), so the optimum keeps
strategic service before key and key before standard.

1. `value_first`: units in order of what an hour of their service is worth (unserved cost per
   hour of full service at their cheapest agent), each to its cheapest option that fits, so
   full service where it fits, else the mildest reduced level, else unserved; then passes
   that upgrade reduced and unserved units into the room left. A valid plan in a second or so.
2. HiGHS solves the LP relaxation of the whole model in a thread (`lp_bound`): the bound, and
   the optimum that points to where the start is wrong.
3. Rounds of a MIP on that neighbourhood (`rins.improve`: the units the LP does not place
   wholly on their option, widened by reduced cost round by round), each keeping every rule.
4. While time is left and the model is small enough, CP-SAT from the best plan.

Bound: the LP's (with balance, caps and budget), or CP-SAT's if larger; every cost is
non-negative, so it is clamped to [0, objective]. `OPTIMAL` only when it meets the objective.
"""

from __future__ import annotations

import heapq
import logging
import math
import time
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from planner.problem import AssignmentProblem
from planner.solvers.base import SolveOptions, SolveResult, Status
from planner.solvers.construct import construct
from planner.solvers.cpsat import CpSatSolver, satisfies
from planner.solvers.decompose import components
from planner.solvers.lp_bound import SAFETY, BackgroundBound
from planner.solvers.rins import AGREE, improve, solve_mip

log = logging.getLogger(__name__)

LP_WAIT_SHARE = 0.6  # the LP may take this share of the limit before the start is final
RINS_ROUNDS = (0, 2, 4, 8, 16, 32)
# Up to this size HiGHS on the whole model beats neighbourhood rounds: measured on generated
# over-subscribed data at 1,000 x 30 (6,275 options, 30 s): 1.8 % gap against 12 % for the
# rounds, its dual bound 5.7 % above the LP's. At 3,000 x 80 (54,000 options) it stalls on
# its start, and the rounds do better.
FULL_MIP_MAX_PAIRS = 20_000
# When the construction cannot place every unit at full level (it is a heuristic: it fails on
# the 20,000 x 500 generated set, which the split backend plans in full), the full-service
# search gets this share of the limit to find a plan before the shortfall model takes the
# rest (at 0.6 that set came out at 0.367 % in 36 s of a 60 s limit; 0.356 % with all 60 s).
FULL_TRY_SHARE = 0.85
POLISH_MAX_PAIRS = 300_000  # as the split backend: above this CP-SAT does not get past presolve
MIN_POLISH_SECONDS = 2.0
END_MARGIN = 0.3  # kept back for scoring and stopping the LP thread


def value_first(
    problem: AssignmentProblem, fixed: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray | None]:
    """A valid plan (capacity, account caps, move budget; not the lower band) that serves the
    most valuable hours first. Returns unit -> agent (-1 unserved) and unit -> level.

    `fixed` (unit -> pair, -1 free) places units first, as given: the LP's integral part.
    It must fit together; the other units then fill the room left."""
    pairs_of = problem.pairs_of_unit()
    level = problem.pair_level if problem.pair_level is not None else np.zeros(problem.n_pairs, np.int64)
    weight, agent_of, cost = problem.pair_weight, problem.pair_agent, problem.pair_cost
    moves = problem.pair_moves if problem.pair_moves is not None else np.zeros(problem.n_pairs, np.int64)
    room = problem.capacity.astype(np.int64).copy()
    big = np.iinfo(np.int64).max // 4
    slots = (
        np.where(problem.max_units >= 0, problem.max_units, big).astype(np.int64)
        if problem.max_units is not None
        else np.full(problem.n_agents, big, dtype=np.int64)
    )
    moves_left = float(problem.max_moves) if problem.max_moves is not None else math.inf
    chosen = np.full(problem.n_units, -1, dtype=np.int64)
    if fixed is not None:
        placed = np.nonzero(fixed >= 0)[0]
        pairs = fixed[placed]
        chosen[placed] = pairs
        room -= np.bincount(agent_of[pairs], weights=weight[pairs], minlength=problem.n_agents).astype(
            np.int64
        )
        slots -= np.bincount(
            agent_of[pairs], weights=problem.unit_size[placed], minlength=problem.n_agents
        ).astype(np.int64)
        moves_left -= int(moves[pairs].sum())

    full_hours = np.full(problem.n_units, np.inf)
    is_full = level == 0
    np.minimum.at(full_hours, problem.pair_unit[is_full], weight[is_full].astype(float))
    lost = (
        problem.unassigned_cost.astype(float)
        if problem.unassigned_cost is not None
        else np.full(problem.n_units, np.inf)
    )
    priority = np.where(np.isfinite(full_hours), lost / np.maximum(full_hours, 1.0), -1.0)
    order = np.argsort(-priority, kind="stable")

    def best_fit(u: int, current: int) -> int:
        """Cheapest option of u that fits beside what is placed (u's own pair freed), or -1."""
        pairs = pairs_of[u]
        if pairs.size == 0:
            return -1
        agents = agent_of[pairs]
        free_h = room[agents].copy()
        free_n = slots[agents].copy()
        free_m = moves_left
        if current >= 0:
            mine = agents == agent_of[current]
            free_h[mine] += weight[current]
            free_n[mine] += problem.unit_size[u]
            free_m += int(moves[current])
        fits = (weight[pairs] <= free_h) & (problem.unit_size[u] <= free_n) & (moves[pairs] <= free_m)
        if not fits.any():
            return -1
        options = pairs[fits]
        return int(options[np.argmin(cost[options])])

    def move(u: int, new: int) -> None:
        nonlocal moves_left
        old = int(chosen[u])
        if old >= 0:
            room[agent_of[old]] += weight[old]
            slots[agent_of[old]] += problem.unit_size[u]
            moves_left += int(moves[old])
        chosen[u] = new
        room[agent_of[new]] -= weight[new]
        slots[agent_of[new]] -= problem.unit_size[u]
        moves_left -= int(moves[new])

    def unplace(v: int) -> None:
        nonlocal moves_left
        old = int(chosen[v])
        room[agent_of[old]] += weight[old]
        slots[agent_of[old]] += problem.unit_size[v]
        moves_left += int(moves[old])
        chosen[v] = -1

    def eject_for(u: int) -> list[int]:
        """Place u by taking units worth less per hour off one of its agents; the units taken
        off, or [] if no agent frees enough for less than u's own worth."""
        pairs = pairs_of[u]
        on = chosen >= 0
        for p in pairs[np.argsort(cost[pairs], kind="stable")].tolist():
            a = int(agent_of[p])
            here = np.nonzero(on & (agent_of[np.maximum(chosen, 0)] == a))[0]
            lower = here[priority[here] < priority[u]]
            lower = lower[np.argsort(priority[lower], kind="stable")]
            freed_h = room[a] + np.cumsum(weight[chosen[lower]])
            freed_n = slots[a] + np.cumsum(problem.unit_size[lower])
            freed_m = moves_left + np.cumsum(moves[chosen[lower]])
            enough = np.nonzero(
                (freed_h >= weight[p]) & (freed_n >= problem.unit_size[u]) & (freed_m >= moves[p])
            )[0]
            if enough.size == 0:
                continue
            out = lower[: enough[0] + 1]
            if lost[out].sum() >= lost[u]:
                continue
            for v in out.tolist():
                unplace(v)
            move(u, p)
            return out.tolist()
        return []

    # Most valuable first; a unit that finds no room may take it from units worth less per
    # hour, which go back in the queue (a chain that ends: each step goes down in worth).
    queue = [(-priority[u], int(u)) for u in order.tolist() if chosen[u] < 0]
    heapq.heapify(queue)
    while queue:
        _, u = heapq.heappop(queue)
        if chosen[u] >= 0 or priority[u] < 0:
            continue
        p = best_fit(u, -1)
        if p >= 0:
            move(u, p)
            continue
        for v in eject_for(u):
            heapq.heappush(queue, (-priority[v], v))
    # Upgrades: a unit left unserved or reduced takes a cheaper option if one now fits.
    for _ in range(2):
        changed = False
        for u in order.tolist():
            current = int(chosen[u])
            if current >= 0 and level[current] == 0:
                continue
            p = best_fit(u, current)
            if p >= 0 and p != current and (current < 0 or cost[p] < cost[current]):
                move(u, p)
                changed = True
        if not changed:
            break
    return problem.read_choice(chosen[chosen >= 0])


def short_of_hours(full: AssignmentProblem) -> bool:
    """Counting arguments that prove full service cannot fit: a unit nobody may serve, a
    connected part (region) whose units need more hours or account slots than its managers
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
        caps = full.max_units[agents] if full.max_units is not None else np.full(agents.size, -1)
        if (caps >= 0).all() and int(full.unit_size[units].sum()) > int(caps.sum()):
            return True
    sole = per_unit == 1
    need = np.bincount(full.pair_agent[sole[full.pair_unit]], weights=full.pair_weight[sole[full.pair_unit]],
                       minlength=full.n_agents)  # fmt: skip
    return bool((need > full.capacity).any())


def lp_start(problem: AssignmentProblem, x: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """The LP optimum's integral part (units it places wholly on one option), the rest filled
    value first. Such an LP has few fractional units (at most about one per tight row), so
    this start agrees with the LP almost everywhere and the neighbourhood MIP stays small."""
    whole = np.nonzero(x >= AGREE)[0]
    fixed = np.full(problem.n_units, -1, dtype=np.int64)
    fixed[problem.pair_unit[whole]] = whole
    return value_first(problem, fixed)


def with_shortfall(
    problem: AssignmentProblem,
    options: SolveOptions,
    solve_full: Callable[[AssignmentProblem, SolveOptions], SolveResult],
    name: str,
) -> SolveResult:
    """Solve a problem that may have reduced or unserved options with a backend built for
    full service (`solve_full`): if the construction places every unit at full level, the
    plan is optimised among full-service plans (service first, then cost: by the policy's
    weights every reduced or unserved option costs more than the travel, match and balance
    it could save); otherwise the hours fall short and `ShortfallSolver` plans the options."""
    if not problem.has_options:
        return solve_full(problem, options)
    start = time.perf_counter()
    limit = options.time_limit_seconds
    full = problem.full_service()
    result: SolveResult | None = None
    if not short_of_hours(full):
        plan = construct(full)
        # The construction proves full service fits; without it, the full-service search
        # gets a share of the time to find a plan before the shortfall model takes over.
        fits = satisfies(full, plan)
        share = 1.0 if fits else FULL_TRY_SHARE
        left = limit * share - (time.perf_counter() - start)
        tried = solve_full(
            replace(full, hint=plan) if fits else full, replace(options, time_limit_seconds=left)
        )
        if tried.status.has_solution and tried.unit_agent is not None and satisfies(full, tried.unit_agent):
            result, service = tried, "full service fits"
    if result is None:
        log.info("full service does not fit; planning the shortfall (%d options)", problem.n_pairs)
        left = limit - (time.perf_counter() - start)
        result = ShortfallSolver().solve(problem, replace(options, time_limit_seconds=left))
        service = "shortfall"
    return replace(
        result,
        solver=name,
        runtime_seconds=time.perf_counter() - start,
        statistics={**result.statistics, "service": service},
    )


class ShortfallSolver:
    name = "shortfall"

    def __init__(self) -> None:
        self._cpsat = CpSatSolver()

    def supports(self, problem: AssignmentProblem) -> str | None:
        return None

    def solve(self, problem: AssignmentProblem, options: SolveOptions) -> SolveResult:
        start = time.perf_counter()
        limit = options.time_limit_seconds
        deadline = start + limit - END_MARGIN
        lp = BackgroundBound(problem, max(limit - END_MARGIN, 0.1))
        plan, level = value_first(problem)
        valid = satisfies(problem, plan, level)
        stats: dict[str, float | int | str] = {"start_seconds": round(time.perf_counter() - start, 3)}
        if valid:
            stats["start_objective"] = problem.objective_of(plan, level)
        relaxed = lp.wait(max(start + LP_WAIT_SHARE * limit - time.perf_counter(), 0.0))
        polish = problem.n_pairs <= POLISH_MAX_PAIRS
        if relaxed is not None and relaxed.x is not None:
            guided = lp_start(problem, relaxed.x)
            if satisfies(problem, *guided) and (
                not valid or problem.objective_of(*guided) < problem.objective_of(plan, level)
            ):
                plan, level, valid = guided[0], guided[1], True
                stats["lp_start_objective"] = problem.objective_of(plan, level)
        mip_bound: float | None = None
        if relaxed is not None and relaxed.x is not None and problem.n_pairs <= FULL_MIP_MAX_PAIRS:
            seconds = deadline - time.perf_counter()
            everything = np.ones(problem.n_pairs, dtype=bool)
            found_mip, reason, mip_bound = solve_mip(
                problem, everything, (plan, level) if valid else None, seconds
            )
            stats["mip"] = reason
            if found_mip is not None and (
                not valid or problem.objective_of(*found_mip) < problem.objective_of(plan, level)
            ):
                plan, level, valid = found_mip[0], found_mip[1], True
            polish = False  # HiGHS had the whole model and the whole time
        elif relaxed is not None and relaxed.x is not None:
            reserve = MIN_POLISH_SECONDS if polish else 0.0
            found = improve(
                problem,
                plan,
                relaxed,
                max(deadline - reserve, time.perf_counter()),
                level=level,
                rounds=RINS_ROUNDS,
            )
            if math.isfinite(found.objective):
                plan, level, valid = found.plan, found.level, True
            stats["rins_rounds"] = len(found.rounds)
            stats["rins_seconds"] = found.seconds
        result: SolveResult | None = None
        left = deadline - time.perf_counter()
        proven = relaxed is not None and relaxed.bound is not None and valid
        if (
            polish
            and left >= MIN_POLISH_SECONDS
            and not (
                proven and relaxed is not None and problem.objective_of(plan, level) <= (relaxed.bound or 0)
            )
        ):
            hinted = replace(problem, hint=plan, hint_level=level) if valid else problem
            result = self._cpsat.solve(hinted, replace(options, time_limit_seconds=left, on_progress=None))
            got, got_level = result.unit_agent, result.unit_level
            if got is not None and satisfies(problem, got, got_level):
                better = not valid or problem.objective_of(got, got_level) < problem.objective_of(plan, level)
                if better:
                    plan, level, valid = got, got_level, True
        relaxed = lp.collect(0.0) if relaxed is None else relaxed
        runtime = time.perf_counter() - start
        if not valid:
            return SolveResult(Status.TIMEOUT, self.name, None, None, None, runtime, statistics=stats)
        objective = float(problem.objective_of(plan, level))
        bounds = [0.0]
        if relaxed is not None and relaxed.bound is not None:
            bounds.append(relaxed.bound)
            stats["lp_bound"] = relaxed.bound
            stats["lp_seconds"] = round(relaxed.seconds, 3)
        if result is not None and result.bound is not None:
            bounds.append(result.bound)
        if mip_bound is not None:
            # HiGHS' dual bound is a float: round down by the same margin as the LP's.
            bounds.append(float(math.ceil(mip_bound - SAFETY * max(abs(mip_bound), 1.0))))
        bound = min(max(bounds), objective)
        return SolveResult(
            Status.OPTIMAL if objective <= bound else Status.FEASIBLE,
            self.name,
            plan,
            objective,
            bound,
            runtime,
            statistics=stats,
            unit_level=level,
        )

"""Planning under scarcity: when the hours fall short, keep the most valuable service first.

The "auto" and "engine" backends come here (`with_shortfall`) when full service does not fit.
The model is the multiple-choice assignment of `planner.problem`: each unit is served by one
agent at one level, or not at all, and an hour of lost service is priced by its tier and value
(`planner.objective`), so the optimum keeps strategic service before key and key before standard.

1. `value_first`: units in order of what an hour of their service is worth (unserved cost per
   hour of full service at their cheapest agent), each to its cheapest option that fits, taking
   room from units worth less per hour when none does; then passes that upgrade reduced and
   unserved units into the room left. A valid plan in well under a second.
2. HiGHS solves the LP relaxation of the whole model in a thread (`lp_bound`): a bound that sees
   the balance term, and the optimum the later steps steer by.
3. Regions (connected parts of the eligibility graph) share nothing but the balance term, so
   each part's MIP goes to HiGHS alone with balance dropped: measured on generated
   over-subscribed data at 1,000 x 30 (8 parts, 6,275 options), the parts closed to 0.02 % of
   their own bounds in 13 s, where HiGHS on the whole model stalled at 1.8 % in 30 s and
   neighbourhood rounds at 12 %. Not with a move budget or a lower band, which couple the parts.
4. The rest of the time: rounds of a MIP on the neighbourhood the LP points to (`rins.improve`),
   which also mends the balance term the parts ignored; a single part up to 20,000 options goes
   to HiGHS whole instead; without parts, the start is the LP's integral part (`lp_start`).

Bound: the largest of the LP's, HiGHS' dual bound of the whole, and the sum of the parts' own
bounds (each a bound of a relaxation of its part, balance >= 0); every cost is non-negative, so
it is clamped to [0, objective]. `OPTIMAL` only when it meets the objective.
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
from planner.solvers.base import AssignmentSolver, SolveOptions, SolveResult, Status
from planner.solvers.construct import construct
from planner.solvers.cpsat import satisfies
from planner.solvers.decompose import components, restrict
from planner.solvers.lp_bound import SAFETY, BackgroundBound, lp_bound
from planner.solvers.rins import AGREE, Choice, improve, solve_mip

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
REPAIR_OPTIONS = 3  # a unit that finds no room tries to make some on its 3 cheapest agents
PART_LP_SHARE = 0.2  # of a region's time, at most, for its LP
PART_MIP_SHARE = 0.8  # of what is left, for HiGHS on a large region's MIP; neighbourhoods after
SMALL_PART_PAIRS = 5_000  # HiGHS usually proves these optimal: it gets all of their time
PARTS_SHARE = 0.85  # of the limit for the regions' MIPs; the rest for neighbourhoods over the whole
END_MARGIN = 0.3  # kept back for scoring and stopping the LP thread


def value_first(
    problem: AssignmentProblem, fixed: np.ndarray | None = None, repair_seconds: float = 1.0
) -> tuple[np.ndarray, np.ndarray | None]:
    """A valid plan (capacity, account caps, move budget; not the lower band) that serves the
    most valuable hours first. Returns unit -> agent (-1 unserved) and unit -> level.

    `fixed` (unit -> pair, -1 free) places units first, as given: the LP's integral part.
    It must fit together; the other units then fill the room left. Making room for a unit
    that finds none (relocating, then ejecting less valuable units) stops after
    `repair_seconds`; later units then take only the room they find."""
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
                if room[a] >= weight[p] and slots[a] >= problem.unit_size[u] and moves_left >= moves[p]:
                    break
                old = int(chosen[v])
                others = pairs_of[v][agent_of[pairs_of[v]] != a]
                fit = others[
                    (weight[others] <= room[agent_of[others]])
                    & (problem.unit_size[v] <= slots[agent_of[others]])
                    & (moves[others] - moves[old] <= moves_left)
                ]
                if fit.size:
                    new = int(fit[np.argmin(cost[fit])])
                    move(v, new)
                    done.append((v, old))
            if room[a] >= weight[p] and slots[a] >= problem.unit_size[u] and moves_left >= moves[p]:
                move(u, p)
                return True
            for v, old in reversed(done):
                move(v, old)
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
            a = int(agent_of[p])
            here = np.nonzero(owner == a)[0]
            here = here[np.argsort(priority[here], kind="stable")]
            freed_h = room[a] + np.cumsum(weight[chosen[here]])
            freed_n = slots[a] + np.cumsum(problem.unit_size[here])
            freed_m = moves_left + np.cumsum(moves[chosen[here]])
            enough = np.nonzero(
                (freed_h >= weight[p]) & (freed_n >= problem.unit_size[u]) & (freed_m >= moves[p])
            )[0]
            if enough.size == 0:
                continue
            out = here[: enough[0] + 1]
            worth = float(lost[out].sum()) + float(cost[p])
            if worth < lost[u] and (best is None or worth < best[0]):
                best = (worth, p, out)
        if best is None:
            return []
        _, p, out = best
        for v in out.tolist():
            unplace(v)
        move(u, p)
        return out.tolist()

    # Most valuable first; a unit that finds no room may take it from units worth less
    # together, which go back in the queue. Each ejection lowers the worth of what is left
    # out, so the chain ends; the cap only bounds the time on a pathological instance.
    queue = [(-priority[u], int(u)) for u in order.tolist() if chosen[u] < 0]
    heapq.heapify(queue)
    ejections_left = 5 * problem.n_units
    repair_until = time.perf_counter() + repair_seconds
    while queue:
        _, u = heapq.heappop(queue)
        if chosen[u] >= 0 or priority[u] < 0:
            continue
        p = best_fit(u, -1)
        if p >= 0:
            move(u, p)
            continue
        if ejections_left > 0 and time.perf_counter() < repair_until:
            ejections_left -= 1
            if relocate_for(u):
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


def _spent(start: float, options: SolveOptions) -> float:
    """Seconds used so far, as the limit counts them: a deterministic run's limit is work, not
    wall time, so what the clock says must not change what the solver is given."""
    return 0.0 if options.deterministic else time.perf_counter() - start


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
    solve_short: Callable[[AssignmentProblem, SolveOptions], SolveResult] | None = None,
) -> SolveResult:
    """Solve a problem that may have reduced or unserved options with a backend built for
    full service (`solve_full`): if the construction places every unit at full level, the
    plan is optimised among full-service plans (service first, then cost: by the policy's
    weights every reduced or unserved option costs more than the travel, match and balance
    it could save); otherwise the hours fall short and `solve_short` (default: `ShortfallSolver`)
    plans the options."""
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
        left = limit * share - _spent(start, options)
        tried = solve_full(
            replace(full, hint=plan) if fits else full, replace(options, time_limit_seconds=left)
        )
        if tried.status.has_solution and tried.unit_agent is not None and satisfies(full, tried.unit_agent):
            result, service = tried, "full service fits"
    if result is None:
        log.info("full service does not fit; planning the shortfall (%d options)", problem.n_pairs)
        left = limit - _spent(start, options)
        short = solve_short if solve_short is not None else ShortfallSolver().solve
        result = short(problem, replace(options, time_limit_seconds=left))
        service = "shortfall"
    return replace(
        result,
        solver=name,
        runtime_seconds=time.perf_counter() - start,
        statistics={**result.statistics, "service": service},
    )


class ShortfallSolver:
    name = "shortfall"

    def supports(self, problem: AssignmentProblem) -> str | None:
        return None

    def solve(self, problem: AssignmentProblem, options: SolveOptions) -> SolveResult:
        start = time.perf_counter()
        limit = options.time_limit_seconds
        deadline = start + limit - END_MARGIN
        lp = BackgroundBound(problem, max(limit - END_MARGIN, 0.1))
        best = _Best(problem)
        best.offer(value_first(problem), "start")
        stats: dict[str, float | int | str] = {"start_seconds": round(time.perf_counter() - start, 3)}
        parts_bound: float | None = None
        parts = [(u, a) for u, a in components(problem) if u.size]
        if len(parts) > 1 and problem.max_moves is None and problem.lower is None:
            # Regions share nothing but the balance term: each one's MIP alone (balance dropped,
            # a relaxation, so the parts' bounds add up to a bound of the whole).
            plan, parts_bound = self._solve_parts(problem, parts, start + PARTS_SHARE * limit)
            best.offer(plan, "parts")
            stats["parts"] = len(parts)
            stats["parts_seconds"] = round(time.perf_counter() - start, 3)
            stats["parts_bound"] = parts_bound
        relaxed = lp.wait(max(start + LP_WAIT_SHARE * limit - time.perf_counter(), 0.0))
        mip_bound: float | None = None
        if relaxed is not None and relaxed.x is not None:
            if parts_bound is None:
                best.offer(lp_start(problem, relaxed.x), "lp_start")
            if problem.n_pairs <= FULL_MIP_MAX_PAIRS and parts_bound is None:
                everything = np.ones(problem.n_pairs, dtype=bool)
                seconds = deadline - time.perf_counter()
                found, reason, mip_bound = solve_mip(problem, everything, best.choice(), seconds)
                stats["mip"] = reason
                best.offer(found, "mip")
            else:
                found_rins = improve(
                    problem,
                    best.plan,
                    relaxed,
                    max(deadline, time.perf_counter()),
                    level=best.level,
                    rounds=RINS_ROUNDS,
                )
                if math.isfinite(found_rins.objective):
                    best.offer((found_rins.plan, found_rins.level), "rins")
                stats["rins_rounds"] = len(found_rins.rounds)
                stats["rins_seconds"] = found_rins.seconds
        relaxed = relaxed if relaxed is not None else lp.collect(0.0)
        runtime = time.perf_counter() - start
        stats["found_by"] = best.found_by
        if not best.valid:
            return SolveResult(Status.TIMEOUT, self.name, None, None, None, runtime, statistics=stats)
        bounds = [0.0]
        if relaxed is not None and relaxed.bound is not None:
            bounds.append(relaxed.bound)
            stats["lp_bound"] = relaxed.bound
            stats["lp_seconds"] = round(relaxed.seconds, 3)
        for extra in (mip_bound, parts_bound):
            if extra is not None:
                # HiGHS' dual bounds are floats: round down by the same margin as the LP's.
                bounds.append(float(math.ceil(extra - SAFETY * max(abs(extra), 1.0))))
        bound = min(max(bounds), best.objective)
        return SolveResult(
            Status.OPTIMAL if best.objective <= bound else Status.FEASIBLE,
            self.name,
            best.plan,
            best.objective,
            bound,
            runtime,
            statistics=stats,
            unit_level=best.level,
        )

    def _solve_parts(
        self, problem: AssignmentProblem, parts: list[tuple[np.ndarray, np.ndarray]], parts_deadline: float
    ) -> tuple[Choice, float]:
        """Each part alone, the time shared by the parts' sizes: its LP, a start from the LP's
        integral part or value first (the better), HiGHS on the part's MIP, then neighbourhood
        rounds around the part's LP if HiGHS did not prove it. Returns the combined plan and
        the sum of the parts' bounds.

        Measured on the largest region of the 3,000 x 80 set (17,424 options): HiGHS from the
        value-first start sat at 7.89 M for 5 to 30 s; from the LP start, 7.29 M in 5 s, and
        10 s of rounds took that to 7.12 M (LP bound 6.68 M)."""
        plan = np.full(problem.n_units, -1, dtype=np.int64)
        level = np.zeros(problem.n_units, dtype=np.int64)
        bound_sum = 0.0
        pairs_left = problem.n_pairs  # every pair lies in exactly one part
        for units, agents in sorted(parts, key=lambda p: p[0].size):
            sub = replace(restrict(problem, units, agents, scale=1), balance_coef=0)
            seconds = max((parts_deadline - time.perf_counter()) * sub.n_pairs / max(pairs_left, 1), 0.5)
            part_deadline = time.perf_counter() + seconds
            pairs_left -= sub.n_pairs
            relaxed = lp_bound(sub, seconds * PART_LP_SHARE)
            best = _Best(sub)
            best.offer(value_first(sub), "start")
            if relaxed.x is not None:
                best.offer(lp_start(sub, relaxed.x), "lp_start")
            share = PART_MIP_SHARE if sub.n_pairs > SMALL_PART_PAIRS else 1.0
            mip_seconds = (part_deadline - time.perf_counter()) * share
            found, reason, part_bound = solve_mip(
                sub, np.ones(sub.n_pairs, dtype=bool), best.choice(), mip_seconds
            )
            best.offer(found, "mip")
            if reason != "optimal" and relaxed.x is not None:
                rounds = improve(sub, best.plan, relaxed, part_deadline, level=best.level, rounds=RINS_ROUNDS)
                if math.isfinite(rounds.objective):
                    best.offer((rounds.plan, rounds.level), "rins")
            if relaxed.bound is not None:
                part_bound = max(part_bound if part_bound is not None else 0.0, relaxed.bound)
            chosen = best.choice() or (np.full(sub.n_units, -1, dtype=np.int64), None)
            plan[units] = np.where(chosen[0] >= 0, agents[np.maximum(chosen[0], 0)], -1)
            if chosen[1] is not None:
                level[units] = chosen[1]
            # A part HiGHS had no time to bound still has its cheapest options as one.
            bound_sum += max(part_bound if part_bound is not None else 0.0, _cheapest(sub))
        return (plan, level if problem.pair_level is not None else None), bound_sum


class _Best:
    """The best valid plan so far, and which step found it."""

    def __init__(self, problem: AssignmentProblem) -> None:
        self.problem = problem
        self.plan = np.full(problem.n_units, -1, dtype=np.int64)
        self.level: np.ndarray | None = None
        self.objective = math.inf
        self.found_by = "nothing"

    @property
    def valid(self) -> bool:
        return math.isfinite(self.objective)

    def choice(self) -> Choice | None:
        return (self.plan, self.level) if self.valid else None

    def offer(self, choice: Choice | None, step: str) -> None:
        if choice is None or not satisfies(self.problem, *choice):
            return
        value = float(self.problem.objective_of(*choice))
        if value < self.objective:
            self.plan, self.level, self.objective, self.found_by = choice[0], choice[1], value, step


def _cheapest(problem: AssignmentProblem) -> float:
    """Each unit at its cheapest option, or unserved if that is cheaper: a bound of any plan."""
    cheapest = np.full(problem.n_units, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(cheapest, problem.pair_unit, problem.pair_cost)
    if problem.unassigned_cost is not None:
        cheapest = np.minimum(cheapest, problem.unassigned_cost)
    return float(cheapest[cheapest < np.iinfo(np.int64).max].sum())


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

"""Planning under scarcity: when the hours fall short, keep the most valuable service first.

The "auto" and "engine" backends come here (`planner.solvers.service_first`) when full
service does not fit.
The model is the multiple-choice assignment of `planner.problem`: each unit is served by one
agent at one level, or not at all, and an hour of lost service is priced by its tier and value
(`planner.objective`), so the optimum keeps strategic service before key and key before standard.

1. `value_first` (`planner.solvers.value_first`): units in order of what an hour of their service is worth (unserved cost per
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
   Within a large region the rounds get half its time left and two managers at a time
   (`agent_lns`) the rest.

Bound: the largest of the LP's, HiGHS' dual bound of the whole, and the sum of the parts' own
bounds (each a bound of a relaxation of its part, balance >= 0) plus the unserved cost of the units
nobody may serve, which lie in no part; every cost is non-negative, so
it is clamped to [0, objective]. `OPTIMAL` only when it meets the objective. A part's own bound
is the best of its LP's, HiGHS' and its Lagrangian bound (`planner.solvers.lagrange`: each
manager's hours as an exact knapsack, from the part's LP duals), which a thread computes while
HiGHS runs the neighbourhood rounds over the whole: on the regions of the 3,000 x 80 set the LP
sat 0.3-1.1 % below it (5 s each alone), where HiGHS' own bound hardly moved.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import numpy as np

from planner.budget import Budget
from planner.gap.pair_bound import pair_bound
from planner.problem import AssignmentProblem
from planner.solvers.agent_lns import improve_by_pairs
from planner.solvers.base import SolveOptions, SolveResult, Status, cancelled_note
from planner.solvers.column_pool import improve_by_columns, usable
from planner.solvers.cpsat import satisfies
from planner.solvers.decompose import (
    cheapest_bound,
    cheapest_options,
    components,
    local_plan,
    place_part,
    restrict,
)
from planner.solvers.knapsack_sweep import polish
from planner.solvers.lagrange import BackgroundLagrange
from planner.solvers.lp_bound import BackgroundBound, integer_bound, lp_bound
from planner.solvers.packing import packed_start
from planner.solvers.rins import Choice, improve, solve_mip
from planner.solvers.value_first import lp_start, value_first

log = logging.getLogger(__name__)

LP_WAIT_SHARE = 0.6  # the LP may take this share of the limit before the start is final
RINS_ROUNDS = (0, 2, 4, 8, 16, 32)
# Up to this size HiGHS on the whole model beats neighbourhood rounds: measured on generated
# over-subscribed data at 1,000 x 30 (6,275 options, 30 s): 1.8 % gap against 12 % for the
# rounds, its dual bound 5.7 % above the LP's. At 3,000 x 80 (54,000 options) it stalls on
# its start, and the rounds do better.
FULL_MIP_MAX_PAIRS = 20_000
# Of a region's time, at most, for its LP. At 20,000 x 500 short of hours (60 s, regions of about
# 130,000 options and 6-7 s each) 0.2 left most regions without their LP, so without its start,
# rounds and bound: the regions' bounds summed to 136 M points, and 361 M at 0.5.
PART_LP_SHARE = 0.5
SMALL_PART_PAIRS = 5_000  # HiGHS usually proves these optimal: it gets all of their time
SMALL_PART_WEIGHT = 10_000  # a small part's time is shared as if it had this many options
# Of the limit for the regions' MIPs; the rest for the late pairs of the regions furthest above
# their bounds, the neighbourhoods over the whole and the Lagrangian bounds beside them. Before
# the late pairs, 0.85: the rounds over the whole took only 3-13 k points off 50 M at 3,000 x 80
# (30 s), 0.92 gave no better plans, and at 20,000 x 500 (1.5 M options, 10 s) the regions' last
# steps then ran up to 0.64 s past the limit. With them (quiet, 3,000 x 80, 30 s, seeds 7 / 0):
# 0.85 2.14-2.18 % / 1.74 %, 0.75 2.04-2.06 % (four runs) / 1.69 %, 0.65 2.03-2.28 % (four runs,
# three of them 2.25-2.28 %) / 1.62 %; 1,000 x 30 stays 0.23 %.
PARTS_SHARE = 0.75
END_MARGIN = 0.3  # kept back for scoring and stopping the LP thread
# A region reached with less time than this keeps the whole start's plan: its own start, LP and
# polish take 0.5-1 s at 24,000 options whatever their budget says.
MIN_PART_SECONDS = 0.5
MIN_STEP_SECONDS = 0.2  # a region's MIP starts only with this much of its time left
# HiGHS' LP of the whole took 27 s at 1,548,525 options (20,000 x 500, 115 % demand, quiet):
# about 18 us an option, counted here as 20.
LP_SECONDS_PER_PAIR = 20e-6
WHOLE_LP_MAX_SHARE = 0.25  # of the limit, when split into regions (see `solve`)
# Without the LP of the whole, the capacities' Lagrangian bound (`pair_bound`) gets this share of
# the limit, at most this long, before the regions. Short of hours at 20,000 x 500 (1.56 M
# options, 10 s): gap 78 % -> 59 % (bound 62 M -> 116 M points; the plan 282.9 M -> 281.9 M). In
# a thread beside the regions it got too little of the cores: 76 M.
PAIR_BOUND_SHARE = 0.1
PAIR_BOUND_MAX_SECONDS = 1.5
# An LP of the whole estimated at most this long runs beside the regions at any limit. Short of
# hours at 2 s (3,000 x 80, 38,078 options; LP 0.5 s): gap 65 % -> 34 % (bound 17 M -> 29 M, the
# LP's start kept for the regions that got no time: 48.4 M -> 44.2 M points); 52,690 options
# (the scarcity benchmark's set) at 3 s: 31 % -> 15 %. Longer limits are unchanged.
QUICK_LP_SECONDS = 2.0
SWEEP_SHARE = 0.1  # of a region's time, at most, for the knapsack sweeps before HiGHS
# Regions above this many options get the column pool's Lagrangian heuristic
# (`planner.solvers.column_pool`) with the time the neighbourhood rounds leave: their plans sat
# 10 % above the bound at 3,000 x 80. Not before the rounds: on the two largest regions there
# (11,566 and 17,424 options) 4 s and 8 s of it gave 6.17 M and 5.96 M points against 6.14 M and
# 5.83 M for the rounds from the same start, and after 4 s of rounds nothing more.
COLUMN_POOL_MIN_PAIRS = 5_000
COLUMN_POOL_MIN_SECONDS = 1.0
RINS_SHARE = 0.5  # of a large region's time left, at most, for the rounds; the rest for pairs
# Of the time left after the regions, for the pairs of the regions furthest above their bounds
# before the neighbourhood rounds over the whole: those rounds took 0.4-9 k points off 49 M at
# 3,000 x 80 (30 s), the pairs 0.15 M (seed 7, quiet: gap 2.67 % -> 2.38 % in three runs each;
# seed 0 1.86 % -> 1.72 %). At 0.9, 2.35 %, but no rounds were left to mend the balance term.
LATE_PAIRS_SHARE = 0.6


class ShortfallSolver:
    name = "shortfall"

    def supports(self, problem: AssignmentProblem) -> str | None:
        return None

    def solve(self, problem: AssignmentProblem, options: SolveOptions) -> SolveResult:
        start = time.perf_counter()
        budget = options.clock().timer
        work = budget.child(budget.remaining() - END_MARGIN)
        parts = [(u, a) for u, a in components(problem) if u.size]
        split = len(parts) > 1 and problem.max_moves is None and problem.lower is None
        # The LP of the whole, unless it cannot end in time: building and solving it in a thread
        # beside the regions slowed them (the start took 1.9 s instead of 0.9 s at 20,000 x 500,
        # where the LP needs about 27 s) and its stop ran past the limit. Split into regions,
        # not when it would hold a core for more than WHOLE_LP_MAX_SHARE of the limit: at
        # 20,000 x 500 (60 s) it took 37 s of one and its bound (348 M points) stayed under the
        # regions' own (361 M); without it the plan came out 3.3 M points better. A quick LP
        # (QUICK_LP_SECONDS) runs whatever the share: at short limits the regions get too little
        # time for bounds of their own, and its start stands in for the regions that get none.
        lp_seconds = problem.n_pairs * LP_SECONDS_PER_PAIR
        whole_lp = lp_seconds < budget.seconds and not (
            split and lp_seconds >= WHOLE_LP_MAX_SHARE * budget.seconds and lp_seconds > QUICK_LP_SECONDS
        )
        lp = BackgroundBound(problem, work) if whole_lp else None
        best = _Best(problem)
        # The caller's own start (today's plan in a re-plan), if it keeps every rule: no plan
        # worse than it comes back.
        if problem.hint is not None:
            best.offer((problem.hint, problem.hint_level), "given")
        best.offer(value_first(problem, budget=work), "start")
        stats: dict[str, float | int | str] = {"start_seconds": round(time.perf_counter() - start, 3)}
        priced: int | None = None
        if lp is None:
            # Without the LP of the whole, the capacities' Lagrangian bound (`pair_bound`), aimed
            # at the start's value: the regions' own bounds cover only the regions that got time.
            seconds = min(PAIR_BOUND_SHARE * budget.seconds, PAIR_BOUND_MAX_SECONDS)
            priced = pair_bound(problem, work.child(seconds), upper=best.objective if best.valid else None)
            stats["pair_bound"] = "none" if priced is None else priced
        parts_bound: float | None = None
        part_bounds: dict[int, _Part] = {}
        lagrange: BackgroundLagrange | None = None
        if split:
            # Regions share nothing but the balance term: each one's MIP alone (balance dropped,
            # a relaxation, so the parts' bounds add up to a bound of the whole).
            parts = sorted(parts, key=lambda p: p[0].size)
            plan, parts_bound, part_bounds = self._solve_parts(
                problem,
                parts,
                work,
                budget.started + PARTS_SHARE * budget.seconds,
                best.choice(),
                workers=max(1, options.threads),
            )
            # The regions' Lagrangian bounds, in a thread while HiGHS (which lets go of the GIL)
            # runs the late pairs and the neighbourhood rounds over the whole. Not beside the
            # regions' own search: there it took the sweeps' time and the plans came out
            # 0.3-0.6 M points worse at 3,000 x 80 (30 s, load 5.5), more than the bound gained
            # (+0.1 M).
            jobs = [(k, sub, dual) for k, (_, sub, dual) in part_bounds.items() if dual is not None]
            lagrange = BackgroundLagrange(jobs, work)
            best.offer(plan, "parts")
            stats["parts_objective"] = best.objective
            stats["parts"] = len(parts)
            stats["parts_seconds"] = round(time.perf_counter() - start, 3)
            stats["parts_bound"] = parts_bound
            if part_bounds and not work.expired():
                # Without the whole LP there are no rounds over the whole: all the time left.
                late = work.child(work.remaining() * (LATE_PAIRS_SHARE if lp is not None else 1.0))
                best.offer(
                    _late_pairs(problem, parts, part_bounds, best.choice(), late, options.threads), "pairs"
                )
                stats["late_pairs_seconds"] = round(late.elapsed(), 3)
        lp_wait = budget.until(budget.started + LP_WAIT_SHARE * budget.seconds).remaining()
        relaxed = lp.wait(lp_wait) if lp is not None else None
        mip_bound: float | None = None
        if relaxed is not None and relaxed.x is not None:
            if parts_bound is None:
                best.offer(lp_start(problem, relaxed.x, work), "lp_start")
            elif len(part_bounds) < len(parts) and not work.expired():
                whole = lp_start(problem, relaxed.x, work)
                best.offer(whole, "lp_start")
                best.offer(_partwise_best(problem, parts, best.choice(), whole), "merged")
            small = problem.n_pairs <= FULL_MIP_MAX_PAIRS
            if parts_bound is not None or not small:
                found_rins = improve(
                    problem,
                    best.plan,
                    relaxed,
                    work,
                    level=best.level,
                    rounds=RINS_ROUNDS,
                )
                if math.isfinite(found_rins.objective):
                    best.offer((found_rins.plan, found_rins.level), "rins")
                stats["rins_rounds"] = len(found_rins.rounds)
                stats["rins_seconds"] = found_rins.seconds
            # HiGHS on the whole, from the best plan, with the time left: at once without regions;
            # after the rounds with them, since small regions end early (HiGHS proves them in a
            # fraction of a second) and so do the rounds. It mends the balance term the regions
            # dropped and bounds it, which their bounds cannot: a 200 x 8 team plan at 3 s went
            # from 0.32 % (0.2 s used) to 0.001 % (0.4 s), time_limits' 300 x 12 from 0.13 % to 0.01 %.
            if small and (parts_bound is None or work.remaining() >= MIN_STEP_SECONDS):
                everything = np.ones(problem.n_pairs, dtype=bool)
                found, reason, mip_bound = solve_mip(problem, everything, best.choice(), work)
                stats["mip"] = reason
                best.offer(found, "mip")
        relaxed = relaxed if relaxed is not None or lp is None else lp.collect(0.0)
        if lagrange is not None and parts_bound is not None:
            # Each region's Lagrangian bound, where it beats the region's own (the LP's, HiGHS').
            found_bounds = lagrange.collect(0.0)
            raised = sum(
                max(0.0, found.bound - part_bounds[k][0])
                for k, found in found_bounds.items()
                if found.bound is not None
            )
            stats["lagrange_parts"] = len(found_bounds)
            stats["lagrange_raised"] = raised
            parts_bound += raised
            stats["parts_bound"] = parts_bound
        runtime = time.perf_counter() - start
        stats["found_by"] = best.found_by
        if not best.valid:
            return cancelled_note(
                SolveResult(Status.TIMEOUT, self.name, None, None, None, runtime, statistics=stats), budget
            )
        bounds = [0.0]
        if relaxed is not None and relaxed.bound is not None:
            bounds.append(relaxed.bound)
            stats["lp_bound"] = relaxed.bound
            stats["lp_seconds"] = round(relaxed.seconds, 3)
        for extra in (mip_bound, parts_bound):
            if extra is not None:
                bounds.append(integer_bound(extra))
        if priced is not None:
            bounds.append(float(priced))
        bound = min(max(bounds), best.objective)
        result = SolveResult(
            Status.OPTIMAL if best.objective <= bound else Status.FEASIBLE,
            self.name,
            best.plan,
            best.objective,
            bound,
            runtime,
            statistics=stats,
            unit_level=best.level,
        )
        return cancelled_note(result, budget)

    def _solve_parts(
        self,
        problem: AssignmentProblem,
        parts: list[tuple[np.ndarray, np.ndarray]],
        work: Budget,
        parts_until: float,
        start: Choice | None = None,
        workers: int = 1,
    ) -> tuple[Choice, float, dict[int, _Part]]:
        """Each part alone, the time shared by the parts' sizes: its LP, a start from the LP's
        integral part or value first (the better), HiGHS on the part's MIP, then neighbourhood
        rounds around the part's LP if HiGHS did not prove it. Returns the combined plan, the sum
        of the parts' bounds, and by each part's place in `parts` its own bound, the part alone
        and its LP's row duals, for a Lagrangian bound to raise.

        With `workers` > 1 that many parts are solved at once, in threads: HiGHS, where a part
        spends most of its time, lets go of the GIL, so the second core, idle beside a single
        part, gives each part about twice the time.

        Measured on the largest region of the 3,000 x 80 set (17,424 options): HiGHS from the
        value-first start sat at 7.89 M for 5 to 30 s; from the LP start, 7.29 M in 5 s, and
        10 s of rounds took that to 7.12 M (LP bound 6.68 M)."""
        plan = np.full(problem.n_units, -1, dtype=np.int64)
        level = np.zeros(problem.n_units, dtype=np.int64)
        # Units nobody may serve lie in no part, yet every plan pays their unserved cost: left out,
        # the parts' bounds fell 7 % short of the objective at 1,000 x 30 (4 such accounts).
        bound_sum = _unservable_cost(problem)
        # Time goes by size, a small part counted as SMALL_PART_WEIGHT options: from a polished
        # start HiGHS needs 2-3 s on 2,000-5,000 options to find better plans (none in 1.2 s),
        # where a share by options gave these parts 0.5-2 s in all. At 3,000 x 80 (30 s) the
        # five small regions had ended 0.7-0.9 M points above what 3 s of HiGHS each finds.
        per_unit = np.bincount(problem.pair_unit, minlength=problem.n_units)
        weights = [max(int(per_unit[u].sum()), SMALL_PART_WEIGHT) for u, _ in parts]
        weight_left = float(sum(weights))  # of the parts not yet finished
        lock = threading.Lock()
        cheapest = cheapest_options(problem)

        def seconds_for(k: int) -> float | None:
            """This part's time when it starts (None: keep the start's plan), shared by size
            among the parts not finished, `workers` at a time."""
            with lock:
                window = work.until(parts_until).remaining()
                if work.remaining() < MIN_PART_SECONDS and start is not None:
                    return None
                return max(min(window, window * weights[k] * workers / max(weight_left, 1.0)), 0.5)

        def solve(k: int) -> _Solved | None:
            nonlocal weight_left
            units, agents = parts[k]
            seconds = seconds_for(k)
            try:
                if seconds is None:
                    return None
                return self._solve_part(problem, units, agents, work.child(seconds), seconds)
            finally:
                with lock:
                    weight_left -= weights[k]

        if workers > 1 and len(parts) > 1:
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="region") as pool:
                solved = list(pool.map(solve, range(len(parts))))
        else:
            solved = [solve(k) for k in range(len(parts))]
        part_bounds: dict[int, _Part] = {}
        for k, ((units, agents), found) in enumerate(zip(parts, solved, strict=True)):
            if found is None:
                # No time left for this part: it keeps the whole start's plan (value first;
                # the parts share no agent, so it fits), bounded by its cheapest options (not
                # restricted first: that alone took 0.4 s past a 2 s limit at 20,000 x 500).
                assert start is not None
                plan[units] = start[0][units]
                if start[1] is not None:
                    level[units] = start[1][units]
                bound_sum += float(cheapest[units].sum())
                continue
            chosen, part_bound, sub, row_dual = found
            place_part(plan, units, agents, chosen[0])
            if chosen[1] is not None:
                level[units] = chosen[1]
            bound_sum += part_bound
            part_bounds[k] = (part_bound, sub, row_dual)
        return (plan, level if problem.pair_level is not None else None), bound_sum, part_bounds

    def _solve_part(
        self, problem: AssignmentProblem, units: np.ndarray, agents: np.ndarray, part: Budget, seconds: float
    ) -> _Solved:
        """One part within `part`: its plan (the part's own numbering), bound, the part, its
        LP's row duals."""
        sub = _region(problem, units, agents)
        relaxed = lp_bound(sub, part.child(seconds * PART_LP_SHARE))
        best = _Best(sub)
        best.offer(value_first(sub, budget=part), "start")
        # Each later step only with time left: each takes 0.2-0.4 s on a region of 24,000
        # options, and started at the deadline they ran 0.6 s past a 2 s limit (20,000 x 500).
        if relaxed.x is not None and not part.expired():
            best.offer(lp_start(sub, relaxed.x, part), "lp_start")
        if not part.expired():
            best.offer(packed_start(sub, part), "packed")
        # HiGHS from a start the knapsacks have polished: on the 3,000 x 80 set's regions
        # this took 15 s of HiGHS from 4.7 % to 1.6 % above its bound (2,232 options).
        if not part.expired():
            best.offer(polish(sub, best.choice(), part.child(part.remaining() * SWEEP_SHARE)), "sweep")
        part_bound, reason = None, "not tried"
        # Not at the deadline: HiGHS given no time still builds and presolves the model (0.8 s
        # past a 10 s limit on a region of 24,000 options whose LP had not ended).
        if (sub.n_pairs <= SMALL_PART_PAIRS or relaxed.x is None) and part.remaining() >= MIN_STEP_SECONDS:
            found, reason, part_bound = solve_mip(sub, np.ones(sub.n_pairs, dtype=bool), best.choice(), part)
            best.offer(found, "mip")
        if reason != "optimal" and relaxed.x is not None:
            # A large region: HiGHS on all of it sat on its start (11,566 options, 8 s)
            # where neighbourhood rounds took 10 % off; its dual bound rose 0.4 % over the
            # LP's, which the sum over regions hardly sees. Rounds again from each better plan.
            # Then two managers at a time (`agent_lns`) with the rest: on the largest region of
            # the 3,000 x 80 set (17,424 options, 6 s) the rounds alone reached 8.94 M points,
            # the pairs alone 8.52 M, but on the next two (11,566 and 10,079 options) the rounds
            # did better (4.89 M and 2.60 M against 5.21 M and 2.73 M); half and half beat both
            # alone on all three but the first (8.76 M, 4.86 M, 2.59 M).
            while not part.expired():
                before = best.objective
                rounds = improve(
                    sub,
                    best.plan,
                    relaxed,
                    part.child(part.remaining() * RINS_SHARE),
                    level=best.level,
                    rounds=RINS_ROUNDS,
                )
                if math.isfinite(rounds.objective):
                    best.offer((rounds.plan, rounds.level), "rins")
                incumbent = best.choice()
                if incumbent is not None and usable(sub):
                    best.offer(improve_by_pairs(sub, incumbent, part), "pairs")
                best.offer(polish(sub, best.choice(), part), "sweep")
                if best.objective >= before:
                    break
        if (
            sub.n_pairs > COLUMN_POOL_MIN_PAIRS
            and reason != "optimal"
            and relaxed.row_dual is not None
            and usable(sub)
            and best.valid
            and part.remaining() >= COLUMN_POOL_MIN_SECONDS
        ):
            incumbent = best.choice()
            assert incumbent is not None
            pooled = improve_by_columns(sub, relaxed.row_dual, incumbent, part)
            best.offer(pooled.choice, "column_pool")
            if pooled.bound is not None:  # a Lagrangian bound of the part (balance dropped)
                part_bound = max(part_bound if part_bound is not None else 0.0, pooled.bound)
            log.debug(
                "part of %d options: column pool %s (%d columns, %d steps, master %s), %.1f s",
                sub.n_pairs,
                pooled.objective,
                pooled.columns,
                pooled.evaluations,
                pooled.reason,
                pooled.seconds,
            )
        if relaxed.bound is not None:
            part_bound = max(part_bound if part_bound is not None else 0.0, relaxed.bound)
        chosen = best.choice() or (np.full(sub.n_units, -1, dtype=np.int64), None)
        # A part HiGHS had no time to bound still has its cheapest options as one.
        part_bound = max(part_bound if part_bound is not None else 0.0, cheapest_bound(sub))
        log.debug(
            "part of %d options: %s by %s, bound %.0f, %.1f s",
            sub.n_pairs,
            best.objective,
            best.found_by,
            part_bound,
            seconds,
        )
        return chosen, part_bound, sub, relaxed.row_dual


def _late_pairs(
    problem: AssignmentProblem,
    parts: list[tuple[np.ndarray, np.ndarray]],
    part_bounds: dict[int, _Part],
    start: Choice | None,
    budget: Budget,
    workers: int,
) -> Choice | None:
    """The regions furthest above their bounds (`workers` of them, one thread each) go on with
    two managers at a time (`agent_lns`) from the whole plan; the others keep theirs."""
    if start is None:
        return None
    plan, level = start[0].copy(), None if start[1] is None else start[1].copy()

    def own(k: int) -> Choice:
        units, agents = parts[k]
        return local_plan(plan, units, agents, problem.n_agents), None if level is None else level[units]

    above = []
    for k, (bound, sub, _) in part_bounds.items():
        if usable(sub):
            above.append((float(sub.objective_of(*own(k))) - bound, k))
    chosen = [k for gap, k in sorted(above, reverse=True)[: max(workers, 1)] if gap > 0]
    starts = {k: own(k) for k in chosen}

    def run(k: int) -> Choice:
        return improve_by_pairs(part_bounds[k][1], starts[k], budget, seed=k)

    with ThreadPoolExecutor(max_workers=max(workers, 1), thread_name_prefix="late-pairs") as pool:
        found = dict(zip(chosen, pool.map(run, chosen), strict=True))
    for k, (part_plan, part_level) in found.items():
        units, agents = parts[k]
        place_part(plan, units, agents, part_plan)
        if level is not None and part_level is not None:
            level[units] = part_level
    return plan, level


_Part = tuple[float, AssignmentProblem, np.ndarray | None]  # a part's bound, the part, its LP's duals
_Solved = tuple[Choice, float, AssignmentProblem, np.ndarray | None]  # a part's plan, and as _Part


def _region(problem: AssignmentProblem, units: np.ndarray, agents: np.ndarray) -> AssignmentProblem:
    """A part alone, balance dropped (a relaxation: its bound stays a bound of the part)."""
    return replace(restrict(problem, units, agents, scale=1), balance_coef=0)


def _unservable_cost(problem: AssignmentProblem) -> float:
    """What every plan pays for the units with no option at all (their unserved cost)."""
    if problem.unassigned_cost is None:
        return 0.0
    orphan = np.bincount(problem.pair_unit, minlength=problem.n_units) == 0
    return float(problem.unassigned_cost[orphan].sum())


def _unit_costs(problem: AssignmentProblem, choice: Choice) -> np.ndarray:
    """Each unit's own cost in `choice`: its option's, or its unserved cost (no balance)."""
    pairs = problem.pair_index(*choice)
    out = np.zeros(problem.n_units, dtype=np.int64)
    served = pairs >= 0
    out[served] = problem.pair_cost[pairs[served]]
    if (~served).any():
        assert problem.unassigned_cost is not None
        out[~served] = problem.unassigned_cost[~served]
    return out


def _partwise_best(
    problem: AssignmentProblem, parts: list[tuple[np.ndarray, np.ndarray]], a: Choice | None, b: Choice | None
) -> Choice | None:
    """Region by region, the cheaper of two plans (regions share no manager, so any mix is
    valid; the balance and spread terms are left to the caller's full score)."""
    if a is None or b is None:
        return a or b
    cost_a, cost_b = _unit_costs(problem, a), _unit_costs(problem, b)
    agent = a[0].copy()
    level = None if a[1] is None else a[1].copy()
    for units, _ in parts:
        if cost_b[units].sum() < cost_a[units].sum():
            agent[units] = b[0][units]
            if level is not None and b[1] is not None:
                level[units] = b[1][units]
    return agent, level


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

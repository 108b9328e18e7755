"""The default backend ("auto"): one CP-SAT model when small, split by region when large.

Large planner problems fall into connected parts of the eligibility graph
(regions that share no manager), coupled only by the balance term and, when
set, the move budget. Each part is solved alone as a generalized assignment
problem (balance and account caps dropped) by the GAP engine — Lagrangian
bound, local search, MIP on reduced pairs — whose plan, where it breaks an
account cap, is repaired by the minimal-change construction. The parts' plans
together, with the least-loaded managers lifted (`planner.solvers.balance`), then
go through a MIP on the small neighbourhood the LP relaxation of the whole points
to (`planner.solvers.rins`: balance and caps included), and, up to 300,000 pairs,
are the start for one CP-SAT run on the whole problem, which polishes in the time
left.

Shortfall: when the policy lets accounts be reduced or unserved (the default), the problem is
first tried at full service: if the construction places every unit at full level, the plan is
optimised among full-service plans as below (service first, then cost: every reduced or
unserved option costs more than the travel, match and balance it could save, by the policy's
weights); otherwise the hours fall short and `planner.solvers.shortfall` plans the
multiple-choice model with its own LP bound.

Bound: every part's bound is a bound of a relaxation of that part (terms and
constraints dropped, never added), so their sum is a lower bound of the whole
objective (balance >= 0). Meanwhile HiGHS solves the LP relaxation of the whole
model in a thread (`planner.solvers.lp_bound`), the only bound here that sees the
balance term. The reported bound is the largest of the three: that sum, the LP
value, the final CP-SAT run's own bound.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import replace

import numpy as np

from planner.problem import AssignmentProblem
from planner.solvers.balance import lift_minimum
from planner.solvers.base import SolveOptions, SolveResult, Status
from planner.solvers.construct import construct
from planner.solvers.cpsat import CpSatSolver, satisfies
from planner.solvers.decompose import cheapest_bound, cheapest_options, components, place_part, restrict
from planner.solvers.gap_engine import EngineSettings, GapEngineSolver
from planner.solvers.lp_bound import BackgroundBound
from planner.solvers.rins import improve, solve_mip
from planner.solvers.service_first import ServiceFirst, with_shortfall

log = logging.getLogger(__name__)

SPLIT_MIN_PAIRS = 5_000  # below this one CP-SAT model closes the gap faster than splitting
PARTS_SHARE = 0.6  # share of the time limit for the parts; the rest polishes the whole
PARTS_SHARE_NO_POLISH = 0.85  # the rest: balance lift, waiting for the LP bound
# Once the LP relaxation is solved, the parts stop at this share: the neighbourhood MIP
# around the LP (`planner.solvers.rins`) gets the rest. Its rounds end when proven (about 8 s
# at 20,000 x 500), so the parts, which run HiGHS on their reduced models until their end,
# get most of the time: at 60 s there, 0.55 gave 0.222-0.230 % and left 12 s unused; 0.7
# 0.214 %; 0.75 0.191-0.197 % (wall 54-55 s); 0.85 0.189 % (wall 59.6 s).
PARTS_SHARE_WITH_LP = 0.75
LP_EARLY = 0.4  # ... if the LP is done by this share of the limit
RINS_SHARE_BEFORE_POLISH = 0.5  # of the time left after the parts, when a polish follows
RINS_MIN_SECONDS = 3.0
REPAIR_SECONDS = 10.0  # how far past the limit a plan with a broken part may go to get mended
END_MARGIN = 0.5  # kept back from the limit for checking and scoring the final plan
MIN_POLISH_SECONDS = 5.0
BUILD_SECONDS_PER_PAIR = 15e-6  # writing and parsing the whole CP-SAT model, measured at 800k pairs
# Above this CP-SAT on the whole model spends its time in presolve (measured at 800,000
# pairs: 5 s to build, 0 branches in 20 s, no better plan), so the parts' plan is final.
POLISH_MAX_PAIRS = 300_000
# Account teams (`_whole`): up to this size HiGHS gets the whole MIP after CP-SAT's share.
WHOLE_MIP_MAX_PAIRS = 50_000
WHOLE_CPSAT_SHARE = 0.4
# Below this limit HiGHS improves nothing in its share and CP-SAT's 40 % is a poor plan, so CP-SAT
# gets it all (2,000 x (60+25+20), load ~2: at 2 s gap 71 % split, 6.7 % CP-SAT alone; at 5 s 4.3 %
# split, 4.6 % alone; at 10 s 0.8 % split).
WHOLE_MIP_MIN_SECONDS = 4.0


class DecomposedSolver:
    name = "auto"

    def __init__(self) -> None:
        self._cpsat = CpSatSolver()
        # Parts get about a second each on one core: the engine's own phases (Lagrangian
        # bound, local search) then beat letting HiGHS have the time on the full model, the
        # engine's choice for small benchmark instances at 30 s (measured on 5,000 x 150 at
        # 30 s: parts 1.9 % worse in total with it).
        self._engine = GapEngineSolver(EngineSettings(full_mip_below_pairs=0))
        self._exact = ServiceFirst(CpSatSolver())

    def supports(self, problem: AssignmentProblem) -> str | None:
        return None  # what its engine cannot take goes to CP-SAT whole (`solve`)

    def solve(self, problem: AssignmentProblem, options: SolveOptions) -> SolveResult:
        unsupported = self._engine.supports(problem)
        if unsupported:
            log.info("auto: %s; planning with CP-SAT", unsupported)
            return self._whole(problem, options.clock())
        return with_shortfall(problem, options, self._solve_full, self.name)

    def _whole(self, problem: AssignmentProblem, options: SolveOptions) -> SolveResult:
        """What the split, the engine and the shortfall heuristics cannot keep (the rows of account
        teams): the cpsat backend (full service first, then the options model) plans it whole,
        while HiGHS solves the LP relaxation beside it, a bound CP-SAT's own seldom reaches on the
        options model (0 at 300 accounts x 21 people with empty team slots, where the LP is within
        a fraction of a per cent)."""
        started = time.perf_counter()
        budget = options.timer
        lp = BackgroundBound(problem, budget)
        whole_mip = problem.n_pairs <= WHOLE_MIP_MAX_PAIRS and budget.remaining() >= WHOLE_MIP_MIN_SECONDS
        share = WHOLE_CPSAT_SHARE if whole_mip else 1.0
        result = self._exact.solve(problem, options.within(budget.child(budget.remaining() * share)))
        stats = {**result.statistics, "path": "cpsat"}
        bound = result.bound
        if whole_mip and result.status != Status.OPTIMAL and not budget.expired():
            # HiGHS on the whole MIP from CP-SAT's plan: on the options model it closes what
            # CP-SAT leaves open (measured in benchmarks/teams.py).
            start = (result.unit_agent, result.unit_level) if result.unit_agent is not None else None
            everything = np.ones(problem.n_pairs, dtype=bool)
            found, reason, mip_bound = solve_mip(
                problem, everything, start, budget.child(budget.remaining() - END_MARGIN)
            )
            stats["path"] = f"cpsat+highs:{reason}"
            if found is not None:
                value = float(problem.objective_of(*found))
                if result.objective is None or value < result.objective:
                    status = Status.FEASIBLE
                    result = replace(
                        result, status=status, unit_agent=found[0], unit_level=found[1], objective=value
                    )
            if mip_bound is not None and result.objective is not None:
                mip = min(float(math.ceil(mip_bound - 1e-6)), result.objective)
                bound = mip if bound is None else max(bound, mip)
        relaxed = lp.collect(0.0)
        if result.objective is not None and relaxed is not None and relaxed.bound is not None:
            lp_bound = min(float(math.ceil(relaxed.bound - 1e-6)), result.objective)
            bound = lp_bound if bound is None else max(bound, lp_bound)
            stats["lp_bound"] = relaxed.bound
        status = result.status
        if status == Status.FEASIBLE and result.objective is not None and bound is not None:
            status = Status.OPTIMAL if bound >= result.objective else status
        # The whole path's time (CP-SAT, HiGHS and the LP), not CP-SAT's alone.
        runtime = time.perf_counter() - started
        return replace(
            result, status=status, bound=bound, solver=self.name, statistics=stats, runtime_seconds=runtime
        )

    def _solve_full(self, problem: AssignmentProblem, options: SolveOptions) -> SolveResult:
        start = time.perf_counter()
        options = options.clock()
        budget = options.timer
        splittable = (
            problem.n_pairs >= SPLIT_MIN_PAIRS
            and problem.max_moves is None
            and problem.lower is None
            and problem.unassigned_cost is None
        )
        parts = components(problem) if splittable else []
        if len([u for u, _ in parts if u.size]) < 2:
            return self._cpsat.solve(problem, options)

        lp = BackgroundBound(problem, budget)
        hint = construct(problem)
        bound_sum = 0.0
        broken = np.zeros(problem.n_units, dtype=bool)  # units of parts left without a valid plan
        # Without a polish to come, the parts may use nearly all the time.
        polish = problem.n_pairs <= POLISH_MAX_PAIRS
        share = PARTS_SHARE if polish else PARTS_SHARE_NO_POLISH
        pairs_left = problem.n_pairs  # every pair lies in exactly one part
        cheapest = cheapest_options(problem)
        for units, agents in parts:
            if units.size == 0:
                continue
            if budget.expired():
                # No time left for this part: it keeps the construction's plan (already in the
                # hint), bounded by its units' cheapest options; restricting and starting the
                # engine only to stop it cost 0.02-0.2 s a part (0.6 s over a 2 s limit at
                # 20,000 x 500).
                bound_sum += float(cheapest[units].sum())
                continue
            # The LP is in: if it came early enough that the parts still get a fair go, they
            # stop sooner and leave the rest to the neighbourhood MIP around it.
            lp_early = budget.elapsed() < LP_EARLY * budget.seconds
            if not polish and lp.finished and lp_early:
                share = min(share, PARTS_SHARE_WITH_LP)
            parts_left = budget.until(budget.started + budget.seconds * share).remaining()
            sub = restrict(replace(problem, hint=hint), units, agents, scale=1)
            # A share of the time left, not of the budget: a part that overran is not repeated.
            seconds = max(parts_left * sub.n_pairs / max(pairs_left, 1), 1.0)
            pairs_left -= sub.n_pairs
            res = self._solve_part(
                sub,
                # While the LP runs it has a core to itself; after, the parts get them all.
                options.within(
                    budget.child(seconds),
                    threads=max(1, int(options.threads) - 1) if lp.running else int(options.threads),
                    on_progress=None,
                ),
            )
            if res.status == Status.INFEASIBLE:
                lp.collect()
                return replace(res, solver=self.name, runtime_seconds=time.perf_counter() - start)
            if res.unit_agent is None or not satisfies(sub, res.unit_agent):
                # The engine found nothing valid in its share (a large part on a busy machine):
                # CP-SAT from the construction, which usually has a plan within a second or two,
                # so that the whole start stays valid. The engine's bound still counts.
                log.info("part with %d units: no valid plan from the engine; CP-SAT fallback", sub.n_units)
                fallback = self._cpsat.solve(
                    sub, options.within(budget.child(max(seconds, 2.0)), on_progress=None)
                )
                if fallback.unit_agent is not None:
                    res = replace(res, unit_agent=fallback.unit_agent)
            if res.unit_agent is not None and satisfies(sub, res.unit_agent):
                place_part(hint, units, agents, res.unit_agent)
            else:
                broken[units] = True
            # Each unit at its cheapest agent is a bound no part can fall below, so a part the
            # engine had too little time for still contributes something honest.
            bound_sum += max(res.bound if res.bound is not None else -math.inf, cheapest_bound(sub))
        # The parts ignored balance; lifting the least-loaded managers is cheap and gives the
        # polish a start whose spread is not set by one forgotten junior (a plan with a broken
        # part comes back unchanged).
        hint = lift_minimum(problem, hint, budget.child(min(2.0, 0.05 * budget.seconds)))
        parts_seconds = time.perf_counter() - start
        needed = _cpsat_seconds(problem)
        # The LP's optimum points to a small neighbourhood of the plan worth a MIP. Without a
        # polish to come the LP is worth waiting for; before one, only if it is already done.
        # A plan with a broken part waits longer and may overrun: the LP is then its best
        # repair, since CP-SAT on the whole finds nothing within a minute at 800,000 pairs.
        valid = satisfies(problem, hint)
        wait = budget.remaining() - RINS_MIN_SECONDS if not polish else 0.0
        relaxed_now = lp.wait(wait if valid else max(wait, REPAIR_SECONDS))
        rins_stats: dict[str, float | int] = {}
        if relaxed_now is not None and relaxed_now.x is not None:
            left = budget.remaining()
            if polish and left >= needed:
                rins = budget.child(min(RINS_SHARE_BEFORE_POLISH * left, left - needed))
            else:
                rins = budget.child(left - END_MARGIN)
            if not valid:
                rins = rins.rescue(REPAIR_SECONDS, "a part has no valid plan; the neighbourhood MIP mends it")
            found = improve(problem, hint, relaxed_now, rins, free_units=broken)
            if math.isfinite(found.objective):
                hint, valid = found.plan, True
            rins_stats = {"rins_rounds": len(found.rounds), "rins_seconds": found.seconds}
        if not valid and not polish:
            hint = self._repair_parts(problem, hint, parts, broken, options)
            valid = satisfies(problem, hint)
        problem = replace(problem, hint=hint)

        remaining = budget.remaining()
        if remaining >= needed and polish:
            result = self._cpsat.solve(problem, options.within(budget.child(remaining)))
            if result.unit_agent is None and valid:
                # CP-SAT did not even take up its hint in time: the start stands, with its bound.
                result = replace(_as_result(problem, hint, self.name), bound=result.bound)
        elif valid or not polish:
            result = _as_result(problem, hint, self.name)
        else:
            # Some part came back without a valid plan and no time is left to mend it: a late
            # plan beats none, so CP-SAT gets the least it needs and the limit is overrun.
            late = budget.rescue(needed, "parts left no valid plan; CP-SAT on the whole")
            result = self._cpsat.solve(problem, options.within(late))
        relaxed = lp.collect(budget.remaining())
        lp_value = relaxed.bound if relaxed is not None and relaxed.bound is not None else -math.inf
        bound = max(
            result.bound if result.bound is not None else -math.inf, math.ceil(bound_sum - 1e-6), lp_value
        )
        status = result.status
        if status.has_solution and result.objective is not None:
            bound = min(bound, result.objective)
            status = Status.OPTIMAL if result.objective <= bound else Status.FEASIBLE
        stats = {
            **result.statistics,
            "parts": len(parts),
            "parts_seconds": round(parts_seconds, 3),
            "parts_bound": math.ceil(bound_sum - 1e-6),
            "lp_bound": "none" if math.isinf(lp_value) else lp_value,
            "lp_seconds": round(relaxed.seconds, 3) if relaxed is not None else "stopped",
            "lp": relaxed.reason if relaxed is not None else "stopped",
            **rins_stats,
        }
        return replace(
            result,
            solver=self.name,
            status=status,
            bound=None if math.isinf(bound) else float(bound),
            runtime_seconds=time.perf_counter() - start,
            statistics=stats,
        )

    def _repair_parts(
        self,
        problem: AssignmentProblem,
        hint: np.ndarray,
        parts: list[tuple[np.ndarray, np.ndarray]],
        broken: np.ndarray,
        options: SolveOptions,
    ) -> np.ndarray:
        """CP-SAT on each part still without a valid plan, past the limit: a late plan beats
        none, and one part builds in a fraction of the time the whole model would take."""
        out = hint.copy()
        for units, agents in parts:
            if units.size == 0 or not broken[units].any():
                continue
            sub = restrict(replace(problem, hint=out), units, agents, scale=1)
            if sub.hint is not None and satisfies(sub, sub.hint):
                continue
            late = options.timer.rescue(
                _cpsat_seconds(sub), f"part with {sub.n_units} units has no valid plan; CP-SAT on it"
            )
            res = self._cpsat.solve(sub, options.within(late, on_progress=None))
            if res.unit_agent is not None and satisfies(sub, res.unit_agent):
                place_part(out, units, agents, res.unit_agent)
        return out

    def _solve_part(self, sub: AssignmentProblem, options: SolveOptions) -> SolveResult:
        # Dropping balance and the manager limits makes the part a plain GAP for the engine,
        # and only relaxes it, so the engine's bound stays a bound of the part.
        relaxed = replace(sub, balance_coef=0, limit_names=(), limit_use=None, limit_upper=None)
        res = self._engine.solve(relaxed, options)
        if res.unit_agent is None or satisfies(sub, res.unit_agent):
            return res
        # A manager limit binds: keep the engine's (still valid) bound and repair its plan
        # the minimal-change way, shedding units from capped managers to the cheapest room.
        repaired = construct(replace(sub, hint=res.unit_agent))
        log.info("part with %d units: engine plan broke a manager limit; repaired", sub.n_units)
        if not satisfies(sub, repaired):
            return replace(res, unit_agent=None, objective=None)
        return replace(
            res, unit_agent=repaired, objective=float(sub.objective_of(repaired)), status=Status.FEASIBLE
        )


def _cpsat_seconds(problem: AssignmentProblem) -> float:
    """The least time CP-SAT on `problem` needs to build its model and get anywhere."""
    return MIN_POLISH_SECONDS + BUILD_SECONDS_PER_PAIR * problem.n_pairs


def _as_result(problem: AssignmentProblem, unit_agent: np.ndarray, name: str) -> SolveResult:
    """The combined plan of the parts, when no time is left to polish it."""
    if not satisfies(problem, unit_agent):
        return SolveResult(
            Status.TIMEOUT, name, None, None, None, 0.0, message="parts did not combine in time"
        )
    return SolveResult(Status.FEASIBLE, name, unit_agent, float(problem.objective_of(unit_agent)), None, 0.0)

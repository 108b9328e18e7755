"""The GAP engine backend ("engine"): Lagrangian bound, penalty local search, MIP portfolio.

For a problem that is a pure generalized assignment problem (capacities only, every unit
must be assigned) the time budget T is spent as below, two things at once, one per
core (threads; numba, CP-SAT and HiGHS all release the GIL):

0. Small and mid-size problems (<= 35,000 pairs) only: HiGHS on the *full* textbook model
   starts at once and keeps one core until the deadline, first exactly as HiGHS would run
   alone (default settings, no hint: the same deterministic path), then, if that stops
   unproven, hinted with the incumbent at zero gap. So the engine is no worse than HiGHS
   alone but for the throughput it loses to the other core, and the phases below can only
   add to it.
1. Lagrangian relaxation of the capacities (`planner.gap.lagrange`): a proven lower bound
   (the LP bound, approached by subgradient ascent) and reduced costs rc[i][j].
2. Penalty local search (`planner.gap.local_search`, numba) from the relaxation's
   assignment, with candidate agents per job from the reduced costs: a first incumbent.
3. Until the deadline:
   - small and mid-size problems: beside HiGHS, with at least 15 jobs per agent a second
     HiGHS (at the lowest CPU priority: the first keeps its core on a busy machine) on the
     full model hinted with the incumbent (<= 4,000 pairs) or on the reduced set below;
     with fewer, on at most 1,200 pairs, path relinking (`planner.gap.relink`: restarts of
     the local search between elite plans) for 40 % of the time left, then CP-SAT
     (`planner.solvers.cpsat.build_model`, the planner's own model, also at the lowest
     priority) on the pair set that reduced-cost fixing leaves against the relinked plan
     (proving optimality is the point there); else path relinking (at normal priority);
   - mid-size and large problems: HiGHS on a reduced pair set (`planner.gap.restricted`:
     each job's 5 best agents by reduced cost plus its incumbent agent) beside path
     relinking. (`large_reduced_mip=False`: on large problems, > 40,000 pairs, the local
     search beside path relinking instead, as before HiGHS on the reduced set was measured
     to pay there.)
   Path relinking runs only where agents hold at least 8 jobs each; with fewer, the local
   search takes its place and CP-SAT starts at once.

The objective reported is the best plan any thread found. The bound is the largest of the
Lagrangian bound, the full model's MIP dual bound, and min(incumbent at fixing, reduced MIP
bound) where the reduced set dropped nothing but provably useless pairs; a bound of a
heuristically restricted model is never reported as the problem's bound. Status is OPTIMAL
only when that bound meets the objective.

Anything with side constraints the heuristics do not model (lower bands, unit caps, a move
budget, the balance term, optional assignment) goes to the CP-SAT model unchanged, with the
problem's own hint: correct by construction, just without the GAP speed-ups. Its bound is at
least the capacity Lagrangian of the pairs (`planner.gap.pair_bound`, the side rows dropped),
computed first: at 800,000 pairs CP-SAT proves nothing within seconds.
"""

from __future__ import annotations

import logging
import math
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from ortools.sat.python import cp_model
from ortools.util.python.solve_interrupter import SolveInterrupter

from planner.budget import OVERRUN_SECONDS, Budget
from planner.gap.dense import DenseGap, to_dense
from planner.gap.highs import solve_highs
from planner.gap.lagrange import Lagrangian, ascend, evaluate
from planner.gap.local_search import candidates, search, start_state
from planner.gap.pair_bound import pair_bound
from planner.gap.relink import Relinker
from planner.gap.restricted import RestrictedModel, restrict
from planner.problem import AssignmentProblem
from planner.solvers.base import Progress, SolveOptions, SolveResult, Status
from planner.solvers.cpsat import CpSatSolver, build_model, configure
from planner.solvers.service_first import with_shortfall

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EngineSettings:
    """Shares of the time limit per phase and neighbourhood sizes; defaults tuned on C/D/E."""

    lagrange_share: float = 0.1
    lagrange_max_seconds: float = 3.0
    first_search_share: float = 0.1  # alone, before the portfolio: an incumbent to fix with
    search_candidates: int = 6  # agents per job the local search may use
    mip_candidates: int = 5  # agents per job kept in the reduced model of HiGHS / CP-SAT
    exact_below_pairs: int = 4000  # keep every unfixed pair when the problem is this small
    cpsat_below_pairs: int = 1200  # and give the second core to CP-SAT, not the search
    # Up to this many pairs HiGHS solves the *full* problem for the whole time limit, as it
    # would alone; above, a reduced one after the first phases. 35,000 takes in the 30 x 900
    # files (27,000 pairs), where HiGHS alone did better than our reduced one at 30 s:
    # c30900 9,989 -> 9,986 (HiGHS alone 9,986), e30900 100,441 -> 100,427 proven optimal (as
    # HiGHS alone), d30900 54,923 -> 54,933 (54,933 in an earlier run too), c201600 18,806 either way.
    full_mip_below_pairs: int = 35_000
    # On those, from this many jobs per agent our own core runs a second (hinted) HiGHS
    # instead of the search or CP-SAT: on 5x100 .. 10x200 C/D/E neither beat HiGHS.
    second_mip_jobs_per_agent: int = 15
    twin_search_above_pairs: int = 40_000  # "large" problems, from this many pairs
    # Large problems too get HiGHS on the reduced model (each job's best agents) on one core
    # and the relinker on the other, as mid-size ones do. False: no MIP, the search and the
    # relinker (or a twin search) instead, as decided when HiGHS made no headway there. At
    # 30 s, 2 threads: c401600 17,178 -> 17,149 (HiGHS alone 17,169), e801600 177,114 ->
    # 176,876, c60900 9,354 -> 9,334; c801600 16,338 -> 16,347-16,351 and d801600 97,198 ->
    # 97,208 (noise there: 97,198-97,246 in earlier runs). The planner's regions at 20,000 x
    # 500 (60 s): 0.241 % -> 0.222-0.230 %.
    large_reduced_mip: bool = True
    patience: int = 30
    # Greedy ejection chains of up to this many moves at each local minimum (0: only the
    # descent's own chains of two).
    chain_depth: int = 0
    # Hinting CP-SAT with the local-search optimum measured worse than letting it search
    # from scratch: its LNS neighbourhoods rarely improve that (deep) local optimum.
    cpsat_hint: bool = False
    give_up: int = 200  # rounds without a new best that end the first (solo) search phase
    # On the full-model path a second MIP or CP-SAT runs at the lowest CPU priority, so that
    # on a busy machine the first HiGHS (as it would run alone) keeps the share it would have
    # alone (d10100 / e10100 with CP-SAT at normal priority beside it: 6,377 / 11,599, HiGHS
    # alone 6,376 / 11,587). The search runs at normal priority (at the lowest it got next to
    # nothing while other work ran: d20200 12,354 -> 12,326, c20200 2,394 -> 2,393).
    low_priority_second_mip: bool = True
    low_priority_cpsat: bool = True
    # CP-SAT alone on one core runs default_lp and the LNS workers by turns (as CP-SAT's own
    # 2-worker portfolio does), not all eight full-problem subsolvers.
    cpsat_lns_only: bool = True
    # Path relinking over elite plans (`planner.gap.relink`) on the second core, in place of:
    # the twin search on large problems (relink_large), the reduced HiGHS on mid-size ones
    # (relink_mid), and beside full HiGHS whichever of the search, CP-SAT or the second
    # HiGHS `relink_roles` names.
    relink_large: bool = True
    relink_mid: bool = False
    relink_roles: str = "search"  # of "search", "cpsat", "second_mip" beside full HiGHS
    # Otherwise, the share of the time left the relinker takes before CP-SAT or the second HiGHS.
    relink_before_cpsat: float = 0.4
    relink_before_second_mip: float = 0.0
    relink_min_jobs_per_agent: int = 8  # below, no relinking anywhere
    relink_pool: int = 10
    search_follows: bool = True  # beside the relinker, the search adopts its better plans
    relink_give_up: int = 100  # rounds without a better plan that end one relinking step
    relink_step_share: float = 0.1  # of the time limit, at most, for one step
    # Side-constrained models (CP-SAT's path): the pairs' capacity bound gets this share of the
    # limit, at most this long (about 100 steps at 800,000 pairs; small models stop converged).
    pair_bound_share: float = 0.1
    pair_bound_max_seconds: float = 1.5


def side_constraints(problem: AssignmentProblem) -> list[str]:
    """Names of the features of `problem` the GAP heuristics do not handle."""
    found = []
    if problem.balance_coef and problem.balance_agents is not None and problem.balance_agents.any():
        found.append("balance")
    if problem.max_moves is not None and problem.pair_moves is not None:
        found.append("max_moves")
    if problem.lower is not None and (problem.lower > 0).any():
        found.append("lower")
    found += [name for r, name in enumerate(problem.limit_names) if (problem.uppers[r] >= 0).any()]
    if problem.unassigned_cost is not None:
        found.append("unassigned_cost")
    if problem.spread_groups():
        found.append("peer_spread")
    if problem.n_units and np.bincount(problem.pair_unit, minlength=problem.n_units).min() == 0:
        found.append("unit_without_pairs")
    return found


class _Tracker:
    """The incumbent across phases and threads: best value, when it was found, its plan.

    CP-SAT's callback reports values only (reading a plan in Python per solution is too
    slow); its final plan is filed when the solve ends, under source "cpsat".
    """

    def __init__(self, options: SolveOptions, start: float):
        self.options = options
        self.start = start
        self.value = math.inf
        self.plans: dict[str, tuple[float, np.ndarray]] = {}
        self.time_to_best: float | None = None
        self.bound = -math.inf
        self._lock = threading.Lock()
        self._when_proven: list[Callable[[], None]] = []

    def offer(self, value: float, plan: np.ndarray | None = None, source: str = "search") -> None:
        with self._lock:
            if plan is not None and value < self.plans.get(source, (math.inf, None))[0]:
                self.plans[source] = (value, plan.copy())
            if value < self.value - 1e-9:
                self.value = value
                self.time_to_best = time.perf_counter() - self.start
                if self.options.on_progress is not None:
                    self.options.on_progress(Progress(self.time_to_best, value, self.bound))

    def raise_bound(self, bound: float) -> None:
        with self._lock:
            self.bound = max(self.bound, bound)

    @property
    def plan(self) -> np.ndarray | None:
        with self._lock:
            if not self.plans:
                return None
            return min(self.plans.values(), key=lambda vp: vp[0])[1]

    @property
    def plan_value(self) -> float:
        with self._lock:
            return min((v for v, _ in self.plans.values()), default=math.inf)

    def proven(self) -> bool:
        return self.bound >= self.plan_value

    def when_proven(self, stop: Callable[[], None]) -> None:
        """`stop` is called by `check_proven` once the incumbent is proven optimal."""
        self._when_proven.append(stop)

    def stop_all(self) -> None:
        """Call every registered stop now (the deadline passed)."""
        for stop in list(self._when_proven):
            stop()

    def best(self) -> tuple[float, np.ndarray | None]:
        """The best filed plan and its value, read under one lock."""
        with self._lock:
            if not self.plans:
                return math.inf, None
            return min(self.plans.values(), key=lambda vp: vp[0])

    def check_proven(self) -> None:
        if self.proven():
            for stop in list(self._when_proven):
                stop()


_FULL_BUT_DEFAULT = [
    "core",
    "max_lp",
    "no_lp",
    "pseudo_costs",
    "quick_restart",
    "quick_restart_no_lp",
    "reduced_costs",
]


class _CpCallback(cp_model.CpSolverSolutionCallback):
    def __init__(self, tracker: _Tracker):
        super().__init__()
        self._tracker = tracker

    def on_solution_callback(self) -> None:
        self._tracker.offer(float(self.objective_value))


class _Searcher:
    """The penalty local search, resumable: each `run` continues from where the last stopped."""

    def __init__(
        self,
        dense: DenseGap,
        lag: Lagrangian,
        settings: EngineSettings,
        options: SolveOptions,
        tracker: _Tracker,
        start: np.ndarray | None = None,
        seed_offset: int = 0,
        source: str = "search",
    ):
        if start is None:
            _, start, _ = evaluate(dense, lag.multipliers)  # the relaxation's assignment
        # Penalties start at the capacity prices, with a floor so that agents the relaxation
        # left slack are still protected against overload.
        finite = dense.cost[dense.eligible]
        scale = float(np.median(np.abs(finite)) / max(np.median(dense.weight[dense.eligible]), 1))
        self.start = start
        self.state = start_state(dense, start, np.maximum(lag.multipliers, 0.5 * max(scale, 1e-3)))
        self.cand = candidates(lag.reduced_cost, dense.eligible, settings.search_candidates)
        self.dense, self.settings, self.tracker = dense, settings, tracker
        self.seed = int(options.seed) + seed_offset
        self.source = source
        self.runs = 0

    def run(
        self,
        budget: Budget,
        should_stop: Callable[[], bool] | None = None,
        give_up: int | None = None,
        follow: bool = False,
    ) -> None:
        """With `follow`, a better plan filed by another thread becomes this search's best."""
        state, tracker = self.state, self.tracker
        self.runs += 1
        search(
            self.dense,
            state,
            self.cand,
            budget,
            seed=self.seed + 7919 * self.runs,
            patience=self.settings.patience,
            give_up=self.settings.give_up if give_up is None else give_up,
            depth=self.settings.chain_depth,
            on_improve=lambda value: tracker.offer(value, state.best_assign, self.source),
            should_stop=should_stop,
            incumbent=tracker.best if follow else None,
        )
        if math.isfinite(float(state.best[0])):
            tracker.offer(float(state.best[0]), state.best_assign, self.source)


class _CpPhase:
    """CP-SAT on the reduced model (in a thread or not); files its plan and any bound it proves."""

    def __init__(
        self,
        reduced: RestrictedModel,
        options: SolveOptions,
        tracker: _Tracker,
        stats: dict[str, float | int | str],
        workers: int,
        lns_only: bool = False,
    ):
        self.reduced, self.options, self.tracker, self.stats = reduced, options, tracker, stats
        self.workers = workers
        self.lns_only = lns_only
        self.done = threading.Event()
        self._solver: cp_model.CpSolver | None = None
        self._stop = False

    def stop(self) -> None:
        self._stop = True
        if self._solver is not None:
            self._solver.stop_search()

    def run(self, budget: Budget) -> None:
        try:
            self._run(budget)
        finally:
            self.done.set()

    def _run(self, budget: Budget) -> None:
        reduced, tracker = self.reduced, self.tracker
        incumbent_at_fixing = tracker.plan_value
        built = build_model(reduced.problem)
        solver = cp_model.CpSolver()
        configure(solver, _with_limit(self.options, budget, self.workers))
        if self.workers == 1:
            # Alone on its core, CP-SAT still runs its portfolio (LNS included) by turns.
            solver.parameters.interleave_search = True
            if self.lns_only:
                solver.parameters.ignore_subsolvers.extend(_FULL_BUT_DEFAULT)
        self._solver = solver
        if self._stop:
            return
        with budget.stop_cpsat(solver):
            code = solver.solve(built.model, _CpCallback(tracker))
        self.stats["cpsat_status"] = solver.status_name(code)
        if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            tracker.offer(float(solver.objective_value), _read(reduced.problem, solver), source="cpsat")
        if reduced.exact:
            # Every solution better than the incumbent at fixing lives in the reduced model.
            if code == cp_model.INFEASIBLE:
                tracker.raise_bound(incumbent_at_fixing)
            elif code in (cp_model.OPTIMAL, cp_model.FEASIBLE, cp_model.UNKNOWN):
                cp_bound = math.ceil(float(solver.best_objective_bound) - 1e-6)
                tracker.raise_bound(min(incumbent_at_fixing, cp_bound))


class _HighsPhase:
    """HiGHS in a thread (it releases the GIL); files its plan and any bound it proves.

    `scope` says what its dual bound is worth: "full" (the whole problem: a bound as it
    stands), "exact" (a reduced model that dropped only provably useless pairs: a bound once
    capped by the incumbent at fixing) or "heuristic" (a restricted model: no bound at all).

    With `as_peer`, the first solve runs with HiGHS' own defaults and no hint: HiGHS is
    deterministic given its input, so it follows the same path as HiGHS run alone and lands on
    the same solution whenever it gets through the same work. A hint was measured to change
    that path, for the worse as often as for the better (on 8 small C/D/E files at 30 s, a
    hinted HiGHS ended worse than HiGHS alone 5 times, better once). If that first solve stops
    before the deadline without our proof (its default relative gap of 1e-4 is not one), a
    second one, hinted with the incumbent and at zero gap, takes the time that is left.
    """

    def __init__(
        self,
        model: AssignmentProblem,
        scope: str,
        options: SolveOptions,
        tracker: _Tracker,
        stats: dict[str, float | int | str],
        hint: np.ndarray | None = None,
        as_peer: bool = False,
        label: str = "highs",
        seed_offset: int = 0,
    ):
        self.model, self.scope, self.hint, self.as_peer = model, scope, hint, as_peer
        self.label, self.seed = label, int(options.seed) + seed_offset
        self.options, self.tracker, self.stats = options, tracker, stats
        self.done = threading.Event()
        self.interrupter = SolveInterrupter()
        self._thread: threading.Thread | None = None

    def start(self, budget: Budget) -> None:
        self._thread = threading.Thread(target=self.run, args=(budget,), name="engine-highs", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.interrupter.interrupt()

    def join(self) -> None:
        """Wait for HiGHS, interrupting it as soon as another thread proves the incumbent."""
        while self._thread is not None and self._thread.is_alive():
            if self.tracker.proven():
                self.stop()
            self._thread.join(0.05)

    def run(self, budget: Budget) -> None:
        try:
            self._run(budget)
        finally:
            self.done.set()
            self.tracker.check_proven()

    def _run(self, budget: Budget) -> None:
        self.stats[f"{self.label}_scope"] = self.scope
        if self.as_peer:
            self._solve(budget, hint=None, exact_gap=False)
            if self.interrupter.interrupted or self.tracker.proven():
                return
            self._solve(budget, hint=self.tracker.plan, exact_gap=True)
        else:
            self._solve(budget, hint=self.hint, exact_gap=True)

    def _solve(self, budget: Budget, hint: np.ndarray | None, exact_gap: bool) -> None:
        tracker = self.tracker
        incumbent_at_fixing = tracker.plan_value
        if budget.remaining() < 0.2:
            return
        out = solve_highs(
            self.model,
            budget,
            seed=self.seed,
            interrupter=self.interrupter,
            exact_gap=exact_gap,
            hint=hint,
        )
        label = self.label
        self.stats[f"{label}_status"] = out.reason
        self.stats[f"{label}_solves"] = int(self.stats.get(f"{label}_solves", 0)) + 1
        if out.unit_agent is not None and out.objective is not None:
            # HiGHS works in floating point: accept its plan only after an exact check.
            if feasible(self.model, out.unit_agent):
                tracker.offer(out.objective, out.unit_agent, source=label)
                self.stats[f"{label}_best"] = min(
                    out.objective, float(self.stats.get(f"{label}_best", math.inf))
                )
            else:
                log.warning("engine: HiGHS returned a plan that fails the exact capacity check")
        # Only the dual bound counts as proof, never HiGHS' own "optimal" verdict.
        if self.scope == "full":
            if out.infeasible and tracker.plan is None:
                tracker.raise_bound(math.inf)  # no plan anywhere and HiGHS proves there is none
            elif out.bound is not None:
                tracker.raise_bound(math.ceil(out.bound - 1e-6))
        elif self.scope == "exact":
            # Every solution better than the incumbent at fixing lives in the reduced model.
            if out.infeasible:
                tracker.raise_bound(incumbent_at_fixing)
            elif out.bound is not None:
                tracker.raise_bound(min(incumbent_at_fixing, math.ceil(out.bound - 1e-6)))


class GapEngineSolver:
    name = "engine"

    def __init__(self, settings: EngineSettings | None = None):
        self.settings = settings or EngineSettings()

    def supports(self, problem: AssignmentProblem) -> str | None:
        if problem.has_exclusive:
            # Its moves and the shortfall heuristics know nothing of the exclusive rows.
            return "account teams (one role per person per account) need cpsat, cbc or auto"
        return None

    def solve(self, problem: AssignmentProblem, options: SolveOptions) -> SolveResult:
        # The engine places units at one level: a shortfall goes to the options model.
        return with_shortfall(problem, options, self._solve_full, self.name)

    def _solve_full(self, problem: AssignmentProblem, options: SolveOptions) -> SolveResult:
        start = time.perf_counter()
        options = options.clock()
        other = side_constraints(problem)
        if other:
            log.info("engine: side constraints %s; solving the full CP-SAT model", other)
            return self._cpsat(problem, options, start, {"path": "cpsat:" + ",".join(other)})
        if problem.n_units == 0:
            empty = np.zeros(0, dtype=np.int64)
            return SolveResult(Status.OPTIMAL, self.name, empty, 0.0, 0.0, time.perf_counter() - start, 0.0)
        return self._gap(problem, options, start)

    # -- pure GAP -------------------------------------------------------------------------
    def _gap(self, problem: AssignmentProblem, options: SolveOptions, start: float) -> SolveResult:
        s = self.settings
        budget = options.timer
        dense = to_dense(problem)
        tracker = _Tracker(options, start)
        stats: dict[str, float | int | str] = {"path": "gap"}
        # Small problems: HiGHS on the whole problem, from the first moment to the deadline,
        # on one core (see `_HighsPhase`); our own phases use the other.
        if problem.n_pairs > s.full_mip_below_pairs:
            return self._phases(problem, options, start, dense, tracker, stats, None)
        mip = _HighsPhase(problem, "full", options, tracker, stats, as_peer=True)
        mip.start(budget)
        # Our own phases run in a thread (normal priority; only a second MIP lowers it).
        out: list[SolveResult] = []
        failed: list[BaseException] = []

        def phases() -> None:
            try:
                out.append(self._phases(problem, options, start, dense, tracker, stats, mip))
            except BaseException as exc:  # handed to the caller's thread below
                failed.append(exc)

        worker = threading.Thread(target=phases, name="engine-phases", daemon=True)
        worker.start()
        # The budget's overrun policy, half waited for the phases to end by themselves and half
        # for them to notice a stop.
        worker.join(budget.remaining() + OVERRUN_SECONDS / 2)
        if worker.is_alive():
            # A phase at the lowest priority on a busy machine can take seconds to notice
            # the deadline (or to read its model back): stop everything, wait a moment, and
            # if it is still busy answer with what the tracker holds (its own lock makes that
            # a consistent snapshot) instead of overrunning the caller's limit.
            tracker.stop_all()
            mip.stop()
            worker.join(OVERRUN_SECONDS / 2)
            if worker.is_alive():
                log.warning("engine: a phase overran the deadline; answering without it")
                return self._result(problem, tracker, start, {**stats, "overrun": 1})
        if failed:
            mip.stop()
            mip.join()
            raise failed[0]
        return out[0]

    def _phases(
        self,
        problem: AssignmentProblem,
        options: SolveOptions,
        start: float,
        dense: DenseGap,
        tracker: _Tracker,
        stats: dict[str, float | int | str],
        mip: _HighsPhase | None,
    ) -> SolveResult:
        s = self.settings
        budget = options.timer
        limit = budget.seconds

        # Phase 1: the bound and the prices. A rough objective estimate steers the steps;
        # the per-job minimum cost is a valid (weak) bound, so the estimate sits above it.
        floor = float(np.where(dense.eligible, dense.cost, np.inf).min(axis=0).sum())
        estimate = floor + 0.05 * abs(floor) + 1.0
        lag = ascend(dense, estimate, budget.child(min(s.lagrange_share * limit, s.lagrange_max_seconds)))
        tracker.raise_bound(float(lag.bound))  # HiGHS may have raised it already
        stats["lagrangian_iterations"] = lag.iterations
        stats["lagrangian_seconds"] = round(time.perf_counter() - start, 3)

        # Phase 2: a short local search for a first incumbent, which the fixing needs.
        searcher = _Searcher(dense, lag, s, options, tracker)
        searcher.run(budget.until(budget.started + s.first_search_share * limit), should_stop=tracker.proven)
        if tracker.plan is not None:
            # Re-aim the ascent at the incumbent: a better target gives better steps.
            more = ascend(
                dense,
                tracker.plan_value,
                budget.child(min(0.03 * limit, 1.0)),
                max_iterations=500,
                incumbent=tracker.plan_value,
                start=lag.multipliers,
            )
            if more.value > lag.value:
                lag = more
            tracker.raise_bound(float(lag.bound))
        stats["lagrangian_bound"] = lag.bound
        stats["first_search_seconds"] = round(time.perf_counter() - start, 3)
        if tracker.proven():
            if mip is not None:
                mip.stop()
                mip.join()
            return self._result(problem, tracker, start, stats)

        # Phase 3 until the deadline (see the module docstring for who runs where).
        k = dense.n_agents if problem.n_pairs <= s.exact_below_pairs else s.mip_candidates
        reduced = restrict(problem, dense, lag, tracker.plan, tracker.plan_value, k, hint=s.cpsat_hint)
        stats["reduced_pairs"] = reduced.problem.n_pairs
        stats["reduced_exact"] = int(reduced.exact)
        # HiGHS (LP-based branch and bound; the LP bound of the GAP is tight) takes one core
        # in a thread. The other core runs CP-SAT on tiny problems (where proving optimality
        # is the point) and the local search otherwise.
        cp = _CpPhase(
            reduced,
            options,
            tracker,
            stats,
            workers=max(1, int(options.threads) - 1),
            lns_only=s.cpsat_lns_only,
        )
        # With few jobs per agent the search alone did better (d20100 at 30 s: 6,235 alone,
        # 6,248 relinked; d20200, with twice the jobs per agent: 12,324 and 12,313).
        relinks = dense.n_jobs >= s.relink_min_jobs_per_agent * dense.n_agents
        large = problem.n_pairs > s.twin_search_above_pairs and not s.large_reduced_mip
        if large and s.relink_large and relinks:
            # Large instances: HiGHS makes no headway on them within seconds, so the second
            # core relinks the best plans the two cores find.
            self._beside_search(self._relinker(dense, searcher, options), searcher, budget, tracker, stats)
            return self._result(problem, tracker, start, stats)
        if large:
            # Large instances: HiGHS makes no headway on them within seconds, so the second
            # core runs a second search from the incumbent with another seed.
            twin = _Searcher(
                dense, lag, s, options, tracker, start=tracker.plan, seed_offset=104729, source="twin"
            )
            worker = threading.Thread(
                target=twin.run,
                args=(budget,),
                kwargs={"should_stop": tracker.proven, "give_up": 0},
                daemon=True,
            )
            worker.start()
            searcher.run(budget, should_stop=tracker.proven, give_up=0)
            worker.join()
            stats["twin_best"] = float(twin.state.best[0])
            stats["search_best"] = float(searcher.state.best[0])
            return self._result(problem, tracker, start, stats)
        if mip is None and s.relink_mid and relinks:
            # Mid-size problems: HiGHS on the reduced model found nothing on the D type within
            # 30 s; relinking the search's plans on the second core does.
            self._beside_search(self._relinker(dense, searcher, options), searcher, budget, tracker, stats)
            return self._result(problem, tracker, start, stats)
        if mip is None:
            scope = "exact" if reduced.exact else "heuristic"
            mip = _HighsPhase(reduced.problem, scope, options, tracker, stats)
            mip.start(budget)
        tracker.when_proven(cp.stop)
        tracker.check_proven()  # HiGHS may have finished the job already
        if mip.scope == "full" and dense.n_jobs >= s.second_mip_jobs_per_agent * dense.n_agents:
            role = "second_mip"
        elif problem.n_pairs <= s.cpsat_below_pairs:
            role = "cpsat"
        else:
            role = "search"
        if relinks and role in s.relink_roles.split(","):
            # At normal priority, as the search: at the lowest it got next to nothing under load.
            self._run_relinker(self._relinker(dense, searcher, options), budget, tracker, stats)
        elif role == "second_mip":
            if relinks and s.relink_before_second_mip > 0:
                # Relinking first gives the second HiGHS a better plan to start from (and,
                # on the reduced model, the pairs of that plan).
                share = budget.child(s.relink_before_second_mip * budget.remaining())
                self._run_relinker(self._relinker(dense, searcher, options), share, tracker, stats)
                if problem.n_pairs > s.exact_below_pairs:
                    reduced = restrict(problem, dense, lag, tracker.plan, tracker.plan_value, k, hint=False)
            # Many jobs per agent: the LP bound is tight and HiGHS finds better plans than
            # the search, which stalls early. A second HiGHS, hinted with the incumbent and
            # with another seed, is a second, different chance to improve on the first.
            if problem.n_pairs > s.exact_below_pairs:
                # Past the exact size, the reduced model (each job's best agents) is a
                # different neighbourhood, not a second look at the same one: HiGHS there
                # found c15900 11,344 and e15900 102,425 where a full hinted one had 11,360
                # and 102,446. Its bound counts only as the reduced model allows.
                scope = "exact" if reduced.exact else "heuristic"
                second = _HighsPhase(reduced.problem, scope, options, tracker, stats, label="highs2")
            else:
                second = _HighsPhase(
                    problem, "full", options, tracker, stats, hint=tracker.plan, label="highs2", seed_offset=1
                )
            tracker.when_proven(second.stop)
            tracker.check_proven()
            if s.low_priority_second_mip:
                _lower_priority()  # the phases' own thread here (full path), never the caller's
            second.run(budget)
        elif role == "cpsat":
            if relinks and s.relink_before_cpsat > 0:
                # Relinking first (d10100: 6,366 where CP-SAT alone had 6,387 at 10 s); CP-SAT
                # then proves on the model its better plan fixes down (c10100 needs that proof).
                share = budget.child(s.relink_before_cpsat * budget.remaining())
                self._run_relinker(self._relinker(dense, searcher, options), share, tracker, stats)
                reduced = restrict(
                    problem, dense, lag, tracker.plan, tracker.plan_value, k, hint=s.cpsat_hint
                )
                stats["reduced_pairs"] = reduced.problem.n_pairs
                cp = _CpPhase(
                    reduced, options, tracker, stats, workers=max(1, int(options.threads) - 1),
                    lns_only=s.cpsat_lns_only,
                )  # fmt: skip
                tracker.when_proven(cp.stop)
                tracker.check_proven()
            if mip.scope == "full" and s.low_priority_cpsat:
                _lower_priority()  # the phases' own thread here (full path), never the caller's
            cp.run(budget)
        else:
            # No giving up here: the core is the search's until the deadline.
            searcher.run(budget, should_stop=tracker.proven, give_up=0)
        mip.join()
        stats["search_best"] = float(searcher.state.best[0])
        return self._result(problem, tracker, start, stats)

    def _relinker(self, dense: DenseGap, searcher: _Searcher, options: SolveOptions) -> Relinker:
        s = self.settings
        return Relinker(
            dense,
            searcher.cand,
            searcher.state.w_floor,
            searcher.start,
            seed=int(options.seed) + 15485863,
            pool_size=s.relink_pool,
            patience=s.patience,
            give_up=s.relink_give_up,
            step_share=s.relink_step_share,
            depth=s.chain_depth,
        )

    @staticmethod
    def _run_relinker(
        relinker: Relinker, budget: Budget, tracker: _Tracker, stats: dict[str, float | int | str]
    ) -> None:
        relinker.run(
            budget, tracker.best, lambda value, plan: tracker.offer(value, plan, "relink"), tracker.proven
        )
        stats["relink_steps"], stats["relink_improvements"] = relinker.steps, relinker.improvements

    def _beside_search(
        self,
        relinker: Relinker,
        searcher: _Searcher,
        budget: Budget,
        tracker: _Tracker,
        stats: dict[str, float | int | str],
    ) -> None:
        """The search on this thread and the relinker on another until the deadline."""
        worker = threading.Thread(
            target=self._run_relinker,
            args=(relinker, budget, tracker, stats),
            name="engine-relink",
            daemon=True,
        )
        worker.start()
        searcher.run(budget, should_stop=tracker.proven, give_up=0, follow=self.settings.search_follows)
        worker.join()
        stats["search_best"] = float(searcher.state.best[0])

    def _result(
        self, problem: AssignmentProblem, tracker: _Tracker, start: float, stats: dict[str, float | int | str]
    ) -> SolveResult:
        runtime = time.perf_counter() - start
        plan_value, plan = tracker.best()
        if plan is None and tracker.bound == math.inf:
            # The exact reduced model is infeasible and nothing was fixed against an
            # incumbent (there was none): the problem itself has no solution.
            return SolveResult(Status.INFEASIBLE, self.name, None, None, None, runtime, statistics=stats)
        if plan is None:
            bound = tracker.bound if math.isfinite(tracker.bound) else None
            return SolveResult(Status.TIMEOUT, self.name, None, None, bound, runtime, statistics=stats)
        objective = float(problem.objective_of(plan))
        if abs(objective - plan_value) > 1e-6:
            raise AssertionError(f"engine: tracked objective {plan_value} != recomputed {objective}")
        bound = min(tracker.bound, objective)
        status = Status.OPTIMAL if bound >= objective else Status.FEASIBLE
        return SolveResult(status, self.name, plan, objective, bound, runtime,
                           tracker.time_to_best, statistics=stats)  # fmt: skip

    # -- anything else: the planner's CP-SAT model ----------------------------------------
    def _cpsat(
        self,
        problem: AssignmentProblem,
        options: SolveOptions,
        start: float,
        stats: dict[str, float | int | str],
    ) -> SolveResult:
        # First a bound from the pairs alone (capacities priced, side rows dropped): on large
        # models CP-SAT proves nothing within seconds, and a plan must still say how far from
        # the best it may be. Small models converge in milliseconds.
        budget = options.timer
        s = self.settings
        upper = None
        if problem.hint is not None and (problem.hint >= 0).all():
            upper = float(problem.objective_of(problem.hint, problem.hint_level))
        seconds = min(s.pair_bound_share * budget.seconds, s.pair_bound_max_seconds)
        lower = pair_bound(problem, budget.child(seconds), upper=upper)
        stats["pair_bound"] = "none" if lower is None else lower
        stats["pair_bound_seconds"] = round(time.perf_counter() - start, 3)
        # The planner's own CP-SAT backend: same model, same start heuristic, same rounding
        # of the bound and tight objective, so the two never disagree on a side-constrained case.
        result = CpSatSolver().solve(problem, _with_limit(options, budget))
        result = replace(
            result,
            solver=self.name,
            runtime_seconds=time.perf_counter() - start,
            statistics={**stats, **result.statistics},
        )
        if lower is None or result.status in (Status.INFEASIBLE, Status.ERROR):
            return result
        bound = lower if result.bound is None else max(float(result.bound), float(lower))
        if result.objective is None:
            return replace(result, bound=bound)
        bound = min(bound, result.objective)
        status = Status.OPTIMAL if bound >= result.objective else result.status
        return replace(result, bound=bound, status=status)


def feasible(problem: AssignmentProblem, unit_agent: np.ndarray) -> bool:
    """Every unit on an eligible agent, every capacity kept (pure GAP problems only)."""
    key = problem.pair_unit * problem.n_agents + problem.pair_agent
    order = np.argsort(key)
    wanted = np.arange(problem.n_units) * problem.n_agents + unit_agent
    at = np.searchsorted(key[order], wanted)
    if (
        (unit_agent < 0).any()
        or (at >= key.size).any()
        or (key[order][np.minimum(at, key.size - 1)] != wanted).any()
    ):
        return False
    pairs = order[at]
    load = np.bincount(
        problem.pair_agent[pairs], weights=problem.pair_weight[pairs], minlength=problem.n_agents
    )
    return bool((load <= problem.capacity).all())


def _lower_priority() -> None:
    """Give the calling thread the lowest CPU priority (Linux: nice applies per thread)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
    except OSError:  # not permitted or no such thread id: run at normal priority
        log.debug("engine: could not lower the search thread's priority")


def _read(problem: AssignmentProblem, solver: cp_model.CpSolver) -> np.ndarray:
    # build_model creates the pair variables first: proto indices 0 .. n_pairs - 1.
    chosen = np.asarray(list(solver.response_proto.solution), dtype=np.int64)[: problem.n_pairs] > 0
    out = np.full(problem.n_units, -1, dtype=np.int64)
    out[problem.pair_unit[chosen]] = problem.pair_agent[chosen]
    return out


def _with_limit(options: SolveOptions, budget: Budget, threads: int | None = None) -> SolveOptions:
    return SolveOptions(
        time_limit_seconds=options.time_limit_seconds,
        budget=budget,
        threads=options.threads if threads is None else threads,
        seed=options.seed,
        relative_gap=options.relative_gap,
        log=options.log,
        on_progress=None,
    )

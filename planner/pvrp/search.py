"""The periodic visit planning engine: choose visit days per customer, route each day.

Method: ruin-and-recreate with simulated annealing (SISR, Christiaens & Vanden Berghe 2020)
around a pattern-choosing local search (Cordeau, Gendreau & Laporte 1997), with OR-Tools
routing for sequencing.
1. Construct: customers in priority order (dearest to miss first, then most visits, then
   farthest from the depot) each take the cheapest day set their rule allows, every visit at
   its cheapest position on that day (`PlanState.insertion`).
2. Descend: take one customer off all its days and put it back on the cheapest day set (the
   same days at better positions is a relocation); 2-opt and or-opt every changed route;
   repeat for the customers on changed routes until nothing moves.
3. Each round: remove strings of visits from routes near a random customer (all visits of
   each customer removed), re-insert those customers (random / largest / farthest / nearest
   first, skipping a position now and then), exchange and 2-opt* between the routes of each
   changed day, then descend. The round is kept with the annealing probability
   exp(-worsening / temperature); rounds ending near the best plan also get their days
   re-sequenced by OR-Tools routing (`routing.optimise_day`, a descent from the current routes).
4. With soft limits (the PVRP), load and duration excess is priced, and the price adapts:
   it rises while the current plan breaks a limit and falls while it does not, so the search
   can cross briefly through overloaded plans (Cordeau et al.'s penalty scheme). Only plans
   without excess are remembered as best.
5. Optionally once, route the best plan's whole horizon in one OR-Tools model (`horizon`),
   where single-visit customers may change day; finally polish the best plan day by day with
   OR-Tools (guided local search, or a descent).
The engine never claims optimality; `check.check` scores what it returns.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from planner.budget import Budget
from planner.errors import Cancelled
from planner.pvrp.check import TOLERANCE, CheckReport, check, route_times
from planner.pvrp.horizon import optimise_horizon
from planner.pvrp.improve import improve_day, improve_route
from planner.pvrp.problem import DayCombos, PeriodicProblem, PeriodicSolution
from planner.pvrp.routing import optimise_day
from planner.pvrp.state import PlanState, Snapshot

logger = logging.getLogger(__name__)

Score = tuple[int, float]  # (required visits missing, cost): compared in that order


class Status(StrEnum):
    complete = "complete"
    """Every required visit is planned and the checker finds no broken rule."""
    partial = "partial"
    """The checker finds no broken rule, but some visits could not be placed (listed in `missed`)."""
    infeasible = "infeasible"
    """No plan without broken rules was found in the time given (e.g. load over capacity)."""


@dataclass(frozen=True)
class SearchParams:
    time_limit_s: float = 10.0
    seed: int = 0
    # None: loads and durations are hard limits. A number: the starting price of excess, per
    # unit of excess as a fraction of the limit; it adapts during the search (see step 4).
    excess_penalty: float | None = None
    # Integer scaling of travel for OR-Tools (1 when travel is already whole minutes).
    route_scale: float = 1000.0
    # Share of the time limit kept for the final guided route polish.
    polish_share: float = 0.15
    # Annealing temperature at the start, as a share of (first plan cost / sqrt(customers)),
    # and at the end as a share of the start.
    temperature_start: float = 0.05
    temperature_end: float = 0.01
    # Ruin: mean number of customers removed per round and longest string taken from a route.
    ruin_mean: float = 10.0
    ruin_string_max: int = 10
    # "strings": SISR string removal; "cluster": a seed customer and its nearest neighbours.
    perturbation: str = "strings"
    # Re-choose the days of the customers a ruin moved (slower rounds, each worth more).
    descend_after_ruin: bool = True
    # Factor by which the excess price moves each round.
    penalty_step: float = 1.1
    # Recreate: chance to skip a position while inserting (SISR "blinks").
    blink_rate: float = 0.01
    # Stop after this many rounds without a better plan (None: run to the time limit).
    stall_rounds: int | None = None
    # Polish with guided local search (until the time limit) or a plain descent per day.
    polish_guided: bool = True
    # Rounds ending within this share of the best plan get their days re-sequenced by OR-Tools
    # (None: never; the in-house exchange / 2-opt* / or-opt cost far less per round).
    promising_share: float | None = None
    # Exchange and 2-opt* between routes of a day after each change (several routes a day).
    inter_route: bool = True
    # Once, at `horizon_at` of the search, route the best plan's whole horizon in one OR-Tools
    # model for `horizon_share` of the time limit (single-visit customers may change day).
    horizon_share: float = 0.0
    horizon_at: float = 0.5
    # Cap on perturbation rounds (None: until the time limit); tests pin it for determinism.
    max_rounds: int | None = None


@dataclass(frozen=True)
class SearchResult:
    status: Status
    solution: PeriodicSolution
    report: CheckReport
    runtime_s: float
    rounds: int
    statistics: dict[str, float] = field(default_factory=dict)


def solve(problem: PeriodicProblem, params: SearchParams, budget: Budget | None = None) -> SearchResult:
    """Construct, descend, then perturbation rounds until `budget` (default: one of
    `params.time_limit_s`) expires; its cancellation is looked at once per round and raises
    `planner.errors.Cancelled`."""
    budget = Budget(params.time_limit_s) if budget is None else budget
    started = budget.started
    deadline = budget.deadline
    polish_from = started + budget.seconds * (1 - params.polish_share)
    engine = _Engine(problem, params, np.random.default_rng(params.seed))
    state = engine.state

    engine.construct()
    everyone = list(range(1, problem.n_customers + 1))
    engine.descend(everyone, polish_from)
    engine.reroute(range(problem.n_days), polish_from)
    engine.descend(everyone, polish_from)
    engine.note_best()
    current = state.score()
    rounds = 0
    # Simulated annealing on the plan cost; temperatures relative to the first plan's cost.
    # Based on travel alone: missed-visit costs must never make a worse plan look acceptable.
    t_start = params.temperature_start * max(state.travel, 1e-9) / max(problem.n_customers, 1) ** 0.5
    t_end = t_start * params.temperature_end
    loop_start = time.perf_counter()
    span = max(polish_from - loop_start, 1e-9)
    last_best = 0
    horizon_at = loop_start + span * params.horizon_at if params.horizon_share > 0 else math.inf
    while time.perf_counter() < polish_from and (params.max_rounds is None or rounds < params.max_rounds):
        if params.stall_rounds is not None and rounds - last_best >= params.stall_rounds:
            break
        if budget.cancelled:
            raise Cancelled("the periodic routing search was asked to stop")
        if time.perf_counter() >= horizon_at:
            horizon_at = math.inf
            engine.route_horizon(time.perf_counter() + params.horizon_share * budget.seconds)
            current = state.score()
            continue
        rounds += 1
        progress = (time.perf_counter() - loop_start) / span
        if params.max_rounds is not None:
            progress = rounds / params.max_rounds
        temperature = t_start * (t_end / t_start) ** progress
        before = state.snapshot()
        state.changed.clear()
        touched = engine.ruin_recreate() if params.perturbation == "strings" else engine.perturb(set())
        engine.tidy_routes()
        touched_days = {d for d, _ in state.changed}
        if params.descend_after_ruin:
            engine.descend(touched, polish_from, touched_days)
        score = state.score()
        if engine.promising(score):
            engine.reroute(sorted(touched_days), polish_from)
            engine.descend(touched, polish_from)
            score = state.score()
        if engine.note_best():
            last_best = rounds
        # Annealing: accept a worse plan with probability exp(-worsening / temperature).
        threshold = current[1] - temperature * math.log(engine.rng.random())
        if score[0] < current[0] or (score[0] == current[0] and score[1] < threshold):
            current = score
        else:
            state.load(before)
        if engine.adapt_penalty():
            current = state.score()
    if engine.best is not None:
        state.load(engine.best)
    engine.polish(deadline)
    solution = state.solution()
    report = check(problem, solution)
    if report.violations:
        status = Status.infeasible
    elif report.missed:
        status = Status.partial
    else:
        status = Status.complete
    return SearchResult(
        status=status,
        solution=solution,
        report=report,
        runtime_s=time.perf_counter() - started,
        rounds=rounds,
        statistics={"reroutes": engine.reroutes, "moves": engine.moves},
    )


def _days_interchangeable(p: PeriodicProblem) -> bool:
    """Each customer once, on any day, and all days alike: then a plan is a plain VRP whose
    routes are spread over the days, and moves between any two routes are allowed."""
    every_day = set(range(p.n_days))
    alike = (
        len(
            {
                (int(v), float(c), float(m))
                for v, c, m in zip(p.vehicles, p.capacity, p.max_duration, strict=True)
            }
        )
        == 1
    )
    return alike and all(
        isinstance(r, DayCombos) and r.required == 1 and {d for c in r.combos for d in c} == every_day
        for r in p.rules
    )


def _better(a: Score, b: Score, strict: bool = True) -> bool:
    if a[0] != b[0]:
        return a[0] < b[0]
    return a[1] < b[1] - 1e-9 * max(1.0, abs(b[1])) if strict else a[1] <= b[1]


def _accept(score: Score, current: Score, threshold: float) -> bool:
    if score[0] != current[0]:
        return score[0] < current[0]
    return score[1] <= current[1] * (1 + threshold)


class _Engine:
    def __init__(self, problem: PeriodicProblem, params: SearchParams, rng: np.random.Generator) -> None:
        self.problem = problem
        self.params = params
        self.rng = rng
        self.state = PlanState(problem, params.excess_penalty)
        self.reroutes = 0
        self.moves = 0
        self.best: Snapshot | None = None  # best plan without excess
        self.best_score: Score = (problem.n_customers * problem.n_days + 1, math.inf)
        n = problem.n_customers
        # Customers nearest each customer, for related removals.
        self.neighbours = np.argsort(problem.travel[1:, 1:], axis=1)[:, : min(n, 40)] + 1
        self.symmetric = bool(np.allclose(problem.travel, problem.travel.T))
        self.pooled = _days_interchangeable(problem)

    # --- construction ------------------------------------------------------------------------------
    def construct(self) -> None:
        p = self.problem
        customers = np.arange(1, p.n_customers + 1)
        miss = np.where(np.isfinite(p.miss_cost[1:]), p.miss_cost[1:], 1e300)
        required = np.array([r.required for r in p.rules])
        far = p.travel[0, 1:]
        for c in customers[np.lexsort((-far, -required, -miss))]:
            self.insert(int(c))
        self.note_best()

    def insert(self, c: int, blink: float = 0.0) -> bool:
        """Put c on its cheapest allowed day set. False when no day set is possible at all."""
        state = self.state
        best, where = state.insertion_exact(c, blink=blink, rng=self.rng)
        cost, days = self.problem.rules[c - 1].cheapest(best, float(self.problem.miss_cost[c]))
        if not math.isfinite(cost):
            return False
        for d in days:
            spot = where[d]
            assert spot is not None
            state.put(c, *spot)
        return True

    # --- local search ------------------------------------------------------------------------------
    def descend(self, customers: list[int], deadline: float, touched_days: set[int] | None = None) -> None:
        """Re-choose days and tidy routes until neither helps.

        Only `customers` and then the customers on routes that changed are revisited.
        """
        state = self.state
        todo = list(customers)
        while todo and time.perf_counter() < deadline:
            state.changed.clear()
            self.day_pass(todo, deadline)
            self.tidy_routes(inter=False)
            if touched_days is not None:
                touched_days.update(d for d, _ in state.changed)
            if not state.changed:
                break
            todo = sorted({c for d, k in state.changed for c in state.routes[d][k]})

    def day_pass(self, customers: list[int], deadline: float) -> int:
        """Move each customer to its cheapest day set (and positions) where that saves something."""
        p = self.problem
        moved = 0
        for c in self.rng.permutation(np.asarray(customers, dtype=np.int64)):
            if time.perf_counter() > deadline:
                break
            c = int(c)
            if self._reinsert(c, p.time_window is None):
                moved += 1
                self.moves += 1
        return moved

    def _reinsert(self, c: int, fast: bool) -> bool:
        p = self.problem
        state = self.state
        rule = p.rules[c - 1]
        miss = float(p.miss_cost[c])
        if fast:
            # Priced without touching the routes; only a winning move is carried out.
            saving, best = state.reinsertion(c)
            cost, days = rule.cheapest(best, miss)
            had = len(state.days_of[c])
            now = saving + (rule.required - had) * miss if had < rule.required else saving
            if not (math.isfinite(cost) and (math.isinf(now) or cost < now - 1e-9 * max(1.0, now))):
                return False
            state.remove(c)
            _, spots = state.insertion_exact(c)
        else:
            # Time windows: prices need the routes driven, so take c off and maybe put it back.
            before = state.score()
            changed_before = set(state.changed)
            where_was = state.remove(c)
            after = state.score()  # every visit of c now counts as missed
            best, spots = state.insertion_exact(c)
            cost, days = rule.cheapest(best, miss)
            if math.isinf(miss):
                new = (after[0] - rule.required, after[1] + cost) if math.isfinite(cost) else None
            else:
                new = (after[0], after[1] - miss * rule.required + cost)
            if new is None or not _better(new, before):
                state.restore(c, where_was)
                state.changed = changed_before  # the routes are back as they were
                return False
        for d in days:
            spot = spots[d]
            assert spot is not None
            state.put(c, *spot)
        return True

    def tidy_routes(self, inter: bool = True) -> None:
        """Exchange and 2-opt* between the routes of every changed day (several routes a day,
        no time windows; with `inter`), then 2-opt and or-opt on every changed route."""
        p = self.problem
        state = self.state
        if inter and p.time_window is None and self.params.inter_route and self.pooled:
            self._improve_pool()
        elif inter and p.time_window is None and self.params.inter_route:
            for d in sorted({d for d, _ in state.changed}):
                if len(state.routes[d]) < 2:
                    continue
                dirty = {k for day, k in state.changed if day == d}
                better_day = improve_day(
                    p.travel, p.service, p.demand, float(p.capacity[d]), float(p.max_duration[d]),
                    state.routes[d], state.penalty, dirty=dirty,
                )  # fmt: skip
                if better_day is not None:
                    state.set_day(d, better_day)
        for d, k in list(state.changed):
            route = state.routes[d][k]
            if len(route) < 3:
                continue
            better = improve_route(p.travel, route, self.symmetric)
            if better == route:
                continue
            if p.time_window is not None:
                times = route_times(p, better)
                if times.late or times.duration > p.max_duration[d] + TOLERANCE:
                    continue
            state.replace_route(d, k, better)

    def _improve_pool(self) -> None:
        """Every customer is seen once on any day and every day is alike: the days' routes form
        one pool, and exchange / 2-opt* may move visits between routes of different days."""
        p = self.problem
        state = self.state
        slots = [(d, k) for d in range(p.n_days) for k in range(len(state.routes[d]))]
        better = improve_day(
            p.travel, p.service, p.demand, float(p.capacity[0]), float(p.max_duration[0]),
            [state.routes[d][k] for d, k in slots], state.penalty,
        )  # fmt: skip
        if better is None:
            return
        routes: list[list[tuple[int, ...]]] = [[() for _ in day] for day in state.routes]
        for (d, k), route in zip(slots, better, strict=True):
            routes[d][k] = tuple(route)
        state.load(Snapshot(tuple(tuple(day) for day in routes), 0.0))

    def reroute(
        self, days: Iterable[int], deadline: float, guided: bool = False, limit_s: float = 0.0
    ) -> int:
        """Re-sequence the given days with OR-Tools; keep a day's new routes only if better."""
        p = self.problem
        state = self.state
        improved = 0
        for d in days:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                break
            routes = [r for r in state.routes[d] if r]
            visits = sum(len(r) for r in routes)
            if visits <= 1 or (len(routes) == 1 and visits <= 3 and not guided):
                continue
            limit = min(remaining, limit_s) if guided else min(remaining, 2.0)
            new = optimise_day(
                p,
                d,
                routes,
                time_limit_s=limit,
                guided=guided,
                scale=self.params.route_scale,
                excess_penalty=state.penalty,
            )
            self.reroutes += 1
            if new is None:
                continue
            old_score = state.score()
            old = [list(r) for r in state.routes[d]]
            state.set_day(d, new)
            broke = state.penalty is None and state.day_excess(d) > 0
            if broke or not _better(state.score(), old_score):
                state.set_day(d, old)
            else:
                improved += 1
        return improved

    # --- perturbation ------------------------------------------------------------------------------
    def perturb(self, touched_days: set[int]) -> list[int]:
        """Ruin a cluster of nearby customers and recreate it; returns the customers involved."""
        n = self.problem.n_customers
        if n == 0:
            return []
        size = int(self.rng.integers(max(2, n // 50), max(3, min(n // 5, 40)) + 1))
        seed = int(self.rng.integers(1, n + 1))
        pool = self.neighbours[seed - 1]
        # Mostly the seed's nearest customers, with a little randomness in who is taken.
        picks = [seed, *[int(c) for c in pool if c != seed and self.rng.random() < 0.8][: size - 1]]
        removed = []
        for c in picks:
            if self.state.days_of[c]:
                touched_days.update(self.state.days_of[c])
                self.state.remove(c)
                removed.append(c)
        for c in self.rng.permutation(np.asarray(removed, dtype=np.int64)):
            self.insert(int(c))
            touched_days.update(self.state.days_of[int(c)])
        return removed

    def ruin_recreate(self) -> list[int]:
        """SISR (Christiaens & Vanden Berghe 2020): remove strings of visits from routes near a
        seed customer, then re-insert the customers removed in a random useful order."""
        p = self.problem
        state = self.state
        n = p.n_customers
        if n == 0:
            return []
        params = self.params
        seed = int(self.rng.integers(1, n + 1))
        removed: set[int] = set()
        ruined: set[tuple[int, int]] = set()
        avg_route = max(
            1.0,
            sum(len(r) for day in state.routes for r in day)
            / max(1, sum(1 for day in state.routes for r in day if r)),
        )
        l_max = min(float(params.ruin_string_max), avg_route)
        k_max = 4 * params.ruin_mean / (1 + l_max) - 1
        n_strings = int(self.rng.uniform(1, k_max + 1))
        for c in (seed, *(int(x) for x in self.neighbours[seed - 1])):
            if len(ruined) >= n_strings:
                break
            if c in removed or not state.days_of[c]:
                continue
            d = int(self.rng.choice(state.days_of[c]))
            k = next(i for i, r in enumerate(state.routes[d]) if c in r)
            if (d, k) in ruined:
                continue
            route = state.routes[d][k]
            length = int(self.rng.integers(1, min(len(route), int(l_max)) + 1))
            at = route.index(c)
            first = int(self.rng.integers(max(0, at - length + 1), min(at, len(route) - length) + 1))
            ruined.add((d, k))
            removed.update(route[first : first + length])
        for c in removed:
            state.remove(c)
        order = np.array(sorted(removed), dtype=np.int64)
        how = self.rng.random()
        if how < 0.4:
            order = self.rng.permutation(order)
        elif how < 0.7:
            order = order[
                np.argsort(
                    -p.demand[order] * np.array([p.rules[c - 1].required for c in order]), kind="stable"
                )
            ]
        elif how < 0.9:
            order = order[np.argsort(-p.travel[0, order], kind="stable")]
        else:
            order = order[np.argsort(p.travel[0, order], kind="stable")]
        for c in order:
            self.insert(int(c), blink=params.blink_rate)
        return [int(c) for c in order]

    # --- bookkeeping -------------------------------------------------------------------------------
    def note_best(self) -> bool:
        """Remember the current plan if it has no excess and beats the best so far."""
        state = self.state
        if state.excess > 0:
            return False
        score = state.score()
        if not _better(score, self.best_score):
            return False
        self.best, self.best_score = state.snapshot(), score
        logger.debug("best %s", score)
        return True

    def promising(self, score: Score) -> bool:
        """Worth spending OR-Tools time on: no excess and within `promising_share` of the best."""
        return (
            self.params.promising_share is not None
            and self.state.excess <= 0
            and score[0] == self.best_score[0]
            and score[1] <= self.best_score[1] * (1 + self.params.promising_share)
        )

    def adapt_penalty(self) -> bool:
        """Raise the excess price while the plan breaks a limit, lower it while it does not."""
        state = self.state
        start = self.params.excess_penalty
        if start is None:
            return False
        step = self.params.penalty_step
        if state.excess > 0:
            state.penalty = min(state.penalty * step, start * 100)  # type: ignore[operator]
        else:
            state.penalty = max(state.penalty / step, start / 100)  # type: ignore[operator]
        return True

    def route_horizon(self, until: float) -> None:
        """Route the best plan over the whole horizon with OR-Tools guided local search."""
        p = self.problem
        state = self.state
        if self.best is not None:
            state.load(self.best)
        if state.excess > 0:
            return
        free = {
            c: rule.days
            for c, rule in enumerate(p.rules, start=1)
            if rule.required == 1 and isinstance(rule, DayCombos)
        }
        routes = optimise_horizon(
            p,
            [[list(r) for r in day] for day in state.routes],
            free,
            time_limit_s=max(0.1, until - time.perf_counter()),
            scale=self.params.route_scale,
        )
        if routes is None:
            return
        before = state.score()
        snap = state.snapshot()
        state.load(Snapshot(tuple(tuple(tuple(r) for r in day) for day in routes), 0.0))
        if state.excess > 0 or not _better(state.score(), before, strict=False):
            state.load(snap)
        self.note_best()

    # --- polish ------------------------------------------------------------------------------------
    def polish(self, deadline: float) -> None:
        """Guided local search per day on the final plan, time shared by visits per day."""
        state = self.state
        keep = state.penalty
        if state.excess <= 0:
            state.penalty = None  # the plan is within every limit: keep it there
        sizes = np.array([sum(len(r) for r in day) for day in state.routes], dtype=float)
        order = [int(d) for d in np.argsort(-sizes) if sizes[d] >= 3]
        for i, d in enumerate(order):
            remaining = deadline - time.perf_counter()
            if remaining <= 0.01:
                break
            share = remaining * sizes[d] / sizes[order[i:]].sum()
            self.reroute([d], deadline, guided=self.params.polish_guided, limit_s=share)
        state.penalty = keep

"""The checker: recompute cost and every rule of a periodic plan from scratch.

Used for every figure the benchmark prints and by the calendar checker, so a solver's own
bookkeeping never decides what counts as feasible. Rules (stable names):
    unknown_customer  a route visits a node that is not a customer
    routes_per_day    more routes on a day than vehicles (0 on a day off)
    repeat_visit      one customer twice on the same day
    capacity          route load above the day's capacity
    duration          route duration above the day's limit
    time_window       a visit starts before its window or ends after it
    visit_days / frequency / spacing / availability   the customer's VisitRule
Missed visits are not violations: they are counted in `missed` (the PVRP requires none).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from planner.pvrp.problem import PeriodicProblem, PeriodicSolution

# Float slack for sums of unrounded Euclidean lengths.
TOLERANCE = 1e-6


@dataclass(frozen=True)
class Violation:
    rule: str
    day: int | None
    route: int | None
    customer: int | None
    detail: str


@dataclass(frozen=True)
class RouteTimes:
    travel: float
    load: float
    duration: float  # back at the depot, the route starting at time 0
    arrive: tuple[float, ...]  # per stop
    start: tuple[float, ...]  # service start per stop (after any wait for a window)
    travel_before: tuple[float, ...]  # travel leg ending at each stop
    late: tuple[int, ...]  # positions whose time window is broken


@dataclass(frozen=True)
class CheckReport:
    cost: float  # total travel
    missed: dict[int, int]  # customer -> visits missing
    miss_cost: float
    violations: tuple[Violation, ...] = field(default=())

    @property
    def feasible(self) -> bool:
        return not self.violations

    @property
    def complete(self) -> bool:
        return not self.missed

    @property
    def objective(self) -> float:
        return self.cost + self.miss_cost


def route_times(problem: PeriodicProblem, route: Sequence[int], day: int | None = None) -> RouteTimes:
    """Drive the route from the depot (or day `day`'s start node) at time 0, waiting where a
    window opens later, back to the depot (or the day's end node)."""
    tw = problem.time_window
    t = 0.0
    travel = 0.0
    prev = problem.start_node(day)
    arrive, start, legs, late = [], [], [], []
    for pos, c in enumerate(route):
        leg = float(problem.travel[prev, c])
        travel += leg
        t += leg
        arrive.append(t)
        if tw is not None:
            t = max(t, float(tw[c, 0]))
        start.append(t)
        legs.append(leg)
        t += float(problem.service[c])
        if tw is not None and (start[-1] < tw[c, 0] - TOLERANCE or t > tw[c, 1] + TOLERANCE):
            late.append(pos)
        prev = c
    leg = float(problem.travel[prev, problem.end_node(day)])
    travel += leg
    t += leg
    load = float(problem.demand[list(route)].sum()) if len(route) else 0.0
    return RouteTimes(travel, load, t, tuple(arrive), tuple(start), tuple(legs), tuple(late))


def route_metrics(problem: PeriodicProblem, route: Sequence[int]) -> tuple[float, float, float]:
    times = route_times(problem, route)
    return times.travel, times.load, times.duration


def check(problem: PeriodicProblem, solution: PeriodicSolution) -> CheckReport:
    n = problem.n_customers
    found: list[Violation] = []
    cost = 0.0
    days_of: dict[int, list[int]] = {c: [] for c in range(1, n + 1)}
    if len(solution.routes) != problem.n_days:
        found.append(
            Violation(
                "routes_per_day", None, None, None, f"{len(solution.routes)} days, expected {problem.n_days}"
            )
        )
    for d, day in enumerate(solution.routes[: problem.n_days]):
        used = [r for r in day if r]
        if len(used) > problem.vehicles[d]:
            found.append(
                Violation(
                    "routes_per_day", d, None, None, f"{len(used)} routes, {problem.vehicles[d]} allowed"
                )
            )
        seen: set[int] = set()
        for k, route in enumerate(day):
            bad = [c for c in route if not 1 <= c <= n]
            for c in bad:
                found.append(Violation("unknown_customer", d, k, c, f"node {c} is not a customer"))
            route = tuple(c for c in route if 1 <= c <= n)
            if not route:
                continue
            times = route_times(problem, route, d)
            cost += times.travel
            if times.load > problem.capacity[d] + TOLERANCE:
                found.append(
                    Violation(
                        "capacity", d, k, None, f"load {times.load:g} > capacity {problem.capacity[d]:g}"
                    )
                )
            if times.duration > problem.max_duration[d] + TOLERANCE:
                found.append(
                    Violation(
                        "duration",
                        d,
                        k,
                        None,
                        f"duration {times.duration:.2f} > limit {problem.max_duration[d]:.2f}",
                    )
                )
            for pos in times.late:
                c = route[pos]
                assert problem.time_window is not None
                lo, hi = problem.time_window[c]
                found.append(
                    Violation(
                        "time_window",
                        d,
                        k,
                        c,
                        f"visit {times.start[pos]:.0f}-{times.start[pos] + problem.service[c]:.0f} outside window {lo:.0f}-{hi:.0f}",
                    )
                )
            for c in route:
                if c in seen:
                    found.append(Violation("repeat_visit", d, k, c, "visited twice on the same day"))
                else:
                    seen.add(c)
                    days_of[c].append(d)
    missed: dict[int, int] = {}
    miss_cost = 0.0
    for c in range(1, n + 1):
        problems, missing = problem.rules[c - 1].problems(days_of[c])
        for rule, on_day, detail in problems:
            found.append(Violation(rule, on_day, None, c, detail))
        if missing:
            missed[c] = missing
            miss_cost += missing * float(problem.miss_cost[c])
    return CheckReport(cost, missed, miss_cost, tuple(found))


def total_travel(problem: PeriodicProblem, solution: PeriodicSolution) -> float:
    return float(sum(route_metrics(problem, r)[0] for day in solution.routes for r in day if r))


__all__ = ["CheckReport", "RouteTimes", "Violation", "check", "route_metrics", "route_times", "total_travel"]

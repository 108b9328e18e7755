"""Overnight trips: visits to accounts too far for a day trip, planned before the day routes.

An account is *remote* for its manager when the road there and back plus the visit exceed a
working day (the assignment's rule `visit_fits_a_day` in other words). Such an account is served
on a trip of 2 to `MAX_TRIP_DAYS` consecutive working days: the first day leaves home, the manager
spends each night away near the day's last visit (the next day leaves from there), and the last
day ends at home. A night away is never followed by a day off, so a trip ends before a weekend,
holiday or leave. Every day, travel included, stays within the working day.

Greedy, remote accounts most urgent first: for the account whose next visit window closes
first, a trip that reaches it within that window (the earliest start day; of the trips leaving
then, the one with the most visits per day away, then the longest). The trip also takes every
other remote account of the manager within `CLUSTER_MINUTES` of it whose window is open on a trip
day, nearest next, so one trip serves a remote city's accounts together. Trip days are then taken
out of the day-route search, which plans the other accounts around them.

An account whose road one way plus its visit exceed a working day cannot be reached even with a
night away (it would need a day of pure travel); it is left to the shortfall report.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from planner.pvrp.problem import PeriodicProblem, WindowRule

MAX_TRIP_DAYS = 5  # four nights away at most
CLUSTER_MINUTES = 120.0  # accounts this close to the trip's first one travel with it


@dataclass(frozen=True)
class Trips:
    remote: frozenset[int]  # customer nodes served by trips, not by the day routes
    routes: dict[int, tuple[int, ...]]  # day -> the trip's route that day (may be empty: travel home)
    nights: frozenset[int]  # days after which the night is spent away
    day_start: np.ndarray  # (T,) node each day leaves from (0 = home)
    day_end: np.ndarray  # (T,) node each day ends at

    @property
    def days(self) -> frozenset[int]:
        return frozenset(self.routes)


def _longest_day(problem: PeriodicProblem) -> float:
    return float(problem.max_duration[problem.vehicles > 0].max(initial=0.0))


def remote_nodes(problem: PeriodicProblem) -> list[int]:
    """Customers with visits due whose round trip plus visit exceed every working day."""
    longest = _longest_day(problem)
    return [
        c
        for c in range(1, problem.n_customers + 1)
        if problem.rules[c - 1].required > 0
        and problem.travel[0, c] + problem.service[c] + problem.travel[c, 0] > longest + 1e-9
    ]


def plan_trips(problem: PeriodicProblem) -> Trips:
    T = problem.n_days
    start = np.zeros(T, dtype=np.int64)
    end = np.zeros(T, dtype=np.int64)
    remote = remote_nodes(problem)
    if not remote:
        return Trips(frozenset(), {}, frozenset(), start, end)
    planner = _Planner(problem, remote)
    planner.run()
    for d, node in planner.start.items():
        start[d] = node
    for d, node in planner.end.items():
        end[d] = node
    return Trips(frozenset(remote), dict(planner.routes), frozenset(planner.nights), start, end)


def planning_problem(problem: PeriodicProblem, trips: Trips) -> PeriodicProblem:
    """The problem the day-route search solves: trip days taken, remote accounts asking for no
    visit there (their visits are the trips')."""
    if not trips.remote:
        return problem
    vehicles = problem.vehicles.copy()
    vehicles[list(trips.days)] = 0
    rules = tuple(
        WindowRule((), r.min_spacing, r.allowed) if c in trips.remote and isinstance(r, WindowRule) else r
        for c, r in enumerate(problem.rules, start=1)
    )
    return replace(problem, vehicles=vehicles, rules=rules)


def with_trips(problem: PeriodicProblem, trips: Trips) -> PeriodicProblem:
    """The whole manager's problem, every rule as asked, each day's start and end node set."""
    return replace(problem, day_start=trips.day_start, day_end=trips.day_end)


def merge_routes(
    routes: tuple[tuple[tuple[int, ...], ...], ...], trips: Trips
) -> tuple[tuple[tuple[int, ...], ...], ...]:
    """The day-route search's routes with each trip day's route in place."""
    return tuple(((trips.routes[d],) if d in trips.routes else day) for d, day in enumerate(routes))


class _Planner:
    def __init__(self, problem: PeriodicProblem, remote: list[int]):
        self.p = problem
        self.remote = remote
        self.free = problem.vehicles > 0  # working days not yet taken by a trip
        self.next_window = dict.fromkeys(remote, 0)
        self.last_visit: dict[int, int] = {}
        self.routes: dict[int, tuple[int, ...]] = {}
        self.nights: set[int] = set()
        self.start: dict[int, int] = {}
        self.end: dict[int, int] = {}
        p, longest = problem, _longest_day(problem)
        # One way plus the visit must fit a day, out on the first day and back on the last.
        self.reachable = [
            c
            for c in remote
            if p.travel[0, c] + p.service[c] <= longest + 1e-9
            and p.service[c] + p.travel[c, 0] <= longest + 1e-9
        ]

    def _window(self, c: int) -> tuple[int, int] | None:
        rule = self.p.rules[c - 1]
        assert isinstance(rule, WindowRule)
        k = self.next_window[c]
        return rule.windows[k] if k < len(rule.windows) else None

    def run(self) -> None:
        while True:
            open_ = [(w[1], w[0], c) for c in self.reachable if (w := self._window(c)) is not None]
            if not open_:
                return
            hi, lo, first = min(open_)
            if not self._trip_for(first, lo, hi):
                self.next_window[first] += 1  # this window goes unvisited: the shortfall says why

    def _trip_for(self, first: int, lo: int, hi: int) -> bool:
        T = self.p.n_days
        for begin in range(max(0, lo - MAX_TRIP_DAYS + 1), min(hi, T - 1) + 1):
            # Of the trips leaving that day, the most visits per day away, then the longest: the
            # shortest one that reaches `first` sent managers home to come back the next day for
            # the city's other accounts (83 of 403 trips on 2,000 x 40 --realistic, 534 h of road).
            best: tuple[float, int, list[int], list[tuple[int, ...]]] | None = None
            for length in range(2, MAX_TRIP_DAYS + 1):
                days = list(range(begin, begin + length))
                if days[-1] >= T or not all(self.free[d] for d in days):
                    break
                planned = self._build(days, first)
                if planned is not None:
                    per_day = sum(len(r) for r in planned) / length
                    if best is None or (per_day, length) > best[:2]:
                        best = (per_day, length, days, planned)
            if best is not None:
                self._commit(best[2], best[3])
                return True
        return False

    def _candidates(self, first: int) -> list[int]:
        near = [c for c in self.reachable if self.p.travel[first, c] <= CLUSTER_MINUTES]
        return sorted(near, key=lambda c: (c != first, self.p.travel[first, c]))

    def _can_visit(self, c: int, d: int) -> bool:
        rule = self.p.rules[c - 1]
        assert isinstance(rule, WindowRule)
        window = self._window(c)
        if window is None or not window[0] <= d <= window[1] or not rule.allowed[d]:
            return False
        last = self.last_visit.get(c)
        return last is None or d - last >= rule.min_spacing

    def _build(self, days: list[int], first: int) -> list[tuple[int, ...]] | None:
        """Each trip day's route, nearest next within the day, or None if `first` is not on it."""
        p = self.p
        tw = p.time_window
        todo = self._candidates(first)
        placed: set[int] = set()
        routes: list[tuple[int, ...]] = []
        here = 0  # home
        for i, d in enumerate(days):
            last_day = i == len(days) - 1
            limit = float(p.max_duration[d])
            t, route = 0.0, []
            while True:
                best = None
                for c in todo:
                    if c in placed or not self._can_visit(c, d):
                        continue
                    arrive = t + float(p.travel[here, c])
                    begin = max(arrive, float(tw[c, 0])) if tw is not None else arrive
                    finish = begin + float(p.service[c])
                    if tw is not None and finish > float(tw[c, 1]) + 1e-9:
                        continue
                    home = float(p.travel[c, 0]) if last_day else 0.0
                    if finish + home > limit + 1e-9:
                        continue
                    if best is None or p.travel[here, c] < p.travel[here, best[0]]:
                        best = (c, finish)
                if best is None:
                    break
                c, t = best
                route.append(c)
                placed.add(c)
                here = c
            if last_day and t + float(p.travel[here, 0]) > limit + 1e-9:
                return None  # cannot get home within the last day
            if not route and not last_day:
                # A day away with no visit: its night could not be written down (visits.csv marks
                # nights on visits), and it only pays for a hotel. Only the road home may be alone.
                return None
            routes.append(tuple(route))
        if first not in placed:
            return None  # a trip that misses `first` is not this one
        return routes

    def _commit(self, days: list[int], routes: list[tuple[int, ...]]) -> None:
        here = 0
        for i, (d, route) in enumerate(zip(days, routes, strict=True)):
            last_day = i == len(days) - 1
            self.start[d] = here
            self.routes[d] = route
            self.free[d] = False
            if route:
                here = route[-1]
            self.end[d] = 0 if last_day else here
            if not last_day:
                self.nights.add(d)
            for c in route:
                self.last_visit[c] = d
                self.next_window[c] += 1

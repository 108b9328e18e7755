"""Periodic visit planning: the one problem both the PVRP benchmark and the visit calendar are.

Nodes: 0 is the depot (a manager's home, Cordeau's depot), 1..n are customers (accounts).
Days: 0..T-1; day d offers `vehicles[d]` routes (0 = nobody works that day: weekend,
holiday, leave). Each route starts and ends at the depot.

Customer c needs visits on a set of days S_c that its `VisitRule` allows:
- `DayCombos` (Cordeau's PVRP): S_c is one of a list of allowed day combinations;
- `WindowRule` (the calendar): one visit in each consecutive window of days, on allowed days,
  consecutive visits at least `min_spacing` days apart.
A visit that cannot be placed is *missed* at `miss_cost[c]` (infinite for the PVRP, where every
visit is required; finite in the calendar, where the most valuable visits are planned first).

On day d, a route r = (0, c_1, ..., c_k, 0) has
    travel(r)   = sum of travel[i, j] over its arcs
    load(r)     = sum of demand[c_i]                       <= capacity[d]
    duration(r) = time back at the depot, starting at 0:  <= max_duration[d]
                  travel + service, plus waiting where a time window makes the visit wait.
Time windows (optional) bound the start and the end of a visit, in the same unit as travel,
measured from the route's start.

A route may also leave from, or end at, a customer instead of the depot (`day_start`, `day_end`):
the calendar's overnight trips, where a night away is spent near the day's last visit.

Objective: minimise  sum over routes of travel(r)  +  sum over missed visits of miss_cost.
Travel is both the cost and the time (Cordeau: Euclidean length; calendar: minutes).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol

import numpy as np

INF = float("inf")


class VisitRule(Protocol):
    """Which day sets a customer may be visited on; every rule answers the same three questions."""

    @property
    def required(self) -> int:
        """Visits the rule asks for over the horizon."""
        ...

    def cheapest(self, day_cost: np.ndarray, miss_cost: float) -> tuple[float, tuple[int, ...]]:
        """Cheapest allowed day set given the cost of a visit on each day (inf: impossible).

        Each required visit that is left out adds `miss_cost`. Returns (cost, sorted days).
        """
        ...

    def problems(self, days: Sequence[int]) -> tuple[list[tuple[str, int | None, str]], int]:
        """Check a visited day set: ([(rule name, day or None, detail)], visits missing)."""
        ...


@dataclass(frozen=True)
class DayCombos:
    """Cordeau's PVRP rule: visit on exactly the days of one allowed combination."""

    combos: tuple[tuple[int, ...], ...]  # each sorted, all of the same length

    @property
    def required(self) -> int:
        return len(self.combos[0]) if self.combos else 0

    @property
    def days(self) -> np.ndarray:
        return np.array(sorted({d for c in self.combos for d in c}), dtype=np.int64)

    @cached_property
    def _table(self) -> np.ndarray:
        """(combinations, visits) array of days, for vectorised pricing."""
        return np.array(self.combos, dtype=np.int64).reshape(len(self.combos), self.required)

    def cheapest(self, day_cost: np.ndarray, miss_cost: float) -> tuple[float, tuple[int, ...]]:
        if not self.combos:
            return INF, ()
        # A visit dearer than missing it is missed (only ever the case in the calendar).
        costs = np.minimum(day_cost[self._table], miss_cost)
        totals = costs.sum(axis=1)
        k = int(totals.argmin())
        total = float(totals[k])
        if not math.isfinite(total):
            return INF, ()
        return total, tuple(int(d) for d, c in zip(self._table[k], costs[k], strict=True) if c < miss_cost)

    def problems(self, days: Sequence[int]) -> tuple[list[tuple[str, int | None, str]], int]:
        visited = set(days)
        if not self.combos:
            return (
                [("visit_days", None, f"no visit allowed, got days {sorted(visited)}")] if visited else []
            ), 0
        if any(visited == set(c) for c in self.combos):
            return [], 0
        partial = [c for c in self.combos if visited <= set(c)]
        if partial:
            return [], self.required - len(visited)
        return [("visit_days", None, f"days {sorted(visited)} are not an allowed combination")], 0


@dataclass(frozen=True)
class WindowRule:
    """Calendar rule: one visit per window, on allowed days, `min_spacing` days apart.

    windows[k] = (first_day, last_day), inclusive, consecutive and non-overlapping.
    """

    windows: tuple[tuple[int, int], ...]
    min_spacing: int
    allowed: np.ndarray = field(repr=False)  # (T,) bool: days this customer can be visited at all

    @property
    def required(self) -> int:
        return len(self.windows)

    def cheapest(self, day_cost: np.ndarray, miss_cost: float) -> tuple[float, tuple[int, ...]]:
        """Dynamic programme over the windows; the state is the day of the latest visit.

        best[d] = cheapest cost of the windows so far with the latest visit on day d, `none` =
        cheapest with no visit yet. A window is either skipped (+ miss_cost, state kept) or gets
        a visit on day d, reached from any state <= d - min_spacing.
        """
        n_days = len(day_cost)
        cost = np.where(self.allowed, day_cost, INF)
        best = np.full(n_days, INF)
        none = 0.0
        trail: list[tuple[np.ndarray, np.ndarray]] = []  # per window: (visited here?, predecessor)
        for lo, hi in self.windows:
            prefix = np.minimum.accumulate(best)
            prefix_arg = _argmin_prefix(best)
            days = np.arange(lo, hi + 1)
            src = np.clip(days - self.min_spacing, 0, n_days - 1)
            before = np.where(days - self.min_spacing >= 0, prefix[src], INF)
            from_day = before < none
            via = np.where(from_day, before, none)
            visit_cost = cost[lo : hi + 1] + via
            skip_cost = best[lo : hi + 1] + miss_cost  # INF: no earlier visit can sit in this window
            visited = np.zeros(n_days, dtype=bool)
            pred = np.full(n_days, -1, dtype=np.int64)
            take = visit_cost < skip_cost
            visited[lo : hi + 1] = take
            pred[lo : hi + 1] = np.where(from_day, prefix_arg[src], -1)
            best = best + miss_cost
            best[lo : hi + 1] = np.where(take, visit_cost, skip_cost)
            none += miss_cost
            trail.append((visited, pred))
        if not n_days or none <= best.min():
            return none, ()
        state = int(best.argmin())
        total = float(best[state])
        picked: list[int] = []
        for visited, pred in reversed(trail):
            if state < 0:
                break
            if visited[state]:
                picked.append(state)
                state = int(pred[state])
        return total, tuple(sorted(picked))

    def problems(self, days: Sequence[int]) -> tuple[list[tuple[str, int | None, str]], int]:
        found: list[tuple[str, int | None, str]] = []
        ordered = sorted(days)
        missing = 0
        for lo, hi in self.windows:
            inside = [d for d in ordered if lo <= d <= hi]
            if len(inside) > 1:
                found.append(("frequency", inside[1], f"{len(inside)} visits in window of days {lo}-{hi}"))
            missing += not inside
        for d in ordered:
            if not any(lo <= d <= hi for lo, hi in self.windows):
                found.append(("frequency", d, "visit outside every window of the horizon"))
            if not self.allowed[d]:
                found.append(("availability", d, "customer not available that day"))
        for a, b in itertools.pairwise(ordered):
            if b - a < self.min_spacing:
                found.append(
                    ("spacing", b, f"{b - a} day(s) after the previous visit, minimum {self.min_spacing}")
                )
        return found, missing


def _argmin_prefix(values: np.ndarray) -> np.ndarray:
    """Index of the minimum of values[: i + 1] for every i (the first one on ties)."""
    n = len(values)
    if not n:
        return np.zeros(0, dtype=np.int64)
    prefix = np.minimum.accumulate(values)
    starts = np.empty(n, dtype=bool)
    starts[0] = True
    starts[1:] = values[1:] < prefix[:-1]
    return np.maximum.accumulate(np.where(starts, np.arange(n), 0))


@dataclass(frozen=True, eq=False)
class PeriodicProblem:
    name: str
    travel: np.ndarray  # (n+1, n+1) float
    service: np.ndarray  # (n+1,) float
    demand: np.ndarray  # (n+1,) float
    vehicles: np.ndarray  # (T,) int
    capacity: np.ndarray  # (T,) float, inf = no limit
    max_duration: np.ndarray  # (T,) float, inf = no limit
    rules: tuple[VisitRule, ...]  # rules[c - 1] for customer c
    miss_cost: np.ndarray  # (n+1,) cost per missed visit; inf = every visit required
    time_window: np.ndarray | None = None  # (n+1, 2) [earliest start, latest end]; None = none
    labels: tuple[str, ...] = ()  # node names, for messages; labels[0] is the depot
    # Overnight trips (the calendar): the node day d's route leaves from / ends at; None = the
    # depot every day. A night away is spent near the day's last visit, so the next day leaves
    # from that customer (planner.calendar.trips).
    day_start: np.ndarray | None = None  # (T,) int
    day_end: np.ndarray | None = None  # (T,) int

    def start_node(self, day: int | None) -> int:
        return 0 if day is None or self.day_start is None else int(self.day_start[day])

    def end_node(self, day: int | None) -> int:
        return 0 if day is None or self.day_end is None else int(self.day_end[day])

    @property
    def n_customers(self) -> int:
        return len(self.service) - 1

    @property
    def n_days(self) -> int:
        return len(self.vehicles)

    def label(self, node: int) -> str:
        return self.labels[node] if self.labels else str(node)

    def required_visits(self) -> int:
        return sum(r.required for r in self.rules)


@dataclass(frozen=True)
class PeriodicSolution:
    """routes[d] = the routes driven on day d, each a tuple of customer nodes (depot left out)."""

    routes: tuple[tuple[tuple[int, ...], ...], ...]

    def visits(self) -> dict[int, list[int]]:
        """customer -> sorted days it is visited on."""
        out: dict[int, list[int]] = {}
        for d, day in enumerate(self.routes):
            for route in day:
                for c in route:
                    out.setdefault(c, []).append(d)
        return {c: sorted(ds) for c, ds in out.items()}

"""Mutable working state of the search: routes per day plus the numbers that make moves cheap.

The search only ever asks two questions of it, both answered in numpy:
- what does one more visit of customer c cost on each day (cheapest position on that day)?
- what is the objective now?
Everything else (routes, loads, durations) is bookkeeping to answer those quickly.

Limits are hard when `excess_penalty` is None (the calendar: a day never runs over). With a
number, a route may exceed its load or duration limit at `excess_penalty` per unit of excess
as a fraction of the limit (the PVRP search: crossing briefly through overloaded plans helps
tightly capacitated instances); only plans without excess are ever reported.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.pvrp.check import TOLERANCE, route_times
from planner.pvrp.problem import INF, PeriodicProblem, PeriodicSolution


@dataclass(frozen=True)
class _Flat:
    """All arcs of all routes of all days, grouped by day, as parallel arrays."""

    frm: np.ndarray
    to: np.ndarray
    rk: np.ndarray  # route slot within the day
    day: np.ndarray
    route: np.ndarray  # flat route number
    pos: np.ndarray  # insert position within the route for this arc
    sizes: np.ndarray  # arcs per day
    starts: np.ndarray  # first arc of each day that has arcs
    nonempty: np.ndarray  # days that have arcs
    base: np.ndarray  # travel of the arc
    cap: np.ndarray
    lim: np.ndarray
    inv_cap: np.ndarray
    inv_lim: np.ndarray


@dataclass(frozen=True)
class Snapshot:
    routes: tuple[tuple[tuple[int, ...], ...], ...]
    objective: float


class PlanState:
    def __init__(self, problem: PeriodicProblem, excess_penalty: float | None = None) -> None:
        self.problem = problem
        self.penalty = excess_penalty
        p = problem
        self.n_days = p.n_days
        self.routes: list[list[list[int]]] = [[[] for _ in range(int(v))] for v in p.vehicles]
        # Flat route numbering: route k of day d is route_base[d] + k.
        self.route_base = np.concatenate([[0], np.cumsum(p.vehicles)]).astype(np.int64)
        n_routes = int(self.route_base[-1])
        self.r_travel = np.zeros(n_routes)
        self.r_load = np.zeros(n_routes)
        self.r_dur = np.zeros(n_routes)
        self.r_excess = np.zeros(n_routes)
        self.r_day = np.repeat(np.arange(self.n_days), p.vehicles).astype(np.int64)
        self.days_of: list[tuple[int, ...]] = [() for _ in range(p.n_customers + 1)]
        self.missed = np.array([0] + [r.required for r in p.rules], dtype=np.int64)
        self._finite_cap = np.isfinite(p.capacity)
        self._finite_dur = np.isfinite(p.max_duration)
        self._day_edges: list[tuple[np.ndarray, np.ndarray, np.ndarray] | None] = [None] * self.n_days
        self._flat: _Flat | None = None
        # Limits with "none" as a huge number, and 1/limit (0 for none), so excess needs no branches.
        self._cap_finite = np.where(self._finite_cap, p.capacity, 1e300)
        self._lim_finite = np.where(self._finite_dur, p.max_duration, 1e300)
        self._inv_cap = np.where(self._finite_cap, 1.0 / np.maximum(p.capacity, 1e-9), 0.0)
        self._inv_lim = np.where(self._finite_dur, 1.0 / np.maximum(p.max_duration, 1e-9), 0.0)
        self._has_tw = p.time_window is not None
        self._miss_unit = np.where(np.isfinite(p.miss_cost), p.miss_cost, 0.0)
        self._hopeless = np.isinf(p.miss_cost)
        self.changed: set[tuple[int, int]] = set()  # routes touched since the caller last cleared it

    # --- objective ---------------------------------------------------------------------------------
    @property
    def travel(self) -> float:
        return float(self.r_travel.sum())

    @property
    def excess(self) -> float:
        return float(self.r_excess.sum())

    @property
    def objective(self) -> float:
        """Travel + missed visits + excess; a required visit missing makes it infinite."""
        missing_required = int(self.missed[self._hopeless].sum())
        if missing_required:
            return INF
        pen = 0.0 if self.penalty is None else self.penalty * self.excess
        return self.travel + float((self.missed * self._miss_unit).sum()) + pen

    @property
    def n_missing_required(self) -> int:
        return int(self.missed[self._hopeless].sum())

    def score(self) -> tuple[int, float]:
        """Comparable even while required visits are missing: fewer missing first, then cost."""
        pen = 0.0 if self.penalty is None else self.penalty * self.excess
        finite = self.travel + float((self.missed * self._miss_unit).sum()) + pen
        return self.n_missing_required, finite

    # --- route bookkeeping -------------------------------------------------------------------------
    def _refresh_route(self, d: int, k: int) -> None:
        route = self.routes[d][k]
        r = int(self.route_base[d]) + k
        p = self.problem
        if not route:
            self.r_travel[r] = self.r_load[r] = self.r_dur[r] = self.r_excess[r] = 0.0
        elif self._has_tw:
            times = route_times(p, route)
            self.r_travel[r], self.r_load[r], self.r_dur[r] = times.travel, times.load, times.duration
        else:
            nodes = np.fromiter(route, dtype=np.int64, count=len(route))
            travel = float(
                p.travel[0, nodes[0]] + p.travel[nodes[:-1], nodes[1:]].sum() + p.travel[nodes[-1], 0]
            )
            self.r_travel[r] = travel
            self.r_load[r] = float(p.demand[nodes].sum())
            self.r_dur[r] = travel + float(p.service[nodes].sum())
        self.r_excess[r] = self._excess(d, self.r_load[r], self.r_dur[r]) if route else 0.0
        self._day_edges[d] = None
        self._flat = None
        self.changed.add((d, k))

    def _excess(self, d: int, load: float, dur: float) -> float:
        p = self.problem
        e = 0.0
        if self._finite_cap[d] and load > p.capacity[d] + TOLERANCE:
            e += (load - p.capacity[d]) / max(p.capacity[d], 1e-9)
        if self._finite_dur[d] and dur > p.max_duration[d] + TOLERANCE:
            e += (dur - p.max_duration[d]) / max(p.max_duration[d], 1e-9)
        return e

    def day_excess(self, d: int) -> float:
        base = int(self.route_base[d])
        return float(self.r_excess[base : base + len(self.routes[d])].sum())

    def replace_route(self, d: int, k: int, route: list[int]) -> None:
        """Same customers, another order (from a route improvement)."""
        self.routes[d][k] = list(route)
        self._refresh_route(d, k)

    def set_day(self, d: int, routes: list[list[int]]) -> None:
        """Replace a day's routes by the same customers in another order (from the route optimiser)."""
        padded = [list(r) for r in routes] + [[] for _ in range(len(self.routes[d]) - len(routes))]
        self.routes[d] = padded
        for k in range(len(padded)):
            self._refresh_route(d, k)

    def remove(self, c: int) -> list[tuple[int, int, int]]:
        """Take customer c off every day; returns (day, route, position) to put it back."""
        where = []
        for d in self.days_of[c]:
            for k, route in enumerate(self.routes[d]):
                if c in route:
                    pos = route.index(c)
                    route.pop(pos)
                    where.append((d, k, pos))
                    self._refresh_route(d, k)
                    break
        self.missed[c] += len(self.days_of[c])
        self.days_of[c] = ()
        return where

    def put(self, c: int, d: int, k: int, pos: int) -> None:
        self.routes[d][k].insert(pos, c)
        self._refresh_route(d, k)
        self.days_of[c] = tuple(sorted((*self.days_of[c], d)))
        self.missed[c] -= 1

    def restore(self, c: int, where: list[tuple[int, int, int]]) -> None:
        for d, k, pos in where:
            self.put(c, d, k, pos)

    # --- insertion ---------------------------------------------------------------------------------
    def _edges(self, d: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        cached = self._day_edges[d]
        if cached is not None:
            return cached
        frm: list[int] = []
        to: list[int] = []
        rk: list[int] = []
        empty_done = False
        for k, route in enumerate(self.routes[d]):
            if not route:
                if empty_done:
                    continue  # empty routes are interchangeable: one is enough
                empty_done = True
            frm.append(0)
            frm.extend(route)
            to.extend(route)
            to.append(0)
            rk.extend([k] * (len(route) + 1))
        edges = (np.array(frm, dtype=np.int64), np.array(to, dtype=np.int64), np.array(rk, dtype=np.int64))
        self._day_edges[d] = edges
        return edges

    def _flat_edges(self) -> _Flat:
        if self._flat is None:
            p = self.problem
            parts = [self._edges(d) for d in range(self.n_days)]
            frm = np.concatenate([e[0] for e in parts])
            to = np.concatenate([e[1] for e in parts])
            rk = np.concatenate([e[2] for e in parts])
            sizes = np.array([len(e[0]) for e in parts], dtype=np.int64)
            day = np.repeat(np.arange(self.n_days), sizes)
            route_flat = self.route_base[day] + rk
            # Position within its route: edges of a route are contiguous, so count from its first edge.
            first = np.ones(len(frm), dtype=bool)
            first[1:] = route_flat[1:] != route_flat[:-1]
            first_idx = np.maximum.accumulate(np.where(first, np.arange(len(frm)), 0))
            starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
            nonempty = sizes > 0
            self._flat = _Flat(
                frm=frm,
                to=to,
                rk=rk,
                day=day,
                route=route_flat,
                pos=np.arange(len(frm)) - first_idx,
                sizes=sizes,
                starts=starts[nonempty],
                nonempty=nonempty,
                base=p.travel[frm, to],
                cap=self._cap_finite[day],
                lim=self._lim_finite[day],
                inv_cap=self._inv_cap[day],
                inv_lim=self._inv_lim[day],
            )
        return self._flat

    def insertion(
        self, c: int, blink: float = 0.0, rng: np.random.Generator | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per day: cost of the cheapest position for one visit of c (inf if none), and its edge index.

        blink > 0 hides each position with that probability (randomised recreate).
        """
        f = self._flat_edges()
        value = self._values(c, f, self.r_load, self.r_dur, self.r_excess)
        if blink > 0 and rng is not None:
            hidden = rng.random(len(value)) < blink
            if not hidden.all():
                value = np.where(hidden, INF, value)
        if self.days_of[c]:
            value = np.where(np.isin(f.day, self.days_of[c]), INF, value)
        best = self._per_day_min(value, f)
        # First edge reaching each day's minimum.
        arg = np.full(self.n_days, -1, dtype=np.int64)
        hit = np.flatnonzero(value == best[f.day])
        days_hit, first = np.unique(f.day[hit], return_index=True)
        arg[days_hit] = hit[first]
        return best, arg

    def _values(
        self, c: int, f: _Flat, r_load: np.ndarray, r_dur: np.ndarray, r_excess: np.ndarray
    ) -> np.ndarray:
        """Cost of inserting c on each arc, infinite where a hard limit would break."""
        p = self.problem
        delta = p.travel[f.frm, c] + p.travel[c, f.to] - f.base
        load = r_load[f.route] + p.demand[c]
        dur = r_dur[f.route] + delta + p.service[c]
        if self.penalty is None:
            ok = (load <= f.cap + TOLERANCE) & (dur <= f.lim + TOLERANCE)
            return np.where(ok, delta, INF)
        over = np.maximum(load - f.cap, 0.0) * f.inv_cap + np.maximum(dur - f.lim, 0.0) * f.inv_lim
        return delta + self.penalty * (over - r_excess[f.route])

    def _virtual_values(
        self,
        c: int,
        frm: list[int],
        to: list[int],
        days: list[int],
        routes: list[int],
        r_load: np.ndarray,
        r_dur: np.ndarray,
        r_excess: np.ndarray,
    ) -> np.ndarray:
        p = self.problem
        frm_a, to_a, day_a, route_a = (np.array(x, dtype=np.int64) for x in (frm, to, days, routes))
        delta = p.travel[frm_a, c] + p.travel[c, to_a] - p.travel[frm_a, to_a]
        load = r_load[route_a] + p.demand[c]
        dur = r_dur[route_a] + delta + p.service[c]
        cap, lim = self._cap_finite[day_a], self._lim_finite[day_a]
        if self.penalty is None:
            return np.where((load <= cap + TOLERANCE) & (dur <= lim + TOLERANCE), delta, INF)
        over = (
            np.maximum(load - cap, 0.0) * self._inv_cap[day_a]
            + np.maximum(dur - lim, 0.0) * self._inv_lim[day_a]
        )
        return delta + self.penalty * (over - r_excess[route_a])

    def _per_day_min(self, value: np.ndarray, f: _Flat) -> np.ndarray:
        best = np.full(self.n_days, INF)
        if len(f.starts):
            best[f.nonempty] = np.minimum.reduceat(value, f.starts)
        return best

    def reinsertion(self, c: int) -> tuple[float, np.ndarray]:
        """What taking c off all its days saves, and per day the cheapest visit of c after that.

        Computed without touching the routes: arcs around c are replaced by virtual arcs
        (prev, next) and c's routes get its load and time taken off. Only valid without time
        windows (the caller uses remove / insertion_exact / restore there).
        """
        p = self.problem
        f = self._flat_edges()
        r_load, r_dur, r_excess = self.r_load, self.r_dur, self.r_excess
        saving = 0.0
        v_frm, v_to, v_day, v_route = [], [], [], []
        if self.days_of[c]:
            r_load, r_dur, r_excess = r_load.copy(), r_dur.copy(), r_excess.copy()
            for d in self.days_of[c]:
                for k, r in enumerate(self.routes[d]):
                    if c in r:
                        i = r.index(c)
                        prev = r[i - 1] if i > 0 else 0
                        nxt = r[i + 1] if i + 1 < len(r) else 0
                        flat = int(self.route_base[d]) + k
                        cut = float(p.travel[prev, c] + p.travel[c, nxt] - p.travel[prev, nxt])
                        r_load[flat] -= p.demand[c]
                        r_dur[flat] -= cut + p.service[c]
                        r_excess[flat] = self._excess(d, r_load[flat], r_dur[flat]) if len(r) > 1 else 0.0
                        saving += cut
                        if self.penalty is not None:
                            saving += self.penalty * (self.r_excess[flat] - r_excess[flat])
                        v_frm.append(prev)
                        v_to.append(nxt)
                        v_day.append(d)
                        v_route.append(flat)
                        break
        value = self._values(c, f, r_load, r_dur, r_excess)
        if v_frm:
            value[(f.frm == c) | (f.to == c)] = INF
        best = self._per_day_min(value, f)
        if v_frm:
            vv = self._virtual_values(c, v_frm, v_to, v_day, v_route, r_load, r_dur, r_excess)
            vd = np.array(v_day, dtype=np.int64)
            best[vd] = np.minimum(best[vd], vv)
        return saving, best

    def edge_position(self, edge: int) -> tuple[int, int, int]:
        """(day, route, insert position) of a flat edge index."""
        f = self._flat_edges()
        return int(f.day[edge]), int(f.rk[edge]), int(f.pos[edge])

    def insertion_exact(
        self, c: int, blink: float = 0.0, rng: np.random.Generator | None = None
    ) -> tuple[np.ndarray, list[tuple[int, int, int] | None]]:
        """Like `insertion`, but each day's best position is verified by driving the route.

        Needed with time windows, where the quick duration test ignores waiting and lateness.
        """
        best, arg = self.insertion(c, blink, rng)
        f = self._flat_edges()
        frm, to, rk, route_flat, pos, sizes = f.frm, f.to, f.rk, f.route, f.pos, f.sizes
        where: list[tuple[int, int, int] | None] = [None] * self.n_days
        if not self._has_tw:
            for d in np.flatnonzero(np.isfinite(best)):
                where[d] = self.edge_position(int(arg[d]))
            return best, where
        p = self.problem
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        for d in np.flatnonzero(np.isfinite(best)):
            lo, hi = int(starts[d]), int(starts[d] + sizes[d])
            delta = p.travel[frm[lo:hi], c] + p.travel[c, to[lo:hi]] - p.travel[frm[lo:hi], to[lo:hi]]
            best[d] = INF
            for e in np.argsort(delta, kind="stable"):
                k, at = int(rk[lo + e]), int(pos[lo + e])
                trial = [*self.routes[d][k][:at], c, *self.routes[d][k][at:]]
                times = route_times(p, trial)
                fits = not times.late and times.duration <= p.max_duration[d] + TOLERANCE
                fits = fits and times.load <= p.capacity[d] + TOLERANCE
                if fits:
                    best[d] = times.travel - self.r_travel[int(route_flat[lo + e])]
                    where[d] = (int(d), k, at)
                    break
        return best, where

    # --- snapshots ---------------------------------------------------------------------------------
    def solution(self) -> PeriodicSolution:
        return PeriodicSolution(tuple(tuple(tuple(r) for r in day if r) for day in self.routes))

    def snapshot(self) -> Snapshot:
        return Snapshot(tuple(tuple(tuple(r) for r in day) for day in self.routes), self.objective)

    def load(self, snap: Snapshot) -> None:
        """Return to a snapshot, refreshing only the days that differ."""
        for d, day in enumerate(snap.routes):
            if any(tuple(r) != tuple(old) for r, old in zip(day, self.routes[d], strict=True)):
                self.routes[d] = [list(r) for r in day]
                for k in range(len(day)):
                    self._refresh_route(d, k)
        self.days_of = [() for _ in range(self.problem.n_customers + 1)]
        self.missed = np.array([0] + [r.required for r in self.problem.rules], dtype=np.int64)
        visits: dict[int, list[int]] = {}
        for d, routes_of_day in enumerate(self.routes):
            for route in routes_of_day:
                for c in route:
                    visits.setdefault(c, []).append(d)
        for c, ds in visits.items():
            self.days_of[c] = tuple(ds)
            self.missed[c] -= len(ds)

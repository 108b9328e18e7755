"""Fast improvement of a single route: 2-opt and or-opt, vectorised over all move pairs.

Moving visits within one route changes neither its load nor its service time, so a move
that shortens travel also shortens the duration and keeps every limit (time windows aside:
the caller re-drives such routes). Both operators apply the best move found and repeat
until none improves by more than `EPS`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EPS = 1e-9


def improve_route(travel: np.ndarray, route: list[int], symmetric: bool = True) -> list[int]:
    """2-opt (symmetric travel only) and or-opt until neither helps; returns a new list."""
    best = list(route)
    if len(best) < 3:
        return best
    while True:
        changed = False
        if symmetric:
            improved = _two_opt(travel, best)
            if improved is not None:
                best, changed = improved, True
        improved = _or_opt(travel, best)
        if improved is not None:
            best, changed = improved, True
        if not changed:
            return best


def _two_opt(travel: np.ndarray, route: list[int]) -> list[int] | None:
    """Best 2-opt move: reverse route[i : j] (positions in the depot-wrapped tour)."""
    tour = np.array([0, *route, 0], dtype=np.int64)
    n = len(tour) - 1  # number of arcs
    a = tour[:-1]
    b = tour[1:]
    # Arcs i = (a_i, b_i) and j = (a_j, b_j), i < j - 1: replace by (a_i, a_j) and (b_i, b_j).
    gain = (
        travel[a[:, None], a[None, :]]
        + travel[b[:, None], b[None, :]]
        - travel[a, b][:, None]
        - travel[a, b][None, :]
    )
    i_idx, j_idx = np.triu_indices(n, k=2)
    if not len(i_idx):
        return None
    values = gain[i_idx, j_idx]
    k = int(values.argmin())
    if values[k] >= -EPS:
        return None
    i, j = int(i_idx[k]), int(j_idx[k])
    new_tour = np.concatenate([tour[: i + 1], tour[i + 1 : j + 1][::-1], tour[j + 1 :]])
    return [int(x) for x in new_tour[1:-1]]


def _or_opt(travel: np.ndarray, route: list[int]) -> list[int] | None:
    """Best move of a segment of 1-3 visits to another place in the route (either direction)."""
    tour = np.array([0, *route, 0], dtype=np.int64)
    n = len(route)
    best_gain, best_move = -EPS, None
    a = tour[:-1]
    b = tour[1:]
    arc = travel[a, b]
    for length in (1, 2, 3):
        if length >= n:
            break
        starts = np.arange(1, n - length + 2)  # segment tour[s : s + length]
        first = tour[starts]
        last = tour[starts + length - 1]
        before = tour[starts - 1]
        after = tour[starts + length]
        removal = travel[before, first] + travel[last, after] - travel[before, after]
        # Insert between arc j = (a_j, b_j), in forward or reversed orientation.
        fwd = travel[a[None, :], first[:, None]] + travel[last[:, None], b[None, :]] - arc[None, :]
        rev = travel[a[None, :], last[:, None]] + travel[first[:, None], b[None, :]] - arc[None, :]
        j = np.arange(n + 1)[None, :]
        at = starts[:, None]
        # Arcs touching the segment (at-1 .. at+length-1) are not valid places.
        invalid = (j >= at - 1) & (j <= at + length - 1)
        delta_f = np.where(invalid, np.inf, fwd - removal[:, None])
        delta_r = np.where(invalid, np.inf, rev - removal[:, None])
        for delta, reverse in ((delta_f, False), (delta_r, True)):
            k = int(delta.argmin())
            value = float(delta.flat[k])
            if value < best_gain:
                best_gain = value
                best_move = (int(starts[k // (n + 1)]), length, k % (n + 1), reverse)
    if best_move is None:
        return None
    s, length, arc_at, reverse = best_move
    seg = list(tour[s : s + length])
    if reverse:
        seg.reverse()
    rest = list(tour[:s]) + list(tour[s + length :])
    # Arc j in the original tour is (tour[j], tour[j+1]); find tour[j]'s place in `rest`.
    anchor = arc_at if arc_at < s else arc_at - length
    new_tour = rest[: anchor + 1] + seg + rest[anchor + 1 :]
    return [int(x) for x in new_tour[1:-1]]


def improve_day(
    travel: np.ndarray,
    service: np.ndarray,
    demand: np.ndarray,
    capacity: float,
    max_duration: float,
    routes: list[list[int]],
    penalty: float | None = None,
    max_moves: int = 200,
    dirty: set[int] | None = None,
) -> list[list[int]] | None:
    """2-opt* (swap route tails) and exchange (swap two visits) between the routes of one day.

    Best improving move over all route pairs, repeated. Limits are hard when `penalty` is None;
    otherwise excess (as a fraction of the limit) costs `penalty` per unit, as in `PlanState`.
    Returns the new routes, or None when nothing improved. With `dirty`, only pairs involving
    one of those routes are examined at first: the others were already examined unchanged.
    """
    work = [list(r) for r in routes]
    m = len(work)
    if m < 2 or sum(1 for r in work if r) < 1:
        return None
    stats = [_route_arrays(travel, service, demand, r) for r in work]
    excess = [float(_excess(s.load_total, s.dur_total, capacity, max_duration)) for s in stats]
    # Best move per route pair, recomputed only for the two routes a move touches.
    best: dict[tuple[int, int], tuple[float, str, tuple[int, int]]] = {}

    def evaluate(a: int, b: int) -> None:
        if not work[a] and not work[b]:
            best[a, b] = (-np.inf, "", (0, 0))
            return
        old = excess[a] + excess[b]
        g1, m1 = _best_tails(travel, stats[a], stats[b], capacity, max_duration, penalty, old)
        g2, m2 = _best_swap(travel, service, demand, stats[a], stats[b], capacity, max_duration, penalty, old)
        best[a, b] = (g1, "tails", m1) if g1 >= g2 else (g2, "swap", m2)

    for a in range(m):
        for b in range(a + 1, m):
            if dirty is None or a in dirty or b in dirty:
                evaluate(a, b)
    if not best:
        return None
    improved = False
    for _ in range(max_moves):
        (a, b), (gain, kind, (i, j)) = max(best.items(), key=lambda item: item[1][0])
        if gain <= EPS:
            break
        ra, rb = work[a], work[b]
        if kind == "tails":
            work[a], work[b] = ra[:i] + rb[j:], rb[:j] + ra[i:]
        else:
            work[a][i], work[b][j] = rb[j], ra[i]
        improved = True
        for r in (a, b):
            stats[r] = _route_arrays(travel, service, demand, work[r])
            excess[r] = float(_excess(stats[r].load_total, stats[r].dur_total, capacity, max_duration))
        for x in range(m):
            for y in {a, b}:
                if x != y:
                    evaluate(min(x, y), max(x, y))
    return work if improved else None


@dataclass(frozen=True)
class _RouteArrays:
    nodes: np.ndarray  # customers
    head_travel: np.ndarray  # (n+1,) travel from the depot through the first i customers
    head_dur: np.ndarray  # (n+1,) the same plus their service
    head_load: np.ndarray  # (n+1,)
    tail_travel: np.ndarray  # (n+1,) travel from customer j through the rest and home (0 for j = n)
    tail_dur: np.ndarray
    tail_load: np.ndarray
    last: np.ndarray  # (n+1,) node ending a head of length i (depot for i = 0)
    first: np.ndarray  # (n+1,) node starting a tail at j (depot for j = n)
    load_total: float
    dur_total: float
    travel_total: float


def _route_arrays(
    travel: np.ndarray, service: np.ndarray, demand: np.ndarray, route: list[int]
) -> _RouteArrays:
    nodes = np.array(route, dtype=np.int64)
    tour = np.concatenate([[0], nodes, [0]])
    legs = travel[tour[:-1], tour[1:]]  # n+1 legs
    serv = service[nodes]
    head_travel = np.concatenate([[0.0], np.cumsum(legs[:-1])])
    head_dur = head_travel + np.concatenate([[0.0], np.cumsum(serv)])
    head_load = np.concatenate([[0.0], np.cumsum(demand[nodes])])
    # tail starting at position j: legs j+1 .. n (within the tail and home), services j .. n-1
    tail_travel = np.concatenate([np.cumsum(legs[1:][::-1])[::-1], [0.0]])
    tail_dur = tail_travel + np.concatenate([np.cumsum(serv[::-1])[::-1], [0.0]])
    tail_load = head_load[-1] - head_load
    last = tour[:-1]
    first = tour[1:]
    total_travel = float(legs.sum())
    return _RouteArrays(
        nodes, head_travel, head_dur, head_load, tail_travel, tail_dur, tail_load, last, first,
        float(head_load[-1]), total_travel + float(serv.sum()), total_travel,
    )  # fmt: skip


def _excess(
    load: np.ndarray | float, dur: np.ndarray | float, capacity: float, max_duration: float
) -> np.ndarray:
    """Excess as a fraction of each limit, summed; an infinite limit never binds."""
    out: np.ndarray | float = 0.0
    if capacity < np.inf:
        out = np.maximum(np.asarray(load) - capacity, 0.0) * (1.0 / max(capacity, 1e-9))
    if max_duration < np.inf:
        out = out + np.maximum(np.asarray(dur) - max_duration, 0.0) * (1.0 / max(max_duration, 1e-9))
    return np.asarray(out)


def _score(
    travel_delta: np.ndarray, exc_new: np.ndarray, exc_old: float, penalty: float | None
) -> np.ndarray:
    """Gain of each candidate (positive = better); hard limits forbid any new excess."""
    if penalty is None:
        return np.where(exc_new > TOL_EXCESS, -np.inf, -travel_delta)
    return -(travel_delta + penalty * (exc_new - exc_old))


TOL_EXCESS = 1e-9


def _best_tails(
    travel: np.ndarray,
    a: _RouteArrays,
    b: _RouteArrays,
    cap: float,
    lim: float,
    penalty: float | None,
    exc_old: float,
) -> tuple[float, tuple[int, int]]:
    """a' = a[:i] + b[j:], b' = b[:j] + a[i:]."""
    link_a = travel[a.last[:, None], b.first[None, :]]  # (na+1, nb+1)
    link_b = travel[b.last[None, :], a.first[:, None]]
    travel_new = (
        a.head_travel[:, None]
        + link_a
        + b.tail_travel[None, :]
        + b.head_travel[None, :]
        + link_b
        + a.tail_travel[:, None]
    )
    delta = travel_new - a.travel_total - b.travel_total
    load_a = a.head_load[:, None] + b.tail_load[None, :]
    load_b = b.head_load[None, :] + a.tail_load[:, None]
    dur_a = a.head_dur[:, None] + link_a + b.tail_dur[None, :]
    dur_b = b.head_dur[None, :] + link_b + a.tail_dur[:, None]
    gain = _score(
        delta, _excess(load_a, dur_a, cap, lim) + _excess(load_b, dur_b, cap, lim), exc_old, penalty
    )
    na, nb = len(a.nodes), len(b.nodes)
    gain[0, 0] = gain[na, nb] = -np.inf  # whole routes swapped or nothing moved
    k = int(np.argmax(gain))
    i, j = divmod(k, nb + 1)
    return float(gain[i, j]), (i, j)


def _best_swap(
    travel: np.ndarray,
    service: np.ndarray,
    demand: np.ndarray,
    a: _RouteArrays,
    b: _RouteArrays,
    cap: float,
    lim: float,
    penalty: float | None,
    exc_old: float,
) -> tuple[float, tuple[int, int]]:
    """Exchange a[i] and b[j]."""
    if not len(a.nodes) or not len(b.nodes):
        return -np.inf, (0, 0)
    u, v = a.nodes[:, None], b.nodes[None, :]
    pa, na_ = a.last[:-1][:, None], a.first[1:][:, None]  # neighbours of a[i]
    pb, nb_ = b.last[:-1][None, :], b.first[1:][None, :]
    da = travel[pa, v] + travel[v, na_] - travel[pa, u] - travel[u, na_]
    db = travel[pb, u] + travel[u, nb_] - travel[pb, v] - travel[v, nb_]
    load_a = a.load_total - demand[u] + demand[v]
    load_b = b.load_total - demand[v] + demand[u]
    dur_a = a.dur_total + da - service[u] + service[v]
    dur_b = b.dur_total + db - service[v] + service[u]
    gain = _score(
        da + db, _excess(load_a, dur_a, cap, lim) + _excess(load_b, dur_b, cap, lim), exc_old, penalty
    )
    k = int(np.argmax(gain))
    i, j = divmod(k, len(b.nodes))
    return float(gain[i, j]), (i, j)

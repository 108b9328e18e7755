"""Fast improvement of a single route: 2-opt and or-opt, vectorised over all move pairs.

Moving visits within one route changes neither its load nor its service time, so a move
that shortens travel also shortens the duration and keeps every limit (time windows aside:
the caller re-drives such routes). Both operators apply the best move found and repeat
until none improves by more than `EPS`.
"""

from __future__ import annotations

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
        s = starts[:, None]
        # Arcs touching the segment (s-1 .. s+length-1) are not valid places.
        invalid = (j >= s - 1) & (j <= s + length - 1)
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
    s, length, j, reverse = best_move
    seg = list(tour[s : s + length])
    if reverse:
        seg.reverse()
    rest = list(tour[:s]) + list(tour[s + length :])
    # Arc j in the original tour is (tour[j], tour[j+1]); find tour[j]'s place in `rest`.
    anchor = j if j < s else j - length
    new_tour = rest[: anchor + 1] + seg + rest[anchor + 1 :]
    return [int(x) for x in new_tour[1:-1]]

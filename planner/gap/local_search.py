"""Penalty local search for the GAP: shift and swap moves under adaptive capacity penalties.

The search minimises

    F(x) = sum_j c[x_j][j] + sum_i w[i] max(0, load_i(x) - b[i])

over assignments that may overload agents (strategic oscillation, as in Yagiura, Ibaraki &
Glover's tabu searches). Each round descends to a local minimum of F with two moves:
shift (job j to another candidate agent) and swap (jobs j and j2 on different agents
exchange agents). At a local minimum the weights of overloaded agents grow and, when no
agent is overloaded, all weights shrink, so the search keeps crossing the boundary of the
feasible region instead of stalling on its first local optimum; every feasible assignment
it meets is compared with the best one. Candidate agents per job come from Lagrangian
reduced costs, which keeps each pass linear in n.

The kernels are compiled with numba when it is installed; without it they run as plain
Python (correct, but only fit for small instances).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from planner.budget import Budget
from planner.gap.dense import DenseGap

try:  # numba turns the loops below into machine code; it is optional.
    from numba import njit

    HAVE_NUMBA = True
except ImportError:  # pragma: no cover - exercised only where numba is missing
    HAVE_NUMBA = False

    def njit(*args, **kwargs):  # type: ignore[no-redef]
        if args and callable(args[0]):
            return args[0]
        return lambda f: f


_EPS = 1e-9


@njit(cache=True, nogil=True)
def _excess(load: float, capacity: float) -> float:
    return load - capacity if load > capacity else 0.0


@njit(cache=True, nogil=True)
def _move(j, k, assign, load, weight, jobs_of, count, pos):
    """Shift job j to agent k, keeping loads and the per-agent job lists in step."""
    i = assign[j]
    load[i] -= weight[i, j]
    load[k] += weight[k, j]
    last = jobs_of[i, count[i] - 1]
    jobs_of[i, pos[j]] = last
    pos[last] = pos[j]
    count[i] -= 1
    jobs_of[k, count[k]] = j
    pos[j] = count[k]
    count[k] += 1
    assign[j] = k


@njit(cache=True, nogil=True)
def _descend(cost, weight, capacity, cand, assign, load, w, jobs_of, count, pos, order, chains):
    """First-improvement descent on F; returns the number of moves made."""
    n = cost.shape[1]
    moves = 0
    improved = True
    while improved:
        improved = False
        for t in range(n):
            j = order[t]
            i = assign[j]
            li, bi, wi = load[i], capacity[i], w[i]
            base_i = wi * _excess(li, bi)
            # Best shift of j.
            best_delta, best_k = -_EPS, -1
            for c in range(cand.shape[1]):
                k = cand[j, c]
                if k == i:
                    continue
                delta = (
                    cost[k, j]
                    - cost[i, j]
                    + wi * _excess(li - weight[i, j], bi)
                    - base_i
                    + w[k] * (_excess(load[k] + weight[k, j], capacity[k]) - _excess(load[k], capacity[k]))
                )
                if delta < best_delta:
                    best_delta, best_k = delta, k
            if best_k >= 0:
                _move(j, best_k, assign, load, weight, jobs_of, count, pos)
                moves += 1
                improved = True
                continue
            # First improving swap of j with a job j2 on one of j's candidate agents.
            done = False
            for c in range(cand.shape[1]):
                k = cand[j, c]
                if k == i:
                    continue
                lk, bk, wk = load[k], capacity[k], w[k]
                base = base_i + wk * _excess(lk, bk)
                for s in range(count[k]):
                    j2 = jobs_of[k, s]
                    delta = (
                        cost[k, j]
                        + cost[i, j2]
                        - cost[i, j]
                        - cost[k, j2]
                        + wi * _excess(li - weight[i, j] + weight[i, j2], bi)
                        + wk * _excess(lk - weight[k, j2] + weight[k, j], bk)
                        - base
                    )
                    if delta < -_EPS:
                        _move(j, k, assign, load, weight, jobs_of, count, pos)
                        _move(j2, i, assign, load, weight, jobs_of, count, pos)
                        moves += 2
                        improved = True
                        done = True
                        break
                if done:
                    break
            if done or not chains:
                continue
            # Ejection chain of depth 2: j goes to k and pushes some j2 on k to a third
            # agent. It changes two loads by different amounts, which is what fills agents
            # exactly when shifts and swaps alone cannot.
            for c in range(cand.shape[1]):
                k = cand[j, c]
                if k == i:
                    continue
                lk, bk, wk = load[k], capacity[k], w[k]
                lk_in = lk + weight[k, j]
                first = (
                    cost[k, j]
                    - cost[i, j]
                    + wi * _excess(li - weight[i, j], bi)
                    - base_i
                    - wk * _excess(lk, bk)
                )
                for s in range(count[k]):
                    j2 = jobs_of[k, s]
                    for c2 in range(cand.shape[1]):
                        dest = cand[j2, c2]
                        if dest == k or dest == i:  # noqa: SIM109 (numba: no tuple membership)
                            continue  # dest == i is a swap, already tried
                        delta = (
                            first
                            + cost[dest, j2]
                            - cost[k, j2]
                            + wk * _excess(lk_in - weight[k, j2], bk)
                            + w[dest]
                            * (
                                _excess(load[dest] + weight[dest, j2], capacity[dest])
                                - _excess(load[dest], capacity[dest])
                            )
                        )
                        if delta < -_EPS:
                            _move(j, k, assign, load, weight, jobs_of, count, pos)
                            _move(j2, dest, assign, load, weight, jobs_of, count, pos)
                            moves += 2
                            improved = True
                            done = True
                            break
                    if done:
                        break
                if done:
                    break
    return moves


@njit(cache=True, nogil=True)
def _eject(cost, weight, capacity, cand, assign, load, w, jobs_of, count, pos, order, depth, vload,
           chain_jobs, chain_to):  # fmt: skip
    """One pass of greedy ejection chains of up to `depth` moves; returns the chains applied.

    From each job j1 and candidate agent k1: j1 moves to k1, then the move out of k1 (a job
    there to one of its candidate agents) that keeps the running change of F lowest, then the
    same out of that agent, and so on (Yagiura, Ibaraki & Glover's ejection chains, built
    greedily). Each step changes a load by a different job's weight, which is how a chain fills
    agents that shifts and swaps leave a few units short. The best prefix is applied when it
    lowers F. An agent enters the chain once; the chain may close back on j1's agent.
    """
    n = cost.shape[1]
    applied = 0
    for t in range(n):
        j1 = order[t]
        i0 = assign[j1]
        for c in range(cand.shape[1]):
            k1 = cand[j1, c]
            if k1 == i0 or cost[k1, j1] == np.inf:
                continue
            # Running change of F, with the touched agents' loads in `vload`.
            d = (
                cost[k1, j1] - cost[i0, j1]
                + w[i0] * (_excess(load[i0] - weight[i0, j1], capacity[i0]) - _excess(load[i0], capacity[i0]))
                + w[k1] * (_excess(load[k1] + weight[k1, j1], capacity[k1]) - _excess(load[k1], capacity[k1]))
            )  # fmt: skip
            vload[i0] = load[i0] - weight[i0, j1]
            vload[k1] = load[k1] + weight[k1, j1]
            chain_jobs[0], chain_to[0] = j1, k1
            best_d, best_len = d, 1
            cur, length, closed = k1, 1, False
            while length < depth and not closed:
                step_d, sj, sk = np.inf, -1, -1
                for s in range(count[cur]):
                    j2 = jobs_of[cur, s]
                    if j2 == j1:
                        continue
                    out = w[cur] * (
                        _excess(vload[cur] - weight[cur, j2], capacity[cur]) - _excess(vload[cur], capacity[cur])
                    ) - cost[cur, j2]  # fmt: skip
                    for c2 in range(cand.shape[1]):
                        dest = cand[j2, c2]
                        if dest == cur or cost[dest, j2] == np.inf:
                            continue
                        seen = False  # an agent enters once (j1's own may close the chain)
                        for q in range(length):
                            if chain_to[q] == dest:
                                seen = True
                        if seen:
                            continue
                        there = vload[dest] if dest == i0 else load[dest]
                        e = out + cost[dest, j2] + w[dest] * (
                            _excess(there + weight[dest, j2], capacity[dest]) - _excess(there, capacity[dest])
                        )  # fmt: skip
                        if e < step_d:
                            step_d, sj, sk = e, j2, dest
                if sj < 0:
                    break
                d += step_d
                vload[cur] -= weight[cur, sj]
                if sk != i0:
                    vload[sk] = load[sk]
                vload[sk] += weight[sk, sj]
                chain_jobs[length], chain_to[length] = sj, sk
                length += 1
                closed = sk == i0
                if d < best_d:
                    best_d, best_len = d, length
                cur = sk
            if best_d < -_EPS and best_len > 2:  # one or two moves: the descent's own
                for q in range(best_len):
                    _move(chain_jobs[q], chain_to[q], assign, load, weight, jobs_of, count, pos)
                applied += 1
                break  # j1 has moved
    return applied


@njit(cache=True, nogil=True)
def _deep(cost, weight, capacity, cand, assign, load, w, jobs_of, count, pos, order, chains, depth, on):
    """The descent, then (with `on` and `depth` > 2) passes of ejection chains, each followed
    by the descent again, until a pass applies none (at most 4)."""
    _descend(cost, weight, capacity, cand, assign, load, w, jobs_of, count, pos, order, chains)
    if depth <= 2 or not on:
        return
    vload = load.copy()
    chain_jobs = np.zeros(depth, dtype=np.int64)
    chain_to = np.zeros(depth, dtype=np.int64)
    for _p in range(4):
        if _eject(cost, weight, capacity, cand, assign, load, w, jobs_of, count, pos, order, depth,
                  vload, chain_jobs, chain_to) == 0:  # fmt: skip
            break
        _descend(cost, weight, capacity, cand, assign, load, w, jobs_of, count, pos, order, chains)


@njit(cache=True, nogil=True)
def _rounds(
    cost,
    weight,
    capacity,
    cand,
    assign,
    load,
    w,
    w_floor,
    jobs_of,
    count,
    pos,
    best_assign,
    best,
    stall,
    n_rounds,
    patience,
    kick,
    chains,
    repair_steps,
    seed,
    depth,
    deep_repair,
):
    """`n_rounds` descents with penalty updates; best[0] holds the best feasible cost.

    Every `patience` rounds without a new best, `kick` random jobs move to random candidate
    agents: the weights alone can settle into a cycle of the same few local minima. With
    `depth` > 2, each descent ends with ejection chains (`_deep`; the repairs' too with
    `deep_repair`).
    """
    np.random.seed(seed)
    n = cost.shape[1]
    m = cost.shape[0]
    order = np.arange(n)
    big = 0.0  # a weight that outweighs any cost change: the largest finite cost spread
    for j in range(n):
        lo, hi = np.inf, -np.inf
        for i in range(m):
            if cost[i, j] < np.inf:
                lo = min(lo, cost[i, j])
                hi = max(hi, cost[i, j])
        big = max(big, hi - lo)
    big += 1.0
    for _ in range(n_rounds):
        stall[0] += 1
        if stall[0] % patience == 0:
            if best[0] < np.inf:  # iterated local search: kick from the best, not from the drift
                for j in range(n):
                    if assign[j] != best_assign[j]:
                        _move(j, best_assign[j], assign, load, weight, jobs_of, count, pos)
            for _k in range(kick):
                j = np.random.randint(n)
                k = cand[j, np.random.randint(cand.shape[1])]
                if k != assign[j] and cost[k, j] < np.inf:
                    _move(j, k, assign, load, weight, jobs_of, count, pos)
        np.random.shuffle(order)
        _deep(cost, weight, capacity, cand, assign, load, w, jobs_of, count, pos, order, chains, depth,
              True)  # fmt: skip
        if _overloaded(load, capacity):
            for i in range(m):
                if load[i] > capacity[i]:
                    w[i] *= 1.0 + 0.2 * np.random.random()
                else:
                    w[i] = max(w_floor[i], w[i] * 0.98)
            # Repair a copy with penalties doubled until it is feasible: the cheapest way
            # out of the current overload, while the search itself stays where it is. The
            # last step (penalties above any cost difference) puts excess strictly first.
            a2, l2, jo2, c2, p2 = assign.copy(), load.copy(), jobs_of.copy(), count.copy(), pos.copy()
            factor = 2.0
            for step in range(repair_steps + 1):
                w2 = w * factor if step < repair_steps else w * factor + big
                _deep(
                    cost, weight, capacity, cand, a2, l2, w2, jo2, c2, p2, order, chains, depth, deep_repair
                )
                if not _overloaded(l2, capacity):
                    _record(cost, a2, best_assign, best, stall)
                    break
                factor *= 2.0
        else:
            _record(cost, assign, best_assign, best, stall)
            for i in range(m):
                w[i] = max(w_floor[i], w[i] * 0.9)


@njit(cache=True, nogil=True)
def _overloaded(load, capacity):
    for i in range(load.shape[0]):  # noqa: SIM110 (numba compiles no generator expressions)
        if load[i] > capacity[i]:
            return True
    return False


@njit(cache=True, nogil=True)
def _record(cost, assign, best_assign, best, stall):
    total = 0.0
    for j in range(assign.shape[0]):
        total += cost[assign[j], j]
    if total < best[0] - _EPS:
        best[0] = total
        best_assign[:] = assign
        stall[0] = 0


@dataclass
class SearchState:
    """Everything a resumed search needs, so Python can slice it into timed chunks."""

    assign: np.ndarray
    load: np.ndarray
    w: np.ndarray
    w_floor: np.ndarray
    jobs_of: np.ndarray
    count: np.ndarray
    pos: np.ndarray
    best_assign: np.ndarray
    best: np.ndarray  # (1,) best feasible cost, inf when none yet
    stall: np.ndarray  # (1,) rounds since the last new best (or since the start)


def candidates(reduced_cost: np.ndarray, eligible: np.ndarray, k: int) -> np.ndarray:
    """(n, k) agents per job with the smallest reduced costs (ineligible ones sort last)."""
    m = reduced_cost.shape[0]
    k = min(k, m)
    rc = np.where(eligible, reduced_cost, np.inf)
    part = np.argpartition(rc, k - 1, axis=0)[:k] if k < m else np.tile(np.arange(m)[:, None], rc.shape[1])
    # Ineligible entries point at an agent with cost +inf: harmless, F never improves there.
    return np.ascontiguousarray(part.T).astype(np.int64)


def start_state(dense: DenseGap, assign: np.ndarray, w0: np.ndarray) -> SearchState:
    m, n = dense.n_agents, dense.n_jobs
    assign = assign.astype(np.int64).copy()
    load = np.zeros(m)
    np.add.at(load, assign, dense.weight[assign, np.arange(n)])
    jobs_of = np.zeros((m, n), dtype=np.int64)
    count = np.zeros(m, dtype=np.int64)
    pos = np.zeros(n, dtype=np.int64)
    for j, i in enumerate(assign.tolist()):
        jobs_of[i, count[i]] = j
        pos[j] = count[i]
        count[i] += 1
    best = np.array([np.inf])
    best_assign = assign.copy()
    if dense.is_feasible(assign):
        best[0] = dense.objective(assign)
    return SearchState(
        assign,
        load,
        w0.astype(float).copy(),
        w0.astype(float).copy(),
        jobs_of,
        count,
        pos,
        best_assign,
        best,
        np.zeros(1, dtype=np.int64),
    )


def adopt(dense: DenseGap, state: SearchState, plan: np.ndarray, value: float) -> None:
    """Make the feasible `plan` (of cost `value`) the search's best and current assignment;
    the penalty weights carry over."""
    fresh = start_state(dense, plan, state.w)
    state.assign[:], state.load[:], state.jobs_of[:] = fresh.assign, fresh.load, fresh.jobs_of
    state.count[:], state.pos[:] = fresh.count, fresh.pos
    state.best_assign[:] = plan
    state.best[0] = value
    state.stall[0] = 0


def search(
    dense: DenseGap,
    state: SearchState,
    cand: np.ndarray,
    limit: Budget | float,
    seed: int,
    patience: int = 50,
    kick: int = 0,
    give_up: int = 0,
    chains: bool = True,
    repair_steps: int = 8,
    depth: int = 0,
    deep_repair: bool = False,
    on_improve=None,
    should_stop=None,
    incumbent=None,
) -> SearchState:
    """Run rounds in chunks until `limit` (a budget, or seconds) expires, or (with `give_up` >
    0) once that many rounds in a row found no new best, or once `should_stop()` says so
    (checked between chunks); `on_improve(cost)` on each new best. The kernels release the GIL, so a CP-SAT
    solve in another thread runs alongside on the other core."""
    budget = Budget.of(limit)
    cost = np.ascontiguousarray(dense.cost)
    weight = np.ascontiguousarray(dense.weight.astype(float))
    capacity = dense.capacity.astype(float)
    chunk, step = 1, 0
    while True:
        left = budget.remaining()
        if left <= 0 or (give_up and state.stall[0] >= give_up and np.isfinite(state.best[0])):
            break
        if should_stop is not None and should_stop():
            break
        if incumbent is not None:
            # A better plan found elsewhere (another thread) becomes this search's best, so
            # its kicks restart from it instead of from its own, worse, best.
            value, plan = incumbent()
            if plan is not None and value < float(state.best[0]) - _EPS:
                adopt(dense, state, plan, value)
        before = float(state.best[0])
        started = time.perf_counter()
        _rounds(
            cost, weight, capacity, cand, state.assign, state.load, state.w, state.w_floor,
            state.jobs_of, state.count, state.pos, state.best_assign, state.best, state.stall,
            chunk, patience, kick or max(2, dense.n_jobs // 100), chains, repair_steps, seed + step,
            depth, deep_repair,
        )  # fmt: skip
        step += 1
        took = time.perf_counter() - started
        if float(state.best[0]) < before and on_improve is not None:
            on_improve(float(state.best[0]))
        # Aim for chunks of ~50 ms so the deadline is kept without much Python overhead.
        per_round = max(took, 1e-5) / chunk
        chunk = max(1, min(chunk * 2, int(0.05 / per_round), int(left / per_round)))
    return state


def warm_up() -> float:
    """Compile the kernels (or load them from numba's cache) on a toy; returns the seconds.

    A first call in a fresh environment compiles for several seconds; benchmarks call this
    before starting their clocks so that a one-off cost is not charged to one instance.
    """
    started = time.perf_counter()
    rng = np.random.default_rng(0)
    cost = rng.integers(1, 10, size=(2, 6)).astype(float)
    weight = rng.integers(1, 5, size=(2, 6))
    dense = DenseGap(
        cost, weight, np.ones((2, 6), dtype=bool), np.array([12, 12]), np.arange(12).reshape(2, 6)
    )
    state = start_state(dense, np.zeros(6, dtype=np.int64), np.ones(2))
    search(dense, state, candidates(np.zeros((2, 6)), dense.eligible, 2), 0.0, seed=0)
    _rounds(cost, weight.astype(float), dense.capacity.astype(float), candidates(np.zeros((2, 6)), dense.eligible, 2),
            state.assign, state.load, state.w, state.w_floor, state.jobs_of, state.count, state.pos,
            state.best_assign, state.best, state.stall, 1, 5, 1, True, 2, 0, 4, True)  # fmt: skip
    return time.perf_counter() - started

"""Greedy ejection chains in the penalty search (planner.gap.local_search._eject, `depth`).

On type D toys: a pass of chains from a local minimum of the descent lowers the penalised
objective F by exactly what it says, keeps the per-agent job lists in step with the plan, and
finds chains the descent cannot (the descent's own moves are shifts, swaps and chains of two);
a search with chains files only feasible plans at their true cost.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_gap_relink import d_type, first_plan, loose

from planner.budget import Budget
from planner.gap.local_search import _descend, _eject, candidates, search, start_state, warm_up


@pytest.fixture(scope="module", autouse=True)
def _compiled() -> None:
    warm_up()


def penalised(dense, assign: np.ndarray, w: np.ndarray) -> float:  # type: ignore[no-untyped-def]
    excess = np.maximum(dense.loads(assign) - dense.capacity, 0)
    return dense.objective(assign) + float(w @ excess)


def test_chains_lower_f_and_keep_the_lists_in_step() -> None:
    applied_somewhere = 0
    for seed in range(8):
        dense = d_type(8, 80, seed=seed)
        cand = candidates(np.where(dense.eligible, dense.cost, np.inf), dense.eligible, 5)
        rng = np.random.default_rng(seed)
        w = rng.uniform(0.5, 2.0, size=dense.n_agents)
        state = start_state(dense, rng.integers(dense.n_agents, size=dense.n_jobs), w)
        cost = np.ascontiguousarray(dense.cost)
        weight = dense.weight.astype(float)
        capacity = dense.capacity.astype(float)
        order = np.arange(dense.n_jobs)
        args = (state.jobs_of, state.count, state.pos)
        _descend(cost, weight, capacity, cand, state.assign, state.load, w, *args, order, True)
        before = penalised(dense, state.assign, w)
        vload, chain_jobs, chain_to = state.load.copy(), np.zeros(6, np.int64), np.zeros(6, np.int64)
        applied = _eject(cost, weight, capacity, cand, state.assign, state.load, w, *args, order, 6,
                         vload, chain_jobs, chain_to)  # fmt: skip
        after = penalised(dense, state.assign, w)
        if applied:
            assert after < before - 1e-9  # every chain applied lowers F
            applied_somewhere += 1
        else:
            assert after == before
        assert np.allclose(state.load, dense.loads(state.assign))
        for i in range(dense.n_agents):
            held = state.jobs_of[i, : state.count[i]]
            assert sorted(held.tolist()) == np.flatnonzero(state.assign == i).tolist()
            assert all(state.pos[j] == k for k, j in enumerate(held.tolist()))
    assert applied_somewhere > 0  # local minima of the descent that a longer chain improves exist


@pytest.mark.parametrize("deep_repair", [False, True])
def test_search_with_chains_files_feasible_plans(deep_repair: bool) -> None:
    dense = loose(d_type(6, 60, seed=11))
    start = first_plan(dense)
    cand = candidates(np.where(dense.eligible, dense.cost, np.inf), dense.eligible, 4)
    state = start_state(dense, start, np.ones(dense.n_agents))
    seen: list[float] = []
    search(dense, state, cand, Budget(0.3), seed=3, give_up=50, depth=6, deep_repair=deep_repair,
           on_improve=seen.append)  # fmt: skip
    assert dense.is_feasible(state.best_assign)
    assert float(state.best[0]) == dense.objective(state.best_assign) < dense.objective(start)
    assert seen == sorted(seen, reverse=True)

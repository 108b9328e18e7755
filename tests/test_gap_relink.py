"""Path relinking over elite plans (planner.gap.relink) and the search's `adopt`.

Small generated GAPs: the relinker only ever files feasible plans on eligible pairs, each
cheaper than the last, and its pool holds distinct plans; a search that adopts a plan is
in the same state as one started from it.
"""

from __future__ import annotations

import numpy as np
import pytest

from planner.budget import Budget
from planner.gap.dense import DenseGap
from planner.gap.local_search import adopt, candidates, start_state, warm_up
from planner.gap.relink import Relinker


@pytest.fixture(scope="module", autouse=True)
def _compiled() -> None:
    warm_up()


def d_type(m: int, n: int, seed: int, sparse: bool = False) -> DenseGap:
    """A Chu-Beasley type D instance (cost falls as weight rises; capacities 80 % of the mean
    load), optionally with a third of the pairs ineligible (each job keeps at least two)."""
    rng = np.random.default_rng(seed)
    weight = rng.integers(1, 101, size=(m, n))
    cost = (111 - weight + rng.integers(-10, 11, size=(m, n))).astype(float)
    eligible = np.ones((m, n), dtype=bool)
    if sparse:
        eligible = rng.random((m, n)) > 0.33
        keep = np.argsort(rng.random((m, n)), axis=0)[:2]
        eligible[keep, np.arange(n)] = True
    # 80 % of the mean load per agent, counting each job once over its eligible agents.
    capacity = (0.8 * np.where(eligible, weight, 0).sum(axis=1) / eligible.sum(axis=0).mean()).astype(
        np.int64
    )
    weight = np.where(eligible, weight, capacity.max() + 1)
    cost = np.where(eligible, cost, np.inf)
    pair_of = np.where(eligible, np.arange(m * n).reshape(m, n), -1)
    return DenseGap(cost, weight.astype(np.int64), eligible, capacity, pair_of)


def first_plan(dense: DenseGap) -> np.ndarray:
    """A feasible plan by first fit in order of weight (the test instances leave room for it)."""
    n = dense.n_jobs
    load = np.zeros(dense.n_agents, dtype=np.int64)
    plan = np.full(n, -1, dtype=np.int64)
    for j in np.argsort(-dense.weight.min(axis=0)):
        for i in np.argsort(dense.weight[:, j]):
            if dense.eligible[i, j] and load[i] + dense.weight[i, j] <= dense.capacity[i]:
                plan[j], load[i] = i, load[i] + dense.weight[i, j]
                break
    assert (plan >= 0).all(), "test instance too tight for first fit"
    return plan


def loose(dense: DenseGap) -> DenseGap:
    """The same instance with 30 % more room, so that first fit finds a start."""
    return DenseGap(
        dense.cost, dense.weight, dense.eligible, (dense.capacity * 1.3).astype(np.int64), dense.pair_of
    )


@pytest.mark.parametrize("sparse", [False, True])
def test_relinker_files_only_better_feasible_plans(sparse: bool) -> None:
    dense = loose(d_type(6, 60, seed=3, sparse=sparse))
    start = first_plan(dense)
    cand = candidates(np.where(dense.eligible, dense.cost, np.inf), dense.eligible, 4)
    relinker = Relinker(dense, cand, np.ones(dense.n_agents), start, seed=1, pool_size=4, give_up=20)
    filed: list[tuple[float, np.ndarray]] = [(dense.objective(start), start.copy())]

    def on_improve(value: float, plan: np.ndarray) -> None:
        assert dense.is_feasible(plan)  # eligible pairs only, every capacity kept
        assert value == dense.objective(plan)
        assert value < filed[-1][0]
        filed.append((value, plan.copy()))

    relinker.run(Budget(0.5), lambda: filed[-1], on_improve)
    assert relinker.steps > 1
    assert len(filed) > 1  # first fit is far from a local optimum
    values = [v for v, _ in relinker.pool]
    assert len(relinker.pool) <= 4 and min(values) == filed[-1][0]
    for a in range(len(relinker.pool)):
        assert dense.is_feasible(relinker.pool[a][1])
        for b in range(a):
            assert not np.array_equal(relinker.pool[a][1], relinker.pool[b][1])


def test_relinker_without_a_plan_searches_from_its_start() -> None:
    dense = loose(d_type(5, 40, seed=4))
    cand = candidates(np.where(dense.eligible, dense.cost, np.inf), dense.eligible, 5)
    # The start overloads agent 0 (every job on it): the relinker must find a feasible plan itself.
    start = np.zeros(dense.n_jobs, dtype=np.int64)
    relinker = Relinker(dense, cand, np.ones(dense.n_agents), start, seed=2, give_up=20)
    found: list[float] = []

    def on_improve(value: float, plan: np.ndarray) -> None:
        assert dense.is_feasible(plan) and value == dense.objective(plan)
        found.append(value)

    relinker.run(Budget(0.3), lambda: (float("inf"), None), on_improve)
    assert found and found == sorted(found, reverse=True)


def test_adopt_matches_a_fresh_start() -> None:
    dense = loose(d_type(4, 30, seed=5))
    plan = first_plan(dense)
    state = start_state(dense, np.zeros(dense.n_jobs, dtype=np.int64), np.full(dense.n_agents, 2.0))
    adopt(dense, state, plan, dense.objective(plan))
    fresh = start_state(dense, plan, np.full(dense.n_agents, 2.0))
    assert np.array_equal(state.assign, plan) and np.array_equal(state.best_assign, plan)
    assert np.array_equal(state.load, fresh.load) and np.array_equal(state.count, fresh.count)
    for i in range(dense.n_agents):
        held = state.jobs_of[i, : state.count[i]]
        assert sorted(held.tolist()) == np.nonzero(plan == i)[0].tolist()
        assert all(state.pos[j] == k for k, j in enumerate(held.tolist()))
    assert state.best[0] == dense.objective(plan) and state.stall[0] == 0
    assert np.array_equal(state.w, np.full(dense.n_agents, 2.0))  # the weights carry over

"""The column pool's master (`planner.solvers.column_pool`) picks the best mix of managers' months:
on toys its plan costs what enumerating every mix of the pool's columns gives (at most one per
manager), every plan it returns keeps every rule, and the Lagrangian heuristic never returns a
plan worse than its start nor better than the toy's true optimum."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from toys import enumerated_optimum, options_toy

from planner.budget import Budget
from planner.cli.common import with_overrides
from planner.compile import compile_problem
from planner.context import Context
from planner.generator import REALISTIC_DEMAND_RATIO, WIDE_SPREAD_KM, generate
from planner.problem import AssignmentProblem
from planner.solvers import SolveOptions, shortfall
from planner.solvers.column_pool import ColumnPool, improve_by_columns
from planner.solvers.cpsat import satisfies
from planner.solvers.lp_bound import lp_bound
from planner.solvers.value_first import value_first


def _problem(unit, agent, cost, weight, capacity, unserved, level=None, upper=None) -> AssignmentProblem:
    n = len(unit)
    return AssignmentProblem(
        n_units=len(unserved),
        n_agents=len(capacity),
        pair_unit=np.array(unit, dtype=np.int64),
        pair_agent=np.array(agent, dtype=np.int64),
        pair_cost=np.array(cost, dtype=np.int64),
        pair_weight=np.array(weight, dtype=np.int64),
        capacity=np.array(capacity, dtype=np.int64),
        limit_names=("max_accounts",) if upper is not None else (),
        limit_use=np.ones((1, n), dtype=np.int64) if upper is not None else None,
        limit_upper=np.array([upper], dtype=np.int64) if upper is not None else None,
        unassigned_cost=np.array(unserved, dtype=np.int64),
        pair_level=None if level is None else np.array(level, dtype=np.int64),
    )


def test_the_master_moves_accounts_across_two_managers_at_once() -> None:
    """Manager 0 (100 h) holds key accounts K1 and K2 (40 h each); the strategic account S (60 h,
    unserved 1,000) only manager 0 may serve; manager 1 (100 h) holds K3 (40 h). Serving S needs
    K2 to move to manager 1 in the same step. The pool's columns are manager 0: {K1, K2} (the
    start), {S, K1}, {S}; manager 1: {K3}, {K2, K3}. Enumerating the 4 x 3 mixes: only
    {S, K1} + {K2, K3} serves all four accounts, cost 1 + 2 + 3 + 4 = 10; the start costs
    1,000 (S unserved) + 2 + 3 + 5 = 1,010."""
    S, K1, K2, K3 = 0, 1, 2, 3
    # pairs: 0 S@0, 1 K1@0, 2 K2@0, 3 K2@1, 4 K3@1
    problem = _problem(
        unit=[S, K1, K2, K2, K3],
        agent=[0, 0, 0, 1, 1],
        cost=[1, 2, 5, 3, 4],
        weight=[60, 40, 40, 40, 40],
        capacity=[100, 100],
        unserved=[1000, 300, 300, 300],
    )
    start = (np.array([-1, 0, 0, 1]), None)
    pool = ColumnPool(problem)
    assert pool.add_plan(start) == 2
    for agent, pairs in [(0, [0, 1]), (0, [0]), (1, [3, 4])]:
        assert pool.add(agent, np.array(pairs))
    assert not pool.add(0, np.array([0, 1, 2])), "140 h do not fit 100 h"
    assert not pool.add(1, np.array([4, 3])), "the same month twice is one column"
    assert not pool.add(1, np.array([4])), "the start's month is in already"
    found, reason = pool.master(Budget(10), start)
    assert reason == "optimal" and found is not None
    assert found[0].tolist() == [0, 0, 1, 1]
    assert problem.objective_of(*found) == 10 and satisfies(problem, *found)


@pytest.mark.parametrize("seed", range(8))
def test_the_master_finds_the_best_mix_of_a_random_pool(seed: int) -> None:
    """Every subset of each agent's options that fits goes in the pool; the master's optimum over
    mixes (at most one column per agent) is then the toy's optimum, which enumerating every plan
    gives: any plan is such a mix (its months), and every mix read back is a plan."""
    problem = options_toy(seed, balance=False)
    pool = ColumnPool(problem)
    for m in range(problem.n_agents):
        mine = np.nonzero(problem.pair_agent == m)[0].tolist()
        for k in range(1, len(mine) + 1):
            for subset in itertools.combinations(mine, k):
                pool.add(m, np.array(subset))  # sets breaking its hours, caps or one-per-unit are refused
    start = value_first(problem)
    assert start is not None
    found, reason = pool.master(Budget(20), start)
    assert reason == "optimal" and found is not None
    assert satisfies(problem, *found)
    assert problem.objective_of(*found) == enumerated_optimum(problem)


@pytest.mark.parametrize("seed", range(8))
def test_the_heuristic_keeps_every_rule_and_never_loses_its_start(seed: int) -> None:
    problem = options_toy(seed, balance=False)
    start = value_first(problem)
    assert start is not None
    relaxed = lp_bound(problem, Budget(5))
    assert relaxed.row_dual is not None
    outcome = improve_by_columns(problem, relaxed.row_dual, start, Budget(3))
    assert outcome.choice is not None and satisfies(problem, *outcome.choice)
    assert outcome.objective == problem.objective_of(*outcome.choice)
    assert enumerated_optimum(problem) <= outcome.objective <= problem.objective_of(*start)
    if outcome.bound is not None:
        assert outcome.bound <= enumerated_optimum(problem)


def test_the_shortfall_regions_use_the_pool_and_keep_every_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    """The path of the large regions (HiGHS not tried on the whole region, no neighbourhood
    rounds or pairs, so the pool gets the region's time) on a small over-subscribed generated set: the
    pool runs, and the plan keeps every rule, scores as the problem scores it, and its bound
    stays below it."""
    ds = generate(
        300,
        10,
        seed=7,
        demand_ratio=REALISTIC_DEMAND_RATIO,
        spread_km=WIDE_SPREAD_KM,
        managers_in_big_cities=True,
    )
    problem = compile_problem(
        Context.build(with_overrides(ds, allow_unassigned=True, utilisation_band=None))
    ).problem
    calls: list[float] = []
    real = shortfall.improve_by_columns

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        outcome = real(*args, **kwargs)
        calls.append(outcome.objective)
        return outcome

    monkeypatch.setattr(shortfall, "improve_by_columns", spy)
    monkeypatch.setattr(shortfall, "COLUMN_POOL_MIN_PAIRS", 0)
    monkeypatch.setattr(shortfall, "SMALL_PART_PAIRS", 0)
    monkeypatch.setattr(shortfall, "RINS_ROUNDS", ())
    # Nor two managers at a time (`agent_lns`), which would take the rest of the region's time.
    monkeypatch.setattr(shortfall, "improve_by_pairs", lambda problem, start, budget, seed=0: start)
    result = shortfall.ShortfallSolver().solve(
        problem, SolveOptions(time_limit_seconds=6.0, threads=2, seed=0)
    )
    assert result.statistics.get("parts", 0) >= 2 and calls
    assert result.unit_agent is not None and satisfies(problem, result.unit_agent, result.unit_level)
    assert result.objective == problem.objective_of(result.unit_agent, result.unit_level)
    assert result.bound is not None and 0 <= result.bound <= result.objective

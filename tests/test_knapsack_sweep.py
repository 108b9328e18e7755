"""The per-agent knapsack of the shortfall search: exact on small cases, and a sweep never makes
a plan worse or breaks a rule."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from toys import acc, context, mgr

from planner.budget import Budget
from planner.compile import compile_problem
from planner.solvers.cpsat import satisfies
from planner.solvers.knapsack_sweep import KnapsackSweep, _knapsack, polish
from planner.solvers.value_first import value_first


def brute_force(groups: list[list[tuple[int, int]]], cap: int) -> int:
    """Best profit with at most one (weight, profit) option per group, total weight <= cap."""
    best = 0
    for pick in itertools.product(*[[None, *g] for g in groups]):
        chosen = [o for o in pick if o is not None]
        if sum(w for w, _ in chosen) <= cap:
            best = max(best, sum(p for _, p in chosen))
    return best


@pytest.mark.parametrize("seed", range(25))
def test_the_knapsack_is_exact_against_enumeration(seed: int) -> None:
    rng = np.random.default_rng(seed)
    groups = [
        [(int(rng.integers(1, 12)), int(rng.integers(-5, 40))) for _ in range(int(rng.integers(1, 4)))]
        for _ in range(int(rng.integers(1, 7)))
    ]
    cap = int(rng.integers(0, 30))
    weight = np.array([w for g in groups for w, _ in g], dtype=np.int64)
    profit = np.array([p for g in groups for _, p in g], dtype=np.int64)
    starts = np.cumsum([0] + [len(g) for g in groups]).astype(np.int64)
    picked = _knapsack(starts, weight, profit, cap)
    taken = picked[picked >= 0]
    # At most one option per group, within the capacity, as good as the best of all subsets.
    assert all(starts[g] <= o < starts[g + 1] for g, o in enumerate(picked) if o >= 0)
    assert weight[taken].sum() <= cap
    assert profit[taken].sum() == brute_force(groups, cap)


def test_a_manager_trades_two_standard_accounts_for_a_key_account() -> None:
    # M1 has 3 h. The start gives it A1 and A2 (0.5 h each) and leaves K1 (3 h) unserved: a valid
    # plan, but K1's lost service (3 h x 100 x 10 x (1 + v/100) >= 3,000 points) outweighs the
    # standard ones' (2 x 0.5 h x 100 x 2 <= 200 points). M1's knapsack takes K1 alone.
    ctx = context([mgr("M1", 3.0)], [acc("K1", tier="key"), acc("A1"), acc("A2")], allow_unassigned=True)
    problem = compile_problem(ctx).problem
    units = {ctx.account_ids[g[0]]: u for u, g in enumerate(ctx.groups)}
    unit_agent = np.full(problem.n_units, -1, dtype=np.int64)
    unit_agent[[units["A1"], units["A2"]]] = 0
    start = (unit_agent, np.zeros(problem.n_units, dtype=np.int64))
    assert satisfies(problem, *start)
    better = polish(problem, start, Budget(5.0))
    assert better is not None and satisfies(problem, *better)
    assert better[0][units["K1"]] == 0 and better[1] is not None and better[1][units["K1"]] == 0
    assert problem.objective_of(*better) < problem.objective_of(*start)


def test_sweeps_keep_every_rule_and_never_make_a_plan_worse() -> None:
    from test_shortfall import scarce

    from planner.context import Context

    problem = compile_problem(Context.build(scarce(400, 12, seed=3, capacity_share=0.6))).problem
    assert KnapsackSweep.applies(problem)
    start = value_first(problem)
    before = problem.objective_of(*start)
    sweep = KnapsackSweep(problem)
    after = sweep.improve(problem.pair_index(*start), Budget(10.0))
    choice = problem.read_choice(after[after >= 0])
    assert satisfies(problem, *choice)
    assert problem.objective_of(*choice) <= before

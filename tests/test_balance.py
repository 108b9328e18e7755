"""The balance repair of the split backend (`planner.solvers.balance.lift_minimum`)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from toys import acc, context, mgr, weights

from planner.compile import compile_problem
from planner.solvers.balance import lift_minimum
from planner.solvers.cpsat import satisfies


def test_idle_manager_is_lifted_when_balance_pays_for_the_moves() -> None:
    # A holds all 4 accounts (2 h of 10 h: 20 %), B holds none (0 %): spread 200 per mille.
    # Moving 2 accounts to B gives 10 % each: spread 0 saves 200 x 10 cp, 2 moves cost 2 x 500 cp.
    ctx = context(
        [mgr("A", capacity_hours=10), mgr("B", capacity_hours=10)],
        [acc(f"a{i}", current_manager_id="A") for i in range(4)],
        weights=weights(balance=100.0, move=0.1),
    )
    problem = compile_problem(ctx).problem
    start = problem.hint
    assert start is not None and (start == 0).all()
    lifted = lift_minimum(problem, start)
    assert satisfies(problem, lifted)
    assert problem.objective_of(lifted) < problem.objective_of(start)
    assert sorted(np.bincount(lifted, minlength=2).tolist()) == [2, 2]


def test_no_lift_when_moves_cost_more_than_balance_saves() -> None:
    ctx = context(
        [mgr("A", capacity_hours=10), mgr("B", capacity_hours=10)],
        [acc(f"a{i}", current_manager_id="A") for i in range(4)],
        weights=weights(balance=0.01, move=50.0),
    )
    problem = compile_problem(ctx).problem
    assert problem.hint is not None
    assert (lift_minimum(problem, problem.hint) == problem.hint).all()


@settings(max_examples=40, deadline=None, derandomize=True)
@given(
    caps=st.lists(st.sampled_from([1.0, 2.0, 5.0]), min_size=2, max_size=4),
    owners=st.lists(st.integers(0, 3), min_size=1, max_size=10),
    balance=st.sampled_from([0.5, 5.0, 50.0]),
    budget=st.sampled_from([None, 0, 2]),
)
def test_lift_never_returns_a_worse_or_invalid_plan(caps, owners, balance, budget) -> None:  # type: ignore[no-untyped-def]
    n = len(caps)
    ctx = context(
        [mgr(f"M{j}", capacity_hours=c) for j, c in enumerate(caps)],
        [acc(f"A{i}", current_manager_id=f"M{o % n}") for i, o in enumerate(owners)],
        weights=weights(balance=balance),
        max_moves=budget,
    )
    problem = compile_problem(ctx).problem
    assert problem.hint is not None
    if not satisfies(problem, problem.hint):
        return  # a start over capacity is not the balance repair's input
    lifted = lift_minimum(problem, problem.hint)
    assert satisfies(problem, lifted)
    assert problem.objective_of(lifted) <= problem.objective_of(problem.hint)

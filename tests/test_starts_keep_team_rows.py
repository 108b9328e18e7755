"""The construction and the value-first start keep account teams' exclusive rows (one person, one
role on an account). A person who holds two roles is often the cheapest for both slots of an
account they live next to; before, both starts gave them both, so CP-SAT and CBC got no valid
start on team data and `auto` at 2 s answered with no plan."""

from __future__ import annotations

import pytest

from benchmarks.teams import with_support  # the benchmark's team data: 1 in 10 managers also support
from planner.budget import Budget
from planner.compile import compile_problem
from planner.context import Context
from planner.generator import generate
from planner.solvers.construct import construct_choice
from planner.solvers.cpsat import satisfies
from planner.solvers.value_first import value_first


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_both_starts_are_valid_plans_on_team_data(seed: int) -> None:
    problem = compile_problem(Context.build(with_support(generate(400, 15, seed=seed), 6, 4, seed))).problem
    assert problem.has_exclusive  # the data do have people who may hold two roles on one account
    for start in (value_first(problem, budget=Budget(30.0)), construct_choice(problem, budget=Budget(30.0))):
        agent, level = start
        pairs = problem.pair_index(agent, level)
        assert problem.exclusive_hold(pairs[pairs >= 0])
        assert satisfies(problem, agent, level)
        assert (agent >= 0).mean() > 0.5  # and they place most units, not an empty plan

"""Two managers at a time (`planner.solvers.agent_lns`): a re-pack keeps every rule, never makes a
plan worse, and with two managers reaches the optimum."""

from __future__ import annotations

import numpy as np
from toys import acc, context, mgr

from planner.budget import Budget
from planner.compile import compile_problem
from planner.solvers.agent_lns import improve_by_pairs
from planner.solvers.cpsat import satisfies
from planner.solvers.decompose import components
from planner.solvers.shortfall import _region
from planner.solvers.value_first import value_first


def test_two_managers_repack_to_the_optimum() -> None:
    # M1 has 3 h, M2 1 h. The start gives M1 the standard accounts A1 and A2 (0.5 h each) and
    # leaves the key account K1 (3 h, so only M1 can hold it) unserved. K1's lost service (at
    # least 3,000 points, see test_knapsack_sweep) outweighs a standard one's (at most 100), so
    # the optimum is K1 on M1 and one of A1, A2 on M2 (the other unserved): the one pair of
    # managers is the whole problem, which HiGHS proves, so the result is that optimum.
    ctx = context(
        [mgr("M1", 3.0), mgr("M2", 0.5)], [acc("K1", tier="key"), acc("A1"), acc("A2")], allow_unassigned=True
    )
    problem = compile_problem(ctx).problem
    units = {ctx.account_ids[g[0]]: u for u, g in enumerate(ctx.groups)}
    agents = {name: k for k, name in enumerate(ctx.manager_ids)}
    unit_agent = np.full(problem.n_units, -1, dtype=np.int64)
    unit_agent[[units["A1"], units["A2"]]] = agents["M1"]
    start = (unit_agent, np.zeros(problem.n_units, dtype=np.int64))
    assert satisfies(problem, *start)
    better = improve_by_pairs(problem, start, Budget(5.0))
    assert satisfies(problem, *better)
    assert better[0][units["K1"]] == agents["M1"]
    assert better[1] is not None and better[1][units["K1"]] == 0  # in full
    assert sorted(better[0][[units["A1"], units["A2"]]].tolist()) == [-1, agents["M2"]]


def test_pairs_keep_every_rule_and_never_make_a_plan_worse() -> None:
    from test_shortfall import scarce

    from planner.context import Context

    problem = compile_problem(Context.build(scarce(400, 12, seed=3, capacity_share=0.6))).problem
    improved = 0
    for units, agents in components(problem):
        if agents.size < 2:
            continue
        region = _region(problem, units, agents)
        start = value_first(region)
        found = improve_by_pairs(region, start, Budget(1.0), seed=1)
        assert satisfies(region, *found)
        assert region.objective_of(*found) <= region.objective_of(*start)
        improved += region.objective_of(*found) < region.objective_of(*start)
    # Value first leaves room for better packings on scarce data: pairs find some.
    assert improved >= 1

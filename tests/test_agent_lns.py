"""Two managers at a time (`planner.solvers.agent_lns`): a re-pack keeps every rule, never makes a
plan worse, and with two managers reaches the optimum."""

from __future__ import annotations

import numpy as np
from toys import acc, context, mgr

from planner.budget import Budget
from planner.compile import compile_problem
from planner.solvers.agent_lns import improve_by_pairs
from planner.solvers.cpsat import satisfies
from planner.solvers.decompose import components, local_plan
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


def test_late_pairs_improve_the_regions_furthest_from_their_bounds_and_leave_the_rest() -> None:
    from test_shortfall import scarce

    from planner.context import Context
    from planner.solvers.shortfall import _late_pairs
    from planner.solvers.value_first import value_first

    problem = compile_problem(Context.build(scarce(400, 12, seed=3, capacity_share=0.6))).problem
    parts = [(u, a) for u, a in components(problem) if u.size and a.size >= 2]
    assert len(parts) >= 3
    # Each region's bound is 0 here: the ranking takes the regions with the largest objectives.
    part_bounds = {k: (0.0, _region(problem, u, a), None) for k, (u, a) in enumerate(parts)}
    start = value_first(problem)
    found = _late_pairs(problem, parts, part_bounds, start, Budget(3.0), workers=2)
    assert found is not None and satisfies(problem, *found)
    # Value first leaves room on these regions (see above): the pairs find some of it.
    assert problem.objective_of(*found) < problem.objective_of(*start)
    # Only the two regions furthest above their bounds moved.
    worth = sorted(
        (part_bounds[k][1].objective_of(*_local(problem, u, a, start)), k) for k, (u, a) in enumerate(parts)
    )
    kept = [k for _, k in worth[:-2]]
    for k in kept:
        units, _ = parts[k]
        assert (found[0][units] == start[0][units]).all()


def _local(problem, units, agents, choice):  # type: ignore[no-untyped-def]
    level = None if choice[1] is None else choice[1][units]
    return local_plan(choice[0], units, agents, problem.n_agents), level


def test_the_shortfall_solver_returns_no_plan_worse_than_its_given_start() -> None:
    from dataclasses import replace

    from test_shortfall import scarce

    from planner.context import Context
    from planner.solvers.base import SolveOptions
    from planner.solvers.shortfall import ShortfallSolver

    problem = compile_problem(Context.build(scarce(200, 6, seed=3, capacity_share=0.6))).problem
    given = improve_by_pairs(problem, value_first(problem), Budget(2.0))
    # A limit too short for the solver's own search to reach the given plan's quality.
    result = ShortfallSolver().solve(
        replace(problem, hint=given[0], hint_level=given[1]), SolveOptions(time_limit_seconds=0.3, threads=1)
    )
    assert result.objective is not None and result.objective <= problem.objective_of(*given)

"""The capacity bound from the pairs alone (planner.gap.pair_bound) and the engine's side path.

Never above the optimum (toys with every plan enumerated: service levels, unserved units, named
limits, balance), exact where the relaxation is (a two-unit toy), close to the optimum on a C
file, and carried by the engine's CP-SAT path as the plan's bound.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from toys import enumerated_optimum, options_toy

from planner.gap.pair_bound import pair_bound
from planner.problem import AssignmentProblem
from planner.solvers.base import SolveOptions, Status
from planner.solvers.gap_engine import GapEngineSolver, side_constraints


def two_units() -> AssignmentProblem:
    """Both units cost 0 on agent 0, 5 and 7 on agent 1; agent 0 holds one of them. So one unit
    moves to agent 1 and the optimum is 5. The LP (and the best multiplier, 0.5 on agent 0:
    5 + 5 - 5) gives 5 as well."""
    return AssignmentProblem(
        n_units=2,
        n_agents=2,
        pair_unit=np.array([0, 0, 1, 1]),
        pair_agent=np.array([0, 1, 0, 1]),
        pair_cost=np.array([0, 5, 0, 7]),
        pair_weight=np.array([10, 10, 10, 10]),
        capacity=np.array([10, 10]),
    )


def test_bound_is_exact_where_the_relaxation_is() -> None:
    assert pair_bound(two_units(), 1.0) == 5
    assert pair_bound(two_units(), 1.0, upper=5) == 5


@pytest.mark.parametrize("seed", range(30))
def test_bound_never_above_the_enumerated_optimum(seed: int) -> None:
    # Levels, unserved units at a price, account caps and (odd seeds) balance: all dropped or
    # bounded from below, so the bound holds for every one of these toys.
    problem = options_toy(seed)
    bound = pair_bound(problem, 1.0)
    assert bound is not None and bound <= enumerated_optimum(problem)


def test_no_bound_without_a_plan_or_with_a_negative_term() -> None:
    problem = two_units()
    orphan = replace(problem, n_units=3)  # unit 2 has no pair and must be served
    assert pair_bound(orphan, 1.0) is None
    # Left unserved at 40 it is part of every plan's cost.
    assert pair_bound(replace(orphan, unassigned_cost=np.array([100, 100, 40])), 1.0) == 45
    negative = replace(problem, balance_coef=-1, balance_agents=np.ones(2, dtype=bool))
    assert pair_bound(negative, 1.0) is None


def test_bound_on_a_c_file_is_close_to_the_optimum() -> None:
    from test_gap import DATA, data_file

    from planner.bench.gap_instance import read_best_known, read_gap_file

    (inst,) = read_gap_file(data_file("yagiura", "c10400"))
    optimum = read_best_known(DATA / "best_known.csv")[("c10400", "min")]  # proven
    bound = pair_bound(inst.to_problem(), 2.0, upper=optimum)
    # The LP bound of c10400 is within 0.2 % of its optimum; the steps get within 1 %.
    assert bound is not None and 0.99 * optimum <= bound <= optimum


def test_engine_side_path_carries_the_bound() -> None:
    # A move budget sends the engine to CP-SAT, which here proves the optimum itself; the pairs'
    # bound is computed first and recorded, and the result's bound is the larger of the two.
    problem = replace(two_units(), pair_moves=np.array([0, 1, 0, 1]), max_moves=1, hint=np.array([0, 1]))
    assert side_constraints(problem) == ["max_moves"]
    result = GapEngineSolver().solve(problem, SolveOptions(time_limit_seconds=2.0, threads=1, seed=0))
    assert result.status == Status.OPTIMAL and result.objective == 5 and result.bound == 5
    assert isinstance(result.statistics["pair_bound"], int) and result.statistics["pair_bound"] == 5

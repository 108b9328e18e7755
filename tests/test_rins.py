"""The neighbourhood MIP around the LP relaxation (`planner.solvers.rins`)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from planner.compile import compile_problem
from planner.context import Context
from planner.generator import generate
from planner.problem import AssignmentProblem
from planner.solvers.base import SolveOptions
from planner.solvers.construct import construct
from planner.solvers.cpsat import CpSatSolver, satisfies
from planner.solvers.lp_bound import lp_bound
from planner.solvers.rins import improve, neighbourhood


@pytest.fixture(scope="module")
def problem() -> AssignmentProblem:
    # The full-service model: these tests are about the neighbourhood, not the shortfall options.
    return compile_problem(Context.build(generate(400, 16, seed=3)), allow_unassigned=False).problem


def test_neighbourhood_keeps_every_units_own_pair_and_frees_only_where_the_lp_disagrees(
    problem: AssignmentProblem,
) -> None:
    plan = construct(problem)
    lp = lp_bound(problem, 30.0)
    assert lp.x is not None and lp.reduced_cost is not None
    keep = neighbourhood(problem, plan, lp.x)
    own = problem.pair_index(plan)
    assert keep[own].all()
    agree = lp.x[own] > 1 - 1e-6
    per_unit = np.bincount(problem.pair_unit[keep], minlength=problem.n_units)
    assert (per_unit[agree] == 1).all()  # units the LP puts wholly on their agent stay
    wider = neighbourhood(problem, plan, lp.x, lp.reduced_cost, extra=2)
    assert (wider >= keep).all()
    assert (np.bincount(problem.pair_unit[wider], minlength=problem.n_units)[~agree] >= 2).all()


def test_the_neighbourhood_mip_finds_the_optimum_of_its_neighbourhood(problem: AssignmentProblem) -> None:
    # Without the balance term the objective is linear, so HiGHS' optimum of the first round's
    # neighbourhood must equal CP-SAT's optimum of the same restricted problem.
    linear = replace(problem, balance_coef=0)
    plan = construct(linear)
    lp = lp_bound(linear, 30.0)
    keep = neighbourhood(linear, plan, lp.x)  # type: ignore[arg-type]
    out = improve(linear, plan, replace(lp, reduced_cost=None), 30.0)
    assert out.rounds and out.rounds[0].reason == "optimal"
    exact = CpSatSolver().solve(
        replace(linear, hint=plan).with_pairs(keep), SolveOptions(time_limit_seconds=30.0, threads=2)
    )
    assert exact.status.value == "optimal"
    assert out.rounds[0].objective == exact.objective
    assert satisfies(linear, out.plan)
    assert out.objective == linear.objective_of(out.plan) <= linear.objective_of(plan)


def test_improve_never_returns_a_worse_or_invalid_plan(problem: AssignmentProblem) -> None:
    lp = lp_bound(problem, 30.0)
    rng = np.random.default_rng(0)
    start = construct(problem)
    assert satisfies(problem, start)
    for _ in range(4):
        out = improve(problem, start, lp, 20.0)
        assert satisfies(problem, out.plan)
        assert out.objective == problem.objective_of(out.plan) <= problem.objective_of(start)
        # Next start: the result with a few random units sent to another of their agents.
        moved = rng.choice(problem.n_units, size=8, replace=False)
        start = out.plan.copy()
        for u in moved:
            start[u] = rng.choice(problem.pair_agent[problem.pair_unit == u])
        if not satisfies(problem, start):
            # From an invalid start: a valid plan or none (objective inf), never an invalid one.
            alone = improve(problem, start, lp, 5.0)
            assert np.isinf(alone.objective) or satisfies(problem, alone.plan)
            free = np.zeros(problem.n_units, dtype=bool)
            free[moved] = True
            free[np.isin(out.plan, start[moved])] = True  # and every unit of the agents they joined
            start = improve(problem, start, lp, 20.0, free_units=free).plan
            assert satisfies(problem, start)


def test_a_region_left_without_a_plan_is_rebuilt_from_the_lp(problem: AssignmentProblem) -> None:
    lp = lp_bound(problem, 30.0)
    plan = construct(problem)
    assert satisfies(problem, plan)
    # A region whose heuristic found nothing: every unit of one agent's region unassigned.
    region = np.zeros(problem.n_units, dtype=bool)
    region[problem.pair_unit[problem.pair_agent == 0]] = True
    broken = np.where(region, -1, plan)
    assert not satisfies(problem, broken)
    out = improve(problem, broken, lp, 30.0, free_units=region)
    assert np.isfinite(out.objective)
    assert satisfies(problem, out.plan)
    assert (out.plan[~region] >= 0).all()

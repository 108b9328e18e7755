"""The default backend on a problem large enough to split (`planner.solvers.decomposed`): the
parts, the LP bound, the neighbourhood MIP around the LP, and the mending of a region whose
heuristic found nothing."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from planner.compile import compile_problem
from planner.context import Context
from planner.evaluate import evaluate
from planner.generator import generate
from planner.solvers.base import SolveOptions, SolveResult, Status
from planner.solvers.cpsat import CpSatSolver, satisfies
from planner.solvers.decomposed import SPLIT_MIN_PAIRS, DecomposedSolver
from planner.solvers.lp_bound import lp_bound

OPTIONS = SolveOptions(time_limit_seconds=10.0, threads=2, seed=1)


@pytest.fixture(scope="module")
def compiled():  # type: ignore[no-untyped-def]
    ctx = Context.build(generate(2000, 60, seed=11))
    return ctx, compile_problem(ctx)


def _check(ctx, compiled, result: SolveResult) -> None:  # type: ignore[no-untyped-def]
    problem = compiled.problem
    assert result.status in (Status.FEASIBLE, Status.OPTIMAL)
    assert result.unit_agent is not None and satisfies(problem, result.unit_agent)
    assert result.objective == problem.objective_of(result.unit_agent)
    # The evaluator, the source of truth, scores the plan the same and finds it clean.
    ev = evaluate(ctx, compiled.to_plan(result.unit_agent))
    assert ev.objective_cp == round(result.objective) and not ev.violations
    # An honest bound: never above the plan, never below the LP relaxation it claims to use.
    lp = lp_bound(problem, 30.0).bound
    assert lp is not None and result.bound is not None
    assert lp <= result.bound <= result.objective


def test_a_split_solve_uses_the_parts_the_lp_and_its_neighbourhood(compiled) -> None:  # type: ignore[no-untyped-def]
    ctx, comp = compiled
    assert comp.problem.n_pairs >= SPLIT_MIN_PAIRS
    result = DecomposedSolver().solve(comp.problem, OPTIONS)
    _check(ctx, comp, result)
    stats = result.statistics
    assert int(stats["parts"]) >= 2 and stats["lp_bound"] != "none"
    assert int(stats["rins_rounds"]) >= 1


def test_regions_whose_heuristic_found_nothing_are_rebuilt(compiled, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Every part's engine, its CP-SAT fallback, the construction and the final CP-SAT polish
    come back empty (a loaded machine, a tiny share): only the neighbourhood MIP around the LP
    is left to rebuild the regions, and the plan must still be valid."""
    ctx, comp = compiled
    solver = DecomposedSolver()

    def nothing(problem, options):  # type: ignore[no-untyped-def]
        return SolveResult(Status.TIMEOUT, "stub", None, None, None, options.time_limit_seconds)

    def unplaced(problem, **_):  # type: ignore[no-untyped-def]
        return np.full(problem.n_units, -1, dtype=np.int64)

    monkeypatch.setattr(solver, "_solve_part", nothing)
    monkeypatch.setattr(CpSatSolver, "solve", lambda self, problem, options: nothing(problem, options))
    monkeypatch.setattr("planner.solvers.decomposed.construct", unplaced)
    result = solver.solve(replace(comp.problem, hint=None), OPTIONS)
    _check(ctx, comp, result)
    assert int(result.statistics["rins_rounds"]) >= 1

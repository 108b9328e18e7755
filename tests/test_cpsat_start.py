"""The CP-SAT backend never returns a plan worse than the valid start it was given."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from toys import OPTIONS, acc, context, mgr

from planner.compile import compile_problem
from planner.solvers import cpsat
from planner.solvers.base import SolveResult, Status
from planner.solvers.cpsat import CpSatSolver, satisfies


def test_a_better_start_than_the_search_found_is_returned(monkeypatch: pytest.MonkeyPatch) -> None:
    # Two standard accounts, one manager with room for both: serving both is the optimum.
    # The search is made to come back with a worse plan (both unserved), as CP-SAT does when it
    # drops a hint it cannot complete; the backend must return the start instead, not optimal.
    ctx = context([mgr("M1", 3.0)], [acc("A1"), acc("A2")], allow_unassigned=True)
    problem = compile_problem(ctx).problem
    start = np.zeros(problem.n_units, dtype=np.int64)
    level = np.zeros(problem.n_units, dtype=np.int64)
    assert satisfies(problem, start, level)
    hinted = replace(problem, hint=start, hint_level=level)
    worse = np.full(problem.n_units, -1, dtype=np.int64)
    worse_objective = float(problem.objective_of(worse, level))
    assert worse_objective > problem.objective_of(start, level)

    def search(self, problem, options, begun):  # type: ignore[no-untyped-def]
        return SolveResult(
            Status.FEASIBLE, "cpsat", worse, worse_objective, 0.0, 0.1, unit_level=level.copy()
        )

    monkeypatch.setattr(CpSatSolver, "_solve_once", search)
    result = CpSatSolver().solve(hinted, OPTIONS)
    assert result.status == Status.FEASIBLE
    assert result.objective == problem.objective_of(start, level)
    assert result.unit_agent is not None and (result.unit_agent == start).all()
    assert result.bound == 0.0


def test_a_search_at_least_as_good_as_its_start_is_kept() -> None:
    ctx = context([mgr("M1", 3.0)], [acc("A1"), acc("A2")], allow_unassigned=True)
    problem = compile_problem(ctx).problem
    unserved = np.full(problem.n_units, -1, dtype=np.int64)
    level = np.zeros(problem.n_units, dtype=np.int64)
    result = CpSatSolver().solve(replace(problem, hint=unserved, hint_level=level), OPTIONS)
    assert result.status == Status.OPTIMAL
    assert result.objective is not None and result.objective < problem.objective_of(unserved, level)
    hinted = replace(problem, hint=unserved, hint_level=level)
    assert cpsat._hint_beats(hinted, cpsat.given_start(hinted), result) is False


def test_a_replan_under_scarcity_keeps_its_own_start_when_it_beats_value_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Short of hours, the CP-SAT backend plans the options model from a start. It used to be
    # value first whatever start the caller gave (today's plan in a re-plan): here the caller's
    # start is value first improved by pairs of managers, and CP-SAT must get it as its hint.
    from test_shortfall import scarce

    from planner.budget import Budget
    from planner.context import Context
    from planner.solvers import SOLVERS, SolveOptions
    from planner.solvers.agent_lns import improve_by_pairs
    from planner.solvers.value_first import value_first

    problem = compile_problem(Context.build(scarce(200, 6, seed=3, capacity_share=0.6))).problem
    given = improve_by_pairs(problem, value_first(problem), Budget(2.0))
    assert problem.objective_of(*given) < problem.objective_of(*value_first(problem))
    hints: list[np.ndarray] = []
    real = CpSatSolver.solve

    def spy(self, problem, options):  # type: ignore[no-untyped-def]
        hints.append(problem.hint)
        return real(self, problem, options)

    monkeypatch.setattr(CpSatSolver, "solve", spy)
    start = replace(problem, hint=given[0], hint_level=given[1])
    result = SOLVERS["cpsat"].solve(start, SolveOptions(time_limit_seconds=3.0, threads=1, seed=0))
    assert hints and (hints[-1] == given[0]).all()
    assert result.objective is not None and result.objective <= problem.objective_of(*given)

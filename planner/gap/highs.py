"""HiGHS (the copy bundled in OR-Tools, via MathOpt) on the textbook assignment model.

    min sum_p cost[p] x[p]
    s.t. sum_{p of unit u} x[p] = 1             for every unit u
         sum_{p of agent m} weight[p] x[p] <= capacity[m]   for every agent m,  x binary.

The model goes in as the MathOpt `ModelProto` of the one model definition
(`solvers.lp_bound.relaxation_proto`, which on a plain GAP has exactly the rows above), filled
from numpy arrays: building 100,000+ variables through the Python expression API costs more
than the solve itself. The separate
`highspy` package must not be imported next to OR-Tools (clashing symbols crash the process).
HiGHS' solve releases the GIL, so the engine runs it in a thread beside its local search.

A complete feasible assignment can go in as a MathOpt solution hint: MathOpt hands it to
HiGHS as a starting solution (measured with OR-Tools 9.15: a 0.3 s solve of d10100 reports
the hint's value as its primal bound, 6,906 without it), so HiGHS prunes against our
incumbent from its first node instead of searching for one of its own.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from ortools.math_opt.python import mathopt
from ortools.util.python.solve_interrupter import SolveInterrupter

from planner.budget import Budget
from planner.linear_model import relaxation_proto
from planner.problem import AssignmentProblem


@dataclass(frozen=True)
class HighsOutcome:
    unit_agent: np.ndarray | None  # (U,) agent per unit when a solution was found
    objective: float | None
    bound: float | None  # HiGHS' dual bound, when finite
    optimal: bool
    infeasible: bool
    reason: str
    seconds: float


def solve_highs(
    problem: AssignmentProblem,
    limit: Budget | float,
    seed: int = 0,
    interrupter: SolveInterrupter | None = None,
    exact_gap: bool = True,
    hint: np.ndarray | None = None,
) -> HighsOutcome:
    """With `exact_gap`, HiGHS stops only when the gap is below one unit of the (integer)
    objective; its default relative gap of 1e-4 would let it call a solution 10 units off
    at 100,000 "optimal". The peers keep HiGHS' defaults, as a user would.

    `hint` (agent per unit, every unit on one of its pairs) becomes a solution hint with a
    value for every variable, so HiGHS need not complete a partial one. `limit` is a budget
    (its cancellation interrupts HiGHS) or seconds."""
    start = time.perf_counter()
    budget = Budget.of(limit)
    model = mathopt.Model.from_model_proto(relaxation_proto(problem, integer=True))
    model_params = None
    if hint is not None:
        chosen = (hint[problem.pair_unit] == problem.pair_agent).astype(float).tolist()
        values = dict(zip(model.variables(), chosen, strict=True))
        model_params = mathopt.ModelSolveParameters(solution_hints=[mathopt.SolutionHint(values)])
    params = mathopt.SolveParameters(
        time_limit=timedelta(seconds=budget.limit_seconds()), random_seed=int(seed)
    )
    if exact_gap:
        params.relative_gap_tolerance = 0.0
        params.absolute_gap_tolerance = 0.5
    with budget.interrupter(interrupter) as stop:
        result = mathopt.solve(
            model, mathopt.SolverType.HIGHS, params=params, model_params=model_params, interrupter=stop
        )
    reason = result.termination.reason
    dual = result.termination.objective_bounds.dual_bound
    bound = float(dual) if math.isfinite(dual) else None
    unit_agent = objective = None
    if result.has_primal_feasible_solution():
        values = result.variable_values()
        x = np.array([values[v] for v in model.variables()]) > 0.5
        unit_agent = np.full(problem.n_units, -1, dtype=np.int64)
        unit_agent[problem.pair_unit[x]] = problem.pair_agent[x]
        # Recomputed from the plan, not HiGHS' float objective.
        objective = float(problem.pair_cost[x].sum())
    return HighsOutcome(
        unit_agent,
        objective,
        bound,
        optimal=reason == mathopt.TerminationReason.OPTIMAL,
        infeasible=reason == mathopt.TerminationReason.INFEASIBLE,
        reason=str(reason),
        seconds=time.perf_counter() - start,
    )

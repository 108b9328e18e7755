"""The textbook GAP model on two general-purpose solvers, for comparison with the engine.

Both solve `planner.gap.instance`'s model as written (x[i][j] binary, one agent per job,
a knapsack per agent) with no GAP-specific help:
- "cpsat": the planner's own CP-SAT backend (`planner.solvers.cpsat`), which is exactly
  that model for a problem without side constraints;
- "highs": HiGHS as bundled inside OR-Tools, through MathOpt. The model goes in as a
  MathOpt `ModelProto` filled from numpy arrays, because building 100,000+ variables
  through the Python expression API costs more than the solve itself. (Importing the
  separate `highspy` package next to OR-Tools crashes on clashing symbols.)
"""

from __future__ import annotations

import math
import time
from datetime import timedelta

import numpy as np
from ortools.math_opt import model_pb2
from ortools.math_opt.python import mathopt

from planner.problem import AssignmentProblem
from planner.solvers.base import SolveOptions, SolveResult, Status
from planner.solvers.cpsat import CpSatSolver


def cpsat_peer(problem: AssignmentProblem, options: SolveOptions) -> SolveResult:
    return CpSatSolver().solve(problem, options)


def _textbook_proto(problem: AssignmentProblem) -> model_pb2.ModelProto:
    proto = model_pb2.ModelProto(name="gap")
    P, U, M = problem.n_pairs, problem.n_units, problem.n_agents
    ids = list(range(P))
    proto.variables.ids.extend(ids)
    proto.variables.lower_bounds.extend([0.0] * P)
    proto.variables.upper_bounds.extend([1.0] * P)
    proto.variables.integers.extend([True] * P)
    proto.objective.linear_coefficients.ids.extend(ids)
    proto.objective.linear_coefficients.values.extend(problem.pair_cost.astype(float).tolist())
    # Rows 0..U-1: one agent per unit (= 1); rows U..U+M-1: capacities (<= b).
    proto.linear_constraints.ids.extend(range(U + M))
    proto.linear_constraints.lower_bounds.extend([1.0] * U + [-math.inf] * M)
    proto.linear_constraints.upper_bounds.extend([1.0] * U + problem.capacity.astype(float).tolist())
    rows = np.concatenate([problem.pair_unit, U + problem.pair_agent])
    cols = np.concatenate([np.arange(P), np.arange(P)])
    coefs = np.concatenate([np.ones(P), problem.pair_weight.astype(float)])
    order = np.lexsort((cols, rows))  # the matrix must be sorted row-major
    matrix = proto.linear_constraint_matrix
    matrix.row_ids.extend(rows[order].tolist())
    matrix.column_ids.extend(cols[order].tolist())
    matrix.coefficients.extend(coefs[order].tolist())
    return proto


def highs_peer(problem: AssignmentProblem, options: SolveOptions) -> SolveResult:
    start = time.perf_counter()
    model = mathopt.Model.from_model_proto(_textbook_proto(problem))
    left = max(float(options.time_limit_seconds) - (time.perf_counter() - start), 0.01)
    params = mathopt.SolveParameters(time_limit=timedelta(seconds=left), random_seed=int(options.seed))
    result = mathopt.solve(model, mathopt.SolverType.HIGHS, params=params)
    runtime = time.perf_counter() - start
    bound = result.termination.objective_bounds.dual_bound
    bound_value = float(bound) if math.isfinite(bound) else None
    if result.has_primal_feasible_solution():
        values = result.variable_values()
        x = np.array([values[v] for v in model.variables()]) > 0.5
        unit_agent = np.full(problem.n_units, -1, dtype=np.int64)
        unit_agent[problem.pair_unit[x]] = problem.pair_agent[x]
        objective = float(problem.pair_cost[x].sum())
        optimal = result.termination.reason == mathopt.TerminationReason.OPTIMAL
        status = Status.OPTIMAL if optimal else Status.FEASIBLE
        return SolveResult(status, "highs", unit_agent, objective, bound_value, runtime)
    if result.termination.reason == mathopt.TerminationReason.INFEASIBLE:
        return SolveResult(Status.INFEASIBLE, "highs", None, None, None, runtime)
    return SolveResult(Status.TIMEOUT, "highs", None, None, bound_value, runtime,
                       message=str(result.termination.reason))  # fmt: skip


PEERS = {"cpsat": cpsat_peer, "highs": highs_peer}

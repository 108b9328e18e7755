"""The LP relaxation of the whole assignment problem, as a proven lower bound.

The split backend solves regions alone with the balance term dropped, so the sum of their
bounds knows nothing of balance; CP-SAT's own bound on the whole model rises slowly at
50,000+ pairs. The LP relaxation of the full model (`planner.problem`'s formulation with
x, y in [0, 1] and U_max, U_min continuous) keeps every constraint and the balance term,
and HiGHS (the copy bundled in OR-Tools, through MathOpt; never `highspy` next to OR-Tools)
solves it in about a second at 60,000 pairs.

Why it is a bound: any plan gives a feasible LP point with the same pair and unassigned
costs, and its balance term c * (ceil(S load/cap) - floor(S load/cap)) over the extreme
agents is at least c * (U_max - U_min) of that point. The objective is an integer, so the
LP value may round up (less a tolerance for floating point).
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
from ortools.math_opt import model_pb2, parameters_pb2, result_pb2, sparse_containers_pb2
from ortools.math_opt.core.python import solver as core_solver
from ortools.math_opt.python import callback, init_arguments, mathopt, model_parameters
from ortools.util.python.solve_interrupter import SolveInterrupter
from pybind11_abseil.status import StatusNotOk

from planner.problem import UTIL_SCALE, AssignmentProblem

# Relative slack taken off the LP value before rounding up: HiGHS' optimality tolerances
# (1e-7 on duals) times objective coefficients up to ~1e6 could overstate it by less than this.
SAFETY = 1e-6


@dataclass(frozen=True)
class LpBound:
    bound: float | None  # a valid lower bound of the integer objective, None if not proven
    seconds: float
    reason: str
    # At an optimum: the LP value of every pair's x and its reduced cost, which guide the
    # split backend's neighbourhood search (`planner.solvers.rins`).
    x: np.ndarray | None = field(default=None, repr=False)
    reduced_cost: np.ndarray | None = field(default=None, repr=False)


def relaxation_proto(problem: AssignmentProblem, integer: bool = False) -> model_pb2.ModelProto:
    """The model of `planner.problem` with x (and y) in [0, 1]; with `integer`, the MIP itself.

    Variables in order: x (one per pair), y (one per unit, when units may stay unassigned),
    then U_max and U_min (when balanced)."""
    P, U, M = problem.n_pairs, problem.n_units, problem.n_agents
    cols: list[np.ndarray] = []  # (row, column, coefficient) blocks of the matrix
    rows: list[np.ndarray] = []
    coefs: list[np.ndarray] = []
    lower: list[float] = []
    upper: list[float] = []
    pairs = np.arange(P)

    # Variables: x (P), then y (U) if units may stay unassigned, then U_max, U_min if balanced.
    n_vars = P
    y0 = n_vars
    if problem.unassigned_cost is not None:
        n_vars += U
    balance = (
        bool(problem.balance_coef) and problem.balance_agents is not None and problem.balance_agents.any()
    )
    u_max, u_min = n_vars, n_vars + 1
    if balance:
        n_vars += 2

    # One row per unit: sum x (+ y) = 1.
    rows.append(problem.pair_unit)
    cols.append(pairs)
    coefs.append(np.ones(P))
    if problem.unassigned_cost is not None:
        rows.append(np.arange(U))
        cols.append(y0 + np.arange(U))
        coefs.append(np.ones(U))
    lower += [1.0] * U
    upper += [1.0] * U
    row = U

    # One row per agent: lower band <= load <= capacity.
    rows.append(row + problem.pair_agent)
    cols.append(pairs)
    coefs.append(problem.pair_weight.astype(float))
    low = problem.lower if problem.lower is not None else np.zeros(M)
    lower += np.asarray(low, dtype=float).tolist()
    upper += problem.capacity.astype(float).tolist()
    row += M

    for k in range(len(problem.limit_names)):  # every registered manager limit
        capped = np.nonzero(problem.uppers[k] >= 0)[0]
        if capped.size == 0:
            continue
        where = np.full(M, -1)
        where[capped] = row + np.arange(capped.size)
        keep = where[problem.pair_agent] >= 0
        rows.append(where[problem.pair_agent[keep]])
        cols.append(pairs[keep])
        coefs.append(problem.uses[k, keep].astype(float))
        lower += [-math.inf] * capped.size
        upper += problem.uppers[k, capped].astype(float).tolist()
        row += capped.size

    if problem.max_moves is not None and problem.pair_moves is not None:
        moving = np.nonzero(problem.pair_moves)[0]
        rows.append(np.full(moving.size, row))
        cols.append(moving)
        coefs.append(problem.pair_moves[moving].astype(float))
        lower.append(-math.inf)
        upper.append(float(problem.max_moves))
        row += 1

    if balance:
        assert problem.balance_agents is not None
        cap = problem.capacity_for_balance().astype(float)
        agents = np.nonzero(problem.balance_agents)[0]
        # S load - cap U_max <= 0 and S load - cap U_min >= 0, one row each per balanced agent.
        for u_var, lo, hi in ((u_max, -math.inf, 0.0), (u_min, 0.0, math.inf)):
            where = np.full(M, -1)
            where[agents] = row + np.arange(agents.size)
            keep = where[problem.pair_agent] >= 0
            rows += [where[problem.pair_agent[keep]], where[agents]]
            cols += [pairs[keep], np.full(agents.size, u_var)]
            coefs += [UTIL_SCALE * problem.pair_weight[keep].astype(float), -cap[agents]]
            lower += [lo] * agents.size
            upper += [hi] * agents.size
            row += agents.size

    proto = model_pb2.ModelProto(name="assignment-lp")
    proto.variables.ids.extend(range(n_vars))
    proto.variables.lower_bounds.extend([0.0] * n_vars)
    ub = [1.0] * n_vars
    if balance:
        ub[u_max] = ub[u_min] = float(UTIL_SCALE)
    proto.variables.upper_bounds.extend(ub)
    # Only x and y are integer in the MIP: U_max and U_min take the extreme utilisations.
    n_int = n_vars - 2 if balance else n_vars
    proto.variables.integers.extend([integer] * n_int + [False] * (n_vars - n_int))

    obj = np.zeros(n_vars)
    obj[:P] = problem.pair_cost
    if problem.unassigned_cost is not None:
        obj[y0 : y0 + U] = problem.unassigned_cost
    if balance:
        obj[u_max], obj[u_min] = problem.balance_coef, -problem.balance_coef
    nz = np.nonzero(obj)[0]
    proto.objective.linear_coefficients.ids.extend(nz.tolist())
    proto.objective.linear_coefficients.values.extend(obj[nz].tolist())

    proto.linear_constraints.ids.extend(range(row))
    proto.linear_constraints.lower_bounds.extend(lower)
    proto.linear_constraints.upper_bounds.extend(upper)
    r = np.concatenate(rows)
    c = np.concatenate(cols)
    v = np.concatenate(coefs)
    order = np.lexsort((c, r))  # MathOpt wants the matrix sorted row-major
    proto.linear_constraint_matrix.row_ids.extend(r[order].tolist())
    proto.linear_constraint_matrix.column_ids.extend(c[order].tolist())
    proto.linear_constraint_matrix.coefficients.extend(v[order].tolist())
    return proto


def lp_bound(
    problem: AssignmentProblem, seconds: float, interrupter: SolveInterrupter | None = None
) -> LpBound:
    """HiGHS on the relaxation, within `seconds`; only a proven optimum of the LP counts."""
    start = time.perf_counter()
    proto = relaxation_proto(problem)
    left = seconds - (time.perf_counter() - start)
    if left <= 0:
        return LpBound(None, time.perf_counter() - start, "no time left after building the LP")
    try:
        answer = solve_proto(proto, left, interrupter=interrupter)
    except StatusNotOk as exc:
        return LpBound(None, time.perf_counter() - start, f"HiGHS refused the LP: {exc}")
    elapsed = time.perf_counter() - start
    termination = answer.termination
    if termination.reason != result_pb2.TERMINATION_REASON_OPTIMAL:
        return LpBound(None, elapsed, result_pb2.TerminationReasonProto.Name(termination.reason))
    value = float(termination.objective_bounds.dual_bound)
    if not math.isfinite(value):
        return LpBound(None, elapsed, "no finite dual bound")
    x = reduced = None
    if answer.solutions:
        solution = answer.solutions[0]
        x = dense_values(solution.primal_solution.variable_values, problem.n_pairs)
        if solution.HasField("dual_solution"):
            reduced = dense_values(solution.dual_solution.reduced_costs, problem.n_pairs)
    bound = integer_bound(value)
    return LpBound(bound, time.perf_counter() - start, "optimal", x, reduced)


def integer_bound(value: float) -> float:
    """A float dual bound from HiGHS as a bound of the integer objective: rounded up to the
    next integer after giving back HiGHS' tolerance (SAFETY, relative)."""
    return float(math.ceil(value - SAFETY * max(abs(value), 1.0)))


def solve_proto(
    proto: model_pb2.ModelProto,
    seconds: float,
    interrupter: SolveInterrupter | None = None,
    hint: dict[int, float] | None = None,
    exact_gap: bool = False,
) -> result_pb2.SolveResultProto:
    """HiGHS on a MathOpt model proto, handed to MathOpt's core solver directly:
    `mathopt.Model.from_model_proto` builds a Python object per variable and row (seconds at
    800,000 pairs, holding the GIL that other threads' solves need). `hint` maps variable
    ids to values (a MIP start); with `exact_gap` a MIP stops only at a gap below one unit."""
    params = mathopt.SolveParameters(time_limit=timedelta(seconds=max(seconds, 0.01)))
    if exact_gap:
        params.relative_gap_tolerance = 0.0
        params.absolute_gap_tolerance = 0.5
    model_params = model_parameters.ModelSolveParameters().to_proto()
    if hint:
        values = model_params.solution_hints.add().variable_values
        ids = sorted(hint)
        values.ids.extend(ids)
        values.values.extend(hint[i] for i in ids)
    return core_solver.solve(
        proto,
        parameters_pb2.SOLVER_TYPE_HIGHS,
        init_arguments.StreamableSolverInitArguments().to_proto(),
        params.to_proto(),
        model_params,
        None,
        callback.CallbackRegistration().to_proto(),
        None,
        interrupter.pybind_interrupter if interrupter is not None else None,
    )


def dense_values(vector: sparse_containers_pb2.SparseDoubleVectorProto, n: int) -> np.ndarray:
    """The first `n` entries of a MathOpt sparse vector as a dense array."""
    out = np.zeros(n)
    ids = np.asarray(vector.ids, dtype=np.int64)
    values = np.asarray(vector.values, dtype=float)
    head = ids < n
    out[ids[head]] = values[head]
    return out


class BackgroundBound:
    """`lp_bound` in a thread (HiGHS releases the GIL), stoppable when the caller is done."""

    def __init__(self, problem: AssignmentProblem, seconds: float):
        self._interrupter = SolveInterrupter()
        self.result: LpBound | None = None
        self._thread = threading.Thread(target=self._run, args=(problem, seconds), daemon=True)
        self._thread.start()

    def _run(self, problem: AssignmentProblem, seconds: float) -> None:
        try:
            self.result = lp_bound(problem, seconds, self._interrupter)
        except Exception as exc:  # a bound is a bonus; never let it take the solve down
            self.result = LpBound(None, 0.0, f"LP failed: {exc}")

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def wait(self, seconds: float) -> LpBound | None:
        """The result if the LP ends within `seconds`; else None, and HiGHS keeps going."""
        self._thread.join(timeout=max(seconds, 0.0))
        return None if self._thread.is_alive() else self.result

    def collect(self, wait_seconds: float = 0.0) -> LpBound | None:
        """The bound if it is ready within `wait_seconds`; otherwise stop HiGHS and return None."""
        self._thread.join(timeout=max(wait_seconds, 0.0))
        if self._thread.is_alive():
            self._interrupter.interrupt()
            self._thread.join(timeout=5.0)
            return None
        return self.result

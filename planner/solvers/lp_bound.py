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

from planner.budget import Budget
from planner.linear_model import relaxation_proto
from planner.problem import AssignmentProblem

# Relative slack taken off the LP value before rounding up: HiGHS' optimality tolerances
# (1e-7 on duals) times objective coefficients up to ~1e6 could overstate it by less than this.
SAFETY = 1e-6
# Building the relaxation (Python and NumPy) and loading it into HiGHS take this long per pair,
# and no stop interrupts either: 1.30 s + 1.26 s at 803,973 pairs (20,000 x 500 at full
# service). A LP started with less time than that ran on past the deadline, holding a core for
# seconds after the plan came back (a 2 s limit there: 3 s more of LP thread). Loading takes
# about as long as building, which is how `lp_bound` judges it once the build is done.
SETUP_SECONDS_PER_PAIR = 3.2e-6


@dataclass(frozen=True)
class LpBound:
    bound: float | None  # a valid lower bound of the integer objective, None if not proven
    seconds: float
    reason: str
    # At an optimum: the LP value of every pair's x and its reduced cost, which guide the
    # split backend's neighbourhood search (`planner.solvers.rins`).
    x: np.ndarray | None = field(default=None, repr=False)
    reduced_cost: np.ndarray | None = field(default=None, repr=False)
    # The duals of the rows, in `relaxation_proto`'s order: the start of the Lagrangian bound
    # (`planner.solvers.lagrange`).
    row_dual: np.ndarray | None = field(default=None, repr=False)


def lp_bound(
    problem: AssignmentProblem, limit: Budget | float, interrupter: SolveInterrupter | None = None
) -> LpBound:
    """HiGHS on the relaxation, within `limit` (a budget, or seconds); only a proven optimum
    of the LP counts."""
    start = time.perf_counter()
    budget = Budget.of(limit)
    proto = relaxation_proto(problem)
    built = time.perf_counter() - start
    if budget.remaining() < built:
        return LpBound(None, time.perf_counter() - start, "no time left to load the LP after building it")
    try:
        answer = solve_proto(proto, budget, interrupter=interrupter)
    except StatusNotOk as exc:
        return LpBound(None, time.perf_counter() - start, f"HiGHS refused the LP: {exc}")
    elapsed = time.perf_counter() - start
    termination = answer.termination
    if termination.reason != result_pb2.TERMINATION_REASON_OPTIMAL:
        return LpBound(None, elapsed, result_pb2.TerminationReasonProto.Name(termination.reason))
    value = float(termination.objective_bounds.dual_bound)
    if not math.isfinite(value):
        return LpBound(None, elapsed, "no finite dual bound")
    x = reduced = row_dual = None
    if answer.solutions:
        solution = answer.solutions[0]
        x = dense_values(solution.primal_solution.variable_values, problem.n_pairs)
        if solution.HasField("dual_solution"):
            reduced = dense_values(solution.dual_solution.reduced_costs, problem.n_pairs)
            row_dual = dense_values(solution.dual_solution.dual_values, len(proto.linear_constraints.ids))
    bound = integer_bound(value)
    return LpBound(bound, time.perf_counter() - start, "optimal", x, reduced, row_dual)


def integer_bound(value: float) -> float:
    """A float dual bound from HiGHS as a bound of the integer objective: rounded up to the
    next integer after giving back HiGHS' tolerance (SAFETY, relative)."""
    return float(math.ceil(value - SAFETY * max(abs(value), 1.0)))


def solve_proto(
    proto: model_pb2.ModelProto,
    budget: Budget,
    interrupter: SolveInterrupter | None = None,
    hint: dict[int, float] | None = None,
    exact_gap: bool = False,
) -> result_pb2.SolveResultProto:
    """HiGHS on a MathOpt model proto within `budget` (stopped on its cancellation), handed to
    MathOpt's core solver directly: `mathopt.Model.from_model_proto` builds a Python object
    per variable and row (seconds at 800,000 pairs, holding the GIL that other threads'
    solves need). `hint` maps variable ids to values (a MIP start); with `exact_gap` a MIP
    stops only at a gap below one unit."""
    with budget.interrupter(interrupter) as stop:
        return _solve_proto(proto, budget.limit_seconds(), stop, hint, exact_gap)


def _solve_proto(
    proto: model_pb2.ModelProto,
    seconds: float,
    interrupter: SolveInterrupter,
    hint: dict[int, float] | None,
    exact_gap: bool,
) -> result_pb2.SolveResultProto:
    params = mathopt.SolveParameters(time_limit=timedelta(seconds=seconds))
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
        interrupter.pybind_interrupter,
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
    """`lp_bound` in a thread (HiGHS releases the GIL) within `budget`, stoppable when the
    caller is done (and on the budget's cancellation)."""

    def __init__(self, problem: AssignmentProblem, budget: Budget):
        self._interrupter = SolveInterrupter()
        self.result: LpBound | None = None
        self._thread: threading.Thread | None = None
        setup = SETUP_SECONDS_PER_PAIR * problem.n_pairs
        if budget.remaining() < setup:
            # It could not even be set up in time, and the setup cannot be stopped: the solve
            # gets the core instead.
            self.result = LpBound(None, 0.0, f"no time to set the LP up (about {setup:.1f} s)")
            return
        self._thread = threading.Thread(target=self._run, args=(problem, budget), daemon=True)
        self._thread.start()

    def _run(self, problem: AssignmentProblem, budget: Budget) -> None:
        try:
            self.result = lp_bound(problem, budget, self._interrupter)
        except Exception as exc:  # a bound is a bonus; never let it take the solve down
            self.result = LpBound(None, 0.0, f"LP failed: {exc}")

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def finished(self) -> bool:
        """The LP ran and has ended (optimal or not); False when it was never started."""
        return self._thread is not None and not self._thread.is_alive()

    def wait(self, seconds: float) -> LpBound | None:
        """The result if the LP ends within `seconds`; else None, and HiGHS keeps going."""
        if self._thread is None:
            return self.result
        self._thread.join(timeout=max(seconds, 0.0))
        return None if self._thread.is_alive() else self.result

    def collect(self, wait_seconds: float = 0.0) -> LpBound | None:
        """The bound if it is ready within `wait_seconds`; otherwise stop HiGHS and return None."""
        if self._thread is None:
            return self.result
        self._thread.join(timeout=max(wait_seconds, 0.0))
        if self._thread.is_alive():
            # Its own limit is the run's deadline, so it ends soon anyway: a short wait, well
            # within the budget's overrun policy, not one for a model still being written.
            self._interrupter.interrupt()
            self._thread.join(timeout=0.2)
            return None
        return self.result

"""OR-Tools CP-SAT backend: the default.

The model is `planner.problem`'s formulation verbatim. CP-SAT gets the current
assignment as a solution hint, so a re-plan starts from today's plan and the
first solution it reports is usually a minimal-change one.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from planner.problem import UTIL_SCALE, AssignmentProblem
from planner.solvers.base import Progress, SolveOptions, SolveResult, Status

log = logging.getLogger(__name__)


@dataclass
class CpModel:
    model: cp_model.CpModel
    x: list[cp_model.IntVar]  # one per pair
    y: list[cp_model.IntVar] | None  # unassigned indicator per unit
    # Constraint group name -> enforcement literal; only with assumptions=True.
    switches: dict[str, cp_model.IntVar]


def build_model(problem: AssignmentProblem, assumptions: bool = False) -> CpModel:
    """The CP-SAT model; with `assumptions`, each side constraint is switched by a literal
    so an infeasibility core can name the constraints in conflict."""
    model = cp_model.CpModel()
    x = [
        model.new_bool_var(f"x_{u}_{a}")
        for u, a in zip(problem.pair_unit.tolist(), problem.pair_agent.tolist(), strict=True)
    ]
    switches: dict[str, cp_model.IntVar] = {}

    def switch(name: str) -> cp_model.IntVar | None:
        if not assumptions:
            return None
        lit = model.new_bool_var(name)
        switches[name] = lit
        return lit

    def add(expr: cp_model.BoundedLinearExpression, name: str) -> None:
        ct = model.add(expr)
        lit = switch(name)
        if lit is not None:
            ct.only_enforce_if(lit)

    by_unit = problem.pairs_of_unit()
    y = None
    if problem.unassigned_cost is not None:
        y = [model.new_bool_var(f"unassigned_{u}") for u in range(problem.n_units)]
    for u, pairs in enumerate(by_unit):
        terms = [x[p] for p in pairs.tolist()]
        if y is not None:
            terms.append(y[u])
        model.add_exactly_one(terms)

    order = np.argsort(problem.pair_agent, kind="stable")
    bounds = np.searchsorted(problem.pair_agent[order], np.arange(problem.n_agents + 1))
    weights = problem.pair_weight.tolist()
    sizes = problem.unit_size[problem.pair_unit].tolist()
    loads = []
    for a in range(problem.n_agents):
        pairs = order[bounds[a] : bounds[a + 1]].tolist()
        load = cp_model.LinearExpr.weighted_sum([x[p] for p in pairs], [weights[p] for p in pairs])
        loads.append(load)
        if pairs:
            add(load <= int(problem.capacity[a]), f"capacity_hours[{a}]")
            if problem.lower is not None and problem.lower[a] > 0:
                add(load >= int(problem.lower[a]), f"utilisation_band[{a}]")
            if problem.max_units is not None and problem.max_units[a] >= 0:
                count = cp_model.LinearExpr.weighted_sum([x[p] for p in pairs], [sizes[p] for p in pairs])
                add(count <= int(problem.max_units[a]), f"max_accounts[{a}]")
        elif problem.lower is not None and problem.lower[a] > 0:
            # No eligible account at all: the band's lower edge can only fail.
            add(cp_model.LinearExpr.constant(0) >= int(problem.lower[a]), f"utilisation_band[{a}]")

    if problem.max_moves is not None and problem.pair_moves is not None:
        moving = np.nonzero(problem.pair_moves)[0].tolist()
        moves = cp_model.LinearExpr.weighted_sum(
            [x[p] for p in moving], [int(problem.pair_moves[p]) for p in moving]
        )
        add(moves <= problem.max_moves, "max_moves")

    objective = cp_model.LinearExpr.weighted_sum(x, problem.pair_cost.tolist())
    if y is not None:
        assert problem.unassigned_cost is not None
        objective += cp_model.LinearExpr.weighted_sum(y, problem.unassigned_cost.tolist())
    if problem.balance_coef and problem.balance_agents is not None and problem.balance_agents.any():
        cap = problem.capacity_for_balance()
        top = int(max(UTIL_SCALE * int(problem.pair_weight.sum()) // max(int(cap.min()), 1) + 1, UTIL_SCALE))
        u_max = model.new_int_var(0, top, "util_max_permille")
        u_min = model.new_int_var(0, top, "util_min_permille")
        for a in np.nonzero(problem.balance_agents)[0].tolist():
            model.add(UTIL_SCALE * loads[a] <= int(cap[a]) * u_max)
            model.add(UTIL_SCALE * loads[a] >= int(cap[a]) * u_min)
        objective += problem.balance_coef * (u_max - u_min)
    model.minimize(objective)

    if not assumptions and problem.hint is not None:
        hint = problem.hint
        for p, (u, a) in enumerate(zip(problem.pair_unit.tolist(), problem.pair_agent.tolist(), strict=True)):
            model.add_hint(x[p], int(hint[u] == a))
    if assumptions:
        model.add_assumptions(list(switches.values()))
    return CpModel(model, x, y, switches)


class _Progress(cp_model.CpSolverSolutionCallback):
    def __init__(self, options: SolveOptions, start: float):
        super().__init__()
        self._options = options
        self._start = start
        self.best_time: float | None = None

    def on_solution_callback(self) -> None:
        self.best_time = time.perf_counter() - self._start
        if self._options.on_progress is not None:
            self._options.on_progress(
                Progress(self.best_time, self.objective_value, self.best_objective_bound)
            )


def configure(solver: cp_model.CpSolver, options: SolveOptions) -> None:
    params = solver.parameters
    params.max_time_in_seconds = float(options.time_limit_seconds)
    params.num_workers = int(options.threads)
    params.random_seed = int(options.seed)
    params.relative_gap_limit = float(options.relative_gap)
    params.log_search_progress = bool(options.log)


class CpSatSolver:
    name = "cpsat"

    def supports(self, problem: AssignmentProblem) -> str | None:
        return None

    def solve(self, problem: AssignmentProblem, options: SolveOptions) -> SolveResult:
        start = time.perf_counter()
        built = build_model(problem)
        build_seconds = time.perf_counter() - start
        solver = cp_model.CpSolver()
        configure(solver, options)
        callback = _Progress(options, start)
        code = solver.solve(built.model, callback)
        runtime = time.perf_counter() - start
        stats: dict[str, float | int | str] = {
            "build_seconds": round(build_seconds, 3),
            "variables": len(built.x),
            "branches": solver.num_branches,
            "conflicts": solver.num_conflicts,
        }
        if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            unit_agent = _read(problem, built, solver)
            objective = float(solver.objective_value)
            bound = float(solver.best_objective_bound)
            proven = code == cp_model.OPTIMAL and objective == bound
            return SolveResult(
                Status.OPTIMAL if proven else Status.FEASIBLE,
                self.name,
                unit_agent,
                objective,
                bound,
                runtime,
                callback.best_time,
                statistics=stats,
            )
        if code == cp_model.INFEASIBLE:
            return SolveResult(Status.INFEASIBLE, self.name, None, None, None, runtime, statistics=stats)
        if code == cp_model.UNKNOWN:
            return SolveResult(
                Status.TIMEOUT,
                self.name,
                None,
                None,
                float(solver.best_objective_bound),
                runtime,
                statistics=stats,
            )
        return SolveResult(
            Status.ERROR, self.name, None, None, None, runtime, message=solver.status_name(code)
        )


def _read(problem: AssignmentProblem, built: CpModel, solver: cp_model.CpSolver) -> np.ndarray:
    # The pair variables were created first, so they are the first P entries of the
    # response: one C++-side copy instead of a Python call per variable.
    assert not built.x or built.x[-1].index == len(built.x) - 1
    chosen = np.asarray(list(solver.response_proto.solution), dtype=np.int64)[: len(built.x)] > 0
    out = np.full(problem.n_units, -1, dtype=np.int64)
    out[problem.pair_unit[chosen]] = problem.pair_agent[chosen]
    return out

"""Run one assignment: compile, diagnose, solve, map back, evaluate.

The CLI, the scenario runner and the API all call `run_assignment`; it raises
`InfeasibleError` with plain-word reasons instead of returning a broken plan.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from planner.compile import Compiled, compile_problem
from planner.context import Context
from planner.diagnose import conflict_core, presolve_diagnosis, why_nobody_serves
from planner.errors import InfeasibleError
from planner.evaluate import Evaluation, evaluate
from planner.models import Plan
from planner.solvers import DEFAULT_SOLVER, SolveOptions, SolveResult, Status, get_solver

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AssignmentOutcome:
    compiled: Compiled
    result: SolveResult
    plan: Plan | None
    evaluation: Evaluation | None
    unassigned_reasons: dict[str, str]
    max_moves: int | None

    @property
    def ctx(self) -> Context:
        return self.compiled.ctx


def run_assignment(
    ctx: Context,
    solver: str = DEFAULT_SOLVER,
    options: SolveOptions | None = None,
    max_moves: int | None = None,
) -> AssignmentOutcome:
    options = options or SolveOptions()
    compiled = compile_problem(ctx, max_moves=max_moves)
    reasons = presolve_diagnosis(compiled)
    if reasons and not ctx.dataset.policy.allow_unassigned:
        raise InfeasibleError(reasons)
    backend = get_solver(solver)
    unsupported = backend.supports(compiled.problem)
    if unsupported:
        raise ValueError(f"solver {solver!r} cannot take this problem: {unsupported}")
    log.info(
        "solving %d units, %d managers, %d eligible pairs with %s",
        compiled.problem.n_units,
        compiled.problem.n_agents,
        compiled.problem.n_pairs,
        solver,
    )
    result = backend.solve(compiled.problem, options)
    budget = ctx.dataset.policy.max_moves if max_moves is None else max_moves
    if result.status == Status.INFEASIBLE:
        raise InfeasibleError(
            reasons or conflict_core(compiled) or ["the solver proved that no plan satisfies every rule"]
        )
    if not result.status.has_solution or result.unit_agent is None:
        return AssignmentOutcome(compiled, result, None, None, {}, budget)
    plan = compiled.to_plan(result.unit_agent, result.unit_level)
    evaluation = evaluate(ctx, plan, max_moves=budget)
    if result.objective is not None and evaluation.objective_cp != round(result.objective):
        # The evaluator is the source of truth; a mismatch is a bug in a backend or the compiler.
        log.error(
            "solver objective %s differs from the evaluator's %s", result.objective, evaluation.objective_cp
        )
    return AssignmentOutcome(compiled, result, plan, evaluation, _unassigned_reasons(compiled, plan), budget)


def _unassigned_reasons(compiled: Compiled, plan: Plan) -> dict[str, str]:
    ctx = compiled.ctx
    out: dict[str, str] = {}
    for account_id, manager_id in plan.assignment.items():
        if manager_id is not None:
            continue
        i = ctx.account_index[account_id]
        eligible = np.nonzero(compiled.account_eligible[i])[0]
        if eligible.size == 0:
            out[account_id] = "nobody may serve it: " + why_nobody_serves(ctx, i)
        else:
            names = ", ".join(ctx.manager_ids[j] for j in eligible[:6])
            more = f" and {eligible.size - 6} more" if eligible.size > 6 else ""
            out[account_id] = (
                f"its eligible managers ({names}{more}) have no capacity or account slots left for it"
            )
    return out

"""The summary of a plan, as a JSON-able dict: what `summary.json` holds and the API returns."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from planner.assign import AssignmentOutcome
from planner.evaluate import Evaluation
from planner.shortfall_report import shortfall
from planner.solvers import SolveResult
from planner.team_workload import workload_rows
from planner.teams.evaluate import team_summary
from planner.version import __version__


def solver_block(result: SolveResult) -> dict[str, Any]:
    """Status, objective, bound and gap in points (the objective's integer unit is 1/100 point)."""
    return {
        "name": result.solver,
        "status": result.status.value,
        "objective": None if result.objective is None else result.objective / 100,
        "best_bound": None if result.bound is None else result.bound / 100,
        "gap": None if result.gap is None else round(result.gap, 6),
        "runtime_seconds": round(result.runtime_seconds, 3),
        "time_to_best_seconds": None
        if result.time_to_best_seconds is None
        else round(result.time_to_best_seconds, 3),
        "message": result.message,
        "statistics": result.statistics,
    }


def evaluation_block(evaluation: Evaluation) -> dict[str, Any]:
    return {
        "objective": evaluation.objective,
        "objective_parts": {k: v / 100 for k, v in evaluation.parts_cp.items()},
        "hard_rule_violations": len(evaluation.violations),
        "violations": [asdict(v) for v in evaluation.violations],
        "tiers": evaluation.tiers,
        "moves": evaluation.moves,
        "fairness": evaluation.fairness,
        "managers": [asdict(m) for m in evaluation.managers],
        # Account teams (planner.teams), per extra role; absent without teams.
        **({"team": team_summary(evaluation.team)} if evaluation.team else {}),
    }


def summary(outcome: AssignmentOutcome, inputs: dict[str, Any] | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "planner_version": __version__,
        "inputs": inputs or {},
        "solver": solver_block(outcome.result),
        "max_moves": outcome.max_moves,
        "problem": {
            "accounts": outcome.ctx.n_accounts,
            "managers": outcome.ctx.n_managers,
            "active_managers": int(outcome.ctx.active.sum()),
            "parent_groups": sum(1 for g in outcome.ctx.groups if len(g) > 1),
            "eligible_pairs": outcome.compiled.problem.n_pairs,
        },
    }
    if outcome.evaluation is not None:
        payload["evaluation"] = evaluation_block(outcome.evaluation)
        if outcome.evaluation.team:  # account teams: each person's hours per role and over all
            payload["evaluation"]["workload"] = workload_rows(
                outcome.evaluation, outcome.ctx.dataset.managers
            )
        payload["unassigned"] = [
            {"account_id": a, "reason": r} for a, r in outcome.unassigned_reasons.items()
        ]
        payload["shortfall"] = shortfall(outcome)
    return payload

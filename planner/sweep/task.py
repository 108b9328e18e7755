"""One sweep task: solve the data under one point's policy and measure the plan.

The four criteria of the Pareto chart are measured on the plan, not read off the objective,
so that points with different weights compare on the same scale:
- value lost: sum over accounts of value x (1 - match score) for an account served, and its
  whole value for one nobody serves (lower: the valuable accounts are with the right people);
- balance: utilisation spread, fullest manager minus emptiest (lower: fairer);
- moves: voluntary moves from the current managers (lower: less disruption);
- travel: hours a month on the road, all managers together.
"""

from __future__ import annotations

from dataclasses import dataclass

from planner.assign import run_assignment
from planner.context import Context
from planner.errors import InfeasibleError
from planner.models import Dataset
from planner.scenario.spec import SolverSettings
from planner.solvers import SolveOptions
from planner.sweep.points import Point, with_point

CRITERIA = ("value_lost", "utilisation_spread", "voluntary_moves", "travel_hours")


@dataclass(frozen=True)
class SweepBase:
    """What every task shares (shipped once per worker)."""

    dataset: Dataset  # the scenario resolved: overrides and changes applied
    solver: SolverSettings


@dataclass(frozen=True)
class PointOutcome:
    index: int
    point: Point
    status: str  # the solver's, or "infeasible"
    value_lost: float | None = None
    utilisation_spread: float | None = None
    voluntary_moves: int | None = None
    travel_hours: float | None = None
    value_uncovered: float | None = None
    uncovered: int | None = None
    objective: float | None = None
    reason: str = ""  # why there is no plan

    @property
    def has_plan(self) -> bool:
        return self.value_lost is not None

    def criteria(self) -> tuple[float, float, float, float]:
        assert self.has_plan
        return (
            float(self.value_lost or 0.0),
            float(self.utilisation_spread or 0.0),
            float(self.voluntary_moves or 0),
            float(self.travel_hours or 0.0),
        )


def solve_point(base: SweepBase, indexed: tuple[int, Point]) -> PointOutcome:
    """The task: solve under the point's policy with the sweep's solver settings."""
    index, point = indexed
    dataset = with_point(base.dataset, point, where=f"sweep point {index}")
    settings = base.solver
    options = SolveOptions(
        time_limit_seconds=settings.time_limit_seconds,
        threads=settings.effective_threads,
        seed=settings.seed,
        deterministic=settings.deterministic,
    )
    try:
        outcome = run_assignment(Context.build(dataset), settings.effective_name, options)
    except InfeasibleError as exc:
        return PointOutcome(index, point, "infeasible", reason="; ".join(exc.reasons)[:300])
    ev = outcome.evaluation
    status = outcome.result.status.value
    if ev is None:
        return PointOutcome(index, point, status, reason=f"no plan within the time limit ({status})")
    lost = sum(
        row.value_score * (1.0 - row.match_score) if row.manager_id else row.value_score
        for row in ev.accounts
    )
    fair = ev.fairness
    spread = (fair.get("utilisation_max", 0.0) or 0.0) - (fair.get("utilisation_min", 0.0) or 0.0)
    return PointOutcome(
        index,
        point,
        status,
        value_lost=round(float(lost), 4),
        utilisation_spread=round(float(spread), 4),
        voluntary_moves=int(ev.moves["voluntary"]),
        travel_hours=round(float(sum(m.travel_hours for m in ev.managers)), 2),
        value_uncovered=round(float(sum(r.value_score for r in ev.accounts if r.manager_id is None)), 4),
        uncovered=len(ev.unassigned),
        objective=float(ev.objective),
    )

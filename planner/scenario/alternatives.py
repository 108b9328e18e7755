"""Alternatives on the Pareto front of disruption vs workload balance vs value, by ε-constraint.

Solve once without a budget (the scenario's own max_moves, if any) to find how many
voluntary moves the best plan makes, V. Find the smallest budget that still admits a
plan by bisection on [0, V]: a budget too small leaves overloaded managers over
capacity. Then solve with budgets spread evenly between that minimum and V. Every
solve minimises the full objective under `moves <= budget`, so each plan is the best
one at its level of disruption; plans that turn out identical, or dominated on
(moves, utilisation spread, value unserved), are dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from planner.assign import AssignmentOutcome
from planner.errors import InfeasibleError
from planner.models import Dataset
from planner.scenario.pareto import pareto_mask, spaced_budgets
from planner.scenario.resolve import Resolved
from planner.scenario.spec import SetMaxMoves

log = logging.getLogger(__name__)

MAX_BISECTION_PROBES = 8  # ⌈log2(V)⌉ for V up to 256 moves; past that the minimum is approximate

Solve = Callable[[Resolved], AssignmentOutcome]


@dataclass(frozen=True)
class Alternative:
    budget: int | None  # None: no budget beyond the scenario's own
    resolved: Resolved
    outcome: AssignmentOutcome

    @property
    def point(self) -> dict[str, Any]:
        ev = self.outcome.evaluation
        assert ev is not None
        fair = ev.fairness
        spread = (fair.get("utilisation_max", 0.0) or 0.0) - (fair.get("utilisation_min", 0.0) or 0.0)
        return {
            "label": f"≤ {self.budget} moves" if self.budget is not None else "as written",
            "budget": self.budget,
            "moves": ev.budget_moves,  # what the budget counts (account teams: slots too)
            "utilisation_spread": round(spread, 4),
            "value_unserved": ev.parts_cp["value_match"] / 100,
            "objective": ev.objective,
            "hours_gini": fair.get("hours_gini"),
            "travel_hours": round(sum(m.travel_hours for m in ev.managers), 2),
            "status": self.outcome.result.status.value,
        }

    def criteria(self) -> tuple[float, float, float]:
        p = self.point
        return (p["moves"], p["utilisation_spread"], p["value_unserved"])


@dataclass(frozen=True)
class Sweep:
    alternatives: list[Alternative]  # on the front, fewest moves first
    dropped: list[tuple[int | None, str]]  # (budget, why it is not on the list)


def with_budget(resolved: Resolved, budget: int) -> Resolved:
    """The scenario plus one more change, `set_max_moves: budget`, recorded like any other."""
    change = SetMaxMoves(kind="set_max_moves", max_moves=budget)
    spec = resolved.spec.model_copy(update={"changes": [*resolved.spec.changes, change]})
    ds = resolved.dataset
    policy = ds.policy.model_copy(update={"max_moves": budget})
    dataset = Dataset(managers=ds.managers, accounts=ds.accounts, policy=policy)
    note = f"alternatives: disruption budget {budget} voluntary moves"
    return replace(resolved, spec=spec, dataset=dataset, notes=[*resolved.notes, note])


def sweep(resolved: Resolved, count: int, solve: Solve) -> Sweep:
    if count < 1:
        raise ValueError("--count must be at least 1")
    free = solve(resolved)  # InfeasibleError here means the scenario itself has no plan
    if free.evaluation is None:
        raise InfeasibleError([f"no plan found within the time limit ({free.result.status.value})"])
    moves_free = free.evaluation.budget_moves
    results: dict[int, Alternative | str] = {}

    def attempt(budget: int) -> Alternative | str:
        if budget not in results:
            variant = with_budget(resolved, budget)
            try:
                outcome = solve(variant)
                results[budget] = (
                    Alternative(budget, variant, outcome)
                    if outcome.evaluation is not None
                    else f"no plan within the time limit ({outcome.result.status.value})"
                )
            except InfeasibleError as exc:
                results[budget] = "infeasible: " + "; ".join(exc.reasons)[:300]
            log.info(
                "budget %d: %s",
                budget,
                "plan" if isinstance(results[budget], Alternative) else results[budget],
            )
        return results[budget]

    low = _smallest_feasible_budget(moves_free, attempt)
    candidates: list[Alternative] = []
    for budget in spaced_budgets(low, moves_free, count):
        found = attempt(budget) if budget < moves_free else Alternative(None, resolved, free)
        if isinstance(found, Alternative):
            candidates.append(found)
    dropped: list[tuple[int | None, str]] = [(b, r) for b, r in sorted(results.items()) if isinstance(r, str)]
    kept = _distinct(candidates, dropped)
    mask = pareto_mask([a.criteria() for a in kept])
    dropped += [
        (a.budget, "dominated on moves, spread and value unserved")
        for a, ok in zip(kept, mask, strict=True)
        if not ok
    ]
    front = sorted((a for a, ok in zip(kept, mask, strict=True) if ok), key=lambda a: a.criteria())
    return Sweep(front[:count], dropped)


def _smallest_feasible_budget(high: int, attempt: Callable[[int], Alternative | str]) -> int:
    """Bisection for the least budget with a plan; `high` (the free plan's moves) always has one."""
    if high == 0 or isinstance(attempt(0), Alternative):
        return 0
    lo, hi = 0, high  # lo has no plan, hi has one
    for _ in range(MAX_BISECTION_PROBES):
        if hi - lo <= 1:
            break
        mid = (lo + hi) // 2
        if isinstance(attempt(mid), Alternative):
            hi = mid
        else:
            lo = mid
    return hi


def _distinct(candidates: list[Alternative], dropped: list[tuple[int | None, str]]) -> list[Alternative]:
    """A looser budget often returns the same plan as a tighter one; list it once, at the tighter budget."""
    seen: dict[tuple[tuple[str, str | None], ...], Alternative] = {}
    for alt in sorted(candidates, key=lambda a: (a.budget is None, a.budget or 0)):
        assert alt.outcome.plan is not None
        key = tuple(sorted(alt.outcome.plan.assignment.items()))
        if key in seen:
            dropped.append((alt.budget, f"same plan as {seen[key].point['label']}"))
        else:
            seen[key] = alt
    return list(seen.values())

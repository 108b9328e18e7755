"""Re-planning after a staff change, fast enough to answer the CRM's request synchronously.

Minimal disruption by construction: every account starts with the manager the current plan
gives it (the data's current_manager_id is set from that plan first), `construct` keeps each
one that may stay and re-places only the rest. If that start breaks a hard rule (a manager
over capacity, say), CP-SAT repairs only the connected parts of the eligibility graph (regions)
the change touched, starting from the constructed plan, within the disruption budget and a
short time limit; the untouched regions keep their accounts verbatim.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np

from planner.compile import compile_problem
from planner.context import Context
from planner.diagnose import presolve_diagnosis
from planner.errors import InfeasibleError
from planner.evaluate import Evaluation, evaluate
from planner.models import Dataset, Plan
from planner.solvers import SolveOptions, Status
from planner.solvers.construct import construct
from planner.solvers.cpsat import CpSatSolver, satisfies
from planner.solvers.decompose import components, restrict

RETRY_SECONDS = 5.0


@dataclass(frozen=True)
class Replanned:
    plan: Plan | None
    evaluation: Evaluation | None
    method: str  # "construct" or "construct+cpsat"
    status: str  # "feasible" or "no_solution"
    timing_seconds: dict[str, float] = field(default_factory=dict)


def with_current(dataset: Dataset, assignment: dict[str, str | None]) -> Dataset:
    """The data with each account's current manager taken from the plan in force."""
    accounts = tuple(
        a.model_copy(update={"current_manager_id": assignment.get(a.account_id) or ""})
        if (assignment.get(a.account_id) or "") != a.current_manager_id
        else a
        for a in dataset.accounts
    )
    # model_copy skips validation; the ids come from a plan of this data set, so they are known.
    return dataset.model_copy(update={"accounts": accounts})


def replan(dataset: Dataset, max_moves: int | None, time_limit_seconds: float) -> Replanned:
    clock = _Clock()
    ctx = Context.build(dataset)
    compiled = compile_problem(ctx, max_moves=max_moves)
    reasons = presolve_diagnosis(compiled)
    if reasons and not dataset.policy.allow_unassigned:
        raise InfeasibleError(reasons)
    problem = compiled.problem
    clock.lap("compile")
    start = construct(problem)
    clock.lap("construct")
    method = "construct"
    if not satisfies(problem, start):
        method = "construct+cpsat"
        repaired = None
        # The short limit answers most changes; a lower utilisation bound or a tight region can
        # need longer for a first feasible plan, and a slow answer beats none.
        for limit in (time_limit_seconds, max(RETRY_SECONDS, time_limit_seconds)):
            repaired = _repair(problem, start, limit)
            if repaired is not None and satisfies(problem, repaired):
                break
            repaired = None
        clock.lap("cpsat")
        if repaired is None:
            return Replanned(None, None, method, "no_solution", clock.laps)
        start = repaired
    plan = compiled.to_plan(start)
    evaluation = evaluate(ctx, plan, max_moves=problem.max_moves)
    clock.lap("evaluate")
    return Replanned(plan, evaluation, method, "feasible", clock.laps)


def _repair(problem, start: np.ndarray, time_limit_seconds: float) -> np.ndarray | None:  # type: ignore[no-untyped-def]
    touched = _touched_parts(problem, start)
    out = start.copy()
    share = time_limit_seconds / max(len(touched), 1)
    for units, agents in touched:
        sub = restrict(replace(problem, hint=start), units, agents, scale=1)
        result = CpSatSolver().solve(sub, SolveOptions(time_limit_seconds=max(share, 0.2), threads=2))
        if result.status == Status.INFEASIBLE:
            raise InfeasibleError(
                [
                    f"no plan within the rules and the disruption budget for the {units.size} account group(s) "
                    f"and {agents.size} manager(s) this change affects"
                ]
            )
        if result.unit_agent is None:
            return None
        out[units] = np.where(result.unit_agent >= 0, agents[np.maximum(result.unit_agent, 0)], -1)
    return out


def _touched_parts(problem, start: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:  # type: ignore[no-untyped-def]
    """Parts where the start moved or dropped a unit, or broke an agent's capacity."""
    hint = problem.hint if problem.hint is not None else np.full(problem.n_units, -1)
    changed_units = set(np.nonzero((start != hint) | (start < 0))[0].tolist())
    placed = start >= 0
    pairs = problem.pair_index(np.where(placed, start, -1))
    used = pairs[pairs >= 0]
    load = np.bincount(
        problem.pair_agent[used], weights=problem.pair_weight[used], minlength=problem.n_agents
    )
    over = set(np.nonzero(load > problem.capacity)[0].tolist())
    return [
        (units, agents)
        for units, agents in components(problem)
        if changed_units.intersection(units.tolist()) or over.intersection(agents.tolist())
    ]


class _Clock:
    def __init__(self) -> None:
        self._last = time.perf_counter()
        self.laps: dict[str, float] = {}

    def lap(self, name: str) -> None:
        t = time.perf_counter()
        self.laps[name] = round(t - self._last, 4)
        self._last = t

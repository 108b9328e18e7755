"""One interface for every assignment backend, and the one result type they return."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Protocol

import numpy as np

from planner.budget import Budget
from planner.problem import AssignmentProblem


class Status(StrEnum):
    OPTIMAL = "optimal"
    """Proven optimal: the bound equals the objective (within the solver's integrality)."""
    FEASIBLE = "feasible"
    """A plan satisfying every hard rule, not proven optimal (stopped by the time limit)."""
    INFEASIBLE = "infeasible"
    """Proven: no plan satisfies every hard rule."""
    TIMEOUT = "timeout"
    """The time limit ran out before any plan was found; nothing is proven."""
    ERROR = "error"
    """The backend failed; `message` says how."""

    @property
    def has_solution(self) -> bool:
        return self in (Status.OPTIMAL, Status.FEASIBLE)


@dataclass(frozen=True)
class Progress:
    elapsed_seconds: float
    objective: float
    bound: float


@dataclass(frozen=True)
class SolveOptions:
    # The user's figure; the run's clock is `budget`, made from it by `clock` when none is given.
    time_limit_seconds: float = 30.0
    threads: int = 2
    seed: int = 0
    # Reruns give the same plan bit for bit even when the limit binds: one worker, and the
    # limit counted in the solver's deterministic time (work done) instead of seconds. Only
    # CP-SAT honours it; `planner assign --deterministic` picks CP-SAT for that reason.
    deterministic: bool = False
    # Relative gap at which the search stops and reports OPTIMAL only if it is 0.
    relative_gap: float = 0.0
    log: bool = False
    on_progress: Callable[[Progress], None] | None = None
    # The deadline and cancellation flag of this solve (`planner.budget`); phases get children.
    budget: Budget | None = None

    def clock(self) -> SolveOptions:
        """These options with a budget: the given one, or a new one of `time_limit_seconds`
        (a backend's entry point calls this once; its phases hand children down)."""
        if self.budget is not None:
            return self
        return replace(self, budget=Budget(self.time_limit_seconds))

    @property
    def timer(self) -> Budget:
        """The budget (after `clock`)."""
        assert self.budget is not None, "SolveOptions.clock() makes the budget at the entry point"
        return self.budget

    def within(self, budget: Budget, **changes: object) -> SolveOptions:
        """These options for a phase that runs within `budget` (a child of this one's)."""
        return replace(self, budget=budget, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class SolveResult:
    status: Status
    solver: str
    unit_agent: np.ndarray | None  # (U,) agent per unit, -1 unassigned; None without a solution
    objective: float | None  # in the problem's integer units
    bound: float | None  # best proven lower bound (minimisation)
    runtime_seconds: float
    time_to_best_seconds: float | None = None
    message: str = ""
    statistics: dict[str, float | int | str] = field(default_factory=dict)
    # (U,) service level per unit (0 = full), for problems with levels; None: all full.
    unit_level: np.ndarray | None = None

    @property
    def gap(self) -> float | None:
        """Relative gap |objective - bound| / max(|objective|, 1); 0 for a proven optimum."""
        if self.objective is None or self.bound is None or math.isnan(self.bound):
            return None
        return abs(self.objective - self.bound) / max(abs(self.objective), 1.0)


def cancelled_note(result: SolveResult, budget: Budget) -> SolveResult:
    """`result`, marked as cut short by a cancellation when its budget was cancelled (its plan,
    if any, is the incumbent at that moment)."""
    if not budget.cancelled or result.statistics.get("cancelled"):
        return result
    return replace(
        result,
        message=result.message or "cancelled: the best plan found so far",
        statistics={**result.statistics, "cancelled": 1},
    )


class AssignmentSolver(Protocol):
    name: str

    def supports(self, problem: AssignmentProblem) -> str | None:
        """None if this backend can solve the problem, else the reason it cannot."""
        ...

    def solve(self, problem: AssignmentProblem, options: SolveOptions) -> SolveResult: ...

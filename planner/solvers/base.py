"""One interface for every assignment backend, and the one result type they return."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

import numpy as np

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


class AssignmentSolver(Protocol):
    name: str

    def supports(self, problem: AssignmentProblem) -> str | None:
        """None if this backend can solve the problem, else the reason it cannot."""
        ...

    def solve(self, problem: AssignmentProblem, options: SolveOptions) -> SolveResult: ...

"""Assignment backends behind one interface; `SOLVERS` is the only place one is chosen by name."""

from __future__ import annotations

from planner.solvers.base import AssignmentSolver, Progress, SolveOptions, SolveResult, Status
from planner.solvers.cbc import CbcSolver
from planner.solvers.cpsat import CpSatSolver
from planner.solvers.decomposed import DecomposedSolver
from planner.solvers.gap_engine import GapEngineSolver
from planner.solvers.service_first import ServiceFirst

SOLVERS: dict[str, AssignmentSolver] = {
    "auto": DecomposedSolver(),
    # Full service first when it fits (planner.solvers.shortfall); auto and engine do it themselves.
    "cpsat": ServiceFirst(CpSatSolver()),
    "cbc": ServiceFirst(CbcSolver()),
    "engine": GapEngineSolver(),
}
DEFAULT_SOLVER = "auto"


def get_solver(name: str) -> AssignmentSolver:
    try:
        return SOLVERS[name]
    except KeyError:
        raise ValueError(f"unknown solver {name!r}; choose one of: {', '.join(sorted(SOLVERS))}") from None


__all__ = [
    "DEFAULT_SOLVER",
    "SOLVERS",
    "AssignmentSolver",
    "Progress",
    "SolveOptions",
    "SolveResult",
    "Status",
    "get_solver",
]

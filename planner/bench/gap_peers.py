"""The textbook GAP model on two general-purpose solvers, for comparison with the engine.

Both solve `planner.bench.gap_instance`'s model as written (x[i][j] binary, one agent per job,
a knapsack per agent) with no GAP-specific help, on the full pair set:
- "cpsat": the planner's own CP-SAT backend (`planner.solvers.cpsat`), which is exactly
  that model for a problem without side constraints;
- "highs": HiGHS as bundled inside OR-Tools, through MathOpt (`planner.gap.highs`), with
  its default settings. Those stop at a relative gap of 1e-4, which HiGHS calls "optimal":
  here it counts as optimal only where its dual bound (rounded up: the objective is an integer)
  reaches its plan, as everywhere else in the planner. In the 45-file run of 30 November it
  called 12,682 on e05100 (12,681 proven), 22,381 on e20200 (22,379 known) and 45,747 on
  e10400 (45,746 proven) "optimal".
"""

from __future__ import annotations

from planner.gap.highs import solve_highs
from planner.problem import AssignmentProblem
from planner.solvers.base import SolveOptions, SolveResult, Status
from planner.solvers.cpsat import CpSatSolver
from planner.solvers.lp_bound import integer_bound


def cpsat_peer(problem: AssignmentProblem, options: SolveOptions) -> SolveResult:
    return CpSatSolver().solve(problem, options)


def highs_peer(problem: AssignmentProblem, options: SolveOptions) -> SolveResult:
    out = solve_highs(problem, float(options.time_limit_seconds), seed=int(options.seed), exact_gap=False)
    if out.unit_agent is not None:
        proven = (
            out.bound is not None and out.objective is not None and integer_bound(out.bound) >= out.objective
        )
        status = Status.OPTIMAL if out.optimal and proven else Status.FEASIBLE
        return SolveResult(status, "highs", out.unit_agent, out.objective, out.bound, out.seconds)
    if out.infeasible:
        return SolveResult(Status.INFEASIBLE, "highs", None, None, None, out.seconds)
    return SolveResult(Status.TIMEOUT, "highs", None, None, out.bound, out.seconds, message=out.reason)


PEERS = {"cpsat": cpsat_peer, "highs": highs_peer}

"""PuLP + CBC backend: the same formulation as CP-SAT, solved by LP-based branch and cut.

CBC runs as a separate process (PuLP writes an MPS file), so it never clashes
with OR-Tools' native libraries. PuLP reports "Optimal" for any solution CBC
returns, even one cut short by the time limit; `sol_status` and CBC's own log
tell the two apart, and the log also carries the best bound.
"""

from __future__ import annotations

import re
import tempfile
import time
from pathlib import Path

import numpy as np
import pulp

from planner.problem import UTIL_SCALE, AssignmentProblem
from planner.solvers.base import SolveOptions, SolveResult, Status

_BOUND = re.compile(r"^(?:Lower bound|Best possible):\s*(-?[0-9.eE+-]+)", re.MULTILINE)
_STOPPED = re.compile(r"^Result - Stopped on (time|iterations|nodes|gap)", re.MULTILINE)


class CbcSolver:
    name = "cbc"

    def supports(self, problem: AssignmentProblem) -> str | None:
        if problem.n_pairs > 2_000_000:
            return "PuLP builds the model in Python; above 2 million pairs use cpsat"
        return None

    def solve(self, problem: AssignmentProblem, options: SolveOptions) -> SolveResult:
        start = time.perf_counter()
        lp = pulp.LpProblem("assignment", pulp.LpMinimize)
        x = [pulp.LpVariable(f"x{p}", cat=pulp.LpBinary) for p in range(problem.n_pairs)]
        y = None
        if problem.unassigned_cost is not None:
            y = [pulp.LpVariable(f"y{u}", cat=pulp.LpBinary) for u in range(problem.n_units)]
        objective = pulp.lpSum(int(c) * v for c, v in zip(problem.pair_cost.tolist(), x, strict=True))
        if y is not None:
            assert problem.unassigned_cost is not None
            objective += pulp.lpSum(
                int(c) * v for c, v in zip(problem.unassigned_cost.tolist(), y, strict=True)
            )

        for u, pairs in enumerate(problem.pairs_of_unit()):
            terms = [x[p] for p in pairs.tolist()] + ([y[u]] if y is not None else [])
            lp += pulp.lpSum(terms) == 1, f"assign_{u}"

        loads = []
        for a in range(problem.n_agents):
            mine = np.nonzero(problem.pair_agent == a)[0].tolist()
            load = pulp.lpSum(int(problem.pair_weight[p]) * x[p] for p in mine)
            loads.append(load)
            lp += load <= int(problem.capacity[a]), f"capacity_{a}"
            if problem.lower is not None and problem.lower[a] > 0:
                lp += load >= int(problem.lower[a]), f"band_{a}"
            for r, name in enumerate(problem.limit_names):  # every registered manager limit
                if problem.uppers[r, a] >= 0 and mine:
                    use = problem.uses[r]
                    lp += (
                        pulp.lpSum(int(use[p]) * x[p] for p in mine if use[p]) <= int(problem.uppers[r, a]),
                        f"{name}_{a}",
                    )
        if problem.max_moves is not None and problem.pair_moves is not None:
            moving = np.nonzero(problem.pair_moves)[0].tolist()
            lp += pulp.lpSum(int(problem.pair_moves[p]) * x[p] for p in moving) <= problem.max_moves, "moves"
        if problem.balance_coef and problem.balance_agents is not None and problem.balance_agents.any():
            cap = problem.capacity_for_balance()
            u_max = pulp.LpVariable("util_max", lowBound=0, cat=pulp.LpInteger)
            u_min = pulp.LpVariable("util_min", lowBound=0, cat=pulp.LpInteger)
            for a in np.nonzero(problem.balance_agents)[0].tolist():
                lp += UTIL_SCALE * loads[a] <= int(cap[a]) * u_max, f"umax_{a}"
                lp += UTIL_SCALE * loads[a] >= int(cap[a]) * u_min, f"umin_{a}"
            objective += problem.balance_coef * (u_max - u_min)
        lp += objective
        build_seconds = time.perf_counter() - start

        with tempfile.TemporaryDirectory(prefix="planner-cbc-") as tmp:
            log_path = Path(tmp) / "cbc.log"
            cmd = pulp.PULP_CBC_CMD(
                msg=options.log,
                timeLimit=options.time_limit_seconds,
                threads=options.threads,
                gapRel=options.relative_gap,
                logPath=str(log_path),
                options=[f"randomSeed {options.seed + 1}"],
            )
            lp.solve(cmd)
            log_text = log_path.read_text() if log_path.exists() else ""
        runtime = time.perf_counter() - start
        stats: dict[str, float | int | str] = {"build_seconds": round(build_seconds, 3), "variables": len(x)}

        # CBC cut short by the time limit during preprocessing also ends "infeasible"; believe it
        # only when CBC did not stop on a limit and finished well inside the time it was given.
        cut_short = bool(_STOPPED.search(log_text)) or runtime >= 0.9 * options.time_limit_seconds
        if lp.status == pulp.LpStatusInfeasible and not cut_short:
            return SolveResult(Status.INFEASIBLE, self.name, None, None, None, runtime, statistics=stats)
        if lp.sol_status not in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
            return SolveResult(Status.TIMEOUT, self.name, None, None, None, runtime, statistics=stats)
        chosen = np.array([(v.value() or 0) > 0.5 for v in x], dtype=bool)
        unit_agent, unit_level = problem.read_choice(chosen)
        value = pulp.value(lp.objective)
        obj = float(round(value)) if value is not None else None
        stopped = bool(_STOPPED.search(log_text)) or lp.sol_status == pulp.LpSolutionIntegerFeasible
        bound = _parse_bound(log_text)
        if not stopped and options.relative_gap == 0:
            bound = obj  # CBC proved optimality
        elif bound is not None and obj is not None:
            bound = min(bound, obj)
        status = Status.OPTIMAL if (not stopped and options.relative_gap == 0) else Status.FEASIBLE
        return SolveResult(
            status, self.name, unit_agent, obj, bound, runtime, statistics=stats, unit_level=unit_level
        )


def _parse_bound(log_text: str) -> float | None:
    found = _BOUND.findall(log_text)
    return float(found[-1]) if found else None

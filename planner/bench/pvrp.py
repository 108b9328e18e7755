"""Cordeau's PVRP instances as a yardstick for the visit planning engine.

Each instance is solved by the same engine as the calendar (`search.solve`), then scored by
the checker; the gap is (cost - best known) / best known. Best-known values come from a
`best_known.csv` (columns `instance`, `best_known`) found beside the instance folder, as in
../shared/benchmarks/pvrp/. Optimality is never claimed.
"""

from __future__ import annotations

import csv
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

from planner.bench.cordeau import format_solution, read_instance
from planner.pvrp.problem import DayCombos, PeriodicProblem
from planner.pvrp.search import SearchParams, SearchResult, solve

logger = logging.getLogger(__name__)

# Starting price of load/duration excess, per unit of relative excess, in multiples of the
# longest arc: high enough that overloaded plans rarely look attractive, low enough to cross.
EXCESS_PRICE_ARCS = 10.0


# Customers removed per ruin-and-recreate round: larger ruins than the calendar's pay off on
# these capacity-tight instances (measured on p04-p32 at a fixed number of rounds).
RUIN_MEAN = 20.0

# Share of the time limit for routing the whole horizon in one OR-Tools model.
HORIZON_SHARE = 0.3
HORIZON_MIN_FREE_SHARE = 0.5


@dataclass(frozen=True)
class BenchRow:
    instance: str
    customers: int
    days: int
    vehicles_per_day: int
    cost: float
    best_known: float | None
    gap_pct: float | None
    feasible: bool  # checker: every rule holds and every required visit is made
    violations: int
    missed_visits: int
    status: str
    seconds: float
    rounds: int

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def free_visit_share(problem: PeriodicProblem) -> float:
    """Share of all visits made by customers seen once, on any of several days."""
    free = sum(1 for r in problem.rules if r.required == 1 and isinstance(r, DayCombos) and len(r.combos) > 1)
    return free / max(1, problem.required_visits())


def pvrp_params(problem: PeriodicProblem, time_limit_s: float, seed: int) -> SearchParams:
    # Where most visits may change day freely, the day is just a choice of vehicle and one
    # routing model over the whole horizon (OR-Tools' inter-route moves across days) pays off.
    several = int(problem.vehicles.max()) >= 2
    horizon = HORIZON_SHARE if several and free_visit_share(problem) >= HORIZON_MIN_FREE_SHARE else 0.0
    return SearchParams(
        time_limit_s=time_limit_s,
        seed=seed,
        excess_penalty=EXCESS_PRICE_ARCS * float(problem.travel.max() or 1.0),
        route_scale=1000.0,
        ruin_mean=RUIN_MEAN,
        horizon_share=horizon,
    )


def best_known_values(instance: Path, explicit: Path | None = None) -> dict[str, float]:
    """best_known.csv given, or found in the instance's folder or the one above it."""
    candidates = (
        [explicit]
        if explicit
        else [instance.parent / "best_known.csv", instance.parent.parent / "best_known.csv"]
    )
    for path in candidates:
        if path is not None and path.exists():
            with path.open(newline="", encoding="utf-8") as fh:
                return {
                    row["instance"]: float(row["best_known"])
                    for row in csv.DictReader(fh)
                    if row.get("best_known")
                }
    return {}


def run_instance(
    path: Path, time_limit_s: float, seed: int = 0, best_known: dict[str, float] | None = None
) -> tuple[BenchRow, PeriodicProblem, SearchResult]:
    problem = read_instance(path)
    result = solve(problem, pvrp_params(problem, time_limit_s, seed))
    report = result.report
    bks = (best_known or {}).get(problem.name)
    missed = sum(report.missed.values())
    feasible = report.feasible and missed == 0
    gap = 100.0 * (report.cost - bks) / bks if bks and feasible else None
    row = BenchRow(
        instance=problem.name,
        customers=problem.n_customers,
        days=problem.n_days,
        vehicles_per_day=int(problem.vehicles.max()),
        cost=round(report.cost, 2),
        best_known=bks,
        gap_pct=round(gap, 2) + 0.0 if gap is not None else None,  # + 0.0: no "-0.00"
        feasible=feasible,
        violations=len(report.violations),
        missed_visits=missed,
        status=result.status.value,
        seconds=round(result.runtime_s, 1),
        rounds=result.rounds,
    )
    logger.info("%s: cost %.2f gap %s feasible %s", row.instance, row.cost, row.gap_pct, row.feasible)
    return row, problem, result


def write_solution(directory: Path, problem: PeriodicProblem, result: SearchResult) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{problem.name}.res"
    path.write_text(format_solution(problem, result.solution), encoding="utf-8")
    return path

"""Cordeau's PVRP files: instances in, solutions (`.res`) out and in.

Instance layout (see ../shared/benchmarks/pvrp/FORMAT.md): `type m n t`, then t lines `D Q`,
then n+1 node lines `i x y d q f a c_1..c_a`. A combination code is a t-bit number whose
leftmost bit is day 1. Distances are Euclidean, unrounded; D = 0 means no duration limit.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from planner.errors import InputError, InputProblem
from planner.pvrp.check import route_metrics
from planner.pvrp.problem import INF, DayCombos, PeriodicProblem, PeriodicSolution

logger = logging.getLogger(__name__)


def decode_combo(code: int, n_days: int) -> tuple[int, ...]:
    """Days (0-based) of a combination code; the most significant of n_days bits is day 0."""
    return tuple(d for d in range(n_days) if code >> (n_days - 1 - d) & 1)


def read_instance(path: Path) -> PeriodicProblem:
    path = Path(path)
    if not path.exists():
        raise InputError([InputProblem(str(path), None, None, "file not found")])
    tokens = path.read_text().split()
    try:
        return _parse(path.name, tokens)
    except (IndexError, ValueError) as exc:
        raise InputError(
            [InputProblem(path.name, None, None, f"not a Cordeau PVRP instance ({exc})")]
        ) from None


def _parse(name: str, tokens: list[str]) -> PeriodicProblem:
    pos = 0

    def take() -> str:
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    kind, m, n, t = (int(take()) for _ in range(4))
    if kind != 1:
        raise ValueError(f"problem type {kind}, expected 1 (PVRP)")
    limits = [(float(take()), float(take())) for _ in range(t)]
    xy = np.zeros((n + 1, 2))
    service = np.zeros(n + 1)
    demand = np.zeros(n + 1)
    rules = []
    for i in range(n + 1):
        node = int(take())
        if node != i:
            raise ValueError(f"node line {i} is numbered {node}")
        xy[i] = float(take()), float(take())
        service[i] = float(take())
        demand[i] = float(take())
        frequency, n_combos = int(take()), int(take())
        combos = tuple(decode_combo(int(take()), t) for _ in range(n_combos))
        if i == 0:
            continue
        sizes = {len(c) for c in combos}
        if len(sizes) > 1:
            raise ValueError(f"customer {i}: combinations of different sizes {sorted(sizes)}")
        if sizes and frequency not in sizes:
            # p11 customer 131 says f = 0 yet lists one-day combinations, and Cordeau's own
            # solution visits it once: the combinations are the truth.
            logger.info("%s customer %d: f = %d but combinations have %d day(s)", name, i, frequency, *sizes)
        rules.append(DayCombos(combos))
    diff = xy[:, None, :] - xy[None, :, :]
    travel = np.sqrt((diff**2).sum(axis=2))
    miss = np.full(n + 1, INF)
    miss[0] = 0.0
    return PeriodicProblem(
        name=Path(name).name,
        travel=travel,
        service=service,
        demand=demand,
        vehicles=np.full(t, m, dtype=np.int64),
        capacity=np.array([q if q > 0 else INF for _, q in limits]),
        max_duration=np.array([d if d > 0 else INF for d, _ in limits]),
        rules=tuple(rules),
        miss_cost=miss,
        labels=tuple(str(i) for i in range(n + 1)),
    )


def format_solution(problem: PeriodicProblem, solution: PeriodicSolution) -> str:
    """Cordeau's `.res` layout: total cost, then `day vehicle duration load 0 v1 .. vk 0` per route."""
    lines = []
    total = 0.0
    for d, day in enumerate(solution.routes):
        for k, route in enumerate((r for r in day if r), start=1):
            travel, load, duration = route_metrics(problem, route)
            total += travel
            stops = " ".join(str(c) for c in route)
            lines.append(f"{d + 1}   {k}   {duration:.2f}   {load:g}   0 {stops} 0")
    return f"{total:.2f}\n" + "\n".join(lines) + "\n"


def read_solution(path: Path, n_days: int) -> tuple[float, PeriodicSolution]:
    """(stated cost, routes) from a `.res` file."""
    lines = [ln.split() for ln in Path(path).read_text().splitlines() if ln.strip()]
    stated = float(lines[0][0])
    routes: list[list[tuple[int, ...]]] = [[] for _ in range(n_days)]
    for parts in lines[1:]:
        day = int(parts[0]) - 1
        stops = [int(x) for x in parts[4:]]
        routes[day].append(tuple(c for c in stops if c != 0))
    return stated, PeriodicSolution(tuple(tuple(r) for r in routes))

"""GAP benchmark files (OR-Library and Yagiura layouts) and their `AssignmentProblem` view.

A GAP instance has m agents and n jobs; giving job j to agent i costs c[i][j] and uses
a[i][j] of agent i's capacity b[i]:

    opt  sum_ij c[i][j] x[i][j]
    s.t. sum_i x[i][j] = 1            for every job j
         sum_j a[i][j] x[i][j] <= b[i] for every agent i,   x binary.

Files are one stream of whitespace-separated integers (line breaks carry no meaning):
`m n c(m*n) a(m*n) b(m)` for a Yagiura file, and `P` followed by P such blocks for an
OR-Library `gapK.txt` file. Maximisation instances become minimisation by negating costs,
so the planner's solvers (which minimise) see every instance the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from planner.problem import AssignmentProblem

Sense = Literal["min", "max"]


class GapFormatError(ValueError):
    """A GAP file whose token stream does not match either layout."""


@dataclass(frozen=True, eq=False)
class GapInstance:
    name: str  # best_known.csv key: `gap4-2` (OR-Library, 1-based problem) or `d801600`
    cost: np.ndarray  # (m, n) int64, agent-major as in the file
    weight: np.ndarray  # (m, n) int64
    capacity: np.ndarray  # (m,) int64

    @property
    def n_agents(self) -> int:
        return int(self.cost.shape[0])

    @property
    def n_jobs(self) -> int:
        return int(self.cost.shape[1])

    def to_problem(self, sense: Sense = "min") -> AssignmentProblem:
        """All (job, agent) pairs eligible, job-major so the pairs of one job are adjacent."""
        m, n = self.n_agents, self.n_jobs
        sign = -1 if sense == "max" else 1
        return AssignmentProblem(
            n_units=n,
            n_agents=m,
            pair_unit=np.repeat(np.arange(n, dtype=np.int64), m),
            pair_agent=np.tile(np.arange(m, dtype=np.int64), n),
            pair_cost=sign * np.ascontiguousarray(self.cost.T).ravel(),
            pair_weight=np.ascontiguousarray(self.weight.T).ravel(),
            capacity=self.capacity.copy(),
            unit_names=[f"job{j + 1}" for j in range(n)],
            agent_names=[f"agent{i + 1}" for i in range(m)],
        )

    def objective(self, job_agent: np.ndarray) -> int:
        """Objective in the file's own units (no sign change), for a 0-based agent per job."""
        return int(self.cost[job_agent, np.arange(self.n_jobs)].sum())

    def is_feasible(self, job_agent: np.ndarray) -> bool:
        if job_agent.shape != (self.n_jobs,) or job_agent.min() < 0 or job_agent.max() >= self.n_agents:
            return False
        load = np.bincount(
            job_agent, weights=self.weight[job_agent, np.arange(self.n_jobs)], minlength=self.n_agents
        )
        return bool((load <= self.capacity).all())


def _block(tokens: np.ndarray, pos: int, where: str) -> tuple[tuple[np.ndarray, ...], int]:
    if pos + 2 > tokens.size:
        raise GapFormatError(f"{where}: file ends before the 'm n' header at token {pos}")
    m, n = int(tokens[pos]), int(tokens[pos + 1])
    if m <= 0 or n <= 0:
        raise GapFormatError(f"{where}: bad header m={m} n={n} at token {pos}")
    pos += 2
    end = pos + 2 * m * n + m
    if end > tokens.size:
        raise GapFormatError(f"{where}: needs {end} tokens for m={m} n={n}, file has {tokens.size}")
    cost = tokens[pos : pos + m * n].reshape(m, n)
    weight = tokens[pos + m * n : pos + 2 * m * n].reshape(m, n)
    capacity = tokens[pos + 2 * m * n : end]
    return (cost, weight, capacity), end


def parse_gap(text: str, stem: str) -> list[GapInstance]:
    """Every problem in one file; the layout is told apart by whether the token count fits."""
    try:
        tokens = np.array(text.split(), dtype=np.int64)
    except ValueError as exc:
        raise GapFormatError(f"{stem}: non-integer token ({exc})") from None
    if tokens.size >= 2:
        m, n = int(tokens[0]), int(tokens[1])
        if m > 0 and n > 0 and tokens.size == 2 + 2 * m * n + m:
            (cost, weight, capacity), _ = _block(tokens, 0, stem)
            return [GapInstance(stem, cost.copy(), weight.copy(), capacity.copy())]
    if tokens.size == 0:
        raise GapFormatError(f"{stem}: empty file")
    count = int(tokens[0])
    pos = 1
    out = []
    for p in range(count):
        (cost, weight, capacity), pos = _block(tokens, pos, f"{stem} problem {p + 1}")
        out.append(GapInstance(f"{stem}-{p + 1}", cost.copy(), weight.copy(), capacity.copy()))
    if pos != tokens.size:
        raise GapFormatError(
            f"{stem}: {tokens.size - pos} tokens left after {count} problems; neither layout fits"
        )
    return out


def read_gap_file(path: Path) -> list[GapInstance]:
    """`gap4.txt` -> gap4-1..gap4-5; `d801600` -> d801600 (names as in best_known.csv)."""
    stem = path.name.removesuffix(".txt")
    return parse_gap(path.read_text(), stem)


def read_best_known(path: Path) -> dict[tuple[str, str], int]:
    """best_known.csv as {(instance, sense): value}; a missing file gives an empty table."""
    if not path.exists():
        return {}
    table: dict[tuple[str, str], int] = {}
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    col = {name: k for k, name in enumerate(header)}
    for line in lines[1:]:
        if not line.strip():
            continue
        cells = line.split(",")
        table[(cells[col["instance"]], cells[col["sense"]])] = int(cells[col["best_known"]])
    return table

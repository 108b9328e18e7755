"""Dense agent x job matrices of a side-constraint-free `AssignmentProblem`.

The heuristics and the Lagrangian bound work on (m, n) arrays: vectorised numpy over all
pairs is far faster than loops over a sparse pair list. Ineligible pairs get `eligible =
False`, an infinite cost and a weight above every capacity, so no array operation can pick
them by accident.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.problem import AssignmentProblem


@dataclass(frozen=True, eq=False)
class DenseGap:
    cost: np.ndarray  # (m, n) float64, +inf where ineligible
    weight: np.ndarray  # (m, n) int64, capacity.max() + 1 where ineligible
    eligible: np.ndarray  # (m, n) bool
    capacity: np.ndarray  # (m,) int64
    pair_of: np.ndarray  # (m, n) int64 pair index, -1 where ineligible

    @property
    def n_agents(self) -> int:
        return int(self.cost.shape[0])

    @property
    def n_jobs(self) -> int:
        return int(self.cost.shape[1])

    def objective(self, job_agent: np.ndarray) -> float:
        return float(self.cost[job_agent, np.arange(self.n_jobs)].sum())

    def loads(self, job_agent: np.ndarray) -> np.ndarray:
        used = self.weight[job_agent, np.arange(self.n_jobs)]
        return np.bincount(job_agent, weights=used, minlength=self.n_agents).astype(np.int64)

    def is_feasible(self, job_agent: np.ndarray) -> bool:
        jobs = np.arange(self.n_jobs)
        return bool(
            (job_agent >= 0).all()
            and self.eligible[job_agent, jobs].all()
            and (self.loads(job_agent) <= self.capacity).all()
        )


def to_dense(problem: AssignmentProblem) -> DenseGap:
    m, n = problem.n_agents, problem.n_units
    cost = np.full((m, n), np.inf)
    weight = np.full((m, n), int(problem.capacity.max(initial=0)) + 1, dtype=np.int64)
    pair_of = np.full((m, n), -1, dtype=np.int64)
    cost[problem.pair_agent, problem.pair_unit] = problem.pair_cost
    weight[problem.pair_agent, problem.pair_unit] = problem.pair_weight
    pair_of[problem.pair_agent, problem.pair_unit] = np.arange(problem.n_pairs)
    return DenseGap(cost, weight, pair_of >= 0, problem.capacity.astype(np.int64), pair_of)

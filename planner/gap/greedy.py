"""Regret greedy construction (Martello & Toth's MTHG) on any job-agent desirability matrix.

Jobs are placed one at a time; the next job is the one with the largest regret, the gap
between its best and second-best agent that still has room, so jobs with few good
options are placed while those options exist. Using the Lagrangian costs c + v a as the
desirability (v from `planner.gap.lagrange`) steers jobs away from agents whose capacity
the relaxation shows to be scarce. Regrets are recomputed in batches: between
recomputations only the agents that received a job can have lost options.
"""

from __future__ import annotations

import numpy as np

from planner.gap.dense import DenseGap


def regret_greedy(dense: DenseGap, desirability: np.ndarray) -> np.ndarray | None:
    """An agent per job (feasible), or None when the greedy paints itself into a corner."""
    m, n = dense.n_agents, dense.n_jobs
    residual = dense.capacity.astype(np.int64).copy()
    job_agent = np.full(n, -1, dtype=np.int64)
    open_jobs = np.arange(n)
    while open_jobs.size:
        fits = dense.eligible[:, open_jobs] & (dense.weight[:, open_jobs] <= residual[:, None])
        score = np.where(fits, desirability[:, open_jobs], np.inf)
        if not fits.any(axis=0).all():
            return None
        two = (
            np.partition(score, 1, axis=0)[:2]
            if m > 1
            else np.vstack([score, np.full((1, score.shape[1]), np.inf)])
        )
        regret = np.where(np.isinf(two[1]), np.inf, two[1] - two[0])
        best_agent = score.argmin(axis=0)
        order = np.argsort(-regret, kind="stable")
        touched = np.zeros(m, dtype=bool)
        placed = []
        for k in order.tolist():
            agent = int(best_agent[k])
            if touched[agent]:
                # The agent's residual changed since this regret was computed: recompute.
                break
            j = int(open_jobs[k])
            job_agent[j] = agent
            residual[agent] -= int(dense.weight[agent, j])
            touched[agent] = True
            placed.append(k)
        keep = np.ones(open_jobs.size, dtype=bool)
        keep[placed] = False
        open_jobs = open_jobs[keep]
    return job_agent

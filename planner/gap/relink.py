"""Path relinking over an elite pool of local optima, with the penalty search as improver.

Yagiura, Ibaraki & Glover (EJOR 169, 2006) restart their ejection-chain search from points
on paths between two good solutions: the jobs the two agree on are likely right, and a start
that mixes the two keeps those while it explores the jobs they disagree on. Here:

- the pool holds up to `pool_size` distinct feasible plans (the best anywhere, as filed
  with the engine's tracker, joins it whenever it changes);
- one step takes two pool members A and B, starts from A with a random share (a quarter to
  three quarters) of the jobs where they differ given B's agent, and runs the penalty local
  search (`planner.gap.local_search`) from there until it stops finding better plans;
- the result replaces the worst member when it is better and not already in the pool.

With fewer than two members, a step starts from the best plan with a few random jobs moved
(the same kick the search itself uses), which is how the pool fills up. Before any plan
exists (large problems under load), the relinker searches on its own from `start`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from planner.budget import Budget
from planner.gap.dense import DenseGap
from planner.gap.local_search import SearchState, search, start_state


class Relinker:
    def __init__(
        self,
        dense: DenseGap,
        cand: np.ndarray,
        w0: np.ndarray,
        start: np.ndarray,
        seed: int,
        pool_size: int = 10,
        patience: int = 30,
        give_up: int = 100,
        step_share: float = 0.1,
        depth: int = 0,
    ):
        self.dense, self.cand, self.w0 = dense, cand, w0.astype(float).copy()
        self.rng = np.random.default_rng(seed)
        self.seed = seed
        self.pool_size = pool_size
        self.patience, self.give_up, self.step_share = patience, give_up, step_share
        self.depth = depth  # the search's ejection chains (0: none longer than two moves)
        self.pool: list[tuple[float, np.ndarray]] = []
        self.steps = 0
        self.improvements = 0
        self.best = math.inf
        self._own = start_state(dense, start, w0)  # searched only while the pool is empty

    def offer(self, value: float, plan: np.ndarray) -> bool:
        """Add a feasible plan to the pool; True when it went in."""
        if not math.isfinite(value):
            return False
        for v, p in self.pool:
            if v == value and np.array_equal(p, plan):
                return False
        if len(self.pool) < self.pool_size:
            self.pool.append((value, plan.copy()))
            return True
        worst = max(range(len(self.pool)), key=lambda k: self.pool[k][0])
        if value < self.pool[worst][0]:
            self.pool[worst] = (value, plan.copy())
            return True
        return False

    def _start(self) -> np.ndarray:
        n = self.dense.n_jobs
        if len(self.pool) < 2:
            base = min(self.pool, key=lambda vp: vp[0])[1].copy()
            kick = max(2, n // 50)
            jobs = self.rng.integers(n, size=kick)
            to = self.cand[jobs, self.rng.integers(self.cand.shape[1], size=kick)]
            # Candidate lists pad with ineligible agents on sparse problems: those jobs stay.
            ok = self.dense.eligible[to, jobs]
            base[jobs[ok]] = to[ok]
            return base
        a, b = self.rng.choice(len(self.pool), size=2, replace=False)
        x, guide = self.pool[a][1].copy(), self.pool[b][1]
        diff = np.nonzero(x != guide)[0]
        if diff.size:
            share = self.rng.uniform(0.25, 0.75)
            take = diff[self.rng.random(diff.size) < share]
            x[take] = guide[take]
        return x

    def run(
        self,
        budget: Budget,
        incumbent: Callable[[], tuple[float, np.ndarray | None]],
        on_improve: Callable[[float, np.ndarray], None],
        should_stop: Callable[[], bool] | None = None,
    ) -> None:
        while not budget.expired():
            if should_stop is not None and should_stop():
                return
            value, plan = incumbent()
            if plan is not None:
                self.offer(value, plan)
                self.best = min(self.best, value)
            if not self.pool:
                self._search(self._own, budget, on_improve, should_stop)
                continue
            self._search(start_state(self.dense, self._start(), self.w0), budget, on_improve, should_stop)

    def _search(
        self,
        state: SearchState,
        budget: Budget,
        on_improve: Callable[[float, np.ndarray], None],
        should_stop: Callable[[], bool] | None,
    ) -> None:
        self.steps += 1
        search(
            self.dense,
            state,
            self.cand,
            budget.child(max(0.05, self.step_share * budget.seconds)),
            seed=self.seed + 7919 * self.steps,
            patience=self.patience,
            give_up=self.give_up,
            depth=self.depth,
            should_stop=should_stop,
        )
        found = float(state.best[0])
        if math.isfinite(found):
            self.offer(found, state.best_assign)
            if found < self.best - 1e-9:
                self.best = found
                self.improvements += 1
                on_improve(found, state.best_assign)

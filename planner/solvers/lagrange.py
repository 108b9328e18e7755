"""A bound above the LP's for the multiple-choice model: price "each unit once", solve each agent exactly.

With a price λ_u on each unit's row (Σ its options + unserved = 1) and a price μ_rm >= 0 on each
manager limit row, the problem falls apart by agent:

    L(λ, μ) = Σ_u λ_u + Σ_u min(0, unserved_u - λ_u) - Σ_rm μ_rm limit_rm
              - Σ_m max_S Σ_{p in S} (λ_u(p) - c_p - Σ_r μ_rm use_rp)

the max over the sets S of agent m's options that fit its hours, one per unit: a multiple-choice
knapsack, solved exactly by the dynamic programme of `knapsack_sweep._knapsack`. Every plan is
one such S per agent, so L(λ, μ) <= its pair and unserved costs, for any λ and any μ >= 0; the
balance and peer-spread terms are >= 0 and the move budget, lower band and one-role rows are
dropped, which only lowers L. So every L evaluated is a proven lower bound, whatever the prices:
a wrong price can only make it weaker.

At the LP's duals L is at least the LP's value (the LP solves each agent's knapsack
fractionally); subgradient steps (Polyak's, towards the best plan known) then raise it.

Why: under scarcity an account can take a sixth of a manager's month (a strategic account with
its travel) and the LP splits such accounts across managers; the knapsack does not. On regions
of the generated 3,000 x 80 set the LP bound sat 1-2 % below what HiGHS proved in minutes.

Hours are counted in steps of `step` centi-hours (the agent's weights' common divisor, or
coarser when the table would pass `MAX_CELLS`): weights rounded down, capacity rounded down, so
a set that fits the true hours fits these and the knapsack stays a relaxation. Profits are
floored to integers for the programme, and the floor's loss (under one unit per unit) is added
back, so the float maximum is never understated.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from planner.budget import Budget
from planner.problem import AssignmentProblem
from planner.solvers.knapsack_sweep import _knapsack

log = logging.getLogger(__name__)

# Options x hour steps per agent and evaluation; beyond, coarser steps. Measured on the largest
# regions of the generated 3,000 x 80 set (about 1,000 options and 110 h per agent): at 3 M cells
# the steps cost 1 % of the bound, so that L stayed below the LP's; at 12 M it rose 0.6 % over
# it in 5 s.
MAX_CELLS = 16_000_000
SAFETY = 1e-6  # relative, taken off before rounding up (floating point in the prices and sums)
PROFIT_SCALE = 1e12  # the largest profit of an agent as an integer; floors lose < 1e-12 of it
STALL = 6  # evaluations without a better L before the step halves
# A step aims this far above the best L (relative), not at the best plan: under scarcity the
# plans sit 5-30 % above the bound on large regions, and steps aimed there overshoot, so that the
# first dozens of evaluations only halved the step (3,000 x 80, 11,566 options: +0.07 % in 5 s).
AIM = 0.005
MIN_THETA = 1e-3


@dataclass(frozen=True)
class Evaluation:
    value: float  # L(λ, μ) in floating point (a bound before the rounding in `lagrangian_bound`)
    chosen: np.ndarray  # pairs the agents' knapsacks took (a unit may be taken by several)
    served: np.ndarray  # (U,) how often each unit is covered: knapsacks + unserved column
    over: np.ndarray  # (R, M) each limit's use in the knapsacks' sets less its limit (0 uncapped)


@dataclass(frozen=True)
class LagrangeBound:
    bound: float | None  # an integer lower bound of the objective; None if nothing was evaluated
    iterations: int
    seconds: float
    # The knapsacks' sets at the prices of the best bound: a start for a plan (`plan_from`).
    chosen: np.ndarray | None = field(default=None, repr=False)


class AgentKnapsacks:
    """Each agent's options grouped by unit, with their hours in the knapsack's steps."""

    def __init__(self, problem: AssignmentProblem, max_cells: int = MAX_CELLS) -> None:
        self.problem = problem
        self.max_cells = max_cells
        order = np.lexsort((problem.pair_unit, problem.pair_agent))  # by agent, then unit
        bounds = np.searchsorted(problem.pair_agent[order], np.arange(problem.n_agents + 1))
        self.pairs = [order[bounds[m] : bounds[m + 1]] for m in range(problem.n_agents)]
        self.cost = problem.pair_cost.astype(float)
        self.unserved = None if problem.unassigned_cost is None else problem.unassigned_cost.astype(float)
        self.capped = problem.uppers >= 0

    def evaluate(
        self, unit_price: np.ndarray, limit_price: np.ndarray, stop: Callable[[], bool] | None = None
    ) -> Evaluation | None:
        """L at prices λ (U,) and μ (R, M) >= 0 (μ on uncapped rows is ignored); None if `stop`
        said so between two agents (a part of the sum is no bound)."""
        p = self.problem
        mu = np.where(self.capped, np.maximum(limit_price, 0.0), 0.0)
        served = np.zeros(p.n_units)
        over = np.zeros(p.uppers.shape)
        chosen: list[np.ndarray] = []
        total = float(unit_price.sum()) - float((mu * np.where(self.capped, p.uppers, 0)).sum())
        if self.unserved is not None:
            gain = self.unserved - unit_price
            take = gain < 0
            total += float(gain[take].sum())
            served[take] += 1.0
        for m, pairs in enumerate(self.pairs):
            if stop is not None and stop():
                return None
            if pairs.size == 0:
                continue
            profit = unit_price[p.pair_unit[pairs]] - self.cost[pairs]
            if mu.shape[0]:
                profit = profit - mu[:, m] @ p.uses[:, pairs]
            keep = profit > 0
            if not keep.any():
                continue
            opts = pairs[keep]
            scale = PROFIT_SCALE / max(float(profit[keep].max()), 1.0)
            prof = np.floor(profit[keep] * scale).astype(np.int64)
            units = p.pair_unit[opts]
            starts = np.flatnonzero(np.r_[True, units[1:] != units[:-1], True])
            weight, cap = self._steps(p.pair_weight[opts].astype(np.int64), int(p.capacity[m]))
            picked = _knapsack(starts, weight, prof, cap)
            took = picked[picked >= 0]
            # The programme maximised floored profits; any set's true profit is at most its
            # floored sum plus one scaled unit per unit in it.
            total -= float(prof[took].sum() + (starts.size - 1)) / scale
            served[units[took]] += 1.0
            chosen.append(opts[took])
            if mu.shape[0]:
                over[:, m] = p.uses[:, opts[took]].sum(axis=1) - p.uppers[:, m]
        pairs_taken = np.concatenate(chosen) if chosen else np.zeros(0, dtype=np.int64)
        return Evaluation(total, pairs_taken, served, np.where(self.capped, over, 0.0))

    def _steps(self, weight: np.ndarray, cap: int) -> tuple[np.ndarray, int]:
        """Weights and capacity in steps: the weights' greatest common divisor (exact), or
        coarser to stay within `max_cells` (weights and capacity rounded down: a relaxation)."""
        cap = max(cap, 0)
        divisor = int(np.gcd.reduce(weight[weight > 0])) if (weight > 0).any() else 1
        step = max(divisor, math.ceil(weight.size * (cap + 1) / self.max_cells))
        if step <= 1:
            return weight, cap
        return weight // step, cap // step


def limit_prices(problem: AssignmentProblem, row_dual: np.ndarray) -> np.ndarray:
    """(R, M) prices of the manager limit rows, >= 0, from the LP's row duals in
    `relaxation_proto`'s order (one row per unit, one per agent, then each limit's capped agents).
    MathOpt's duals of <= rows in a minimisation are <= 0."""
    mu = np.zeros(problem.uppers.shape)
    row = problem.n_units + problem.n_agents
    for k in range(len(problem.limit_names)):
        capped = np.nonzero(problem.uppers[k] >= 0)[0]
        mu[k, capped] = np.maximum(-row_dual[row : row + capped.size], 0.0)
        row += capped.size
    return mu


def lagrangian_bound(
    problem: AssignmentProblem,
    row_dual: np.ndarray,
    target: float,
    budget: Budget,
    max_iterations: int = 500,
    knapsacks: AgentKnapsacks | None = None,
    stop: Callable[[], bool] | None = None,
    on_evaluation: Callable[[Evaluation], None] | None = None,
) -> LagrangeBound:
    """The best L found within `budget` by subgradient steps from the LP's row duals
    (`LpBound.row_dual`), each aimed a little above the best L so far and never past `target`
    (the best plan's objective).
    Rounded up to an integer (less SAFETY); never above `target` when `target` is a plan's.
    `stop` ends the steps early (a caller that is done), like the budget's deadline.
    `on_evaluation` sees every evaluation: its knapsacks' sets are the columns of
    `planner.solvers.column_pool`."""
    start = time.perf_counter()
    agents = knapsacks if knapsacks is not None else AgentKnapsacks(problem)
    lam = row_dual[: problem.n_units].astype(float).copy()
    mu = limit_prices(problem, row_dual)
    best: Evaluation | None = None
    theta, stalled, done = 1.0, 0, 0
    while done < max_iterations and not budget.expired() and not (stop is not None and stop()):
        done += 1
        now = agents.evaluate(lam, mu, stop)
        if now is None:
            break
        if on_evaluation is not None:
            on_evaluation(now)
        if best is None or now.value > best.value + 1e-9 * max(abs(now.value), 1.0):
            best, stalled = now, 0
        else:
            stalled += 1
            if stalled >= STALL:
                theta, stalled = theta / 2, 0
                if theta < MIN_THETA:
                    break
        gap = min(target, best.value + AIM * max(abs(best.value), 1.0)) - now.value
        gradient = 1.0 - now.served
        # A limit's price rises where the knapsacks break it and falls (not below 0) where not.
        moving = (mu > 0) | (now.over > 0)
        norm = float(gradient @ gradient) + float((now.over[moving] ** 2).sum())
        if norm == 0.0 or gap <= 0:
            break  # every row is met (L is the optimum), or the bound has met the best plan
        step = theta * gap / norm
        lam = lam + step * gradient
        mu = np.maximum(mu + step * now.over, 0.0)
    seconds = time.perf_counter() - start
    if best is None:
        return LagrangeBound(None, done, seconds)
    bound = float(math.ceil(best.value - SAFETY * max(abs(best.value), 1.0)))
    return LagrangeBound(bound, done, seconds, best.chosen)


def plan_from(problem: AssignmentProblem, chosen: np.ndarray) -> np.ndarray:
    """unit -> pair (-1 free) from the knapsacks' sets: a unit taken by several agents keeps its
    cheapest option, and an agent whose set breaks a manager limit sheds its units of least
    worth (unserved cost less option cost, per unit of the limit) until it holds. Every agent's
    set fit its hours, so the result fits together; callers fill the free units."""
    p = problem
    out = np.full(p.n_units, -1, dtype=np.int64)
    if chosen.size == 0:
        return out
    by_cost = chosen[np.lexsort((p.pair_cost[chosen], p.pair_unit[chosen]))]
    first = np.r_[True, p.pair_unit[by_cost][1:] != p.pair_unit[by_cost][:-1]]
    kept = by_cost[first]
    out[p.pair_unit[kept]] = kept
    if len(p.limit_names) == 0:
        return out
    worth = np.zeros(p.n_pairs)
    worth[kept] = (
        p.unassigned_cost[p.pair_unit[kept]] - p.pair_cost[kept]
        if p.unassigned_cost is not None
        else -p.pair_cost[kept]
    )
    for m in np.unique(p.pair_agent[kept]).tolist():
        mine = kept[p.pair_agent[kept] == m]
        rows = np.nonzero(p.uppers[:, m] >= 0)[0]
        for r in rows.tolist():
            use = p.uses[r, mine]
            excess = int(use.sum()) - int(p.uppers[r, m])
            if excess <= 0:
                continue
            order = np.argsort(worth[mine] / np.maximum(use, 1), kind="stable")
            for q in mine[order].tolist():
                if excess <= 0:
                    break
                if p.uses[r, q] > 0 and out[p.pair_unit[q]] == q:
                    out[p.pair_unit[q]] = -1
                    excess -= int(p.uses[r, q])
            mine = mine[out[p.pair_unit[mine]] == mine]
    return out


class BackgroundLagrange:
    """`lagrangian_bound` of each job (key, problem, its LP's row duals: the regions of a split
    run), largest first, in a thread, the time shared by options; `collect` returns key -> bound.
    The knapsacks are machine code that lets go of the GIL, so the thread costs a caller that
    waits in HiGHS little."""

    def __init__(self, jobs: list[tuple[int, AssignmentProblem, np.ndarray]], budget: Budget) -> None:
        self._jobs = sorted(jobs, key=lambda job: -job[1].n_pairs)
        self._budget = budget
        self._done = threading.Event()
        self.results: dict[int, LagrangeBound] = {}
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def collect(self, wait_seconds: float = 0.0) -> dict[int, LagrangeBound]:
        """The bounds found within `wait_seconds` more; the job under way stops with its best so
        far (it looks between two agents' knapsacks, a few milliseconds apart)."""
        self._thread.join(timeout=max(wait_seconds, 0.0))
        self._done.set()
        self._thread.join(timeout=0.2)  # the knapsacks look at the flag between agents
        return dict(self.results)

    def _run(self) -> None:
        options_left = float(sum(problem.n_pairs for _, problem, _ in self._jobs))
        for key, problem, row_dual in self._jobs:
            share = problem.n_pairs / max(options_left, 1.0)
            options_left -= problem.n_pairs
            if self._done.is_set() or self._budget.expired():
                return
            try:
                found = lagrangian_bound(
                    problem,
                    row_dual,
                    math.inf,
                    self._budget.child(self._budget.remaining() * share),
                    max_iterations=100_000,
                    stop=self._done.is_set,
                )
            except Exception:  # a bound is a bonus; never let it take the solve down
                log.exception("Lagrangian bound failed on a part of %d options", problem.n_pairs)
                continue
            self.results[key] = found
            log.debug(
                "part %d (%d options): Lagrangian bound %s after %d steps, %.1f s",
                key,
                problem.n_pairs,
                found.bound,
                found.iterations,
                found.seconds,
            )

"""Agent by agent, the best set of units at the prices the rest of the plan sets: an exact
knapsack per agent, repeated while it pays.

For one agent, every unit it may serve is worth what the plan saves by giving it to this agent:
a unit left unserved saves its unserved cost, a unit held by another agent saves that pair's
cost, a unit this agent holds saves what its alternative would cost (its cheapest option at
another agent that has the room, else its unserved cost; a dropped unit goes there). Less the option's own cost, that is the option's profit, and the
agent's best set is a multiple-choice knapsack over its hours: one option (level) per unit at
most, solved exactly by dynamic programming over the hours. The agent's current set is one of
the sets the knapsack weighs, so the plan's objective never rises (balance aside: see below).

Why: under scarcity the hours are what is short, and a region's units compete for them. Value
first ranks units by worth per hour and picks each one's cheapest agent, which can spend twice
the hours of another agent on travel; HiGHS and CP-SAT stalled 5-12 % above the LP on regions
of 2,000-17,000 options (generated 3,000 x 80, 30 s). The knapsack weighs hours exactly.

A manager limit (accounts, strategic accounts) is a second knapsack dimension: it is priced in
(a Lagrange multiplier found by bisection) until the set keeps it. Not used with a move budget
or a lower band (both couple agents; the caller checks). The balance term is not seen: the
caller scores the result with it and keeps the better plan.
"""

from __future__ import annotations

import numpy as np
from numba import njit  # a dependency: the dynamic programme runs as machine code

from planner.budget import Budget
from planner.problem import AssignmentProblem

# Largest DP table (options x hours) per agent; beyond it hours are counted in coarser steps,
# each option's hours rounded up (so a set that fits the coarse knapsack fits the true one).
MAX_CELLS = 6_000_000
LIMIT_BISECTIONS = 20


@njit(cache=True, nogil=True)
def _knapsack(starts: np.ndarray, weight: np.ndarray, profit: np.ndarray, cap: int) -> np.ndarray:
    """Multiple-choice 0-1 knapsack: options grouped by unit (`starts`, one group per unit),
    at most one per group, total weight <= cap, profit (int64) maximal. Returns the chosen
    option per group (-1 none), each as an index into the option arrays."""
    groups = starts.size - 1
    best = np.zeros(cap + 1, dtype=np.int64)  # best profit within weight c
    take = np.full((groups, cap + 1), -1, dtype=np.int32)
    for g in range(groups):
        new = best.copy()
        for o in range(starts[g], starts[g + 1]):
            w = weight[o]
            p = profit[o]
            if p <= 0 or w > cap:
                continue
            for c in range(cap, w - 1, -1):
                v = best[c - w] + p
                if v > new[c]:
                    new[c] = v
                    take[g, c] = o
        best = new
    out = np.full(groups, -1, dtype=np.int64)
    c = cap
    for g in range(groups - 1, -1, -1):
        o = take[g, c]
        if o >= 0:
            out[g] = o
            c -= weight[o]
    return out


class KnapsackSweep:
    """The per-agent knapsack over a fixed problem; `improve` runs sweeps over the agents."""

    def __init__(self, problem: AssignmentProblem) -> None:
        self.problem = problem
        order = np.lexsort((problem.pair_unit, problem.pair_agent))  # by agent, then unit
        bounds = np.searchsorted(problem.pair_agent[order], np.arange(problem.n_agents + 1))
        self.pairs_of_agent = [order[bounds[m] : bounds[m + 1]] for m in range(problem.n_agents)]
        self.limited = [np.nonzero(problem.uppers[:, m] >= 0)[0] for m in range(problem.n_agents)]
        self.pairs_of_unit = problem.pairs_of_unit()
        # Hours then each limit, per pair: stacked once, not per agent visited (a (1 + R, P) copy).
        self.use = problem.resource_use()

    @staticmethod
    def applies(problem: AssignmentProblem) -> bool:
        return problem.unassigned_cost is not None and problem.max_moves is None and problem.lower is None

    def improve(
        self,
        unit_pair: np.ndarray,
        budget: Budget,
        seed: int = 0,
        max_sweeps: int = 20,
    ) -> np.ndarray:
        """unit -> chosen pair (-1 unserved), improved agent by agent until a sweep changes
        nothing, `max_sweeps` pass or the budget runs out. The input is not changed."""
        p = self.problem
        assert p.unassigned_cost is not None
        chosen = unit_pair.copy()
        rng = np.random.default_rng(seed)
        for _ in range(max_sweeps):
            changed = False
            for m in rng.permutation(p.n_agents).tolist():
                if budget.expired():
                    return chosen
                changed |= self._best_set(chosen, int(m))
            if not changed:
                break
        return chosen

    def _best_set(self, chosen: np.ndarray, m: int) -> bool:
        """Give agent m its best set at today's prices; True if the plan got better."""
        p = self.problem
        assert p.unassigned_cost is not None
        pairs = self.pairs_of_agent[m]
        if pairs.size == 0:
            return False
        units = p.pair_unit[pairs]
        current = chosen[units]
        held = (current >= 0) & (p.pair_agent[np.maximum(current, 0)] == m)
        mine = np.unique(units[held])
        room = self._room(chosen)
        # A unit this agent drops goes to its cheapest other option that fits now, or unserved.
        elsewhere = {int(u): self._elsewhere(int(u), m, room) for u in mine.tolist()}
        drop_cost = {u: int(p.unassigned_cost[u] if q < 0 else p.pair_cost[q]) for u, q in elsewhere.items()}
        # What the plan saves when this agent takes the unit, before the option's own cost.
        there = np.maximum(current, 0)
        outside = np.where(current < 0, p.unassigned_cost[units], p.pair_cost[there]).astype(np.int64)
        if mine.size:
            outside[held] = np.array([drop_cost[int(u)] for u in units[held]], dtype=np.int64)
        profit = outside - p.pair_cost[pairs].astype(np.int64)
        now_value = int(profit[held & (pairs == current)].sum())
        keep = profit > 0
        if not keep.any():
            return False
        opts, prof = pairs[keep], profit[keep]
        opt_units = p.pair_unit[opts]
        starts = np.flatnonzero(np.r_[True, opt_units[1:] != opt_units[:-1], True])
        weight = p.pair_weight[opts].astype(np.int64)
        cap = int(p.capacity[m])
        step = max(1, int(np.ceil(weight.size * (cap + 1) / MAX_CELLS)))
        if step > 1:
            weight = -(-weight // step)  # rounded up: a set that fits here fits the true hours
            cap //= step
        pick = self._within_limits(m, opts, starts, weight, prof, cap)
        if pick is None or int(prof[pick].sum()) <= now_value:
            return False
        before = chosen.copy()
        old_cost = self._cost(chosen)
        # Apply: this agent's old units leave it unless picked again; picked units move here;
        # the ones it dropped go where they were priced (if that still fits), else unserved.
        chosen[mine] = -1
        taken = p.pair_unit[opts[pick]]
        chosen[taken] = opts[pick]
        room = self._room(chosen)
        use = self.use
        for u in np.setdiff1d(mine, taken).tolist():
            q = elsewhere[u]
            if q >= 0 and (use[:, q] <= room[:, p.pair_agent[q]]).all():
                chosen[u] = q
                room[:, p.pair_agent[q]] -= use[:, q]
        if self._cost(chosen) >= old_cost:
            chosen[:] = before
            return False
        return True

    def _room(self, chosen: np.ndarray) -> np.ndarray:
        """(1 + R, M): each agent's hours and limit room left under the plan `chosen`."""
        return self.problem.room_left(chosen[chosen >= 0])

    def _elsewhere(self, u: int, m: int, room: np.ndarray) -> int:
        """u's cheapest option at another agent that fits the room now and costs less than
        leaving u unserved; -1 if none."""
        p = self.problem
        assert p.unassigned_cost is not None
        pairs = self.pairs_of_unit[u]
        pairs = pairs[p.pair_agent[pairs] != m]
        if pairs.size == 0:
            return -1
        use = self.use[:, pairs]
        fits = (use <= room[:, p.pair_agent[pairs]]).all(axis=0) & (p.pair_cost[pairs] < p.unassigned_cost[u])
        if not fits.any():
            return -1
        ok = pairs[fits]
        return int(ok[np.argmin(p.pair_cost[ok])])

    def _cost(self, chosen: np.ndarray) -> int:
        """Pair and unserved costs of a plan (balance aside)."""
        p = self.problem
        assert p.unassigned_cost is not None
        on = chosen >= 0
        return int(p.pair_cost[chosen[on]].sum()) + int(p.unassigned_cost[~on].sum())

    def _within_limits(
        self,
        m: int,
        opts: np.ndarray,
        starts: np.ndarray,
        weight: np.ndarray,
        profit: np.ndarray,
        cap: int,
    ) -> np.ndarray | None:
        """The knapsack's choice (option indices) keeping agent m's manager limits: each limit
        priced at the smallest multiplier (by bisection) that keeps it. None if none found."""
        p = self.problem
        rows = self.limited[m]
        use = p.uses[np.ix_(rows, opts)].astype(np.int64) if rows.size else np.zeros((0, opts.size), np.int64)
        upper = p.uppers[rows, m]

        def solve(price: int) -> np.ndarray:
            priced = profit - price * use.sum(axis=0) if rows.size else profit
            picked = _knapsack(starts, weight, priced, cap)
            return picked[picked >= 0]

        pick = solve(0)
        if not rows.size or (use[:, pick].sum(axis=1) <= upper).all():
            return pick
        lo, hi = 0, int(profit.max()) + 1  # at hi no option pays: the empty set keeps every limit
        best: np.ndarray | None = None
        for _ in range(LIMIT_BISECTIONS):
            if hi - lo <= 1:
                break
            mid = (lo + hi) // 2
            pick = solve(mid)
            if (use[:, pick].sum(axis=1) <= upper).all():
                hi, best = mid, pick
            else:
                lo = mid
        return best if best is not None else solve(hi)


def polish(
    problem: AssignmentProblem, choice: tuple[np.ndarray, np.ndarray | None] | None, budget: Budget
) -> tuple[np.ndarray, np.ndarray | None] | None:
    """`KnapsackSweep.improve` on a unit -> agent, unit -> level plan; None when it does not
    apply (see `KnapsackSweep.applies`) or there is no plan."""
    if choice is None or not KnapsackSweep.applies(problem):
        return None
    improved = KnapsackSweep(problem).improve(problem.pair_index(*choice), budget)
    return problem.read_choice(improved[improved >= 0])

"""A fast feasible start for any AssignmentProblem: keep what can stay, repair the rest.

Minimal change is the point: units stay with their hinted agent (today's
manager) wherever that pair is still allowed; overloaded agents shed the units
that are cheapest to move elsewhere; then every unplaced unit goes, hardest
first (largest regret between its two cheapest agents with room), to the
cheapest agent that still has hours and room under every manager limit. Balance and the
disruption budget are left to the exact solver that starts from this.
"""

from __future__ import annotations

import numpy as np

from planner.budget import Budget
from planner.problem import AssignmentProblem


def construct(problem: AssignmentProblem, respect_budget: bool = False) -> np.ndarray:
    """Unit -> agent (-1 where nothing fits); see `construct_choice`."""
    return construct_choice(problem, respect_budget)[0]


def construct_choice(
    problem: AssignmentProblem, respect_budget: bool = False, budget: Budget | None = None
) -> tuple[np.ndarray, np.ndarray | None]:
    """Unit -> agent (-1 where nothing fits) and, with service levels, unit -> level: the
    cheapest pair that fits, so a reduced level where only it fits. Respects capacity and
    every manager limit (`limit_*`), not lower bounds.

    With `respect_budget`, also the disruption budget (problem.max_moves): a unit that can
    only be placed with one voluntary move too many stays unplaced. Off by default, because an
    exact solver starting from this prefers a complete start that breaks the budget to a
    partial one that keeps it.

    With a time `budget` and a problem where a unit may stay unserved (so a partial placement
    is still a plan), making room by ejection stops when the budget expires: on an
    over-subscribed 3,000 x 80 model it takes seconds.
    """
    pairs_of = problem.pairs_of_unit()
    agent_of_pair = problem.pair_agent
    use = problem.resource_use()  # (K, P): hours, then each limit
    room = problem.resource_room()  # (K, M)
    chosen = np.full(problem.n_units, -1, dtype=np.int64)  # pair index per unit

    if problem.hint is not None:
        for u, pairs in enumerate(pairs_of):
            if problem.hint[u] >= 0:
                hit = pairs[agent_of_pair[pairs] == problem.hint[u]]
                if hit.size and problem.pair_level is not None and problem.hint_level is not None:
                    hit = hit[problem.pair_level[hit] == problem.hint_level[u]]
                if hit.size:
                    chosen[u] = hit[0]
    _shed_overload(problem, pairs_of, chosen, use, room)

    placed = chosen >= 0
    for k in range(room.shape[0]):
        room[k] -= np.bincount(
            agent_of_pair[chosen[placed]], weights=use[k, chosen[placed]], minlength=problem.n_agents
        ).astype(np.int64)

    todo = np.nonzero(~placed)[0]
    # Fewest options first (a strategic account only seniors may take), then the largest regret.
    options = np.array([pairs_of[u].size for u in todo])
    regret = np.array([_regret(problem, pairs_of[u]) for u in todo]) if todo.size else np.zeros(0)
    moves_left: float = float("inf")
    if respect_budget and problem.max_moves is not None and problem.pair_moves is not None:
        moves_left = problem.max_moves - int(problem.pair_moves[chosen[placed]].sum())
    state = Placement(problem, pairs_of, chosen, room, moves_left)

    def out_of_time() -> bool:
        return budget is not None and problem.unassigned_cost is not None and budget.expired()

    for u in todo[np.lexsort((-regret, options))]:
        pairs = pairs_of[u]
        fits = state.fits(pairs) & (state.moves_of(pairs) <= state.moves_left)
        if fits.any():
            state.place(u, pairs[fits][np.argmin(problem.pair_cost[pairs[fits]])])
            continue
        if out_of_time():
            continue
        for p in pairs[np.argsort(problem.pair_cost[pairs], kind="stable")]:
            reserve = int(state.moves_of(p))
            if reserve > state.moves_left or not state.row_free(int(p)):
                continue
            if state.make_room(int(agent_of_pair[p]), use[:, p], exclude=u, reserve=reserve):
                state.place(u, p)
                break
    return problem.read_choice(chosen[chosen >= 0])


class Placement:
    """Mutable placement with one-step ejection: move units off an agent to make room.

    `room` is (K, M): each agent's hours left, then its room under each manager limit, the
    rows of `problem.resource_use()`; a pair fits where it uses no more than that of each, and
    where no chosen pair holds its exclusive row (account teams: one person, one role on an
    account)."""

    def __init__(self, problem, pairs_of, chosen, room, moves_left):
        self.problem, self.pairs_of, self.chosen, self.room = problem, pairs_of, chosen, room
        self.use = problem.resource_use()
        self.moves_left = moves_left  # voluntary moves still allowed (inf: no budget)
        self._moves = problem.pair_moves if problem.pair_moves is not None else None
        self._row = problem.pair_exclusive if problem.has_exclusive else None
        self._held = np.zeros(0, dtype=np.int64)  # chosen pairs per exclusive row
        if self._row is not None:
            self._held = np.zeros(int(self._row.max()) + 1, dtype=np.int64)
            rows = self._row[chosen[chosen >= 0]]
            np.add.at(self._held, rows[rows >= 0], 1)

    def fits(self, pairs: np.ndarray, freed: int = -1) -> np.ndarray:
        """Which of `pairs` fit the room now (with pair `freed`'s room given back first)."""
        agents = self.problem.pair_agent[pairs]
        room = self.room[:, agents]
        if freed >= 0:
            room = room + np.where(agents == self.problem.pair_agent[freed], self.use[:, [freed]], 0)
        ok = (self.use[:, pairs] <= room).all(axis=0)
        if self._row is not None:
            rows = self._row[pairs]
            held = np.where(rows >= 0, self._held[np.maximum(rows, 0)], 0)
            if freed >= 0 and self._row[freed] >= 0:
                held = held - (rows == self._row[freed])
            ok &= held == 0
        return ok

    def row_free(self, p: int) -> bool:
        """No chosen pair holds pair p's exclusive row (always, without account teams)."""
        return self._row is None or self._row[p] < 0 or self._held[self._row[p]] == 0

    def moves_of(self, p):
        """Voluntary moves of pair(s) p: an int, or an array for an array of pairs."""
        if self._moves is None:
            return 0 if np.isscalar(p) else np.zeros(len(p), dtype=np.int64)
        return self._moves[p]

    def place(self, u: int, p: int) -> None:
        a = self.problem.pair_agent[p]
        self.chosen[u] = p
        self.room[:, a] -= self.use[:, p]
        self.moves_left -= int(self.moves_of(p))
        if self._row is not None and self._row[p] >= 0:
            self._held[self._row[p]] += 1

    def move(self, u: int, p: int) -> None:
        """Place u on pair p, first taking it off its current pair if it has one."""
        if self.chosen[u] >= 0:
            self.unplace(u)
        self.place(u, p)

    def unplace(self, u: int) -> None:
        p = self.chosen[u]
        a = self.problem.pair_agent[p]
        self.room[:, a] += self.use[:, p]
        self.moves_left += int(self.moves_of(p))
        if self._row is not None and self._row[p] >= 0:
            self._held[self._row[p]] -= 1
        self.chosen[u] = -1

    def make_room(self, a: int, need: np.ndarray, exclude: int, reserve: int = 0) -> bool:
        """Move units off agent a to agents with room until `need` (K,) fits, keeping
        `reserve` voluntary moves for the unit that needs the room; undo if impossible."""
        prob = self.problem
        residents = np.nonzero((self.chosen >= 0) & (prob.pair_agent[np.maximum(self.chosen, 0)] == a))[0]
        moves: list[tuple[int, int, int]] = []  # (unit, old pair, new pair)
        # Cheapest relocation per freed hour first.
        options = []
        for v in residents:
            if v == exclude:
                continue
            pairs = self.pairs_of[v]
            others = pairs[prob.pair_agent[pairs] != a]
            if others.size:
                best = others[np.argmin(prob.pair_cost[others])]
                extra = prob.pair_cost[best] - prob.pair_cost[self.chosen[v]]
                options.append((extra / max(int(prob.pair_weight[self.chosen[v]]), 1), v))
        for _, unit in sorted(options):
            u = int(unit)
            if (self.room[:, a] >= need).all():
                break
            pairs = self.pairs_of[u]
            others = pairs[prob.pair_agent[pairs] != a]
            extra = self.moves_of(others) - self.moves_of(self.chosen[u])
            fits = self.fits(others) & (extra <= self.moves_left - reserve)
            if not fits.any():
                continue
            new = int(others[fits][np.argmin(prob.pair_cost[others[fits]])])
            old = int(self.chosen[u])
            self.unplace(u)
            self.place(u, new)
            moves.append((u, old, new))
        if (self.room[:, a] >= need).all():
            return True
        for u, old, _ in reversed(moves):
            self.unplace(u)
            self.place(u, old)
        return False


def _shed_overload(
    problem: AssignmentProblem,
    pairs_of: list[np.ndarray],
    chosen: np.ndarray,
    use: np.ndarray,
    room: np.ndarray,
) -> None:
    """Unplace units from over-full agents (hours or any limit), those with the cheapest
    alternative first."""
    placed = np.nonzero(chosen >= 0)[0]
    agents = problem.pair_agent[chosen[placed]]
    for a in np.unique(agents):
        mine = placed[agents == a]
        load = use[:, chosen[mine]].sum(axis=1)
        if (load <= room[:, a]).all():
            continue
        # Extra cost of the unit's best other agent, per hour freed: shed the cheapest first.
        extra = np.array(
            [_best_other(problem, pairs_of[u], a) - problem.pair_cost[chosen[u]] for u in mine], dtype=float
        )
        per_hour = extra / np.maximum(problem.pair_weight[chosen[mine]], 1)
        for u in mine[np.argsort(per_hour, kind="stable")]:
            if (load <= room[:, a]).all():
                break
            load -= use[:, chosen[u]]
            chosen[u] = -1


def _best_other(problem: AssignmentProblem, pairs: np.ndarray, agent: int) -> float:
    others = pairs[problem.pair_agent[pairs] != agent]
    return float(problem.pair_cost[others].min()) if others.size else float("inf")


def _regret(problem: AssignmentProblem, pairs: np.ndarray) -> float:
    if pairs.size < 2:
        return float("inf")  # one option only: place it before others take the room
    costs = np.partition(problem.pair_cost[pairs], 1)[:2]
    return float(costs[1] - costs[0])

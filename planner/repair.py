"""Cover a staff change's uncovered accounts by ejection chains, before any search.

After a leaver, the construction (`construct_choice` with the disruption budget) places each
of the leaver's accounts where it fits, or where moving residents straight to managers with
room makes it fit, one account at a time. Measured on 5,000 x 150 (#16, #20): it spent 18-20
of the 20 voluntary moves that way and left 1-8 heavy accounts (key accounts and parent
groups of 13-20 h a month) uncovered, while its region had hours to spare (2,758 h for
1,912 h of work) split into gaps of under 5 h on each manager who may serve them. Covering
such an account frees a whole account's hours on one manager: several residents leave, or
a chain. CP-SAT, given what is left of half a second after compiling (nothing, measured),
does not get to look.

An ejection chain (Glover; Yagiura, Ibaraki & Glover for the generalized assignment problem)
places the homeless unit u0 on agent a1 at pair p1; if p1 does not fit a1's room, one
resident u1 of a1 whose leaving makes it fit is ejected and placed at pair p2 on a2, and so
on, until the last pair fits its agent as it is. The chain may also end by moving several
residents of its last agent straight to managers with room (`_eject_many`: for the unit
itself and for the cheapest partial chains), and a resident may step down to a reduced level
on its own agent (where the policy allows a shortfall, and the service it loses is worth
less than the account being covered). No agent appears twice in a chain, so the rooms the
search reads are the rooms the chain meets. The search runs breadth-first by chain length (at
most `MAX_EJECTIONS` single ejections), keeps the best label per ejected unit per length,
stops at the first length with a complete chain, and takes the one with the fewest voluntary
moves, then the cheapest: the disruption budget is what runs out first after a leaver, and
re-placing the leaver's own accounts is free of it.

Rules the chain keeps: hours and every manager limit (`resource_room`), the lower
utilisation bound of an agent that loses a unit, the disruption budget (a relocated account
whose manager may keep it is a voluntary move, `pair_moves`; a leaver's account re-placed is
not), and no held account is ever dropped: residents are moved or reduced, never left out.
Covering comes first: a chain is taken whenever one exists within the budget, because an
account a manager may serve left without one is what a staff change must not cause.

Greedy, one unit at a time, most valuable first: a heuristic, not a proof. What it leaves
uncovered goes on to CP-SAT on its neighbourhood (`planner.cover.cover_near`), which plans
the moves for several accounts at once, then to the CP-SAT repair (`planner.replan`);
`planner.cover.fewest_uncovered` says how few a plan within the budget could leave.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from planner.budget import Budget
from planner.problem import AssignmentProblem
from planner.solvers.construct import construct_choice

MAX_EJECTIONS = 3  # residents a chain may move: 4 agents and 4 accounts at most
LABELS_PER_LENGTH = 400  # cheapest partial chains kept per length: bounds the work per unit
MULTI_LABELS = 16  # partial chains per length whose last agent may also shed several residents


@dataclass(frozen=True)
class _Label:
    """A partial chain: `unit` is homeless, ejected from `left` (-1 for the unit being
    covered), whose room after the chain's earlier steps is `slack` (hours, then limits)."""

    unit: int
    left: int
    slack: np.ndarray | None
    cost: int  # pair costs added minus pair costs given up, so far
    moves: int  # voluntary moves added, so far
    steps: tuple[tuple[int, int], ...]  # (unit, new pair) applied before this label's unit
    agents: frozenset[int]


@dataclass(frozen=True)
class Covered:
    unit_agent: np.ndarray
    unit_level: np.ndarray | None
    covered: list[int]  # units this step placed, in the order placed
    relocated: int  # other units moved or reduced to make room


def cover_by_chains(
    problem: AssignmentProblem,
    unit_agent: np.ndarray,
    unit_level: np.ndarray | None,
    budget: Budget | None = None,
    max_ejections: int = MAX_EJECTIONS,
) -> Covered:
    """Place the units `unit_agent` leaves unassigned (and some agent may serve) by ejection
    chains within `problem`'s capacities, limits, lower bounds and disruption budget.
    `unit_agent` (with `unit_level`) must keep all of those already. Stops when `budget`
    expires; what is left stays unassigned."""
    state = _State(problem, unit_agent, unit_level)
    pairs_of = state.pairs_of
    todo = [u for u in np.nonzero(state.chosen < 0)[0].tolist() if pairs_of[u].size]
    todo.sort(key=lambda u: _priority(problem, pairs_of[u], u))
    covered: list[int] = []
    relocated = 0

    def expired() -> bool:
        return budget is not None and budget.expired()

    def place(u: int, chain: list[tuple[int, int]]) -> None:
        nonlocal relocated
        state.apply(chain)
        covered.append(u)
        relocated += len(chain) - 1

    for u in todo:
        if expired():
            break
        found = _best_chain(state, u, max_ejections, budget)
        if found is not None:
            place(u, found[2])
    agent, level = problem.read_choice(state.chosen[state.chosen >= 0])
    return Covered(agent, level, covered, relocated)


def start_after_change(
    problem: AssignmentProblem, budget: Budget | None = None, fallback: bool = True
) -> tuple[np.ndarray, np.ndarray | None, bool]:
    """The re-plan's start: unit -> agent, unit -> level, and whether ejection chains placed any
    unit in it. Cheapest first, stopping as soon as every unit some manager may serve is placed:

    1. the construction with no voluntary move at all (held units stay, the changed units go
       where they fit, or where moving other changed units makes room: free of the budget),
       then chains that spend the budget where nothing else works;
    2. the construction within the budget (`construct_choice`), then chains for what it
       leaves. Alone, this one often spends the whole budget making room one step at a time
       for accounts that fit elsewhere after all (measured on 5,000 x 150: 18-20 of 20 moves
       spent with 1-8 accounts uncovered, where 1 covers them all within the budget).
    The better of the two is kept: fewer accounts uncovered, then cheaper. Without `fallback`
    the second is left out where the first can be chained: the re-plan then runs CP-SAT on
    what the first leaves (`planner.cover.cover_near`), and on 5,000 x 150 the second never
    covered more than the first (all 150 leavers; 10 leave some uncovered after the chains),
    while it took 0.03-0.1 s of the half second."""
    has_pairs = _has_pairs(problem)
    candidates = []
    # Account teams' one-role-per-person rows are not read by the chains: their slots keep
    # the construction's placement, within the budget.
    for moves in (0, problem.max_moves) if not problem.has_exclusive else (problem.max_moves,):
        agent, level = construct_choice(replace(problem, max_moves=moves), respect_budget=True)
        chained = False
        if ((agent < 0) & has_pairs).any() and not problem.has_exclusive:
            out = cover_by_chains(problem, agent, level, budget)
            agent, level, chained = out.unit_agent, out.unit_level, bool(out.covered)
        candidates.append((agent, level, chained))
        if not ((agent < 0) & has_pairs).any() or problem.max_moves == 0 or not fallback:
            break
    return min(candidates, key=lambda c: _rank(problem, c[0], c[1]))


def _has_pairs(problem: AssignmentProblem) -> np.ndarray:
    return np.bincount(problem.pair_unit, minlength=problem.n_units) > 0


def _rank(problem: AssignmentProblem, agent: np.ndarray, level: np.ndarray | None) -> tuple[int, int]:
    """(accounts uncovered that some manager may serve, pair costs): what `start_after_change`
    minimises."""
    pairs = problem.pair_index(agent, level)
    uncovered = int(problem.unit_size[(agent < 0) & _has_pairs(problem)].sum())
    return uncovered, int(problem.pair_cost[pairs[pairs >= 0]].sum())


def _priority(problem: AssignmentProblem, pairs: np.ndarray, u: int) -> tuple[int, int, int]:
    """Most valuable first (what leaving it uncovered would cost), then the fewest agents, then
    the heaviest: a small account fits the gaps a large one leaves, not the other way round."""
    lost = 0 if problem.unassigned_cost is None else int(problem.unassigned_cost[u])
    agents = int(np.unique(problem.pair_agent[pairs]).size)
    return (-lost, agents, -int(problem.pair_weight[pairs].min()))


class _State:
    """The placement being repaired: each unit's pair, each agent's room and residents, and
    the voluntary moves still allowed."""

    def __init__(self, problem: AssignmentProblem, unit_agent: np.ndarray, unit_level: np.ndarray | None):
        self.problem = problem
        self.pairs_of = problem.pairs_of_unit()
        self.use = problem.resource_use()  # (K, P)
        self.chosen = problem.pair_index(unit_agent, unit_level)
        self.room = problem.room_left(self.chosen[self.chosen >= 0])  # (K, M)
        self.moves = (
            problem.pair_moves if problem.pair_moves is not None else np.zeros(problem.n_pairs, np.int64)
        )
        held = self.chosen >= 0
        used = int(self.moves[self.chosen[held]].sum())
        self.moves_left = np.inf if problem.max_moves is None else problem.max_moves - used
        self.lower = problem.lower
        self._residents: dict[int, np.ndarray] = {}
        self._exits: dict[int, list[tuple[int, int, int, int, list[int]]]] = {}

    def residents(self, a: int) -> np.ndarray:
        if a not in self._residents:
            on = np.nonzero(self.chosen >= 0)[0]
            self._residents[a] = on[self.problem.pair_agent[self.chosen[on]] == a]
        return self._residents[a]

    def exits(self, a: int) -> list[tuple[int, int, int, int, list[int]]]:
        """Agent a's residents that may move straight to another manager with room as it is:
        (voluntary moves, -hours freed, cost added, unit, the pairs that fit, best first), by
        their best pair, best first."""
        if a not in self._exits:
            problem, use = self.problem, self.use
            out = []
            for w in self.residents(a).tolist():
                old = int(self.chosen[w])
                pairs = self.pairs_of[w]
                agents = problem.pair_agent[pairs]
                fits = (agents != a) & (use[:, pairs] <= self.room[:, agents]).all(axis=0)
                if not fits.any():
                    continue
                extra_moves = self.moves[pairs] - self.moves[old]
                extra_cost = problem.pair_cost[pairs] - problem.pair_cost[old]
                order = np.lexsort((extra_cost, np.where(fits, extra_moves, np.iinfo(np.int64).max)))
                order = order[: int(fits.sum())]
                k = int(order[0])
                best = (int(extra_moves[k]), -int(use[0, old]), int(extra_cost[k]), w)
                out.append((*best, pairs[order].tolist()))
            self._exits[a] = sorted(out)
        return self._exits[a]

    def load(self, a: int) -> int:
        return int(self.problem.capacity[a] - self.room[0, a])

    def apply(self, chain: list[tuple[int, int]]) -> None:
        """Apply (unit, new pair) steps: units leave their pairs first, then take the new ones."""
        agent_of = self.problem.pair_agent
        for u, _ in chain:
            old = int(self.chosen[u])
            if old >= 0:
                self.room[:, agent_of[old]] += self.use[:, old]
                self.moves_left += int(self.moves[old])
                self._residents.pop(int(agent_of[old]), None)
        for u, p in chain:
            self.chosen[u] = p
            self.room[:, agent_of[p]] -= self.use[:, p]
            self.moves_left -= int(self.moves[p])
            self._residents.pop(int(agent_of[p]), None)
        self._exits.clear()  # rooms changed: any agent's residents may have other exits now
        touched = agent_of[[p for _, p in chain]]
        assert (self.room[:, touched] >= 0).all() and self.moves_left >= 0, "an ejection chain broke a limit"


def _best_chain(
    state: _State, u: int, max_ejections: int, budget: Budget | None
) -> tuple[int, int, list[tuple[int, int]]] | None:
    """The chain with the fewest voluntary moves, then the cheapest, that places unit u:
    (voluntary moves, cost, (unit, new pair) steps with u's own step first); None if none of
    at most `max_ejections` ejections exists within the budget."""
    problem = state.problem
    cost, agent_of, use, moves = problem.pair_cost, problem.pair_agent, state.use, state.moves
    frontier = [_Label(u, -1, None, 0, 0, (), frozenset())]
    best: tuple[int, int, list[tuple[int, int]]] | None = None  # (moves, cost, chain)
    for length in range(max_ejections + 1):
        labels: dict[int, _Label] = {}
        for rank, label in enumerate(frontier):
            v = label.unit
            old = int(state.chosen[v])
            pairs = state.pairs_of[v]
            pair_agent = agent_of[pairs]
            base_cost = int(cost[old]) if old >= 0 else 0
            base_moves = int(moves[old]) if old >= 0 else 0
            step_cost = label.cost + cost[pairs] - base_cost
            step_moves = label.moves + moves[pairs] - base_moves
            # Where the unit was ejected from it may stay at another level, in the room the
            # chain left it there (a reduction, not a move); every other agent the chain has
            # touched is out.
            same = pair_agent == label.left
            allowed = (step_moves <= state.moves_left) & (same | ~np.isin(pair_agent, list(label.agents)))
            allowed &= pairs != old
            if same.any() and problem.unassigned_cost is not None:
                # A resident's service is reduced for u only where that loses less than leaving
                # u unserved would: the policy's order of service (key before standard) holds.
                allowed &= ~same | (cost[pairs] - base_cost < int(problem.unassigned_cost[u]))
            room = state.room[:, pair_agent]
            if same.any():
                assert label.slack is not None
                room[:, same] = label.slack[:, None]
            fits = allowed & (use[:, pairs] <= room).all(axis=0)
            big = np.iinfo(np.int64).max
            for k in np.lexsort((step_cost, np.where(fits, step_moves, big)))[: int(fits.sum())]:
                key = (int(step_moves[k]), int(step_cost[k]))
                if best is not None and key >= best[:2]:
                    break
                chain = [*label.steps, (v, int(pairs[k]))]
                if _keeps_lower(state, chain):
                    best = (*key, chain)
                    break
            if length == 0 or rank < MULTI_LABELS:
                # Several residents may leave the agent, each to a manager with room as it is:
                # a heavy account needs more room than any one resident frees. For the unit
                # itself, and at the end of the cheapest partial chains.
                for k in np.nonzero(allowed & ~fits & ~same)[0].tolist():
                    p = int(pairs[k])
                    ejected = _eject_many(state, p, state.moves_left - int(step_moves[k]), label.agents)
                    if ejected is None:
                        continue
                    steps, more_moves, more_cost = ejected
                    key = (int(step_moves[k]) + more_moves, int(step_cost[k]) + more_cost)
                    chain = [*label.steps, (v, p), *steps]
                    if (best is None or key < best[:2]) and _keeps_lower(state, chain):
                        best = (*key, chain)
            if length == max_ejections:
                continue
            # Pairs that do not fit as they are: eject one resident whose leaving makes room.
            for k in np.nonzero(allowed & ~fits & ~same)[0].tolist():
                p, a = int(pairs[k]), int(pair_agent[k])
                here = state.residents(a)
                if here.size == 0:
                    continue
                freed = state.room[:, [a]] + use[:, state.chosen[here]]
                room_after = freed - use[:, [p]]
                ok = (room_after >= 0).all(axis=0)
                if not ok.any():
                    continue
                for w, i in zip(here[ok].tolist(), np.nonzero(ok)[0].tolist(), strict=True):
                    if w == u:
                        continue
                    new = _Label(
                        w, a, room_after[:, i], int(step_cost[k]), int(step_moves[k]),
                        (*label.steps, (v, p)), label.agents | {a},
                    )  # fmt: skip
                    if best is not None and (new.moves, new.cost) >= best[:2]:
                        continue
                    if w not in labels or (new.moves, new.cost) < (labels[w].moves, labels[w].cost):
                        labels[w] = new
        # Longer chains are looked at only while none is found: each length costs about ten
        # times the last, and the re-plan has tenths of a second.
        if best is not None:
            break
        if not labels or (budget is not None and budget.expired()):
            break
        frontier = sorted(labels.values(), key=lambda lb: (lb.moves, lb.cost))[:LABELS_PER_LENGTH]
    return best


def _eject_many(
    state: _State, p: int, moves_left: float, chain_agents: frozenset[int] = frozenset()
) -> tuple[list[tuple[int, int]], int, int] | None:
    """Residents of pair p's agent moved straight to managers with room until p fits: those
    whose move is free of the budget first (a leaver's accounts placed before), then those
    that free the most hours per move; none to an agent of the chain so far (its room is
    not what `state` says). (steps, voluntary moves, cost) or None."""
    problem, use = state.problem, state.use
    a = int(problem.pair_agent[p])
    room = state.room[:, a].copy()
    taken: dict[int, np.ndarray] = {}  # agent -> its room after the ejections so far
    steps: list[tuple[int, int]] = []
    moves = cost = 0
    moves_of, cost_of = state.moves, problem.pair_cost
    for _, _, _, w, exits in state.exits(a):
        if (use[:, p] <= room).all():
            break
        old = int(state.chosen[w])
        # Its best exit may be taken by an earlier ejection: the next best that still fits.
        for q in exits:
            b = int(problem.pair_agent[q])
            extra_moves = int(moves_of[q] - moves_of[old])
            if b in chain_agents or moves + extra_moves > moves_left:
                continue
            there = taken.get(b, state.room[:, b])
            if not (use[:, q] <= there).all():
                continue
            taken[b] = there - use[:, q]
            room += use[:, old]
            steps.append((w, q))
            moves += extra_moves
            cost += int(cost_of[q] - cost_of[old])
            break
    if not (use[:, p] <= room).all():
        return None
    return steps, moves, cost


def _keeps_lower(state: _State, chain: list[tuple[int, int]]) -> bool:
    """Every agent the chain takes load from keeps its lower utilisation bound (always true
    without one)."""
    if state.lower is None:
        return True
    problem = state.problem
    change: dict[int, int] = {}
    for w, p in chain:
        old = int(state.chosen[w])
        if old >= 0:
            a = int(problem.pair_agent[old])
            change[a] = change.get(a, 0) - int(problem.pair_weight[old])
        a = int(problem.pair_agent[p])
        change[a] = change.get(a, 0) + int(problem.pair_weight[p])
    return all(d >= 0 or state.load(a) + d >= int(state.lower[a]) for a, d in change.items())

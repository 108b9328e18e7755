"""The solver's view: a generalized assignment problem with side constraints, as arrays.

Units (parent groups of accounts, or GAP jobs) go to agents (managers). Only
eligible (unit, agent) pairs exist, so sparse eligibility costs nothing. Every
number is an integer; the objective is a cost to minimise.

A pair is an option: with service levels (`pair_level`), one (unit, agent) has one pair per
level the unit may be served at (0 = full service, 1.. = reduced, fewer hours and a cost for
the value lost), so "every unit gets exactly one of its pairs" is a multiple-choice assignment.
A solution is a unit -> agent vector plus, with levels, a unit -> level vector.

    min  sum_p cost[p] x[p] + sum_u unassigned_cost[u] y[u] + balance_coef sum_b (U_max[b] - U_min[b])
    s.t. sum_{p in u} x[p] + y[u] = 1                        for every unit u   (y only if allowed)
         sum_{p in m} weight[p] x[p] <= capacity[m]           for every agent m
         sum_{p in m} weight[p] x[p] >= lower[m]              (utilisation band)
         sum_{p in m} limit_use[r, p] x[p] <= limit_upper[r, m]  per named limit r, where >= 0
         sum_p moves[p] x[p] <= max_moves                     (disruption budget)
         sum_{p: exclusive[p] = k} x[p] <= 1                 for every exclusive row k (account teams)
         UTIL_SCALE load[m] <= balance_capacity[m] U_max[b]
         UTIL_SCALE load[m] >= balance_capacity[m] U_min[b]   for every agent m of balance group b
         carried[s, m] <= V_max[s, g],  carried[s, m] >= V_min[s, g]   for every agent m of peer group g
with, for each peer-spread term s (`spread_*`, off unless a policy weight is set), the objective
term spread_coef[s] x sum over peer groups g of (V_max[s, g] - V_min[s, g]), where
carried[s, m] = sum_{p in m} spread_use[s, unit(p)] x[p] (value carried, strategic accounts held);
a group of one agent has no spread and no rows. Every writer iterates `spread_groups()`.
The exclusive rows (`pair_exclusive`, None without account teams) say that a person holds at most
one role on an account: the pairs of one person on the units of one account's team (planner.teams).
The balance groups (`balance_groups()`) are one group, every agent in balance_agents, unless
`balance_member` splits them: account teams balance each role's people among themselves (a
person with two roles is in both groups, with the utilisation of all their hours), since an
account manager's hours cannot relieve technical support. Every writer iterates
`balance_groups()`; the first group's U_max, U_min keep their place in the linear model.
A GAP benchmark instance is the special case with no side constraints.

The named limits are the per-manager rules of `planner.rules` (max_accounts, and any rule
module added there): every backend writes, and every heuristic keeps, all of them the same way,
so a new rule reaches the solvers without a line in any of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

UTIL_SCALE = 1000  # utilisation resolution of the balance term: per mille


@dataclass(frozen=True, eq=False)
class AssignmentProblem:
    n_units: int
    n_agents: int
    pair_unit: np.ndarray  # (P,) int64
    pair_agent: np.ndarray  # (P,) int64
    pair_cost: np.ndarray  # (P,) int64
    pair_weight: np.ndarray  # (P,) int64, resource used on the agent (centi-hours)
    capacity: np.ndarray  # (M,) int64
    unit_size: np.ndarray = field(
        default_factory=lambda: np.zeros(0, dtype=np.int64)
    )  # (U,) accounts per unit
    pair_moves: np.ndarray | None = None  # (P,) voluntary moves if chosen
    lower: np.ndarray | None = None  # (M,) minimum load
    limit_names: tuple[str, ...] = ()  # one per limit row, the rule's name
    limit_use: np.ndarray | None = None  # (R, P) int64: what an option uses of each limit
    limit_upper: np.ndarray | None = None  # (R, M) int64: each agent's limit; -1 = none
    max_moves: int | None = None
    balance_coef: int = 0
    balance_agents: np.ndarray | None = None  # (M,) bool
    balance_capacity: np.ndarray | None = None  # (M,) utilisation denominator; capacity when None
    unassigned_cost: np.ndarray | None = None  # (U,) allowed when not None
    hint: np.ndarray | None = None  # (U,) agent index or -1
    pair_level: np.ndarray | None = None  # (P,) service level of the option; None: all full (0)
    hint_level: np.ndarray | None = None  # (U,) level of the hinted pair; None: full
    unit_names: list[str] | None = None
    agent_names: list[str] | None = None
    # Peer spreads (fairness of opportunity): per term, its name, coefficient (> 0), what each unit
    # adds to the term's count on the agent holding it, and each agent's peer group (-1: none).
    spread_names: tuple[str, ...] = ()
    spread_coef: np.ndarray | None = None  # (S,) int64
    spread_use: np.ndarray | None = None  # (S, U) int64
    spread_group: np.ndarray | None = None  # (M,) int64
    # Account teams: pairs sharing a row id k >= 0 are exclusive (at most one of them chosen);
    # -1: in no row. None: no such rows (every problem without teams).
    pair_exclusive: np.ndarray | None = None  # (P,) int64
    # Balance groups: agent m's utilisation enters group g's spread where balance_member[g, m]
    # (and balance_agents[m]). None: one group, balance_agents (every problem without teams).
    balance_member: np.ndarray | None = None  # (G, M) bool

    def __post_init__(self) -> None:
        if self.unit_size.size == 0:
            object.__setattr__(self, "unit_size", np.ones(self.n_units, dtype=np.int64))
        if self.limit_use is None:
            object.__setattr__(self, "limit_use", np.zeros((0, self.n_pairs), dtype=np.int64))
        if self.limit_upper is None:
            object.__setattr__(self, "limit_upper", np.zeros((0, self.n_agents), dtype=np.int64))
        assert self.limit_use is not None and self.limit_upper is not None
        assert self.limit_use.shape == (len(self.limit_names), self.n_pairs), "limit_use is (R, P)"
        assert self.limit_upper.shape == (len(self.limit_names), self.n_agents), "limit_upper is (R, M)"

    @property
    def n_pairs(self) -> int:
        return int(self.pair_unit.size)

    @property
    def uses(self) -> np.ndarray:
        """(R, P) limit use, never None (for the type checker; __post_init__ fills it)."""
        assert self.limit_use is not None
        return self.limit_use

    @property
    def uppers(self) -> np.ndarray:
        """(R, M) limits, -1 = none."""
        assert self.limit_upper is not None
        return self.limit_upper

    def resource_use(self) -> np.ndarray:
        """(1 + R, P): hours first, then each named limit; what a heuristic must keep room for."""
        return np.vstack([self.pair_weight[None, :], self.uses])

    def resource_room(self) -> np.ndarray:
        """(1 + R, M) int64: capacity, then each limit (no limit = a room nothing fills)."""
        big = np.iinfo(np.int64).max // 4
        return np.vstack([self.capacity[None, :], np.where(self.uppers >= 0, self.uppers, big)]).astype(
            np.int64
        )

    def room_left(self, pairs: np.ndarray) -> np.ndarray:
        """(1 + R, M) int64: `resource_room` less what the chosen pairs use, per agent."""
        room = self.resource_room()
        use = self.resource_use()
        for k in range(room.shape[0]):
            room[k] -= np.bincount(
                self.pair_agent[pairs], weights=use[k, pairs], minlength=self.n_agents
            ).astype(np.int64)
        return room

    def limit_load(self, pairs: np.ndarray) -> np.ndarray:
        """(R, M) int64: what the chosen pairs use of each limit, per agent."""
        out = np.zeros(self.uppers.shape, dtype=np.int64)
        for r in range(len(self.limit_names)):
            out[r] = np.bincount(self.pair_agent[pairs], weights=self.uses[r, pairs], minlength=self.n_agents)
        return out

    def limits_hold(self, pairs: np.ndarray) -> bool:
        """Every named limit holds for the chosen pairs."""
        return bool(((self.uppers < 0) | (self.limit_load(pairs) <= self.uppers)).all())

    @property
    def has_levels(self) -> bool:
        return self.pair_level is not None and bool(self.pair_level.any())

    @property
    def has_options(self) -> bool:
        """Reduced levels or unserved units: a shortfall the model may choose."""
        return self.has_levels or self.unassigned_cost is not None

    def full_service(self) -> AssignmentProblem:
        """The problem where every unit is served at full level (no reduced or unserved option)."""
        if not self.has_options:
            return self
        keep = np.ones(self.n_pairs, dtype=bool) if self.pair_level is None else self.pair_level == 0
        return replace(self.with_pairs(keep), pair_level=None, hint_level=None, unassigned_cost=None)

    def read_choice(self, chosen: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """Unit -> agent (and unit -> level, with levels) from a mask or list of chosen pairs."""
        unit_agent = np.full(self.n_units, -1, dtype=np.int64)
        unit_agent[self.pair_unit[chosen]] = self.pair_agent[chosen]
        if self.pair_level is None:
            return unit_agent, None
        unit_level = np.zeros(self.n_units, dtype=np.int64)
        unit_level[self.pair_unit[chosen]] = self.pair_level[chosen]
        return unit_agent, unit_level

    def pairs_of_unit(self) -> list[np.ndarray]:
        order = np.argsort(self.pair_unit, kind="stable")
        bounds = np.searchsorted(self.pair_unit[order], np.arange(self.n_units + 1))
        return [order[bounds[u] : bounds[u + 1]] for u in range(self.n_units)]

    def with_pairs(self, keep: np.ndarray) -> AssignmentProblem:
        """The same problem on a subset of its pairs (a boolean mask or pair indices)."""
        return replace(
            self,
            pair_unit=self.pair_unit[keep],
            pair_agent=self.pair_agent[keep],
            pair_cost=self.pair_cost[keep],
            pair_weight=self.pair_weight[keep],
            pair_moves=None if self.pair_moves is None else self.pair_moves[keep],
            pair_level=None if self.pair_level is None else self.pair_level[keep],
            limit_use=self.uses[:, keep],
            pair_exclusive=None if self.pair_exclusive is None else self.pair_exclusive[keep],
        )

    @property
    def has_exclusive(self) -> bool:
        return self.pair_exclusive is not None and bool((self.pair_exclusive >= 0).any())

    def exclusive_rows(self) -> list[np.ndarray]:
        """Pair indices of each exclusive row that holds two or more pairs, in row-id order: the
        order every writer gives them."""
        if self.pair_exclusive is None:
            return []
        on = np.nonzero(self.pair_exclusive >= 0)[0]
        order = on[np.argsort(self.pair_exclusive[on], kind="stable")]
        ids = self.pair_exclusive[order]
        cuts = np.nonzero(np.diff(ids))[0] + 1
        return [row for row in np.split(order, cuts) if row.size > 1]

    def exclusive_hold(self, pairs: np.ndarray) -> bool:
        """No exclusive row has two of the chosen pairs."""
        if self.pair_exclusive is None:
            return True
        ids = self.pair_exclusive[pairs]
        ids = ids[ids >= 0]
        return bool(np.unique(ids).size == ids.size)

    def pair_index(self, unit_agent: np.ndarray, unit_level: np.ndarray | None = None) -> np.ndarray:
        """Pair index of each unit's agent (at its level); -1 where unassigned. KeyError if a
        pair does not exist."""
        levels = 1 if self.pair_level is None else int(self.pair_level.max(initial=0)) + 1
        keys = self.pair_unit * self.n_agents + self.pair_agent
        if levels > 1:
            assert self.pair_level is not None
            keys = keys * levels + self.pair_level
        order = np.argsort(keys, kind="stable")
        units = np.nonzero(unit_agent >= 0)[0]
        wanted = units * self.n_agents + unit_agent[units]
        if levels > 1:
            chosen = np.zeros(units.size, dtype=np.int64) if unit_level is None else unit_level[units]
            wanted = wanted * levels + chosen
        pos = np.searchsorted(keys[order], wanted)
        pos = np.minimum(pos, max(len(order) - 1, 0))
        if units.size and (len(order) == 0 or not np.array_equal(keys[order][pos], wanted)):
            raise KeyError("unit_agent uses a pair that is not eligible")
        out = np.full(self.n_units, -1, dtype=np.int64)
        out[units] = order[pos]
        return out

    def objective_of(self, unit_agent: np.ndarray, unit_level: np.ndarray | None = None) -> int:
        """Objective of a unit -> agent vector (-1 = unassigned), with the tight balance term."""
        pairs = self.pair_index(unit_agent, unit_level)
        used = pairs[pairs >= 0]
        total = int(self.pair_cost[used].sum())
        if (pairs < 0).any():
            assert self.unassigned_cost is not None, "unassigned units need unassigned_cost"
            total += int(self.unassigned_cost[pairs < 0].sum())
        load = np.bincount(
            self.pair_agent[used], weights=self.pair_weight[used], minlength=self.n_agents
        ).astype(np.int64)
        for high, low in self.balance_extremes(load):
            total += self.balance_coef * (high - low)
        return total + self.spread_cost(unit_agent)

    def load_of(self, unit_agent: np.ndarray, unit_level: np.ndarray | None = None) -> np.ndarray:
        """Resource used on each agent by a unit -> agent vector (-1 = unassigned), int64."""
        pairs = self.pair_index(unit_agent, unit_level)
        used = pairs[pairs >= 0]
        return np.bincount(
            self.pair_agent[used], weights=self.pair_weight[used], minlength=self.n_agents
        ).astype(np.int64)

    def capacity_for_balance(self) -> np.ndarray:
        return self.capacity if self.balance_capacity is None else self.balance_capacity

    def balance_groups(self) -> list[np.ndarray]:
        """The agents of each balance group, in the order every writer gives them their U_max and
        U_min; [] when the balance term is off."""
        if not self.balance_coef or self.balance_agents is None or not self.balance_agents.any():
            return []
        if self.balance_member is None:
            return [np.nonzero(self.balance_agents)[0]]
        assert self.balance_member.shape == (self.balance_member.shape[0], self.n_agents), "(G, M)"
        groups = [np.nonzero(row & self.balance_agents)[0] for row in self.balance_member]
        return [g for g in groups if g.size]

    def balance_extremes(self, load: np.ndarray) -> list[tuple[int, int]]:
        """(ceil max, floor min) utilisation in per mille of each `balance_groups()` entry for
        the agents' loads: the tight U_max, U_min of a plan."""
        cap = self.capacity_for_balance()
        out = []
        for agents in self.balance_groups():
            scaled = load[agents] * UTIL_SCALE
            out.append((int((-(-scaled // cap[agents])).max()), int((scaled // cap[agents]).min())))
        return out

    def spread_groups(self) -> list[tuple[int, np.ndarray]]:
        """(term, agents of one peer group) for every term and group of two or more agents, in
        the order every writer gives them their V_max and V_min variables."""
        if not self.spread_names or self.spread_group is None:
            return []
        groups = [
            np.nonzero(self.spread_group == g)[0]
            for g in np.unique(self.spread_group[self.spread_group >= 0])
        ]
        return [(s, agents) for s in range(len(self.spread_names)) for agents in groups if agents.size > 1]

    def spread_carried(self, unit_agent: np.ndarray) -> np.ndarray:
        """(S, M) int64: each term's count on each agent for a unit -> agent vector (-1 = none)."""
        out = np.zeros((len(self.spread_names), self.n_agents), dtype=np.int64)
        if self.spread_use is None:
            return out
        held = np.nonzero(unit_agent >= 0)[0]
        for s in range(len(self.spread_names)):
            out[s] = np.bincount(unit_agent[held], weights=self.spread_use[s, held], minlength=self.n_agents)
        return out

    def spread_extremes(self, unit_agent: np.ndarray) -> list[tuple[int, int]]:
        """(max, min) of each `spread_groups()` entry: the tight V_max, V_min of a plan."""
        carried = self.spread_carried(unit_agent)
        return [
            (int(carried[s, agents].max()), int(carried[s, agents].min()))
            for s, agents in self.spread_groups()
        ]

    def spread_cap(self) -> int:
        """An upper bound of `spread_cost` over all plans (each group's spread at most the term's
        whole count): what a big-M above every other part of the objective must add."""
        if self.spread_coef is None or self.spread_use is None:
            return 0
        return sum(int(self.spread_coef[s]) * int(self.spread_use[s].sum()) for s, _ in self.spread_groups())

    def spread_cost(self, unit_agent: np.ndarray) -> int:
        """The peer-spread terms of a unit -> agent vector (0 when there are none)."""
        if self.spread_coef is None:
            return 0
        return sum(
            int(self.spread_coef[s]) * (hi - lo)
            for (s, _), (hi, lo) in zip(self.spread_groups(), self.spread_extremes(unit_agent), strict=True)
        )

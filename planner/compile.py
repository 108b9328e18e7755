"""Data set -> AssignmentProblem, once; and the solver's answer -> Plan.

Parent groups become single units: their members share a manager by
construction, so the group rule needs no constraint, and a unit's hours, cost
and moves are the sums over its members. A unit may only go to a manager every
member may go to.

When a shortfall is allowed (policy `allow_unassigned`), every (unit, manager) pair comes
once per service level the unit may get: level l serves each member at its tier's level l,
or its last one (a strategic account in a group stays at full service while a standard one
is reduced). A unit may also stay unserved, at the value of its members' whole service.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.context import Context
from planner.models import Plan
from planner.objective import (
    account_level_counts,
    balance_cp_per_permille,
    balanced_managers,
    level_names,
    pair_metrics,
    peer_groups,
    plan_level_index,
    spread_terms,
    unserved_cp,
)
from planner.problem import AssignmentProblem
from planner.rules import LIMITS, eligible
from planner.rules.hours import band
from planner.teams import teams_on
from planner.teams.compile import TeamLayout, add_teams


@dataclass(frozen=True, eq=False)
class Compiled:
    ctx: Context
    problem: AssignmentProblem
    account_eligible: np.ndarray  # (N, M) bool, before grouping
    # Account teams (planner.teams): the team slots, units after the groups' seats; None without.
    team: TeamLayout | None = None

    def to_plan(self, unit_agent: np.ndarray, unit_level: np.ndarray | None = None) -> Plan:
        ids = self.ctx.manager_ids
        counts = account_level_counts(self.ctx)
        assignment: dict[str, str | None] = {}
        service: dict[str, str] = {}
        for u, members in enumerate(self.ctx.groups):
            agent = int(unit_agent[u])
            level = 0 if unit_level is None or agent < 0 else int(unit_level[u])
            for i in members:
                account_id = self.ctx.account_ids[i]
                assignment[account_id] = ids[agent] if agent >= 0 else None
                tier = int(self.ctx.tier[i])
                own = min(level, int(counts[i]) - 1)
                if own > 0:
                    service[account_id] = level_names(self.ctx, tier)[own]
        ordered = {a: assignment[a] for a in self.ctx.account_ids}
        if self.team is not None:
            return Plan(assignment=ordered, service=service, team=self.team.to_team(self.ctx, unit_agent))
        return Plan(assignment=ordered, service=service)

    def unit_accounts(self, u: int) -> list[int]:
        """The accounts a unit serves: its group's, or a team slot's members."""
        if u < len(self.ctx.groups):
            return self.ctx.groups[u]
        assert self.team is not None
        return list(self.team.slots[u - self.team.first_unit].members)

    def unit_name(self, u: int) -> str:
        """The unit in words: its head account, and the slot's role for a team slot."""
        head = self.ctx.account_ids[self.unit_accounts(u)[0]]
        if u < len(self.ctx.groups):
            return head
        assert self.team is not None
        slot = self.team.slots[u - self.team.first_unit]
        return f"{head} ({slot.role.replace('_', ' ')} {slot.rank + 1})"

    def from_plan_levels(self, plan: Plan) -> np.ndarray:
        """Unit -> level vector of a plan: the largest level index among its members."""
        out = np.zeros(self.problem.n_units, dtype=np.int64)
        index = plan_level_index(self.ctx, plan)
        for u, members in enumerate(self.ctx.groups):
            out[u] = max(int(index[i]) for i in members)
        return out  # team slots have one level: 0

    def from_plan(self, plan: Plan) -> np.ndarray:
        """Unit -> agent vector of a plan (e.g. the current one, as a hint); -1 where unknown or split."""
        out = np.full(self.problem.n_units, -1, dtype=np.int64)
        for u, members in enumerate(self.ctx.groups):
            owners = {plan.manager_of(self.ctx.account_ids[i]) for i in members}
            if len(owners) == 1:
                (owner,) = owners
                if owner is not None and owner in self.ctx.manager_index:
                    out[u] = self.ctx.manager_index[owner]
        if self.team is not None:
            out[self.team.first_unit :] = self.team.from_team(self.ctx, plan)
        return out


def compile_problem(
    ctx: Context, max_moves: int | None = None, allow_unassigned: bool | None = None
) -> Compiled:
    policy = ctx.dataset.policy
    n, m = ctx.n_accounts, ctx.n_managers
    a_idx = np.arange(n)[:, None]
    m_idx = np.arange(m)[None, :]
    ok = eligible(ctx, a_idx, m_idx)
    allow = policy.allow_unassigned if allow_unassigned is None else allow_unassigned

    groups = ctx.groups
    order, starts = ctx.group_order
    unit_ok = np.logical_and.reduceat(ok[order], starts, axis=0) if n else np.zeros((0, m), bool)
    pu, pa = np.nonzero(unit_ok)  # row-major, so the keys pu * m + pa come out sorted
    # Levels a unit may be served at: as many as its member with the most.
    unit_levels = np.ones(len(groups), dtype=np.int64)
    if allow and n:
        np.maximum.at(unit_levels, ctx.group_of, account_level_counts(ctx))
    width = int(unit_levels.max(initial=1))
    # Pairs level-major within each (unit, agent): key = (unit * m + agent) * width + level.
    pl = np.tile(np.arange(width), pu.size)
    pu, pa = np.repeat(pu, width), np.repeat(pa, width)
    keep = pl < unit_levels[pu]
    pu, pa, pl = pu[keep], pa[keep], pl[keep]

    # Workload and cost only where a unit may go: at 20,000 x 500 that is about a tenth of
    # the grid, and the trigonometry of the travel times is most of the compile time.
    ai, aj = np.nonzero(unit_ok[ctx.group_of]) if n else (np.zeros(0, np.int64), np.zeros(0, np.int64))
    keys = (pu * m + pa) * width + pl
    pair_hours = np.zeros(pu.size, dtype=np.int64)
    pair_cost = np.zeros(pu.size, dtype=np.int64)
    pair_moves = np.zeros(pu.size, dtype=np.int64)
    for level in range(width):
        on = unit_levels[ctx.group_of[ai]] > level
        li, lj = ai[on], aj[on]
        metrics = pair_metrics(ctx, li, lj, None if width == 1 else np.full(li.size, level))
        slot = np.searchsorted(keys, (ctx.group_of[li] * m + lj) * width + level)
        np.add.at(pair_hours, slot, metrics.hours_ch)
        np.add.at(pair_cost, slot, metrics.cost_cp)
        np.add.at(pair_moves, slot, metrics.moved.astype(np.int64))

    low, capacity = band(ctx)
    lower = low if policy.utilisation_band is not None else None
    unit_size = np.array([len(g) for g in groups], dtype=np.int64)
    budget = policy.max_moves if max_moves is None else max_moves

    # A unit's current manager: the one all its members share, if that pair is still allowed.
    same, owner = ctx.same_in_group(ctx.current)
    keep = same & (owner >= 0)
    keep[keep] = unit_ok[np.nonzero(keep)[0], owner[keep]]
    current_units = np.where(keep, owner, -1).astype(np.int64)

    limit_names, limit_use, limit_upper = _limit_rows(ctx, pu)
    spread_names, spread_coef, account_use = spread_terms(ctx)
    spread_use = np.zeros((len(spread_names), len(groups)), dtype=np.int64)
    for s in range(len(spread_names)):  # a unit counts what its members count
        np.add.at(spread_use[s], ctx.group_of, account_use[s])
    problem = AssignmentProblem(
        n_units=len(groups),
        n_agents=m,
        pair_unit=pu.astype(np.int64),
        pair_agent=pa.astype(np.int64),
        pair_cost=pair_cost,
        pair_weight=pair_hours,
        capacity=capacity,
        unit_size=unit_size,
        pair_moves=pair_moves,
        lower=lower,
        limit_names=limit_names,
        limit_use=limit_use,
        limit_upper=limit_upper,
        max_moves=budget,
        balance_coef=balance_cp_per_permille(ctx),
        balance_agents=balanced_managers(ctx),
        balance_capacity=ctx.capacity_ch.copy(),
        unassigned_cost=_unserved_per_unit(ctx) if allow else None,
        hint=current_units,
        pair_level=pl.astype(np.int64) if width > 1 else None,
        unit_names=[ctx.account_ids[g[0]] for g in groups],
        agent_names=list(ctx.manager_ids),
        spread_names=spread_names,
        spread_coef=spread_coef if spread_names else None,
        spread_use=spread_use if spread_names else None,
        spread_group=peer_groups(ctx) if spread_names else None,
    )
    if teams_on(ctx):  # without teams the problem above is the whole of it, array for array
        problem, layout = add_teams(ctx, problem, allow)
        return Compiled(ctx, problem, ok, layout)
    return Compiled(ctx, problem, ok)


def _limit_rows(ctx: Context, pair_unit: np.ndarray) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """Each registered manager limit that is on, as one row per agent: an option uses the sum of
    its unit's members' use (a parent group of three takes three account slots)."""
    names, uses, uppers = [], [], []
    for name, rule in LIMITS.items():
        upper = rule.limit(ctx)
        if upper is None:
            continue
        per_unit = np.zeros(len(ctx.groups), dtype=np.int64)
        if ctx.n_accounts:
            np.add.at(per_unit, ctx.group_of, rule.use(ctx))
        names.append(name)
        uses.append(per_unit[pair_unit])
        uppers.append(np.asarray(upper, dtype=np.int64))
    return (
        tuple(names),
        np.array(uses, dtype=np.int64).reshape(len(names), pair_unit.size),
        np.array(uppers, dtype=np.int64).reshape(len(names), ctx.n_managers),
    )


def _unserved_per_unit(ctx: Context) -> np.ndarray:
    out = np.zeros(len(ctx.groups), dtype=np.int64)
    if ctx.n_accounts:
        np.add.at(out, ctx.group_of, unserved_cp(ctx, np.arange(ctx.n_accounts)))
    return out

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
from planner.models import TIER_ORDER, Plan
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
from planner.travel import one_way_hours


@dataclass(frozen=True, eq=False)
class Compiled:
    ctx: Context
    problem: AssignmentProblem
    account_eligible: np.ndarray  # (N, M) bool, before grouping
    # Account teams (planner.teams): the team slots, units after the groups' seats; None without.
    team: TeamLayout | None = None

    def to_plan(self, unit_agent: np.ndarray, unit_level: np.ndarray | None = None) -> Plan:
        # Per account from its unit, in arrays: a loop over units and members cost a re-plan
        # about as much as its construction.
        ctx = self.ctx
        ids = ctx.manager_ids
        agent = unit_agent[ctx.group_of]
        level = np.zeros(ctx.n_accounts, dtype=np.int64) if unit_level is None else unit_level[ctx.group_of]
        own = np.minimum(np.where(agent >= 0, level, 0), account_level_counts(ctx) - 1)
        ordered = {
            a: ids[j] if j >= 0 else None for a, j in zip(ctx.account_ids, agent.tolist(), strict=True)
        }
        names = [level_names(ctx, t) for t in range(len(TIER_ORDER))]
        members, _ = ctx.group_order  # group after group, as the reduced levels were always listed
        reduced = members[own[members] > 0].tolist()
        tier, own_level = ctx.tier.tolist(), own.tolist()
        service = {ctx.account_ids[i]: names[tier[i]][own_level[i]] for i in reduced}
        if self.team is not None:
            return Plan(assignment=ordered, service=service, team=self.team.to_team(ctx, unit_agent))
        return Plan(assignment=ordered, service=service)

    def unit_accounts(self, u: int) -> list[int]:
        """The accounts a unit serves: its group's, or a team slot's members."""
        if u < self.ctx.group_order[1].size:
            return self.ctx.groups[u]
        assert self.team is not None
        return list(self.team.slots[u - self.team.first_unit].members)

    def unit_name(self, u: int) -> str:
        """The unit in words: its head account, and the slot's role for a team slot."""
        head = self.ctx.account_ids[self.unit_accounts(u)[0]]
        if u < self.ctx.group_order[1].size:
            return head
        assert self.team is not None
        slot = self.team.slots[u - self.team.first_unit]
        return f"{head} ({slot.role.replace('_', ' ')} {slot.rank + 1})"

    def from_plan_levels(self, plan: Plan) -> np.ndarray:
        """Unit -> level vector of a plan: the largest level index among its members."""
        out = np.zeros(self.problem.n_units, dtype=np.int64)
        members, starts = self.ctx.group_order
        if starts.size:
            out[: starts.size] = np.maximum.reduceat(plan_level_index(self.ctx, plan)[members], starts)
        return out  # team slots have one level: 0

    def from_plan(self, plan: Plan) -> np.ndarray:
        """Unit -> agent vector of a plan (e.g. the current one, as a hint); -1 where unknown or split."""
        ctx = self.ctx
        out = np.full(self.problem.n_units, -1, dtype=np.int64)
        # Each account's manager as a code: its index, -1 for none, and a code of its own below
        # that for each name the data does not know, so that members naming two unknown
        # managers count as split, as members naming one unknown manager count as together.
        unknown: dict[str, int] = {}
        index = ctx.manager_index
        codes = np.array(
            [
                -1
                if owner is None
                else index[owner]
                if owner in index
                else unknown.setdefault(owner, -2 - len(unknown))
                for owner in map(plan.assignment.get, ctx.account_ids)
            ],
            dtype=np.int64,
        )
        same, owner = ctx.same_in_group(codes)
        out[: same.size] = np.where(same & (owner >= 0), owner, -1)
        if self.team is not None:
            out[self.team.first_unit :] = self.team.from_team(ctx, plan)
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

    order, starts = ctx.group_order
    n_units = starts.size
    unit_size = np.diff(np.append(starts, n)).astype(np.int64)
    unit_ok = _all_members(ok, order, starts, unit_size)
    up, ua = np.nonzero(unit_ok)  # row-major, so the keys up * m + ua come out sorted
    # Levels a unit may be served at: as many as its member with the most.
    unit_levels = np.ones(n_units, dtype=np.int64)
    if allow and n:
        np.maximum.at(unit_levels, ctx.group_of, account_level_counts(ctx))
    width = int(unit_levels.max(initial=1))
    # Pairs level-major within each (unit, agent): key = (unit * m + agent) * width + level.
    levels_of = unit_levels[up]
    first = np.cumsum(levels_of) - levels_of  # where each (unit, agent)'s pairs begin
    pl = np.arange(int(levels_of.sum())) - np.repeat(first, levels_of)
    pu, pa = np.repeat(up, levels_of), np.repeat(ua, levels_of)

    # Workload and cost only where a unit may go: at 20,000 x 500 that is about a tenth of
    # the grid. Each (unit, agent) expands to its members' (account, agent) pairs, in unit
    # order, so a unit's sums are one reduceat over consecutive runs (integers: exact in any
    # order); the travel times, the costliest part, once for all levels.
    size = unit_size[up]
    run = np.cumsum(size) - size  # where each (unit, agent)'s members begin
    within = np.arange(int(size.sum())) - np.repeat(run, size)
    ai = order[np.repeat(starts[up], size) + within]
    aj = np.repeat(ua, size)
    one_way = one_way_hours(ctx, ai, aj)
    pair_hours = np.zeros(pu.size, dtype=np.int64)
    pair_cost = np.zeros(pu.size, dtype=np.int64)
    pair_moves = np.zeros(pu.size, dtype=np.int64)
    for level in range(width):
        on = levels_of > level  # the (unit, agent)s with this level
        each = np.repeat(on, size)
        li, lj = ai[each], aj[each]
        metrics = pair_metrics(
            ctx, li, lj, None if width == 1 else np.full(li.size, level), one_way=one_way[each]
        )
        bounds = np.cumsum(size[on]) - size[on]
        slot = first[on] + level
        pair_hours[slot] = _run_sums(metrics.hours_ch, bounds)
        pair_cost[slot] = _run_sums(metrics.cost_cp, bounds)
        pair_moves[slot] = _run_sums(metrics.moved.astype(np.int64), bounds)

    low, capacity = band(ctx)
    lower = low if policy.utilisation_band is not None else None
    budget = policy.max_moves if max_moves is None else max_moves

    # A unit's current manager: the one all its members share, if that pair is still allowed.
    same, owner = ctx.same_in_group(ctx.current)
    keep = same & (owner >= 0)
    keep[keep] = unit_ok[np.nonzero(keep)[0], owner[keep]]
    current_units = np.where(keep, owner, -1).astype(np.int64)

    limit_names, limit_use, limit_upper = _limit_rows(ctx, pu)
    spread_names, spread_coef, account_use = spread_terms(ctx)
    spread_use = np.zeros((len(spread_names), n_units), dtype=np.int64)
    for s in range(len(spread_names)):  # a unit counts what its members count
        np.add.at(spread_use[s], ctx.group_of, account_use[s])
    problem = AssignmentProblem(
        n_units=n_units,
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
        unit_names=[ctx.account_ids[h] for h in order[starts].tolist()],
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


def _all_members(ok: np.ndarray, order: np.ndarray, starts: np.ndarray, size: np.ndarray) -> np.ndarray:
    """(U, M) bool: every member of the unit may go to the agent. The first members' rows, then
    AND the second members' rows, the third's...: a few passes over the few accounts in groups,
    where numpy's reduceat along the rows took 0.13 s at 20,000 x 500."""
    out = ok[order[starts]]
    rank = np.arange(order.size) - np.repeat(starts, size)  # a member's place in its group
    unit = np.repeat(np.arange(starts.size), size)
    for r in range(1, int(size.max(initial=1))):
        at = np.nonzero(rank == r)[0]  # at most one per unit
        out[unit[at]] &= ok[order[at]]
    return out


def _run_sums(values: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """Sum of each run of `values` starting at `bounds` (non-empty runs, in order)."""
    if bounds.size == values.size:  # every unit a single account: nothing to add
        return values
    return np.add.reduceat(values, bounds) if bounds.size else values[:0]


def _limit_rows(ctx: Context, pair_unit: np.ndarray) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """Each registered manager limit that is on, as one row per agent: an option uses the sum of
    its unit's members' use (a parent group of three takes three account slots)."""
    names, uses, uppers = [], [], []
    for name, rule in LIMITS.items():
        upper = rule.limit(ctx)
        if upper is None:
            continue
        per_unit = np.zeros(ctx.group_order[1].size, dtype=np.int64)
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
    out = np.zeros(ctx.group_order[1].size, dtype=np.int64)
    if ctx.n_accounts:
        np.add.at(out, ctx.group_of, unserved_cp(ctx, np.arange(ctx.n_accounts)))
    return out

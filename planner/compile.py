"""Data set -> AssignmentProblem, once; and the solver's answer -> Plan.

Parent groups become single units: their members share a manager by
construction, so the group rule needs no constraint, and a unit's hours, cost
and moves are the sums over its members. A unit may only go to a manager every
member may go to.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.context import Context
from planner.models import Plan
from planner.objective import (
    balance_cp_per_permille,
    balanced_managers,
    pair_metrics,
    unassigned_cp,
)
from planner.problem import AssignmentProblem
from planner.rules import eligible


@dataclass(frozen=True, eq=False)
class Compiled:
    ctx: Context
    problem: AssignmentProblem
    account_eligible: np.ndarray  # (N, M) bool, before grouping

    def to_plan(self, unit_agent: np.ndarray) -> Plan:
        ids = self.ctx.manager_ids
        assignment: dict[str, str | None] = {}
        for u, members in enumerate(self.ctx.groups):
            agent = int(unit_agent[u])
            for i in members:
                assignment[self.ctx.account_ids[i]] = ids[agent] if agent >= 0 else None
        return Plan(assignment={a: assignment[a] for a in self.ctx.account_ids})

    def from_plan(self, plan: Plan) -> np.ndarray:
        """Unit -> agent vector of a plan (e.g. the current one, as a hint); -1 where unknown or split."""
        out = np.full(self.problem.n_units, -1, dtype=np.int64)
        for u, members in enumerate(self.ctx.groups):
            owners = {plan.manager_of(self.ctx.account_ids[i]) for i in members}
            if len(owners) == 1:
                (owner,) = owners
                if owner is not None and owner in self.ctx.manager_index:
                    out[u] = self.ctx.manager_index[owner]
        return out


def compile_problem(
    ctx: Context, max_moves: int | None = None, allow_unassigned: bool | None = None
) -> Compiled:
    policy = ctx.dataset.policy
    n, m = ctx.n_accounts, ctx.n_managers
    a_idx = np.arange(n)[:, None]
    m_idx = np.arange(m)[None, :]
    ok = eligible(ctx, a_idx, m_idx)

    groups = ctx.groups
    order, starts = ctx.group_order
    unit_ok = np.logical_and.reduceat(ok[order], starts, axis=0) if n else np.zeros((0, m), bool)
    pu, pa = np.nonzero(unit_ok)  # row-major, so the keys pu * m + pa come out sorted

    # Workload and cost only where a unit may go: at 20,000 x 500 that is about a tenth of
    # the grid, and the trigonometry of the travel times is most of the compile time.
    ai, aj = np.nonzero(unit_ok[ctx.group_of]) if n else (np.zeros(0, np.int64), np.zeros(0, np.int64))
    metrics = pair_metrics(ctx, ai, aj)
    slot = np.searchsorted(pu * m + pa, ctx.group_of[ai] * m + aj)
    pair_hours = np.zeros(pu.size, dtype=np.int64)
    pair_cost = np.zeros(pu.size, dtype=np.int64)
    pair_moves = np.zeros(pu.size, dtype=np.int64)
    np.add.at(pair_hours, slot, metrics.hours_ch)
    np.add.at(pair_cost, slot, metrics.cost_cp)
    np.add.at(pair_moves, slot, metrics.moved.astype(np.int64))

    capacity = ctx.capacity_ch.copy()
    lower = None
    if policy.utilisation_band is not None:
        lo, hi = policy.utilisation_band
        capacity = np.minimum(capacity, np.floor(ctx.capacity_ch * hi).astype(np.int64))
        lower = np.where(ctx.active, np.ceil(ctx.capacity_ch * lo).astype(np.int64), 0)
    allow = policy.allow_unassigned if allow_unassigned is None else allow_unassigned
    unit_size = np.array([len(g) for g in groups], dtype=np.int64)
    budget = policy.max_moves if max_moves is None else max_moves

    # A unit's current manager: the one all its members share, if that pair is still allowed.
    same, owner = ctx.same_in_group(ctx.current)
    keep = same & (owner >= 0)
    keep[keep] = unit_ok[np.nonzero(keep)[0], owner[keep]]
    current_units = np.where(keep, owner, -1).astype(np.int64)

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
        max_units=ctx.max_accounts.copy(),
        max_moves=budget,
        balance_coef=balance_cp_per_permille(ctx),
        balance_agents=balanced_managers(ctx),
        balance_capacity=ctx.capacity_ch.copy(),
        unassigned_cost=(unassigned_cp(ctx) * unit_size) if allow else None,
        hint=current_units,
        unit_names=[ctx.account_ids[g[0]] for g in groups],
        agent_names=list(ctx.manager_ids),
    )
    return Compiled(ctx, problem, ok)

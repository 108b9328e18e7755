"""The team slots as units of the one AssignmentProblem (see planner.teams for the mapping).

`add_teams` appends, after the account-manager seats the compiler built, one unit per team slot,
its options, the one-role-per-account rows (`pair_exclusive`) and a `capacity_hours_<role>` limit
row per capped role; every other array grows by what the new units and options add (nothing to
max_accounts and the other account limits or the peer spreads; to the move budget, an option's
voluntary moves: a slot taken from today's holder who could keep it, once per member account, as
an account manager's option counts them), and the balance term splits into one group per role
(`planner.teams.balance`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from planner.context import Context
from planner.models import Plan
from planner.models.teams import ACCOUNT_MANAGER
from planner.problem import AssignmentProblem
from planner.teams.balance import balance_member
from planner.teams.roles import (
    Slot,
    capped_roles,
    current_holders,
    group_slots,
    role_capacity,
    role_eligible,
    role_metrics,
    unfilled_cp,
)


@dataclass(frozen=True, eq=False)
class TeamLayout:
    first_unit: int  # units before it are the account-manager seats (one per parent group)
    slots: tuple[Slot, ...]  # unit first_unit + s is slots[s]

    def to_team(self, ctx: Context, unit_agent: np.ndarray) -> dict[str, dict[str, list[str | None]]]:
        """account_id -> role -> the people of each rank (None: unfilled), from the units' agents."""
        team: dict[str, dict[str, list[str | None]]] = {}
        for s, slot in enumerate(self.slots):
            agent = int(unit_agent[self.first_unit + s])
            person = ctx.manager_ids[agent] if agent >= 0 else None
            for i in slot.members:
                team.setdefault(ctx.account_ids[i], {}).setdefault(slot.role, []).append(person)
        return team

    def from_team(self, ctx: Context, plan: Plan) -> np.ndarray:
        """(slots,) agent of each slot in a plan, -1 where unfilled, unknown or split in the group."""
        out = np.full(len(self.slots), -1, dtype=np.int64)
        for s, slot in enumerate(self.slots):
            people = set()
            for i in slot.members:
                named = plan.team.get(ctx.account_ids[i], {}).get(slot.role, [])
                people.add(named[slot.rank] if slot.rank < len(named) else None)
            if len(people) == 1:
                (person,) = people
                if person is not None and person in ctx.manager_index:
                    out[s] = ctx.manager_index[person]
        return out


def add_teams(ctx: Context, problem: AssignmentProblem, allow: bool) -> tuple[AssignmentProblem, TeamLayout]:
    m = ctx.n_managers
    slots = group_slots(ctx)
    first = problem.n_units
    units, agents, costs, hours, moves = [], [], [], [], []
    hint = np.full(len(slots), -1, dtype=np.int64)
    unfilled = np.zeros(len(slots), dtype=np.int64)
    taken: dict[tuple[int, str], set[int]] = {}  # (group, role) -> today's holders already hinted
    for s, slot in enumerate(slots):
        members = np.array(slot.members, dtype=np.int64)
        ok = role_eligible(ctx, slot.role, members[:, None], np.arange(m)[None, :]).all(axis=0)
        people = np.nonzero(ok)[0]
        aa = np.repeat(members, people.size)
        mm = np.tile(people, members.size)
        metrics = role_metrics(ctx, slot.role, aa, mm)
        units.append(np.full(people.size, first + s, dtype=np.int64))
        agents.append(people.astype(np.int64))
        costs.append(metrics.cost_cp.reshape(members.size, people.size).sum(axis=0))
        hours.append(metrics.hours_ch.reshape(members.size, people.size).sum(axis=0))
        moves.append(metrics.moved.astype(np.int64).reshape(members.size, people.size).sum(axis=0))
        unfilled[s] = int(unfilled_cp(ctx, slot.role, members).sum())
        held, _ = current_holders(ctx, slot.role)
        shared = held[members].all(axis=0) & ok  # today's holders of every member, still eligible
        used = taken.setdefault((slot.group, slot.role), set())
        for j in np.nonzero(shared)[0].tolist():
            if j not in used:
                hint[s] = j
                used.add(j)
                break
    cat = _cat
    pair_unit = cat(units)
    pair_agent = cat(agents)
    n_new = pair_unit.size
    p_old = problem.n_pairs

    # One role per person per account: the person's options on a group's seat and slots.
    group_of_unit = np.concatenate(
        [np.arange(first, dtype=np.int64), np.array([sl.group for sl in slots], dtype=np.int64)]
    )
    all_unit = np.concatenate([problem.pair_unit, pair_unit])
    all_agent = np.concatenate([problem.pair_agent, pair_agent])
    key = group_of_unit[all_unit] * m + all_agent
    distinct = np.unique(np.stack([key, all_unit]), axis=1)  # (key, unit) once each
    keys, count = np.unique(distinct[0], return_counts=True)
    shared_keys = keys[count > 1]
    exclusive = np.where(np.isin(key, shared_keys), key, -1).astype(np.int64)

    names, uppers = list(problem.limit_names), [problem.uppers]
    uses = [np.hstack([problem.uses, np.zeros((len(names), n_new), dtype=np.int64)])]
    for role in capped_roles(ctx):
        cap = role_capacity(ctx, role)
        assert cap is not None
        slot_role = np.array([sl.role for sl in slots], dtype=object)
        on_new = (slot_role[pair_unit - first] == role) if n_new else np.zeros(0, bool)
        use = np.concatenate(
            [
                problem.pair_weight if role == ACCOUNT_MANAGER else np.zeros(p_old, np.int64),
                np.where(on_new, cat(hours), 0),
            ]
        )
        names.append(f"capacity_hours_{role}")
        uses.append(use[None, :])
        uppers.append(cap[None, :])

    def grow(arr: np.ndarray | None, extra: np.ndarray) -> np.ndarray | None:
        return None if arr is None else np.concatenate([arr, extra.astype(arr.dtype)])

    zeros_new = np.zeros(n_new, dtype=np.int64)
    zeros_slots = np.zeros(len(slots), dtype=np.int64)
    spread_use = problem.spread_use
    if spread_use is not None:
        spread_use = np.hstack([spread_use, np.zeros((spread_use.shape[0], len(slots)), dtype=np.int64)])
    team = replace(
        problem,
        n_units=first + len(slots),
        pair_unit=np.concatenate([problem.pair_unit, pair_unit]),
        pair_agent=np.concatenate([problem.pair_agent, pair_agent]),
        pair_cost=np.concatenate([problem.pair_cost, cat(costs)]),
        pair_weight=np.concatenate([problem.pair_weight, cat(hours)]),
        unit_size=np.concatenate([problem.unit_size, [len(sl.members) for sl in slots]]).astype(np.int64),
        pair_moves=grow(problem.pair_moves, cat(moves)),
        limit_names=tuple(names),
        limit_use=np.vstack(uses),
        limit_upper=np.vstack(uppers),
        unassigned_cost=grow(problem.unassigned_cost, unfilled) if allow else None,
        hint=grow(problem.hint, hint),
        hint_level=grow(problem.hint_level, zeros_slots),
        pair_level=grow(problem.pair_level, zeros_new),
        unit_names=None
        if problem.unit_names is None
        else [
            *problem.unit_names,
            *(f"{ctx.account_ids[sl.members[0]]}/{sl.role}#{sl.rank + 1}" for sl in slots),
        ],
        spread_use=spread_use,
        # No rows at all (nobody holds two roles an account needs): None, as without teams, so
        # every backend, the split ones included, may plan it.
        pair_exclusive=exclusive if (exclusive >= 0).any() else None,
        balance_member=balance_member(ctx),
    )
    return team, TeamLayout(first, tuple(slots))


def _cat(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, dtype=np.int64)

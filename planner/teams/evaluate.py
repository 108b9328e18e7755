"""The evaluator's part for account teams: each slot's person checked and priced, from the plan alone.

Checks (violation names): `team_slots` (a role listed more times than the tier needs, or a
role the tier does not need), `team_slot_unfilled` (an empty slot when shortfalls are not
allowed), `unknown_manager`, `team_role` and `role_seniority` and any pair rule a team member
must pass (`roles.failed_role_rules`), `one_role_per_account` (a person twice on one account,
the account manager included), `parent_group_team` (members of a group with different people
in one slot), `capacity_hours_<role>` (a person's hours in one role over their cap). The hours
join each person's load, so capacity and balance count every role.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from planner.context import Context
from planner.models import TIER_ORDER, Plan
from planner.models.teams import ACCOUNT_MANAGER
from planner.rules import PAIR_RULES, Violation
from planner.teams.roles import (
    ROLE_SENIORITY,
    capped_roles,
    current_holders,
    failed_role_rules,
    group_slots,
    needs,
    role_capacity,
    role_label,
    role_metrics,
    role_rule,
    unfilled_cp,
)


@dataclass(frozen=True)
class TeamRow:
    """One account's slot: plan.csv's row of a role besides the account manager."""

    account_id: str
    role: str
    slot: int  # 1-based rank within the role
    manager_id: str | None  # None: unfilled
    workload_hours: float
    travel_hours: float
    match_score: float
    cost_points: float
    previous: tuple[str, ...]  # today's holders of the role on the account
    moved: bool  # the person is not among today's holders (and there were some)
    account_name: str = ""
    manager_name: str = ""
    tier: str = ""
    could_stay: bool = False  # one of today's holders could have kept the slot

    # plan.csv's columns (planner.io.plan_dir), as an account manager's row has them.
    @property
    def service(self) -> str:
        return "full" if self.manager_id is not None else "unfilled"

    @property
    def previous_manager_id(self) -> str:
        return ";".join(self.previous)

    @property
    def move_reason(self) -> str | None:
        if not self.moved:
            return None
        return "voluntary" if self.could_stay else "forced"


@dataclass(frozen=True)
class TeamPart:
    load: np.ndarray  # (M,) int64 centi-hours of team work per person
    travel: np.ndarray  # (M,) int64
    cost_cp: int
    unfilled_cp: int
    violations: list[Violation]
    rows: list[TeamRow]
    # Slots given to someone new while one of today's holders could have kept them: voluntary
    # moves, counted against the disruption budget with the account managers' (max_moves).
    voluntary_moves: int = 0


def team_part(ctx: Context, plan: Plan, agent: np.ndarray, manager_load: np.ndarray) -> TeamPart:
    allow = ctx.dataset.policy.allow_unassigned
    per_role = needs(ctx)
    load = np.zeros(ctx.n_managers, dtype=np.int64)
    travel = np.zeros(ctx.n_managers, dtype=np.int64)
    role_load = {role: np.zeros(ctx.n_managers, dtype=np.int64) for role in per_role}
    violations: list[Violation] = []
    rows: list[TeamRow | None] = []  # filled in per role below, in the plan's order
    unfilled_at: list[tuple[int, int, str, int, tuple[str, ...], str, str]] = []
    filled_at: list[tuple[int, int, str, int, str, int, tuple[str, ...], str, str]] = []
    cost = unfilled = voluntary = 0
    for account_id in plan.team:
        if account_id not in ctx.account_index:
            violations.append(
                Violation("unknown_account", account_id, None, f"team of unknown account {account_id!r}")
            )
    tiers = [t.value for t in TIER_ORDER]
    for i, account_id in enumerate(ctx.account_ids):
        acc, tier = ctx.dataset.accounts[i], tiers[int(ctx.tier[i])]
        given = plan.team.get(account_id, {})
        for role in given:
            if role not in per_role:
                violations.append(
                    Violation("team_slots", account_id, None, f"account {account_id}: no team role {role!r}")
                )
        on_account: Counter[str] = Counter()
        if agent[i] >= 0:
            on_account[ctx.manager_ids[int(agent[i])]] += 1
        for role, need in per_role.items():
            named = list(given.get(role, []))
            k_need = int(need[i])
            if len(named) > k_need:
                violations.append(
                    Violation(
                        "team_slots",
                        account_id,
                        None,
                        f"account {account_id} needs {k_need} {role_label(role)}; the plan names {len(named)}",
                    )
                )
            named = named[:k_need] + [None] * max(k_need - len(named), 0)
            previous = tuple(sorted(ctx.dataset.accounts[i].current_team.get(role, ())))
            for k, person in enumerate(named):
                j = ctx.manager_index.get(person, -1) if person is not None else -1
                if person is not None and j < 0:
                    violations.append(
                        Violation(
                            "unknown_manager",
                            account_id,
                            person,
                            f"account {account_id}: unknown {role_label(role)} {person!r}",
                        )
                    )
                if j < 0:
                    unfilled_at.append((len(rows), i, role, k, previous, acc.name, tier))
                    rows.append(None)
                    continue
                assert person is not None
                on_account[person] += 1
                filled_at.append((len(rows), i, role, k, person, j, previous, acc.name, tier))
                rows.append(None)
        for person, times in on_account.items():
            if times > 1:
                violations.append(
                    Violation(
                        "one_role_per_account",
                        account_id,
                        person,
                        f"{person} holds {times} places in the team of account {account_id}; one person, one role",
                    )
                )
    # Each role's slots priced and checked at once: one call per rule, not one per slot.
    for role in per_role:
        empty = [e for e in unfilled_at if e[2] == role]
        prices = unfilled_cp(ctx, role, np.array([e[1] for e in empty], dtype=np.int64))
        may_stay = current_holders(ctx, role)[1]
        for (at, i, _, k, previous, name, tier), price in zip(empty, prices.tolist(), strict=True):
            account_id = ctx.account_ids[i]
            if allow:
                unfilled += price
            else:
                violations.append(
                    Violation(
                        "team_slot_unfilled",
                        account_id,
                        None,
                        f"account {account_id} needs a {role_label(role)} (slot {k + 1}); the plan has none",
                    )
                )
            cost_points = price / 100 if allow else 0.0
            # A slot someone holds today and nobody after has changed hands too: forced when
            # today's holder may not stay (left, gave up the role), else by the plan's choice.
            rows[at] = TeamRow(
                account_id, role, k + 1, None, 0.0, 0.0, 0.0, cost_points, previous, bool(previous),
                name, "", tier, bool(previous) and bool(may_stay[i]),
            )  # fmt: skip
        held = [e for e in filled_at if e[2] == role]
        if not held:
            continue
        a = np.array([e[1] for e in held], dtype=np.int64)
        m = np.array([e[5] for e in held], dtype=np.int64)
        for rule, allowed in failed_role_rules(ctx, role, a, m):
            for n in np.nonzero(~np.broadcast_to(allowed, a.shape))[0].tolist():
                i, j = int(a[n]), int(m[n])
                violations.append(
                    Violation(rule, ctx.account_ids[i], ctx.manager_ids[j], _breach(ctx, role, rule, i, j))
                )
        metrics = role_metrics(ctx, role, a, m)
        voluntary += int(metrics.moved.sum())
        np.add.at(load, m, metrics.hours_ch)
        np.add.at(role_load[role], m, metrics.hours_ch)
        np.add.at(travel, m, metrics.travel_ch)
        cost += int(metrics.cost_cp.sum())
        hours, trips, match = metrics.hours_ch.tolist(), metrics.travel_ch.tolist(), metrics.match.tolist()
        costs = metrics.cost_cp.tolist()
        for n, (at, i, _, k, person, j, previous, name, tier) in enumerate(held):
            rows[at] = TeamRow(
                ctx.account_ids[i],
                role,
                k + 1,
                person,
                hours[n] / 100,
                trips[n] / 100,
                round(float(match[n]), 4),
                costs[n] / 100,
                previous,
                bool(previous) and person not in previous,
                name,
                ctx.dataset.managers[j].name,
                tier,
                bool(may_stay[i]),
            )
    violations += _groups(ctx, plan)
    for role in capped_roles(ctx):
        cap = role_capacity(ctx, role)
        assert cap is not None
        used = manager_load if role == ACCOUNT_MANAGER else role_load[role]
        for j in np.nonzero((cap >= 0) & (used > cap))[0].tolist():
            violations.append(
                Violation(
                    f"capacity_hours_{role}",
                    None,
                    ctx.manager_ids[j],
                    f"{ctx.manager_ids[j]} works {used[j] / 100:.2f} h a month as {role_label(role)}; "
                    f"capacity_hours_{role} is {cap[j] / 100:.2f} h",
                )
            )
    done = [r for r in rows if r is not None]
    assert len(done) == len(rows)
    return TeamPart(load, travel, cost + unfilled, unfilled, violations, done, voluntary)


def _groups(ctx: Context, plan: Plan) -> list[Violation]:
    out = []
    for slot in group_slots(ctx):
        if len(slot.members) < 2:
            continue
        people = set()
        for i in slot.members:
            named = plan.team.get(ctx.account_ids[i], {}).get(slot.role, [])
            people.add(named[slot.rank] if slot.rank < len(named) else None)
        if len(people) > 1:
            head = ctx.account_ids[ctx.groups[slot.group][0]]
            out.append(
                Violation(
                    "parent_group_team",
                    head,
                    None,
                    f"parent group {head}: its accounts have different {role_label(slot.role)} "
                    f"(slot {slot.rank + 1}: {', '.join(sorted(str(p) for p in people))}); a group keeps one team",
                )
            )
    return out


def _breach(ctx: Context, role: str, name: str, i: int, j: int) -> str:
    account, person = ctx.account_ids[i], ctx.manager_ids[j]
    if name == "team_role":
        roles = ", ".join(sorted(ctx.dataset.managers[j].roles)) or ACCOUNT_MANAGER
        return f"{person} is {role_label(role)} on account {account} but does not hold that role (roles: {roles})"
    if name == ROLE_SENIORITY:
        need = role_rule(ctx, role).min_seniority.value
        return f"{role_label(role)} on account {account} needs at least a {need}; {person} is {ctx.dataset.managers[j].seniority.value}"
    return f"{role_label(role)}: " + PAIR_RULES[name].breach(ctx, i, j)


def team_summary(rows: list[TeamRow]) -> dict[str, dict[str, float]]:
    """Per extra role: slots, filled, unfilled, people, hours, hours per person (min/max), moves."""
    out: dict[str, dict[str, float]] = {}
    for role in dict.fromkeys(r.role for r in rows):
        mine = [r for r in rows if r.role == role]
        hours: dict[str, float] = {}
        for r in mine:
            if r.manager_id is not None:
                hours[r.manager_id] = hours.get(r.manager_id, 0.0) + r.workload_hours
        out[role] = {
            "slots": len(mine),
            "filled": sum(r.manager_id is not None for r in mine),
            "unfilled": sum(r.manager_id is None for r in mine),
            "people": len(hours),
            "hours": round(sum(hours.values()), 2),
            "hours_per_person_min": round(min(hours.values()), 2) if hours else 0.0,
            "hours_per_person_max": round(max(hours.values()), 2) if hours else 0.0,
            "moved": sum(r.moved for r in mine),
            "moved_voluntary": sum(r.moved and r.could_stay for r in mine),
        }
    return out

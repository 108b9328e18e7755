"""Per role: who may hold it on an account, what an option costs, and the slots of each group.

An extra role's option (account a, person m) is priced like an account manager's
(`planner.objective`), with the role's own numbers (v = the role's visits per month):
    hours    = v x hours_per_visit(role) + v x 2 t + admin_hours_per_month(role)
    match    = (w_ind x [m knows a's industry] + w_sen x (1 - |rank(m) - ideal rank(role)| / 2)) / (w_ind + w_sen)
    cost     = value_match x value(a) x (1 - match) x match_factor(a) + travel_hour x v x 2 t
             + move x move_weight(role) x (10 + value(a)) x move_factor(a) x [m is not among a's current
               holders of the role and one of them may stay]
             + performance x value(a) x [a is strategic] x (1 - perf(m) / 100)
    unfilled = lost(a) x (v x hours_per_visit(role) + admin_hours_per_month(role))   (when allowed)
in the same integer centi-hours and centi-points, per account, so the compiler's sums over a
parent group and the evaluator's per-account sums agree to the digit.
"""

from __future__ import annotations

from dataclasses import dataclass
from weakref import WeakKeyDictionary

import numpy as np

from planner.context import Context
from planner.models import TIER_ORDER
from planner.models.teams import ACCOUNT_MANAGER, RoleRule, Teams
from planner.objective import PairMetrics, lost_points_per_hour, match_score, priced
from planner.rules import PAIR_RULES
from planner.rules.account_manager_role import KEY, holds_role
from planner.travel import one_way_hours

# Pair rules about the account manager only: a team member answers to the role's own seniority
# rule, and pins, bans of pairs and performance floors name account managers.
MANAGER_ONLY_RULES = frozenset(
    {"seniority_by_tier", "pinned_pair", "forbidden_pair", "performance_floor", "account_manager_role"}
)
ROLE_SENIORITY = "role_seniority"  # the violation name of a team member below the role's seniority


def teams_of(ctx: Context) -> Teams | None:
    teams = ctx.dataset.policy.setting(KEY)
    return teams if isinstance(teams, Teams) and teams.active else None


def teams_on(ctx: Context) -> bool:
    return teams_of(ctx) is not None


def role_rule(ctx: Context, role: str) -> RoleRule:
    teams = teams_of(ctx)
    assert teams is not None
    return teams.roles[role]


def role_label(role: str) -> str:
    """'technical_support' -> 'technical support'."""
    return role.replace("_", " ")


def needs(ctx: Context) -> dict[str, np.ndarray]:
    """Per extra role, (N,) how many people of it each account's team needs."""
    teams = teams_of(ctx)
    if teams is None:
        return {}
    tiers = [TIER_ORDER[k] for k in range(len(TIER_ORDER))]
    return {
        role: np.array(
            [teams.tiers.get(tiers[k], {}).get(role, 0) for k in range(len(tiers))], dtype=np.int64
        )[ctx.tier]
        for role in teams.roles
    }


def failed_role_rules(ctx: Context, role: str, a: np.ndarray, m: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """(rule name, bool allowed) of each rule a team member of `role` must pass."""
    rule = role_rule(ctx, role)
    shape = np.broadcast_shapes(np.shape(a), np.shape(m))
    out = [
        ("team_role", np.broadcast_to(holds_role(ctx, role)[m], shape)),
        (ROLE_SENIORITY, np.broadcast_to(ctx.seniority_rank[m] >= rule.min_seniority.rank, shape)),
    ]
    out += [
        (name, np.asarray(pr(ctx, a, m))) for name, pr in PAIR_RULES.items() if name not in MANAGER_ONLY_RULES
    ]
    return out


def role_eligible(ctx: Context, role: str, a: np.ndarray, m: np.ndarray) -> np.ndarray:
    ok = np.ones(np.broadcast_shapes(np.shape(a), np.shape(m)), dtype=bool)
    for _, allowed in failed_role_rules(ctx, role, a, m):
        ok &= allowed
    return ok


_STAY: WeakKeyDictionary[Context, dict[str, tuple[np.ndarray, np.ndarray]]] = WeakKeyDictionary()


def current_holders(ctx: Context, role: str) -> tuple[np.ndarray, np.ndarray]:
    """((N, M) bool: m holds `role` on a today, (N,) bool: one of them may stay)."""
    cached = _STAY.setdefault(ctx, {})
    if role not in cached:
        held = np.zeros((ctx.n_accounts, ctx.n_managers), dtype=bool)
        for i, acc in enumerate(ctx.dataset.accounts):
            for person in acc.current_team.get(role, ()):
                if person in ctx.manager_index:
                    held[i, ctx.manager_index[person]] = True
        rows, cols = np.nonzero(held)
        may = np.zeros(ctx.n_accounts, dtype=bool)
        if rows.size:
            may[rows[role_eligible(ctx, role, rows, cols)]] = True
        cached[role] = (held, may)
    return cached[role]


def role_metrics(ctx: Context, role: str, a: np.ndarray, m: np.ndarray) -> PairMetrics:
    rule = role_rule(ctx, role)
    visits = rule.visits_per_month
    travel_h = visits * 2 * one_way_hours(ctx, a, m)
    hours = visits * rule.hours_per_visit + travel_h + rule.admin_hours_per_month
    match = match_score(ctx, a, m, rule.ideal_seniority.rank)
    held, may_stay = current_holders(ctx, role)
    moved = may_stay[a] & ~held[a, m]
    no_reduction = np.zeros(np.shape(moved), dtype=np.int64)  # a team slot has no reduced level
    return priced(ctx, a, m, hours, travel_h, match, moved, rule.move_weight, no_reduction)


def unfilled_cp(ctx: Context, role: str, a: np.ndarray) -> np.ndarray:
    """The price of leaving account(s) a without one person of `role`: the role's service, lost."""
    rule = role_rule(ctx, role)
    service_h = rule.visits_per_month * rule.hours_per_visit + rule.admin_hours_per_month
    return np.rint(lost_points_per_hour(ctx, a) * service_h * 100).astype(np.int64)


@dataclass(frozen=True)
class Slot:
    """One team slot of a parent group: its k-th person of `role`, serving `members` (the
    group's accounts whose tier needs more than k people of the role)."""

    group: int
    role: str
    rank: int
    members: tuple[int, ...]


def group_slots(ctx: Context) -> list[Slot]:
    """Every team slot, group by group, role by role in `teams.roles` order, rank by rank."""
    per_role = needs(ctx)
    out = []
    for g, members in enumerate(ctx.groups):
        for role, need in per_role.items():
            for k in range(int(need[members].max(initial=0))):
                out.append(Slot(g, role, k, tuple(i for i in members if need[i] > k)))
    return out


def role_capacity(ctx: Context, role: str) -> np.ndarray | None:
    """(M,) centi-hours a person may give `role` (capacity_hours_<role>), -1 = no cap; None when
    nobody has a cap for it."""
    caps = [m.role_capacity_hours.get(role) for m in ctx.dataset.managers]
    if all(c is None for c in caps):
        return None
    return np.array([-1 if c is None else round(c * 100) for c in caps], dtype=np.int64)


def capped_roles(ctx: Context) -> list[str]:
    teams = teams_of(ctx)
    roles = [ACCOUNT_MANAGER, *(teams.roles if teams else ())]
    return [r for r in roles if role_capacity(ctx, r) is not None]

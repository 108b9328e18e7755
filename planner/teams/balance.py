"""Balance per role: each role's people balanced among themselves (issue #19, item 2).

    balance = balance_cp x sum over roles r of (ceil max util(m) - floor min util(m)), m in r
util(m) in per mille = 1000 x m's hours over all their roles / m's capacity_hours (the same
utilisation the one-role planner balances); r runs over the account manager and every extra
role some tier's team needs; m in r: active, with capacity, holding r. A person with two roles
is in both groups, with all their hours.

Why per role and not one spread over everyone: an account manager's hours cannot relieve
technical support, so one spread is set by the busiest account manager against the idlest
support engineer, a gap no plan can close; the term then pays only for moving those two people
and is blind to, say, one support engineer carrying twice a peer's accounts. Per role, each
role's spread is one the plan can close. Without account teams the one group is everyone, and
the problem and the evaluation are the one-role planner's (`AssignmentProblem.balance_member`
stays None).
"""

from __future__ import annotations

import numpy as np

from planner.context import Context
from planner.models.teams import ACCOUNT_MANAGER
from planner.objective import balanced_managers, util_permille_ceil, util_permille_floor
from planner.rules.account_manager_role import holds_role
from planner.teams.roles import needs


def balance_roles(ctx: Context) -> list[str]:
    """The roles balanced apart: the account manager, then each extra role some team needs."""
    return [ACCOUNT_MANAGER, *(role for role, need in needs(ctx).items() if need.any())]


def balance_member(ctx: Context) -> np.ndarray:
    """(G, M) bool, one row per `balance_roles`: the person holds the role (the problem's
    `balance_member`; the problem keeps only its balanced agents and drops empty groups)."""
    return np.array([holds_role(ctx, role) for role in balance_roles(ctx)], dtype=bool).reshape(
        -1, ctx.n_managers
    )


def role_spreads_permille(ctx: Context, load_ch: np.ndarray) -> dict[str, int]:
    """Per balanced role with people, its utilisation spread in per mille for the people's
    loads (centi-hours over all roles): the compiled problem's `balance_extremes`, digit for digit."""
    balanced = balanced_managers(ctx)
    out = {}
    for role, holds in zip(balance_roles(ctx), balance_member(ctx), strict=True):
        people = holds & balanced
        if people.any():
            load, cap = load_ch[people], ctx.capacity_ch[people]
            out[role] = int(util_permille_ceil(load, cap).max() - util_permille_floor(load, cap).min())
    return out

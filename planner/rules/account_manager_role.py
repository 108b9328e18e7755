"""account_manager_role: only a person who holds the account-manager role manages an account.

A person's `roles` (managers.csv, planner.models.teams) name what they may do; an empty list is
the one-role data set, where everyone is an account manager, so this rule never bites there.
Technical support or after-sales staff fill team slots (planner.teams), never the account's
manager. The module also registers the policy key `teams` (planner.models.teams.Teams).
"""

from __future__ import annotations

from weakref import WeakKeyDictionary

import numpy as np

from planner.context import Context
from planner.models.policy import register_setting
from planner.models.teams import ACCOUNT_MANAGER, Teams
from planner.rules.base import PairRule, register_pair

KEY = "teams"

_HOLDS: WeakKeyDictionary[Context, dict[str, np.ndarray]] = WeakKeyDictionary()


def holds_role(ctx: Context, role: str) -> np.ndarray:
    """(M,) bool: each person holds `role` (no roles listed: account manager only)."""
    cached = _HOLDS.setdefault(ctx, {})
    if role not in cached:
        cached[role] = np.array([m.holds(role) for m in ctx.dataset.managers], dtype=bool)
    return cached[role]


def account_manager_role(ctx: Context, a: np.ndarray, m: np.ndarray) -> np.ndarray:
    shape = np.broadcast_shapes(np.shape(a), np.shape(m))
    return np.broadcast_to(holds_role(ctx, ACCOUNT_MANAGER)[m], shape)


def _breach(ctx: Context, a: int, m: int) -> str:
    person = ctx.dataset.managers[m]
    roles = ", ".join(sorted(person.roles)) or ACCOUNT_MANAGER
    return (
        f"account {ctx.dataset.accounts[a].account_id} is managed by {person.manager_id}, who is not an "
        f"account manager (roles: {roles})"
    )


register_pair(
    PairRule(
        "account_manager_role",
        account_manager_role,
        "only a person with the account_manager role manages an account",
        lambda ctx, i: "have no one with the account_manager role who may serve them",
        _breach,
    )
)
# Written into a policy only when set: the plan directories of runs without teams stay as they were.
register_setting(
    KEY,
    Teams | None,
    None,
    "account teams: the roles besides the account manager (teams.roles: hours and seniority) and how "
    "many of each a tier's team needs (teams.tiers); null: one account manager per account",
    written_when_default=False,
)

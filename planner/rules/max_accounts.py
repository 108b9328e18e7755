"""max_accounts: a manager holds at most their `max_accounts` accounts (managers.csv column)."""

from __future__ import annotations

import numpy as np

from planner.context import Context
from planner.rules.base import ManagerLimit, register


class MaxAccounts(ManagerLimit):
    name = "max_accounts"
    words = "a manager holds at most max_accounts accounts"

    def use(self, ctx: Context) -> np.ndarray:
        return np.ones(ctx.n_accounts, dtype=np.int64)

    def limit(self, ctx: Context) -> np.ndarray | None:
        limit = ctx.max_accounts
        return limit.copy() if (limit >= 0).any() else None

    def over(self, manager: str, count: int, limit: int) -> str:
        return f"manager {manager}: {count} accounts exceed max_accounts {limit}"

    def short(self, where: str, need: int, have: int) -> str:
        return f"{where} has {need} accounts but its managers' max_accounts add up to {have}"


register(MaxAccounts())

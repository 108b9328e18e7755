"""max_strategic_per_manager: a manager holds at most N strategic accounts (policy key; off by
default), so that no one carries the company's most important customers alone."""

from __future__ import annotations

from typing import Annotated

import numpy as np
from pydantic import Field

from planner.context import Context
from planner.models import TIER_ORDER, Tier
from planner.rules.base import ManagerLimit, register

KEY = "max_strategic_per_manager"


class MaxStrategic(ManagerLimit):
    name = KEY
    words = "a manager holds at most max_strategic_per_manager strategic accounts"

    def use(self, ctx: Context) -> np.ndarray:
        return (ctx.tier == TIER_ORDER.index(Tier.strategic)).astype(np.int64)

    def limit(self, ctx: Context) -> np.ndarray | None:
        n = ctx.dataset.policy.setting(KEY)
        return None if n is None else np.full(ctx.n_managers, n, dtype=np.int64)

    def over(self, manager: str, count: int, limit: int) -> str:
        return f"manager {manager}: {count} strategic accounts exceed max_strategic_per_manager {limit}"

    def short(self, where: str, need: int, have: int) -> str:
        return (
            f"{where} has {need} strategic accounts but its managers may hold at most {have} "
            f"(max_strategic_per_manager)"
        )


register(
    MaxStrategic(),
    (
        KEY,
        Annotated[int, Field(ge=0)] | None,
        None,
        "most strategic accounts one manager may hold; null = no limit",
    ),
)

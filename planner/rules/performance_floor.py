"""performance_floor: a tier may ask for a minimum performance score of whoever serves it
(policy `min_performance_by_tier`, e.g. `{strategic: 70}`; empty by default), so underperformers
are moved off the most valuable accounts. A manager without a score is not held to it."""

from __future__ import annotations

from typing import Annotated

import numpy as np
from pydantic import Field

from planner.context import Context
from planner.models import TIER_ORDER, Tier
from planner.rules.base import PairRule, register_pair

KEY = "min_performance_by_tier"


def _floors(ctx: Context) -> np.ndarray:
    """(tiers,) the floor of each tier, -inf where none."""
    given = ctx.dataset.policy.setting(KEY) or {}
    return np.array([given.get(t, -np.inf) for t in TIER_ORDER], dtype=float)


def performance_floor(ctx: Context, a: np.ndarray, m: np.ndarray) -> np.ndarray:
    shape = np.broadcast_shapes(np.shape(a), np.shape(m))
    score = np.nan_to_num(ctx.performance[m], nan=np.inf)  # no score: not held to a floor
    return np.broadcast_to(score >= _floors(ctx)[ctx.tier[a]], shape)


def _none_left(ctx: Context, i: int) -> str:
    tier = ctx.tiering.tier_of(i)
    floor = _floors(ctx)[TIER_ORDER.index(tier)]
    return (
        f"of tier {tier.value} need a manager with a performance score of at least {floor:g}; there is none"
    )


def _breach(ctx: Context, a: int, m: int) -> str:
    tier = ctx.tiering.tier_of(a)
    floor = _floors(ctx)[TIER_ORDER.index(tier)]
    manager = ctx.dataset.managers[m]
    has = "no score" if manager.performance is None else f"{manager.performance:g}"
    return (
        f"{tier.value} account {ctx.dataset.accounts[a].account_id} needs a performance score of at least "
        f"{floor:g}; {manager.manager_id} has {has}"
    )


register_pair(
    PairRule(
        "performance_floor",
        performance_floor,
        "a tier's accounts go to managers with at least its minimum performance score",
        _none_left,
        _breach,
    ),
    (
        KEY,
        dict[Tier, Annotated[float, Field(ge=0, le=100)]],
        {},
        "minimum performance score per tier, e.g. {strategic: 70}",
    ),
)

"""avoid_manager: a customer who complained about a manager is never served by them again
(accounts.csv `avoid_manager_id`, or the API's `customer_complaint` event). An account held today
by a manager it avoids must move: the evaluator reports the move as forced, with the reason
"rule: avoid_manager" (planner.evaluate.move_reasons), and it costs no move points."""

from __future__ import annotations

import numpy as np

from planner.context import Context
from planner.rules.base import PairRule, register_pair


def _banned_keys(ctx: Context) -> np.ndarray:
    """account index x M + manager index of every pair a complaint bans."""
    keys = [
        i * ctx.n_managers + ctx.manager_index[m]
        for i, a in enumerate(ctx.dataset.accounts)
        for m in a.avoid_manager_ids
        if m in ctx.manager_index
    ]
    return np.array(keys, dtype=np.int64)


def avoid_manager(ctx: Context, a: np.ndarray, m: np.ndarray) -> np.ndarray:
    shape = np.broadcast_shapes(np.shape(a), np.shape(m))
    banned = _banned_keys(ctx)
    if banned.size == 0:
        return np.ones(shape, dtype=bool)
    aa, mm = np.broadcast_arrays(np.asarray(a, dtype=np.int64), np.asarray(m, dtype=np.int64))
    return ~np.isin(aa * ctx.n_managers + mm, banned)


def _none_left(ctx: Context, i: int) -> str:
    return "have complained about every otherwise eligible manager (avoid_manager_id)"


def _breach(ctx: Context, a: int, m: int) -> str:
    account, manager = ctx.dataset.accounts[a], ctx.dataset.managers[m]
    return (
        f"account {account.account_id} complained about {manager.manager_id} and must not be served "
        "by them (avoid_manager_id)"
    )


register_pair(
    PairRule(
        "avoid_manager",
        avoid_manager,
        "a customer is never served by a manager it complained about",
        _none_left,
        _breach,
    )
)

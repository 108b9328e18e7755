"""Hard rules, each a small named function.

Pair rules decide whether manager m may serve account a at all; they take
broadcastable index arrays and return a bool array (True = allowed). The
aggregate rules (capacity, counts, groups, budgets) are checked by the evaluator
on whole plans and enforced by the solvers as constraints; their names live here
so that violations, infeasibility cores and explanations use one vocabulary.
"""

from __future__ import annotations

from collections.abc import Callable
from weakref import WeakKeyDictionary

import numpy as np

from planner.context import Context

PairRule = Callable[[Context, np.ndarray, np.ndarray], np.ndarray]


def manager_active(ctx: Context, a: np.ndarray, m: np.ndarray) -> np.ndarray:
    """A manager who has left holds no account."""
    return np.broadcast_to(ctx.active[m], np.broadcast_shapes(np.shape(a), np.shape(m)))


def language_match(ctx: Context, a: np.ndarray, m: np.ndarray) -> np.ndarray:
    """The manager speaks the language the customer must be served in."""
    lang = ctx.account_language[a]  # -1 (any) indexes the table's always-True last column
    return ctx.speaks[m, lang]


def seniority_by_tier(ctx: Context, a: np.ndarray, m: np.ndarray) -> np.ndarray:
    """The tier's minimum seniority, e.g. strategic accounts need a senior or principal manager."""
    return ctx.seniority_rank[m] >= ctx.min_seniority_by_tier[ctx.tier[a]]


def region_eligibility(ctx: Context, a: np.ndarray, m: np.ndarray) -> np.ndarray:
    """A manager serves their own region and the neighbours the policy allows."""
    acc_region, serves = ctx.region_serves
    return serves[m, acc_region[a]]


def pinned_pair(ctx: Context, a: np.ndarray, m: np.ndarray) -> np.ndarray:
    """A pinned account may only go to its pinned manager."""
    pin = ctx.pinned_to[a]
    return (pin < 0) | (pin == m)


def forbidden_pair(ctx: Context, a: np.ndarray, m: np.ndarray) -> np.ndarray:
    """A forbidden (account, manager) pair is never used."""
    shape = np.broadcast_shapes(np.shape(a), np.shape(m))
    ok = np.ones(shape, dtype=bool)
    if not ctx.forbidden_pairs:
        return ok
    aa, mm = np.broadcast_arrays(a, m)
    for fa, fm in ctx.forbidden_pairs:
        ok &= ~((aa == fa) & (mm == fm))
    return ok


PAIR_RULES: dict[str, PairRule] = {
    "manager_active": manager_active,
    "language_match": language_match,
    "seniority_by_tier": seniority_by_tier,
    "region_eligibility": region_eligibility,
    "pinned_pair": pinned_pair,
    "forbidden_pair": forbidden_pair,
}

# Rules over whole plans; enforced as solver constraints, checked by the evaluator.
AGGREGATE_RULES: dict[str, str] = {
    "assign_exactly_one": "every account goes to exactly one active manager",
    "capacity_hours": "a manager's monthly hours (visits + travel + admin) stay within capacity_hours",
    "max_accounts": "a manager holds at most max_accounts accounts",
    "parent_group_together": "accounts of one parent group share one manager",
    "max_moves": "voluntary moves stay within the disruption budget",
    "utilisation_band": "every active manager's utilisation stays inside the policy band",
}


def eligible(ctx: Context, a: np.ndarray, m: np.ndarray) -> np.ndarray:
    """All pair rules at once."""
    ok = None
    for rule in PAIR_RULES.values():
        r = rule(ctx, a, m)
        ok = r.copy() if ok is None else ok & r
    assert ok is not None
    return ok


def failed_pair_rules(ctx: Context, a: int, m: int) -> list[str]:
    """Names of the pair rules that forbid manager m for account a."""
    aa, mm = np.array(a), np.array(m)
    return [name for name, rule in PAIR_RULES.items() if not bool(rule(ctx, aa, mm))]


_CURRENT_MAY_STAY: WeakKeyDictionary[Context, np.ndarray] = WeakKeyDictionary()


def current_may_stay(ctx: Context) -> np.ndarray:
    """True where the account's current manager may still serve it (active, and every pair
    rule allows the pair): only then is moving it a choice, a voluntary move. A manager who
    left, an account whose language changed, a ban or a pin elsewhere force the move.

    Computed once per context (the objective asks for it on every pair it prices); callers
    must not write to the array."""
    out = _CURRENT_MAY_STAY.get(ctx)
    if out is None:
        cur = ctx.current
        out = cur >= 0
        rows = np.nonzero(out)[0]
        out[rows] = eligible(ctx, rows, cur[rows])
        _CURRENT_MAY_STAY[ctx] = out
    return out

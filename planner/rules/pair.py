"""The pair rules: whether manager m may serve account a at all.

Each takes broadcastable index arrays and returns a bool array (True = allowed), so one
function serves a single pair, a plan's pairs and the whole account x manager grid. The
compiler keeps only allowed pairs as columns; nothing downstream re-checks them.
"""

from __future__ import annotations

from weakref import WeakKeyDictionary

import numpy as np

from planner.context import Context
from planner.models import Account, Manager
from planner.rules.base import PAIR_RULES, PairRule


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


def _account(ctx: Context, i: int) -> tuple[str, str, str]:
    """(region, ' who speaks <language>' or '', tier) of account i, for the words below."""
    acc = ctx.dataset.accounts[i]
    return acc.region, f" who speaks {acc.language}" if acc.language else "", ctx.tiering.tier_of(i).value


def _needs_seniority(ctx: Context, i: int) -> str:
    region, lang, tier = _account(ctx, i)
    need = ctx.dataset.policy.tiers[ctx.tiering.tier_of(i)].min_seniority.value
    return f"of tier {tier} in region {region!r} need a {need} (or higher) manager{lang}; there is none"


def _ids(ctx: Context, a: int, m: int) -> tuple[Account, Manager]:
    return ctx.dataset.accounts[a], ctx.dataset.managers[m]


def _seniority_breach(ctx: Context, a: int, m: int) -> str:
    acc, mgr = _ids(ctx, a, m)
    tier = ctx.tiering.tier_of(a)
    need = ctx.dataset.policy.tiers[tier].min_seniority.value
    return f"{tier.value} account {acc.account_id} needs at least a {need} manager; {mgr.manager_id} is {mgr.seniority.value}"


def _language_breach(ctx: Context, a: int, m: int) -> str:
    acc, mgr = _ids(ctx, a, m)
    spoken = ", ".join(sorted(mgr.languages)) or "nothing listed"
    return f"account {acc.account_id} must be served in {acc.language!r}; manager {mgr.manager_id} speaks {spoken}"


# In the order the diagnosis applies them (the first that empties an account's list is named)
# and the evaluator names a forced move's rule.
for _rule in (
    PairRule("manager_active", manager_active, "a manager who has left holds no account",
             lambda ctx, i: "have no active manager at all",
             lambda ctx, a, m: f"manager {_ids(ctx, a, m)[1].manager_id} has left (inactive) but holds account {_ids(ctx, a, m)[0].account_id}"),
    PairRule("region_eligibility", region_eligibility,
             "a manager serves their own region and the neighbours the policy allows",
             lambda ctx, i: f"in region {_account(ctx, i)[0]!r} have no active manager serving that region",
             lambda ctx, a, m: (f"account {_ids(ctx, a, m)[0].account_id} is in region {_ids(ctx, a, m)[0].region!r}, "
                                f"which manager {_ids(ctx, a, m)[1].manager_id} ({_ids(ctx, a, m)[1].region!r}) does not serve")),
    PairRule("language_match", language_match, "the manager speaks the language the customer is served in",
             lambda ctx, i: f"in region {_account(ctx, i)[0]!r} need a manager{_account(ctx, i)[1]}; there is none",
             _language_breach),
    PairRule("seniority_by_tier", seniority_by_tier, "each tier needs a minimum seniority", _needs_seniority,
             _seniority_breach),
    PairRule("pinned_pair", pinned_pair, "a pinned account goes to its pinned manager",
             lambda ctx, i: "are pinned to a manager who may not serve them (inactive, other region, language or seniority)",
             lambda ctx, a, m: f"account {_ids(ctx, a, m)[0].account_id} is pinned to another manager, not {_ids(ctx, a, m)[1].manager_id}"),
    PairRule("forbidden_pair", forbidden_pair, "a forbidden account-manager pair is never used",
             lambda ctx, i: "have every otherwise eligible manager forbidden",
             lambda ctx, a, m: f"account {_ids(ctx, a, m)[0].account_id} may not be served by {_ids(ctx, a, m)[1].manager_id} (forbidden pair)"),
):  # fmt: skip
    PAIR_RULES[_rule.name] = _rule


def eligible(ctx: Context, a: np.ndarray, m: np.ndarray) -> np.ndarray:
    """All pair rules at once; an expensive rule (travel times) only where the others allow."""
    shape = np.broadcast_shapes(np.shape(a), np.shape(m))
    ok = np.ones(shape, dtype=bool)
    for rule in PAIR_RULES.values():
        if not rule.expensive:
            ok &= rule(ctx, a, m)
    late = [rule for rule in PAIR_RULES.values() if rule.expensive]
    if late and ok.any():
        where = np.nonzero(ok)
        aa, mm = (np.broadcast_to(x, shape)[where] for x in (a, m))
        keep = np.ones(aa.shape, dtype=bool)
        for rule in late:
            keep &= rule(ctx, aa, mm)
        ok[where] = keep
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

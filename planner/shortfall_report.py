"""What a plan leaves undone when the hours fall short, in a director's words and numbers.

`shortfall(outcome)` is the `shortfall` section of summary.json and of the terminal output:
how many hours full service needs against the hours the team has, which accounts are
reduced or unserved (with why), what share of revenue keeps full service, and where hours
are missing by region, seniority and language — the profile a hire would need. The hours of
an account are its full-service hours at its cheapest eligible manager (travel included).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np

from planner.assign import AssignmentOutcome
from planner.models import TIER_ORDER, Seniority
from planner.objective import pair_metrics


def shortfall(outcome: AssignmentOutcome) -> dict[str, Any]:
    ctx = outcome.ctx
    evaluation = outcome.evaluation
    assert evaluation is not None
    rows = evaluation.accounts
    needed = full_service_hours(outcome)
    capacity = float(ctx.capacity_ch[ctx.active].sum()) / 100
    revenue = np.array([a.annual_revenue for a in ctx.dataset.accounts])
    full = np.array([r.service == "full" for r in rows])
    served = np.array([r.manager_id is not None for r in rows])
    reduced_rows = [r for r in rows if r.manager_id is not None and r.service != "full"]
    unserved_rows = [r for r in rows if r.manager_id is None]
    by_tier: dict[str, dict[str, int]] = {t.value: {"reduced": 0, "unserved": 0} for t in TIER_ORDER}
    for r in reduced_rows:
        by_tier[r.tier]["reduced"] += 1
    for r in unserved_rows:
        by_tier[r.tier]["unserved"] += 1
    total_revenue = float(revenue.sum())
    return {
        "has_shortfall": bool(reduced_rows or unserved_rows),
        "hours_needed_for_full_service": round(float(np.nansum(needed)), 1),
        "hours_available": round(capacity, 1),
        "accounts_reduced": len(reduced_rows),
        "accounts_unserved": len(unserved_rows),
        "by_tier": by_tier,
        "revenue_full_service_share": round(float(revenue[full].sum()) / total_revenue, 4)
        if total_revenue
        else 1.0,
        "revenue_served_share": round(float(revenue[served].sum()) / total_revenue, 4)
        if total_revenue
        else 1.0,
        "reduced": [
            {
                "account_id": r.account_id,
                "name": r.account_name,
                "tier": r.tier,
                "level": r.service,
                "manager_id": r.manager_id,
                "reason": "its eligible managers have no room for full service",
            }
            for r in reduced_rows
        ],
        "unserved": [
            {
                "account_id": r.account_id,
                "name": r.account_name,
                "tier": r.tier,
                "reason": outcome.unassigned_reasons.get(r.account_id, ""),
            }
            for r in unserved_rows
        ],
        "hours_missing": _hours_missing(outcome, needed),
    }


def full_service_hours(outcome: AssignmentOutcome) -> np.ndarray:
    """Each account's full-service hours a month at its cheapest eligible manager (NaN: nobody may)."""
    ctx = outcome.ctx
    eligible = outcome.compiled.account_eligible
    out = np.full(ctx.n_accounts, np.nan)
    a, m = np.nonzero(eligible)
    if a.size:
        hours = pair_metrics(ctx, a, m).hours_ch / 100
        best = np.full(ctx.n_accounts, np.inf)
        np.minimum.at(best, a, hours)
        out = np.where(np.isfinite(best), best, np.nan)
    return out


def _hours_missing(outcome: AssignmentOutcome, needed: np.ndarray) -> list[dict[str, Any]]:
    """Hours of service the plan leaves undone, by the profile that could do them: the
    account's region, the least seniority its tier needs, its language. Sorted, largest first."""
    ctx = outcome.ctx
    assert outcome.evaluation is not None
    policy = ctx.dataset.policy
    missing: dict[tuple[str, str, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for i, row in enumerate(outcome.evaluation.accounts):
        if row.service == "full":
            continue
        full_h = float(needed[i]) if np.isfinite(needed[i]) else 0.0
        lost = full_h if row.manager_id is None else max(full_h - row.workload_hours, 0.0)
        account = ctx.dataset.accounts[i]
        seniority: Seniority = policy.tiers[TIER_ORDER[int(ctx.tier[i])]].min_seniority
        key = (account.region, seniority.value, account.language)
        missing[key][0] += lost
        missing[key][1] += 1
    out = [
        {
            "region": region,
            "min_seniority": seniority,
            "language": language or "any",
            "hours_per_month": round(hours, 1),
            "accounts": int(count),
        }
        for (region, seniority, language), (hours, count) in missing.items()
    ]
    return sorted(out, key=lambda r: -r["hours_per_month"])

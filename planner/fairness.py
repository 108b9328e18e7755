"""The fairness report for HR: who carries how much, grouped by seniority and region, with flags.

Every number comes from the evaluator: per-manager rows are its `ManagerRow`s,
the plan-wide statistics are its `fairness` dict verbatim, and group statistics
apply its own `fairness_stats` to the group's managers. Nothing is recomputed
another way, so this report can never disagree with `planner check` or summary.json.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from planner.evaluate import Evaluation, ManagerRow, fairness_stats
from planner.models import TIER_ORDER

# The same cut-offs as the evaluator's share_above_90pct / share_below_50pct, so the flags
# count exactly the managers those shares count.
OVERLOAD_ABOVE = 0.9
UNDERUSE_BELOW = 0.5


def counted(row: ManagerRow) -> bool:
    """Managers the evaluator's statistics cover: active and with capacity."""
    return row.active and row.capacity_hours > 0


def flag(row: ManagerRow) -> str:
    if not row.active:
        return "left, holds accounts" if row.accounts else ""
    if row.utilisation is None:
        return ""
    if row.utilisation > 1:
        return "over capacity"
    if row.utilisation > OVERLOAD_ABOVE:
        return "overload"
    if row.utilisation < UNDERUSE_BELOW:
        return "under-use"
    return ""


def manager_rows(evaluation: Evaluation) -> list[dict[str, Any]]:
    return [
        {
            "manager_id": m.manager_id,
            "name": m.name,
            "seniority": m.seniority,
            "region": m.region,
            "active": m.active,
            "hours": m.hours,
            "capacity_hours": m.capacity_hours,
            "utilisation": m.utilisation,
            "travel_hours": m.travel_hours,
            # Share of the month spent on the road rather than with customers or on admin.
            "travel_share": round(m.travel_hours / m.hours, 4) if m.hours > 0 else 0.0,
            "value_carried": m.value_carried,
            "accounts": m.accounts,
            "accounts_by_tier": dict(m.accounts_by_tier),
            "flag": flag(m),
        }
        for m in evaluation.managers
    ]


def group_rows(evaluation: Evaluation, key: str) -> list[dict[str, Any]]:
    """One row per value of `key` ('seniority' or 'region') over the counted managers."""
    groups: dict[str, list[ManagerRow]] = {}
    for m in evaluation.managers:
        if counted(m):
            groups.setdefault(getattr(m, key), []).append(m)
    rows = []
    for name in sorted(groups):
        members = groups[name]
        hours = np.array([m.hours for m in members])
        capacity = np.array([m.capacity_hours for m in members])
        rows.append(
            {
                key: name,
                "managers": len(members),
                "hours": round(float(hours.sum()), 2),
                "capacity_hours": round(float(capacity.sum()), 2),
                "travel_hours": round(sum(m.travel_hours for m in members), 2),
                "value_carried": round(sum(m.value_carried for m in members), 2),
                "accounts": sum(m.accounts for m in members),
                "accounts_by_tier": {
                    t.value: sum(m.accounts_by_tier[t.value] for m in members) for t in TIER_ORDER
                },
                "overloaded": sum(1 for m in members if (m.utilisation or 0) > OVERLOAD_ABOVE),
                "under_used": sum(1 for m in members if (m.utilisation or 0) < UNDERUSE_BELOW),
                "statistics": fairness_stats(hours, capacity),
            }
        )
    return rows


def fairness_report(evaluation: Evaluation, name: str = "plan") -> dict[str, Any]:
    rows = manager_rows(evaluation)
    return {
        "plan": name,
        "thresholds": {"overload_above": OVERLOAD_ABOVE, "underuse_below": UNDERUSE_BELOW},
        "statistics": dict(evaluation.fairness),
        "flags": {
            "overload": [r["manager_id"] for r in rows if r["flag"] in ("overload", "over capacity")],
            "under_use": [r["manager_id"] for r in rows if r["flag"] == "under-use"],
            "left_holding_accounts": [r["manager_id"] for r in rows if r["flag"] == "left, holds accounts"],
        },
        "managers": rows,
        "by_seniority": group_rows(evaluation, "seniority"),
        "by_region": group_rows(evaluation, "region"),
        "hard_rule_violations": len(evaluation.violations),
    }

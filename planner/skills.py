"""Skill-gap report (#18 item 5): where a plan serves accounts without the skills the policy asks
for, in hours a month, per industry x region x language: input for training and hiring.

For each account of the plan, from the evaluator's row (the one source of truth for hours):
- served without industry expertise: its manager's `industries` do not list the account's
  industry (an account with no industry has no such gap);
- below the ideal seniority: the manager's seniority ranks under the tier's `ideal_seniority`
  (the hard `min_seniority` is the evaluator's business, not a gap);
- service hours: on-site plus admin hours a month the plan gives it (workload without travel);
  hours unserved: what full service would need beyond that (a reduced level or no manager).
hours_short of a group = service hours of its accounts with either gap (each account once) plus
its hours unserved: the hours a month the team would need in people who have the skill.
`managers_with_expertise` counts the active managers of the group's region who list the industry:
none points to hiring or training, some to the capacity of the ones there are.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from planner.context import Context
from planner.evaluate import Evaluation
from planner.models import TIER_ORDER, Dataset
from planner.objective import full_visits

ANY_LANGUAGE = "any"


def skill_gap(ctx: Context, evaluation: Evaluation, name: str = "") -> dict[str, Any]:
    ds = ctx.dataset
    managers = ds.manager_by_id
    full = _full_service_hours(ctx)
    groups: dict[tuple[str, str, str], dict[str, Any]] = {}
    accounts: list[dict[str, Any]] = []
    for i, (a, row) in enumerate(zip(ds.accounts, evaluation.accounts, strict=True)):
        key = (a.industry, a.region, a.language or ANY_LANGUAGE)
        g = groups.setdefault(key, _empty_group(*key))
        served = round(row.workload_hours - row.travel_hours, 2) if row.manager_id is not None else 0.0
        g["accounts"] += 1
        g["hours_service"] += served
        if row.service != "full":  # a full-service row's centi-hours are not a shortfall
            g["hours_unserved"] += max(float(full[i]) - served, 0.0)
        if row.manager_id is None:
            continue
        m = managers[row.manager_id]
        ideal = ds.policy.tiers[TIER_ORDER[int(ctx.tier[i])]].ideal_seniority
        gaps = []
        if a.industry and a.industry not in m.industries:
            gaps.append("industry")
            g["accounts_without_expertise"] += 1
            g["hours_without_expertise"] += served
        if m.seniority.rank < ideal.rank:
            gaps.append("seniority")
            g["accounts_below_ideal_seniority"] += 1
            g["hours_below_ideal_seniority"] += served
        if gaps:
            g["hours_gap_served"] += served
            accounts.append(
                {
                    "account_id": a.account_id,
                    "account_name": a.name,
                    "tier": row.tier,
                    "industry": a.industry,
                    "region": a.region,
                    "language": a.language or ANY_LANGUAGE,
                    "manager_id": m.manager_id,
                    "manager_name": m.name,
                    "gaps": gaps,
                    "seniority": m.seniority.value,
                    "ideal_seniority": ideal.value,
                    "hours": served,
                }
            )
    rows = []
    for g in groups.values():
        g["hours_short"] = g.pop("hours_gap_served") + g["hours_unserved"]
        for k in [k for k in g if k.startswith("hours")]:
            g[k] = round(g[k], 2)
        if g["hours_short"] > 0:
            g["managers_with_expertise"] = _experts(ds, g["industry"], g["region"])
            rows.append(g)
    rows.sort(key=lambda g: (-g["hours_short"], g["industry"], g["region"], g["language"]))
    accounts.sort(key=lambda r: (-r["hours"], r["account_id"]))
    return {"plan": name, "totals": _totals(rows), "groups": rows, "accounts": accounts}


def _full_service_hours(ctx: Context) -> np.ndarray:
    """(N,) on-site plus admin hours a month of full service (objective.py's arithmetic)."""
    return (
        full_visits(ctx) * ctx.tier_param("hours_per_visit")[ctx.tier]
        + ctx.tier_param("admin_hours_per_month")[ctx.tier]
    )


def _empty_group(industry: str, region: str, language: str) -> dict[str, Any]:
    return {
        "industry": industry,
        "region": region,
        "language": language,
        "accounts": 0,
        "hours_service": 0.0,
        "accounts_without_expertise": 0,
        "hours_without_expertise": 0.0,
        "accounts_below_ideal_seniority": 0,
        "hours_below_ideal_seniority": 0.0,
        "hours_unserved": 0.0,
        "hours_gap_served": 0.0,
    }


def _experts(ds: Dataset, industry: str, region: str) -> int:
    if not industry:
        return 0
    return sum(1 for m in ds.managers if m.active and m.region == region and industry in m.industries)


def _totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    keys = (
        "accounts_without_expertise",
        "hours_without_expertise",
        "accounts_below_ideal_seniority",
        "hours_below_ideal_seniority",
        "hours_unserved",
        "hours_short",
    )
    return {
        k: round(sum(g[k] for g in rows), 2) if k.startswith("hours") else sum(g[k] for g in rows)
        for k in keys
    }

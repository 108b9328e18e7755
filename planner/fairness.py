"""The fairness report for HR: who carries how much, grouped by seniority and region, with flags.

Every number comes from the evaluator: per-manager rows are its `ManagerRow`s,
the plan-wide statistics are its `fairness` dict verbatim, and group statistics
apply its own `fairness_stats` to the group's managers. Nothing is recomputed
another way, so this report can never disagree with `planner check` or summary.json.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from planner.evaluate import Evaluation, ManagerRow, fairness_stats, gini
from planner.models import TIER_ORDER
from planner.team_workload import role_hours, role_peers

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
    worked = role_hours(evaluation) if evaluation.team else None
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
            # Account teams: hours a month in each role the person works in; absent without teams.
            **(
                {"hours_by_role": {r: h for r, (_, h) in worked.get(m.manager_id, {}).items()}}
                if worked is not None
                else {}
            ),
        }
        for m in evaluation.managers
    ]


def group_rows(evaluation: Evaluation, key: str) -> list[dict[str, Any]]:
    """One row per value of `key` ('seniority' or 'region') over the counted managers."""
    groups: dict[str, list[ManagerRow]] = {}
    for m in evaluation.managers:
        if counted(m):
            groups.setdefault(getattr(m, key), []).append(m)
    return [{key: name, **_group_row(groups[name])} for name in sorted(groups)]


def _group_row(members: list[ManagerRow]) -> dict[str, Any]:
    hours = np.array([m.hours for m in members])
    capacity = np.array([m.capacity_hours for m in members])
    return {
        "managers": len(members),
        "hours": round(float(hours.sum()), 2),
        "capacity_hours": round(float(capacity.sum()), 2),
        "travel_hours": round(sum(m.travel_hours for m in members), 2),
        "value_carried": round(sum(m.value_carried for m in members), 2),
        "accounts": sum(m.accounts for m in members),
        "accounts_by_tier": {t.value: sum(m.accounts_by_tier[t.value] for m in members) for t in TIER_ORDER},
        "overloaded": sum(1 for m in members if (m.utilisation or 0) > OVERLOAD_ABOVE),
        "under_used": sum(1 for m in members if (m.utilisation or 0) < UNDERUSE_BELOW),
        "statistics": fairness_stats(hours, capacity),
    }


NO_INDUSTRY = "(none listed)"


def by_industry(
    evaluation: Evaluation, industries: Mapping[str, Iterable[str]]
) -> dict[str, list[ManagerRow]]:
    """Counted managers per industry they list (`industries`: manager_id -> industries); one who
    lists two is in both, one who lists none under NO_INDUSTRY."""
    out: dict[str, list[ManagerRow]] = {}
    for m in evaluation.managers:
        if counted(m):
            for name in sorted(industries.get(m.manager_id, ())) or [NO_INDUSTRY]:
                out.setdefault(name, []).append(m)
    return dict(sorted(out.items()))


def opportunity_rows(evaluation: Evaluation, key: str) -> list[dict[str, Any]]:
    """Fair opportunity among peers (#18 item 4): per value of `key` ('seniority' or 'region'),
    over the counted managers, the value carried and the strategic accounts held, lowest,
    mean, highest and their spread (max - min; weights.value_spread and strategic_spread price
    this spread among managers of one seniority)."""
    groups: dict[str, list[ManagerRow]] = {}
    for m in evaluation.managers:
        if counted(m):
            groups.setdefault(getattr(m, key), []).append(m)
    return [_opportunity(groups[name], {key: name}) for name in sorted(groups)]


def _opportunity(members: list[ManagerRow], head: dict[str, Any]) -> dict[str, Any]:
    value = np.array([m.value_carried for m in members])
    strategic = np.array([m.accounts_by_tier[TIER_ORDER[0].value] for m in members])
    return {
        **head,
        "managers": len(members),
        "value_carried_min": round(float(value.min()), 2),
        "value_carried_mean": round(float(value.mean()), 2),
        "value_carried_max": round(float(value.max()), 2),
        "value_carried_spread": round(float(value.max() - value.min()), 2),
        "value_carried_cv": round(float(value.std() / value.mean()), 4) if value.mean() > 0 else 0.0,
        "strategic_min": int(strategic.min()),
        "strategic_max": int(strategic.max()),
        "strategic_spread": int(strategic.max() - strategic.min()),
    }


def fairness_report(
    evaluation: Evaluation,
    name: str = "plan",
    industries: Mapping[str, Iterable[str]] | None = None,
    roles: Mapping[str, Iterable[str]] | None = None,
) -> dict[str, Any]:
    """The report; `industries` (manager_id -> the industries they list, e.g. from the data set)
    adds the rows by industry; `roles` (manager_id -> the roles they hold) makes each team role's
    peers its holders rather than the people the plan has working in it."""
    rows = manager_rows(evaluation)
    industry = {} if industries is None else by_industry(evaluation, industries)
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
        "by_industry": [{"industry": name, **_group_row(members)} for name, members in industry.items()],
        "opportunity": {
            "by_seniority": opportunity_rows(evaluation, "seniority"),
            "by_region": opportunity_rows(evaluation, "region"),
            "by_industry": [_opportunity(members, {"industry": name}) for name, members in industry.items()],
        },
        "hard_rule_violations": len(evaluation.violations),
        # Account teams (planner.teams): workload per role; absent without teams.
        **({"by_role": role_rows(evaluation, roles)} if evaluation.team else {}),
    }


def role_rows(
    evaluation: Evaluation, held: Mapping[str, Iterable[str]] | None = None
) -> list[dict[str, Any]]:
    """Per role (the account manager's first), among its peers (planner.team_workload.role_peers:
    the people who hold the role, or without `held` who work in it): their hours in the role
    (min, mean, max, spread, CV, Gini; an idle holder counts 0 h) and `statistics`, the
    evaluator's `fairness_stats` of their hours over all roles against their capacity (what
    balance evens out), with the overloaded and under-used among them."""
    out = []
    for role, peers in role_peers(evaluation, held).items():
        members = [m for m, _ in peers]
        h = np.array([hours for _, hours in peers])
        u = np.array([m.utilisation for m in members if m.utilisation is not None], dtype=float)
        out.append(
            {
                "role": role,
                "people": int(np.count_nonzero(h > 0)),
                "peers": len(peers),
                "hours": round(float(h.sum()), 2),
                "hours_min": round(float(h.min()), 2),
                "hours_mean": round(float(h.mean()), 2),
                "hours_max": round(float(h.max()), 2),
                "hours_spread": round(float(h.max() - h.min()), 2),
                "hours_cv": round(float(h.std() / h.mean()), 4) if h.mean() > 0 else 0.0,
                "hours_gini": round(gini(h), 4),
                "utilisation_min": round(float(u.min()), 4) if u.size else None,
                "utilisation_max": round(float(u.max()), 4) if u.size else None,
                "overloaded": sum(1 for m in members if (m.utilisation or 0) > OVERLOAD_ABOVE),
                "under_used": sum(1 for m in members if (m.utilisation or 0) < UNDERUSE_BELOW),
                "statistics": fairness_stats(
                    np.array([m.hours for m in members]), np.array([m.capacity_hours for m in members])
                ),
            }
        )
    return out

"""Bench strength: who could step in, per region x language x seniority.

A cell is thin when one person holds it: their leaving empties it. Each cell counts the active
managers in it (a manager speaking two languages is in two cells), their hours a month and how
many of them the plan in force leaves free, the accounts they hold, and the accounts of the
region that ask for that language (what the cell is there for).
"""

from __future__ import annotations

from typing import Any

from planner.robustness.leavers import Baseline

BENCH_COLUMNS = (
    "region",
    "language",
    "seniority",
    "managers",
    "capacity_hours",
    "free_hours",
    "accounts_held",
    "accounts_in_language",
    "thin",
    "names",
)
ANY_LANGUAGE = "(none listed)"


def bench_strength(base: Baseline) -> list[dict[str, Any]]:
    ds = base.dataset
    cells: dict[tuple[str, str, str], list[str]] = {}
    for m in ds.active_managers:
        for language in sorted(m.languages) or [ANY_LANGUAGE]:
            cells.setdefault((m.region, language, str(m.seniority)), []).append(m.manager_id)
    asked: dict[tuple[str, str], int] = {}
    for a in ds.accounts:
        if a.language:
            asked[(a.region, a.language)] = asked.get((a.region, a.language), 0) + 1
    held: dict[str, int] = {}
    for manager_id in base.holder.values():
        held[manager_id] = held.get(manager_id, 0) + 1
    managers = ds.manager_by_id
    rows = []
    for (region, language, seniority), ids in sorted(cells.items()):
        capacity = sum(managers[m].capacity_hours for m in ids)
        used = sum(base.hours.get(m, 0.0) for m in ids)
        rows.append(
            {
                "region": region,
                "language": language,
                "seniority": seniority,
                "managers": len(ids),
                "capacity_hours": round(capacity, 1),
                "free_hours": round(max(capacity - used, 0.0), 1),
                "accounts_held": sum(held.get(m, 0) for m in ids),
                "accounts_in_language": asked.get((region, language), 0),
                "thin": len(ids) == 1,
                "names": ", ".join(managers[m].name or m for m in ids),
            }
        )
    return rows

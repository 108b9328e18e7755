"""What changes between two plans: each moved account, and each manager's gains and losses."""

from __future__ import annotations

from typing import Any

from planner.evaluate import Evaluation


def plan_diff(base: Evaluation, other: Evaluation) -> dict[str, Any]:
    """Accounts whose manager differs between `base` and `other`; tier and value are `base`'s."""
    before = {a.account_id: a for a in base.accounts}
    after = {a.account_id: a for a in other.accounts}
    moved: list[dict[str, Any]] = [
        {
            "account_id": aid,
            "account_name": row.account_name,
            "from": row.manager_id,
            "from_name": row.manager_name,
            "to": after[aid].manager_id,
            "to_name": after[aid].manager_name,
            "tier": row.tier,
            "value_score": row.value_score,
        }
        for aid, row in before.items()
        if aid in after and after[aid].manager_id != row.manager_id
    ]
    moved.sort(key=lambda r: (-r["value_score"], r["account_id"]))
    return {
        "moved": moved,
        "moved_count": len(moved),
        "moved_value": round(sum(r["value_score"] for r in moved), 2),
        "only_in_base": sorted(set(before) - set(after)),
        "only_in_other": sorted(set(after) - set(before)),
        "managers": _manager_changes(base, other),
    }


def _manager_changes(base: Evaluation, other: Evaluation) -> list[dict[str, Any]]:
    def holdings(ev: Evaluation) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for a in ev.accounts:
            if a.manager_id is not None:
                out.setdefault(a.manager_id, set()).add(a.account_id)
        return out

    held_before, held_after = holdings(base), holdings(other)
    rows_before = {m.manager_id: m for m in base.managers}
    rows_after = {m.manager_id: m for m in other.managers}
    ids = list(rows_before) + [m for m in rows_after if m not in rows_before]
    rows = []
    for mid in ids:
        was, now = held_before.get(mid, set()), held_after.get(mid, set())
        b, a = rows_before.get(mid), rows_after.get(mid)
        known = b or a
        rows.append(
            {
                "manager_id": mid,
                "name": known.name if known else "",
                "status": _status(b is not None and b.active, a is not None and a.active),
                "gained": sorted(now - was),
                "lost": sorted(was - now),
                "accounts_before": len(was),
                "accounts_after": len(now),
                "hours_before": b.hours if b else 0.0,
                "hours_after": a.hours if a else 0.0,
                "utilisation_before": b.utilisation if b else None,
                "utilisation_after": a.utilisation if a else None,
            }
        )
    return rows


def _status(active_before: bool, active_after: bool) -> str:
    if active_before == active_after:
        return "active" if active_after else "inactive"
    return "joins" if active_after else "leaves"

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
        # Account teams (planner.teams): each team slot whose person changes; absent without teams.
        **({"team_slots": team_slot_changes(base, other)} if base.team or other.team else {}),
    }


def team_slot_changes(base: Evaluation, other: Evaluation) -> dict[str, Any]:
    """Each (account, role, slot) whose person differs: `moved` (someone else holds it),
    `filled` (nobody held it in `base`, or `base` did not have the slot), `unfilled` (nobody holds
    it in `other`, or `other` has no such slot: the account's tier no longer needs it); counts in
    all and per role, with each role's filled slots before and after."""
    before = {(r.account_id, r.role, r.slot): r for r in base.team}
    after = {(r.account_id, r.role, r.slot): r for r in other.team}
    changes = []
    for key in [*before, *(k for k in after if k not in before)]:
        b, a = before.get(key), after.get(key)
        was, now = b.manager_id if b else None, a.manager_id if a else None
        if was == now:
            continue
        known = b or a
        assert known is not None
        changes.append(
            {
                "account_id": key[0],
                "account_name": known.account_name,
                "role": key[1],
                "slot": key[2],
                "change": "moved" if was and now else ("filled" if now else "unfilled"),
                "from": was,
                "from_name": b.manager_name if b and was else "",
                "to": now,
                "to_name": a.manager_name if a and now else "",
                "tier": b.tier if b else known.tier,
            }
        )
    roles = dict.fromkeys([*(r.role for r in base.team), *(r.role for r in other.team)])
    kinds = ("moved", "filled", "unfilled")
    return {
        **{kind: sum(c["change"] == kind for c in changes) for kind in kinds},
        "by_role": {
            role: {
                **{kind: sum(c["change"] == kind and c["role"] == role for c in changes) for kind in kinds},
                "filled_before": sum(r.role == role and r.manager_id is not None for r in base.team),
                "filled_after": sum(r.role == role and r.manager_id is not None for r in other.team),
                "unfilled_before": sum(r.role == role and r.manager_id is None for r in base.team),
                "unfilled_after": sum(r.role == role and r.manager_id is None for r in other.team),
            }
            for role in roles
        },
        "changes": changes,
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


def team_slot_words(team_slots: dict[str, Any]) -> list[str]:
    """One line per role: 'technical support: 16 of 18 slots filled (was 14); 2 filled, 1 moved,
    0 left unfilled'."""
    out = []
    for role, c in team_slots["by_role"].items():
        slots = c["filled_after"] + c["unfilled_after"]
        out.append(
            f"{role.replace('_', ' ')}: {c['filled_after']} of {slots} slot(s) filled (was {c['filled_before']}); "
            f"{c['filled']} newly filled, {c['moved']} to someone else, {c['unfilled']} left unfilled"
        )
    return out

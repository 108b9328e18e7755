"""Explain an account's team, slot by slot, in plain words:
"technical support: Li Na — speaks ja, serves finance, 62 % utilised"."""

from __future__ import annotations

from typing import Any

from planner.context import Context
from planner.teams.evaluate import TeamRow
from planner.teams.roles import role_label


def team_slots(
    ctx: Context, rows: list[TeamRow], utilisation: dict[str, float | None], account_id: str
) -> list[dict[str, Any]]:
    """One entry per slot of the account's team (the evaluation's team rows): who fills it and
    why they fit; `utilisation` per person over all roles."""
    i = ctx.account_index[account_id]
    account = ctx.dataset.accounts[i]
    out = []
    for row in (r for r in rows if r.account_id == account_id):
        entry: dict[str, Any] = {
            "role": row.role,
            "slot": row.slot,
            "manager_id": row.manager_id,
            "manager_name": row.manager_name,
            "previous": list(row.previous),
            "workload_hours": row.workload_hours,
            "match": row.match_score,
            "cost_points": row.cost_points,
        }
        if row.manager_id is None:
            entry["words"] = f"{role_label(row.role)}: unfilled (nobody with the role could take it)"
        else:
            person = ctx.dataset.manager_by_id[row.manager_id]
            why = []
            if account.language and account.language in person.languages:
                why.append(f"speaks {account.language}")
            if account.industry and account.industry in person.industries:
                why.append(f"serves {account.industry}")
            if row.manager_id in row.previous:
                why.append("already on the team")
            util = utilisation.get(row.manager_id)
            if util is not None:
                why.append(f"{util * 100:.0f} % utilised")
            entry["words"] = f"{role_label(row.role)}: {person.name or person.manager_id} — {', '.join(why)}"
        out.append(entry)
    return out

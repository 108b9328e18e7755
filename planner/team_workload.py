"""Account teams: each person's workload per role and over all their roles, and each role's peers.

A report on the evaluator's rows, so it lives beside `fairness`, not in `planner.teams` (which
the evaluator imports).

All from the evaluator's rows: a team slot's hours are its `TeamRow.workload_hours` (the
evaluator's centi-hours / 100, so sums are exact), and a person's account-manager hours are
what their team rows leave of `ManagerRow.hours` (the evaluator's load over every role, what
capacity, utilisation and balance count). Summary, fairness, compare and the terminal read
this one module, so they cannot disagree with each other or with `planner check`.

Utilisation in a role is the role's hours over the person's whole `capacity_hours` (the share
of their month the role takes; a person's roles add up to their utilisation); where
`capacity_hours_<role>` caps the role, `of_role_cap` says how much of the cap is used.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from planner.evaluate import Evaluation, ManagerRow
from planner.models import Manager
from planner.models.teams import ACCOUNT_MANAGER


def role_order(evaluation: Evaluation, managers: Sequence[Manager] = ()) -> list[str]:
    """The account manager first, then each team role in the order the plan's rows name them
    (the policy's), then any other role a person holds."""
    roles = [ACCOUNT_MANAGER, *(r.role for r in evaluation.team)]
    roles += sorted({role for m in managers for role in m.roles})
    return list(dict.fromkeys(roles))


def role_hours(evaluation: Evaluation) -> dict[str, dict[str, tuple[int, float]]]:
    """person -> role -> (accounts, hours a month) for every role the person works in."""
    team: dict[str, dict[str, list[float]]] = {}
    for r in evaluation.team:
        if r.manager_id is not None:
            slot = team.setdefault(r.manager_id, {}).setdefault(r.role, [0, 0.0])
            slot[0] += 1
            slot[1] += r.workload_hours
    out: dict[str, dict[str, tuple[int, float]]] = {}
    for m in evaluation.managers:
        mine = team.get(m.manager_id, {})
        roles: dict[str, tuple[int, float]] = {}
        if m.accounts:  # the account manager's hours: what the team roles leave of the total
            roles[ACCOUNT_MANAGER] = (m.accounts, round(m.hours - sum(h for _, h in mine.values()), 2))
        for role, (accounts, hours) in mine.items():
            roles[role] = (int(accounts), round(hours, 2))
        if roles:
            out[m.manager_id] = roles
    return out


def held_roles(managers: Iterable[Manager]) -> dict[str, frozenset[str]]:
    """manager_id -> the roles the person holds (no roles listed: account manager)."""
    return {m.manager_id: m.roles or frozenset({ACCOUNT_MANAGER}) for m in managers}


def workload_rows(evaluation: Evaluation, managers: Sequence[Manager]) -> list[dict[str, Any]]:
    """Per person: roles held, hours and utilisation over all roles, and per role they work in
    (policy order) the accounts, hours, share of their capacity and of the role's cap."""
    order = role_order(evaluation, managers)
    worked = role_hours(evaluation)
    held = held_roles(managers)
    caps = {m.manager_id: m.role_capacity_hours for m in managers}
    out = []
    for m in evaluation.managers:
        mine = worked.get(m.manager_id, {})
        by_role = []
        for role in (r for r in order if r in mine):
            accounts, hours = mine[role]
            cap = caps.get(m.manager_id, {}).get(role)
            by_role.append(
                {
                    "role": role,
                    "accounts": accounts,
                    "hours": hours,
                    "utilisation": _ratio(hours, m.capacity_hours),
                    **({"capacity_hours": cap, "of_role_cap": _ratio(hours, cap)} if cap is not None else {}),
                }
            )
        out.append(
            {
                "manager_id": m.manager_id,
                "name": m.name,
                "active": m.active,
                "roles": [r for r in order if r in held.get(m.manager_id, ())],
                "hours": m.hours,
                "capacity_hours": m.capacity_hours,
                "utilisation": m.utilisation,
                "by_role": by_role,
            }
        )
    return out


def role_peers(
    evaluation: Evaluation, held: Mapping[str, Iterable[str]] | None = None
) -> dict[str, list[tuple[ManagerRow, float]]]:
    """role -> its peers with their hours in the role: the active people with capacity who hold
    the role (`held`: manager_id -> roles; without it, who works in it), and anyone the plan
    has working in it; a holder with nothing in the role counts with 0 h (idle is unfair too)."""
    worked = role_hours(evaluation)
    order = role_order(evaluation)
    if held is not None:
        order += [r for roles in held.values() for r in roles if r not in order]
    out: dict[str, list[tuple[ManagerRow, float]]] = {}
    for role in dict.fromkeys(order):
        peers = [
            (m, worked.get(m.manager_id, {}).get(role, (0, 0.0))[1])
            for m in evaluation.managers
            if m.active
            and m.capacity_hours > 0
            and (
                role in worked.get(m.manager_id, {})
                or (held is not None and role in set(held.get(m.manager_id, ())))
            )
        ]
        if peers:
            out[role] = peers
    return out


def _ratio(hours: float, capacity: float | None) -> float | None:
    return round(hours / capacity, 4) if capacity else None

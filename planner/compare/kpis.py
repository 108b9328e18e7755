"""KPIs of one plan, all read off the evaluator (and the solver block of summary.json)."""

from __future__ import annotations

from typing import Any

import numpy as np

from planner.evaluate import Evaluation, gini
from planner.team_workload import role_peers
from planner.teams.evaluate import team_summary

# (label, dotted key into `plan_kpis`, format) in the order reports show them.
KPI_ROWS: tuple[tuple[str, str, str], ...] = (
    ("objective (points)", "objective", "{:,.2f}"),
    ("  value unserved (value × (1-match))", "objective_parts.value_match", "{:,.2f}"),
    ("  travel", "objective_parts.travel", "{:,.2f}"),
    ("  moves", "objective_parts.moves", "{:,.2f}"),
    ("  balance", "objective_parts.balance", "{:,.2f}"),
    ("  unassigned", "objective_parts.unassigned", "{:,.2f}"),
    ("value served × match", "value_served_match", "{:,.1f}"),
    ("moves, all reasons", "moves.total", "{}"),
    ("moves, voluntary", "moves.voluntary", "{}"),
    ("moves, because the manager left", "moves.forced_by_leaver", "{}"),
    ("moves, required by a rule", "moves.forced_by_rule", "{}"),
    ("value moved, all moves", "moves.value_moved", "{:,.1f}"),
    ("strategic accounts moved, all moves", "moves.strategic_moved", "{}"),
    ("strategic accounts moved voluntarily", "moves.strategic_moved_voluntary", "{}"),
    ("travel hours / month", "travel_hours", "{:,.1f}"),
    ("utilisation min", "utilisation.min", "{:.1%}"),
    ("utilisation mean", "utilisation.mean", "{:.1%}"),
    ("utilisation max", "utilisation.max", "{:.1%}"),
    ("CV of utilisation", "utilisation.cv", "{:.3f}"),
    ("CV of hours", "hours.cv", "{:.3f}"),
    ("Gini of hours", "hours.gini", "{:.3f}"),
    ("accounts per manager min", "accounts_per_manager.min", "{}"),
    ("accounts per manager mean", "accounts_per_manager.mean", "{:.1f}"),
    ("accounts per manager max", "accounts_per_manager.max", "{}"),
    ("unassigned accounts", "unassigned", "{}"),
    ("hard-rule violations (must be 0)", "hard_rule_violations", "{}"),
    ("solver status", "solver.status", "{}"),
    ("solver gap", "solver.gap", "{:.4%}"),
)


def plan_kpis(evaluation: Evaluation, summary: dict[str, Any] | None = None) -> dict[str, Any]:
    ev = evaluation
    fair = ev.fairness
    # The same managers the evaluator's fairness statistics cover: active, with capacity.
    counted = [m for m in ev.managers if m.active and m.capacity_hours > 0]
    counts = [m.accounts for m in counted]
    solver = (summary or {}).get("solver") or {}
    return {
        "objective": ev.objective,
        "objective_parts": {k: v / 100 for k, v in ev.parts_cp.items()},
        "value_served_match": round(
            sum(a.value_score * a.match_score for a in ev.accounts if a.manager_id is not None), 2
        ),
        "moves": dict(ev.moves),
        "travel_hours": round(sum(m.travel_hours for m in ev.managers), 2),
        "utilisation": {
            "min": fair.get("utilisation_min"),
            "mean": fair.get("utilisation_mean"),
            "max": fair.get("utilisation_max"),
            "cv": fair.get("utilisation_cv"),
        },
        "hours": {"cv": fair.get("hours_cv"), "gini": fair.get("hours_gini")},
        "accounts_per_manager": {
            "min": min(counts) if counts else None,
            "mean": round(sum(counts) / len(counts), 2) if counts else None,
            "max": max(counts) if counts else None,
        },
        "unassigned": len(ev.unassigned),
        # Account teams (planner.teams): per extra role's slots, and per role (the account manager
        # first) among the people working in it; absent without teams.
        **({"team": _slots(ev), "by_role": _by_role(ev)} if ev.team else {}),
        "hard_rule_violations": len(ev.violations),
        "solver": {
            "name": solver.get("name"),
            "status": solver.get("status"),
            "gap": solver.get("gap"),
            "objective": solver.get("objective"),
            "runtime_seconds": solver.get("runtime_seconds"),
        },
    }


# What `team` keeps of team_summary: the slots and their moves. People and hours per role are
# `by_role`'s alone (among everyone working in the role), so a comparison lists them once.
SLOT_KPIS = ("slots", "filled", "unfilled", "moved", "moved_voluntary")


def _slots(ev: Evaluation) -> dict[str, dict[str, Any]]:
    return {role: {k: row[k] for k in SLOT_KPIS} for role, row in team_summary(ev.team).items()}


def _by_role(ev: Evaluation) -> dict[str, dict[str, Any]]:
    out = {}
    for role, peers in role_peers(ev).items():
        hours = np.array([h for _, h in peers])
        util = [m.utilisation for m, _ in peers if m.utilisation is not None]
        out[role] = {
            "people": len(peers),
            "hours": round(float(hours.sum()), 2),
            "hours_max": round(float(hours.max()), 2),
            "utilisation_mean": round(float(np.mean(util)), 4) if util else None,
            "hours_gini": round(gini(hours), 4),
        }
    return out


def kpi_rows(kpis: list[dict[str, Any]]) -> tuple[tuple[str, str, str], ...]:
    """KPI_ROWS, then per role any of the plans has (planner.teams; the account manager first):
    its slots (team roles), people, hours and how evenly they fall, and moves."""
    roles = dict.fromkeys(role for k in kpis for role in (*k.get("by_role", {}), *k.get("team", {})))
    extra = []
    for role in roles:
        label = role.replace("_", " ")
        team = any(role in k.get("team", {}) for k in kpis)
        extra += [
            *(
                [
                    (f"{label}: slots filled", f"team.{role}.filled", "{}"),
                    ("  slots unfilled", f"team.{role}.unfilled", "{}"),
                ]
                if team
                else []
            ),
            (f"{label}: people" if not team else "  people", f"by_role.{role}.people", "{}"),
            ("  hours / month", f"by_role.{role}.hours", "{:,.1f}"),
            ("  hours per person, most", f"by_role.{role}.hours_max", "{:,.1f}"),
            ("  utilisation mean of its people", f"by_role.{role}.utilisation_mean", "{:.1%}"),
            ("  Gini of hours in the role", f"by_role.{role}.hours_gini", "{:.3f}"),
            *([("  moved (voluntary)", f"team.{role}.moved_voluntary", "{}")] if team else []),
        ]
    return (*KPI_ROWS, *extra)


def lookup(kpis: dict[str, Any], key: str) -> Any:
    value: Any = kpis
    for part in key.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def formatted(kpis: dict[str, Any], key: str, fmt: str) -> str:
    value = lookup(kpis, key)
    if value is None:
        return "–"
    try:
        return fmt.format(value)
    except (ValueError, TypeError):
        return str(value)

"""Why an account went to its manager: score parts, and what the runner-up would have cost.

The runner-up is judged by re-evaluating the whole plan with the account's parent
group moved to that manager, so the answer includes effects no single pair
shows: the utilisation spread, capacity and the disruption budget.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from planner.context import Context
from planner.evaluate import evaluate
from planner.models import Plan
from planner.objective import pair_metrics
from planner.rules import eligible, failed_pair_rules
from planner.teams.explain import team_slots


def explain_account(
    ctx: Context, plan: Plan, account_id: str, max_moves: int | None = None
) -> dict[str, Any]:
    if account_id not in ctx.account_index:
        raise KeyError(f"unknown account {account_id!r}")
    i = ctx.account_index[account_id]
    group = ctx.groups[int(ctx.group_of[i])]
    chosen = plan.manager_of(account_id)
    base = evaluate(ctx, plan, max_moves=max_moves)
    current = ctx.dataset.accounts[i].current_manager_id or None
    out: dict[str, Any] = {
        "account_id": account_id,
        "account_name": ctx.dataset.accounts[i].name,
        "tier": ctx.tiering.tier_of(i).value,
        "value_score": round(float(ctx.value[i]), 2),
        "current_manager_id": current,
        "current_manager_name": _name(ctx, current),
        "manager_id": chosen,
        "manager_name": _name(ctx, chosen),
        "move_reason": base.accounts[i].move_reason,
        "parent_group": [ctx.account_ids[k] for k in group] if len(group) > 1 else [],
        "health": _health(ctx, i),
    }
    if chosen is not None and chosen in ctx.manager_index:
        out["score"] = _pair_parts(ctx, i, ctx.manager_index[chosen])
    if base.team:  # account teams (planner.teams): each slot in words
        utilisation = {m.manager_id: m.utilisation for m in base.managers}
        out["team"] = team_slots(ctx, base.team, utilisation, account_id)

    members = np.asarray(group)
    ok = eligible(ctx, members[:, None], np.arange(ctx.n_managers)[None, :]).all(axis=0)
    blocked: Counter[str] = Counter()
    for j in np.nonzero(~ok)[0].tolist():
        for rule in {r for k in group for r in failed_pair_rules(ctx, k, j)}:
            blocked[rule] += 1
    out["ineligible_managers_by_rule"] = dict(blocked)

    alternatives = []
    for j in np.nonzero(ok)[0].tolist():
        mid = ctx.manager_ids[j]
        if mid == chosen:
            continue
        moved = dict(plan.assignment)
        for k in group:
            moved[ctx.account_ids[k]] = mid
        # The same service level with another manager: only who serves it changes.
        alt = evaluate(ctx, Plan(assignment=moved, service=plan.service, team=plan.team), max_moves=max_moves)
        new_rules = sorted({v.rule for v in alt.violations} - {v.rule for v in base.violations})
        alternatives.append(
            {
                "manager_id": mid,
                "manager_name": _name(ctx, mid),
                "objective_change": (alt.objective_cp - base.objective_cp) / 100,
                "change_by_part": {k: (alt.parts_cp[k] - base.parts_cp[k]) / 100 for k in base.parts_cp},
                "would_break": new_rules,
                "score": _pair_parts(ctx, i, j),
            }
        )
    # Feasible alternatives first, then by how much worse they are.
    alternatives.sort(key=lambda a: (bool(a["would_break"]), a["objective_change"]))
    out["alternatives"] = alternatives[:5]
    out["runner_up"] = alternatives[0] if alternatives else None
    out["why_not_runner_up"] = (
        _why_not(alternatives[0]) if alternatives else "no other manager may serve this account"
    )
    return out


def _health(ctx: Context, i: int) -> dict[str, Any]:
    """The account's risk (its column and satisfaction), what the policy makes of it, and the
    managers it complained about."""
    account, health = ctx.dataset.accounts[i], ctx.dataset.policy.health
    risk = health.risk_of(account)
    own = ctx.own_every_weeks[i]
    return {
        "risk": None if risk is None else risk.value,
        "satisfaction": account.satisfaction,
        "visit_every_weeks": None if np.isnan(own) else round(float(own), 2),
        "match_factor": health.factor("match", risk),
        "move_factor": health.factor("move", risk),
        "avoid_manager_ids": sorted(account.avoid_manager_ids),
    }


def _name(ctx: Context, manager_id: str | None) -> str:
    manager = ctx.dataset.manager_by_id.get(manager_id) if manager_id else None
    return manager.name if manager else ""


def _pair_parts(ctx: Context, i: int, j: int) -> dict[str, Any]:
    met = pair_metrics(ctx, np.array([i]), np.array([j]))
    acc_ind, knows = ctx.industry_match
    return {
        "match": round(float(met.match[0]), 4),
        "industry_expertise": bool(acc_ind[i] >= 0 and knows[j, acc_ind[i]]),
        "seniority": ctx.dataset.managers[j].seniority.value,
        "performance": ctx.dataset.managers[j].performance,
        "workload_hours": met.hours_ch[0] / 100,
        "travel_hours": met.travel_ch[0] / 100,
        "points": {
            "value_unserved": met.value_cp[0] / 100,
            "travel": met.travel_cp[0] / 100,
            "continuity": met.move_cp[0] / 100,
            "performance": met.performance_cp[0] / 100,
        },
    }


def _why_not(alt: dict[str, Any]) -> str:
    mid = f"{alt['manager_id']} ({alt['manager_name']})" if alt.get("manager_name") else alt["manager_id"]
    if alt["would_break"]:
        return f"giving it to {mid} would break: {', '.join(alt['would_break'])}"
    parts = {k: v for k, v in alt["change_by_part"].items() if abs(v) >= 0.005}
    detail = ", ".join(f"{k} {v:+.2f}" for k, v in sorted(parts.items(), key=lambda kv: -abs(kv[1])))
    if alt["objective_change"] > 0:
        return f"giving it to {mid} would cost {alt['objective_change']:.2f} points more ({detail})"
    if alt["objective_change"] == 0:
        return f"{mid} would be exactly as good (a tie; the solver kept the current choice)"
    return f"{mid} would be {-alt['objective_change']:.2f} points better ({detail}); the plan is not optimal"

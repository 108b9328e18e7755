"""The comparison of several plans as one JSON-able dict: KPIs side by side, diffs against the first."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from planner.compare.diff import plan_diff
from planner.compare.kpis import plan_kpis
from planner.compare.sources import PlanSource
from planner.tiering_change import tier_changes


def comparison(sources: Sequence[PlanSource]) -> dict[str, Any]:
    if len(sources) < 2:
        raise ValueError("compare needs at least two plan directories")
    base = sources[0]
    return {
        "base": base.name,
        "plans": [
            {
                "name": s.name,
                "path": str(s.path),
                "data_from": s.data_from,
                "kpis": plan_kpis(s.evaluation, s.summary),
                "violations": [str(v) for v in s.evaluation.violations],
            }
            for s in sources
        ],
        "diffs": [
            {
                "base": base.name,
                "other": s.name,
                **plan_diff(base.evaluation, s.evaluation),
                "tier_changes": tier_changes(base.ctx.tiering, s.ctx.tiering, _names(s)),
            }
            for s in sources[1:]
        ],
    }


def _names(source: PlanSource) -> dict[str, str]:
    return {a.account_id: a.name for a in source.ctx.dataset.accounts if a.name}

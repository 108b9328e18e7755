"""The skill-gap report of a stored plan (planner.skills) and its table in words, for the export."""

from __future__ import annotations

from typing import Any

from api.i18n import DEFAULT, text
from api.jsonsafe import finite
from api.services.plans import PlanService
from planner.skills import ANY_LANGUAGE, skill_gap

# One row per industry x region x language; catalogue keys head.* (api/static/messages.json).
_COLUMNS = (
    "industry",
    "region",
    "language",
    "accounts",
    "accounts_without_expertise",
    "hours_without_expertise",
    "accounts_below_ideal_seniority",
    "hours_below_ideal_seniority",
    "hours_unserved",
    "hours_short",
    "managers_with_expertise",
)


def skill_report(plans: PlanService, plan_id: str) -> dict[str, Any]:
    row = plans.get(plan_id)
    ctx, _, evaluation = plans.evaluated(row)
    return finite(skill_gap(ctx, evaluation, row.name or row.id))


def skill_headers(lang: str = DEFAULT) -> tuple[str, ...]:
    return tuple(text(lang, f"head.{c}") for c in _COLUMNS)


def skill_rows(report: dict[str, Any], lang: str = DEFAULT) -> list[list[Any]]:
    any_language = text(lang, "word.any")
    return [
        [any_language if c == "language" and g[c] == ANY_LANGUAGE else g[c] for c in _COLUMNS]
        for g in report["groups"]
    ]

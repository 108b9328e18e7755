"""The skill-gap report of a plan: where accounts are served without the industry or below the
ideal seniority, hours short per industry x region x language (planner.skills), as JSON or a sheet."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Response

from api.deps import ReadKey, ServicesDep
from api.i18n import ExportLang, text
from api.routers.plans import XLSX, _attachment, _export_responses
from api.routers.responses import NOT_FOUND
from api.services import exports
from api.services.skills import skill_headers, skill_report, skill_rows

router = APIRouter(tags=["plans"])


@router.get("/plans/{plan_id}/skills", responses=NOT_FOUND)
def skills(plan_id: str, services: ServicesDep, key: ReadKey) -> dict[str, Any]:
    """Totals, one row per industry x region x language with a gap, and each account with a gap."""
    return skill_report(services.plans.within(key.workspace), plan_id)


@router.get(
    "/plans/{plan_id}/skills/export.{ext}",
    response_class=Response,
    responses=_export_responses("both", "one row per industry x region x language with a gap (csv or xlsx)"),
)
def export_skills(
    plan_id: str, ext: Literal["csv", "xlsx"], services: ServicesDep, key: ReadKey, lang: ExportLang
) -> Response:
    """The skill-gap table as CSV (UTF-8 with BOM) or Excel, headers in words (en or zh-CN)."""
    report = skill_report(services.plans.within(key.workspace), plan_id)
    rows, headers = skill_rows(report, lang), skill_headers(lang)
    name = f"skills-{plan_id[:8]}.{ext}"
    if ext == "csv":
        return _attachment(exports.to_csv(rows, headers), "text/csv; charset=utf-8", name)
    return _attachment(exports.to_xlsx(rows, text(lang, "sheet.skills"), headers), XLSX, name)

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from api.deps import ReadKey, ServicesDep, WriteKey
from api.i18n import ExportLang, text
from api.paging import Offset
from api.routers.responses import NOT_FOUND
from api.schemas import AdoptIn, AssignmentRowOut, CompareIn, PlanOut
from api.schemas_teams import PersonWorkloadOut
from api.services import exports
from api.views import plan_out

router = APIRouter(tags=["plans"])


@router.get("/plans")
def list_plans(
    services: ServicesDep,
    key: ReadKey,
    dataset_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> list[PlanOut]:
    rows = services.store.plans(dataset_id, limit, offset, workspace=key.workspace)
    current = {}
    for d in {r.dataset_id for r in rows}:
        ds = services.store.dataset(d, workspace=key.workspace)
        current[d] = ds.current_plan_id if ds else None
    return [plan_out(r, current[r.dataset_id]) for r in rows]


@router.get("/plans/{plan_id}", responses=NOT_FOUND)
def get_plan(plan_id: str, services: ServicesDep, key: ReadKey) -> PlanOut:
    row = services.plans.within(key.workspace).get(plan_id)
    ds = services.store.dataset(row.dataset_id, workspace=key.workspace)
    return plan_out(row, ds.current_plan_id if ds else None)


@router.get("/plans/{plan_id}/assignments", responses=NOT_FOUND)
def assignments(plan_id: str, services: ServicesDep, key: ReadKey) -> list[AssignmentRowOut]:
    """The rows of plan.csv, re-scored by the evaluator. With account teams: one row per account x
    role (`role`), the account managers' rows first, then each team slot's."""
    return [AssignmentRowOut.model_validate(r) for r in services.plans.within(key.workspace).rows(plan_id)]


@router.get("/plans/{plan_id}/workload", responses=NOT_FOUND)
def workload(plan_id: str, services: ServicesDep, key: ReadKey) -> list[PersonWorkloadOut]:
    """Per person: hours a month in each role they work in (account teams) and over all of them,
    against their capacity, re-scored by the evaluator."""
    return [
        PersonWorkloadOut.model_validate(r) for r in services.plans.within(key.workspace).workload(plan_id)
    ]


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _export_responses(media_type: str, what: str) -> dict[int | str, dict[str, Any]]:
    """`media_type` "both": the {ext} path parameter picks CSV or XLSX."""
    types = ("text/csv", XLSX) if media_type == "both" else (media_type,)
    return {
        200: {"content": {t: {} for t in types}, "description": what},
        401: {"description": "missing or unknown API key (header X-API-Key)"},
        404: {"description": "unknown plan"},
    }


def _attachment(content: bytes, media_type: str, filename: str) -> Response:
    return Response(
        content, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


@router.get(
    "/plans/{plan_id}/export.csv",
    response_class=Response,
    responses=_export_responses(
        "text/csv",
        "the plan table, one row per account (with account teams: per account x role, and a Role "
        "column); UTF-8 with BOM, headers in words",
    ),
)
def export_csv(plan_id: str, services: ServicesDep, key: ReadKey, lang: ExportLang) -> Response:
    """The dashboard's plan table as CSV: account, tier, region, manager, hours, service, moved and why."""
    table = exports.plan_table(services.plans.within(key.workspace), plan_id, lang)
    return _attachment(
        exports.to_csv(table.rows, table.headers), "text/csv; charset=utf-8", f"plan-{plan_id[:8]}.csv"
    )


@router.get(
    "/plans/{plan_id}/export.xlsx",
    response_class=Response,
    responses=_export_responses(XLSX, "the plan table as one Excel sheet, same rows and columns as the CSV"),
)
def export_xlsx(plan_id: str, services: ServicesDep, key: ReadKey, lang: ExportLang) -> Response:
    """The dashboard's plan table as an Excel workbook (one sheet, header row frozen, filters on)."""
    table = exports.plan_table(services.plans.within(key.workspace), plan_id, lang)
    content = exports.to_xlsx(table.rows, headers=table.headers, lang=lang, widths=table.widths)
    return _attachment(content, XLSX, f"plan-{plan_id[:8]}.xlsx")


@router.get(
    "/plans/{plan_id}/fairness/export.{ext}",
    response_class=Response,
    responses=_export_responses(
        "both", "one row per manager: hours, workload, travel, accounts per tier, flag (csv or xlsx)"
    ),
)
def export_fairness(
    plan_id: str, ext: Literal["csv", "xlsx"], services: ServicesDep, key: ReadKey, lang: ExportLang
) -> Response:
    """The fairness report's manager table as CSV (UTF-8 with BOM) or Excel, headers in words."""
    rows = exports.fairness_rows(services.plans.within(key.workspace).fairness(plan_id), lang)
    headers = exports.fairness_headers(lang)
    name = f"fairness-{plan_id[:8]}.{ext}"
    if ext == "csv":
        return _attachment(exports.to_csv(rows, headers), "text/csv; charset=utf-8", name)
    return _attachment(exports.to_xlsx(rows, text(lang, "sheet.fairness"), headers), XLSX, name)


@router.get(
    "/compare/export.{ext}",
    response_class=Response,
    responses=_export_responses(
        "both",
        "the comparison: KPIs side by side (first plan = base), then the accounts each other plan moves "
        "(csv: tables one after another; xlsx: one sheet each)",
    ),
)
def export_compare(
    ext: Literal["csv", "xlsx"],
    services: ServicesDep,
    key: ReadKey,
    plan_ids: Annotated[list[str], Query(min_length=2, max_length=10)],
    lang: ExportLang,
) -> Response:
    """What POST /compare answers, as CSV (UTF-8 with BOM) or Excel, KPI names in words."""
    tables = exports.comparison_tables(services.plans.within(key.workspace).compare(plan_ids), lang)
    name = f"compare-{plan_ids[0][:8]}.{ext}"
    if ext == "csv":
        return _attachment(exports.tables_to_csv(tables), "text/csv; charset=utf-8", name)
    return _attachment(exports.tables_to_xlsx(tables), XLSX, name)


@router.get("/plans/{plan_id}/accounts/{account_id}/explain", responses=NOT_FOUND)
def explain(plan_id: str, account_id: str, services: ServicesDep, key: ReadKey) -> dict[str, Any]:
    return services.plans.within(key.workspace).explain(plan_id, account_id)


@router.get("/plans/{plan_id}/fairness", responses=NOT_FOUND)
def fairness(plan_id: str, services: ServicesDep, key: ReadKey) -> dict[str, Any]:
    return services.plans.within(key.workspace).fairness(plan_id)


@router.post("/compare", responses=NOT_FOUND)
def compare(body: CompareIn, services: ServicesDep, key: ReadKey) -> dict[str, Any]:
    """KPIs side by side and what moved, each plan against the first."""
    return services.plans.within(key.workspace).compare(body.plan_ids)


@router.get("/datasets/{dataset_id}/current-plan", responses=NOT_FOUND)
def current_plan(dataset_id: str, services: ServicesDep, key: ReadKey) -> PlanOut:
    ds = services.store.dataset(dataset_id, workspace=key.workspace)
    if ds is None:
        raise LookupError(f"data set {dataset_id!r} not found")
    if ds.current_plan_id is None:
        raise LookupError(f"data set {dataset_id!r} has no plan yet")
    return plan_out(services.plans.within(key.workspace).get(ds.current_plan_id), ds.current_plan_id)


@router.put("/datasets/{dataset_id}/current-plan", responses=NOT_FOUND)
def adopt(dataset_id: str, body: AdoptIn, services: ServicesDep, key: WriteKey) -> PlanOut:
    ds = services.store.dataset(dataset_id, workspace=key.workspace)
    if ds is None:
        raise LookupError(f"data set {dataset_id!r} not found")
    row = services.plans.within(key.workspace).get(body.plan_id)
    if row.dataset_id != dataset_id:
        raise LookupError(f"plan {body.plan_id!r} belongs to another data set")
    before = services.store.plan(ds.current_plan_id, workspace=None) if ds.current_plan_id else None
    services.store.adopt(dataset_id, row.id, key.name)
    if before is None or before.id != row.id:  # adopting the plan in force again changes nothing
        previous = (before.id, before.assignment) if before else None
        team = (before.team if before else None, row.team)
        services.webhooks.plan_adopted(key.workspace, dataset_id, row.id, previous, row.assignment, team=team)
    return plan_out(row, row.id)

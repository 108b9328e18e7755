"""Stored rows to response schemas."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

from api.db import AdviceRow, CalendarRow, DatasetRow, DatasetVersionRow, JobRow, PlanRow
from api.schemas import DatasetOut, DatasetVersionOut, JobOut, PlanOut, Progress
from api.schemas_calendar import (
    CalendarManagerOut,
    CalendarOut,
    DayOffOut,
    JointVisitsOut,
    ShortfallOut,
    VisitOut,
)
from api.schemas_scarcity import AdviceJobOut, ServiceShortfallOut


def dataset_out(row: DatasetRow, latest: int) -> DatasetOut:
    return DatasetOut(
        id=row.id,
        name=row.name,
        created_at=row.created_at,
        created_by=row.created_by,
        latest_version=latest,
        current_plan_id=row.current_plan_id,
    )


def version_out(row: DatasetVersionRow) -> DatasetVersionOut:
    return DatasetVersionOut(
        dataset_id=row.dataset_id,
        version=row.version,
        source=row.source,
        accounts=row.n_accounts,
        managers=row.n_managers,
        created_at=row.created_at,
        created_by=row.created_by,
    )


def _record(row: JobRow | CalendarRow | AdviceRow) -> dict[str, Any]:
    """The fields every kind of job answers with: its id, status and error, when and by whom."""
    return {
        "id": row.id,
        "status": row.status,
        "error": row.error,
        "created_at": row.created_at,
        "started_at": row.started_at,
        "finished_at": row.finished_at,
        "created_by": row.created_by,
    }


def job_out(row: JobRow) -> JobOut:
    return JobOut(
        **_record(row),
        dataset_id=row.dataset_id,
        dataset_version=row.dataset_version,
        name=str(row.request.get("name", "")),
        progress=Progress.model_validate(row.progress or {}),
        plan_id=row.plan_id,
        reasons=list(row.reasons or []),
    )


def plan_out(row: PlanRow, current_plan_id: str | None) -> PlanOut:
    return PlanOut(
        id=row.id,
        dataset_id=row.dataset_id,
        dataset_version=row.dataset_version,
        name=row.name,
        job_id=row.job_id,
        event_id=row.event_id,
        is_current=row.id == current_plan_id,
        created_at=row.created_at,
        created_by=row.created_by,
        summary=row.summary,
        shortfall=_shortfall(row.summary),
    )


def _shortfall(summary: dict[str, Any]) -> ServiceShortfallOut | None:
    """The plan's shortfall section; plans made before it existed, or by staff-change events, have none."""
    block = summary.get("shortfall") if isinstance(summary, dict) else None
    return ServiceShortfallOut.model_validate(block) if isinstance(block, dict) else None


def advice_job_out(row: AdviceRow) -> AdviceJobOut:
    return AdviceJobOut(**_record(row), dataset_id=row.dataset_id, dataset_version=row.dataset_version)


def calendar_out(row: CalendarRow, dataset_id: str) -> CalendarOut:
    out = CalendarOut(**_record(row), plan_id=row.plan_id, dataset_id=dataset_id, request=row.request)
    if row.status != "succeeded" or row.summary is None:
        return out
    base = f"/api/v1/plans/{row.plan_id}/calendar"
    out.summary = row.summary
    out.managers = [
        CalendarManagerOut.model_validate({**m, "ics": f"{base}/{quote(m['manager_id'], safe='')}.ics"})
        for m in row.summary["managers"]
    ]
    out.shortfall = [ShortfallOut.model_validate(a) for a in row.summary["shortfall"]["accounts"]]
    out.visits = [VisitOut.model_validate(v) for v in row.visits or []]
    # Calendars stored before these fields existed have none: empty lists, not an error.
    horizon = row.summary["horizon"]
    out.days_off = [DayOffOut.model_validate(d) for d in horizon.get("days_off", [])]
    out.extra_working_days = [dt.date.fromisoformat(d) for d in horizon.get("extra_working_days", [])]
    if "joint_visits" in row.summary:  # account teams' joint visits (#19)
        out.joint_visits = JointVisitsOut.model_validate(row.summary["joint_visits"])
    return out

from __future__ import annotations

from fastapi import APIRouter, Response

from api.db import CalendarRow
from api.deps import ReadKey, ServicesDep, WriteKey
from api.routers.responses import Responses
from api.schemas import InputErrorOut
from api.schemas_calendar import CalendarIn, CalendarOut, CalendarStatus
from api.views import calendar_out

router = APIRouter(prefix="/plans/{plan_id}/calendar", tags=["visit calendars"])
NOT_FOUND: Responses = {404: {"description": "unknown plan, or no calendar yet"}}


@router.post(
    "",
    status_code=202,
    responses={
        **NOT_FOUND,
        409: {"description": "a calendar for this plan is already queued or running"},
        422: {"model": InputErrorOut, "description": "bad input; names the request field"},
    },
)
def build(
    plan_id: str, body: CalendarIn, services: ServicesDep, key: WriteKey, response: Response
) -> CalendarOut:
    """Plan dated, sequenced visits for every manager of the plan, as `planner calendar` does.
    The build runs in a worker (up to `time_limit_seconds`); poll the Location until its status
    is no longer queued or running."""
    row = services.calendars.submit(plan_id, body, key.name, key.workspace)
    response.headers["Location"] = f"/api/v1/plans/{plan_id}/calendar"
    return _out(row, services)


@router.get("", responses=NOT_FOUND)
def get_calendar(
    plan_id: str, services: ServicesDep, key: ReadKey, status: CalendarStatus | None = None
) -> CalendarOut:
    """The plan's latest calendar request (with `status`, the latest in that state, e.g. the last
    one that succeeded): its status, and once it succeeded the visits, the per-manager summary
    and the shortfalls."""
    return _out(services.calendars.latest(plan_id, key.workspace, status), services)


@router.delete("", responses=NOT_FOUND)
def cancel(plan_id: str, services: ServicesDep, key: WriteKey) -> CalendarOut:
    """Cancel the build under way, if any; the plan's latest calendar either way."""
    return _out(services.calendars.cancel(plan_id, key.workspace), services)


@router.get(
    "/{manager_id}.ics",
    response_class=Response,
    responses={
        200: {"content": {"text/calendar": {}}, "description": "RFC 5545, one event per visit"},
        404: {"description": "unknown plan or manager, or no finished calendar"},
        409: {"description": "the first calendar of this plan is still being built"},
    },
)
def ics(plan_id: str, manager_id: str, services: ServicesDep, key: ReadKey) -> Response:
    """One manager's visits for Outlook or Google Calendar, from the latest calendar that succeeded."""
    disposition, content = services.calendars.ics(plan_id, manager_id, key.workspace)
    return Response(
        content, media_type="text/calendar; charset=utf-8", headers={"Content-Disposition": disposition}
    )


def _out(row: CalendarRow, services: ServicesDep) -> CalendarOut:
    return calendar_out(row, services.plans.get(row.plan_id).dataset_id)

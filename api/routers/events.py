from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.deps import ReadKey, ServicesDep, WriteKey
from api.paging import Offset
from api.schemas import EventConflictOut, EventIn, EventOut, InputErrorOut

router = APIRouter(prefix="/datasets/{dataset_id}/events", tags=["staff-change events"])


@router.post(
    "",
    responses={
        404: {"description": "unknown data set"},
        409: {
            "model": EventConflictOut,
            "description": "infeasible, or the idempotency key was used for another event",
        },
        422: {"model": InputErrorOut},
    },
)
def post_event(
    dataset_id: str, body: EventIn, services: ServicesDep, key: WriteKey, response: Response
) -> EventOut:
    """Apply a staff change: a new data set version and plan derived from the current one with
    minimal disruption, and the diff. Sending the same event again returns the stored answer."""
    status, out = services.events.handle(dataset_id, body, key.name, key.workspace)
    response.status_code = status
    return out


@router.get("", responses={404: {"description": "unknown data set"}})
def audit_log(
    dataset_id: str,
    services: ServicesDep,
    key: ReadKey,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> list[EventOut]:
    """Who (API key name), when and what, oldest first, with each answer as given."""
    if services.store.dataset(dataset_id, workspace=key.workspace) is None:
        raise LookupError(f"data set {dataset_id!r} not found")
    return [EventOut.model_validate(e.response) for e in services.store.events(dataset_id, limit, offset)]

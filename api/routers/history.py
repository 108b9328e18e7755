"""A data set's history: which plan was in force when, who adopted it and how (the versions are
GET /datasets/{id}/versions, the staff-change events GET /datasets/{id}/events)."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import APIRouter, Query

from api.deps import ReadKey, ServicesDep
from api.paging import Offset
from api.routers.responses import NOT_FOUND
from api.schemas_history import AdoptionHow, AdoptionOut

router = APIRouter(prefix="/datasets/{dataset_id}", tags=["data sets"])


@router.get("/adoptions", responses=NOT_FOUND)
def adoptions(
    dataset_id: str,
    services: ServicesDep,
    key: ReadKey,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> list[AdoptionOut]:
    """Each change of the plan in force, oldest first: the plan, the one before, how (adopted by a
    person, made by a staff-change event or a solve asked to adopt, the first plan), who and when,
    and until when it was in force (null: it still is)."""
    if services.store.dataset(dataset_id, workspace=key.workspace) is None:
        raise LookupError(f"data set {dataset_id!r} not found")
    # One more row than asked: the last row's end is the next row's start.
    rows = services.store.adoptions(dataset_id, limit + 1, offset)
    out = []
    for i, (a, plan) in enumerate(rows[:limit]):
        following = rows[i + 1][0] if i + 1 < len(rows) else None
        out.append(
            AdoptionOut(
                plan_id=a.plan_id,
                plan_name=plan.name if plan else None,
                previous_plan_id=a.previous_plan_id,
                how=cast("AdoptionHow", a.how),  # the column holds only api.db.ADOPTION_HOW
                event_id=plan.event_id if plan else None,
                job_id=plan.job_id if plan else None,
                dataset_version=plan.dataset_version if plan else None,
                adopted_at=a.adopted_at,
                adopted_by=a.adopted_by,
                in_force_until=following.adopted_at if following else None,
            )
        )
    return out

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.auth import ApiKey
from api.db import JobRow
from api.deps import ReadKey, Services, ServicesDep, WriteKey
from api.paging import Offset
from api.routers.responses import INVALID, NOT_FOUND
from api.schemas import JobIn, JobOut, JobResultOut
from api.store import found
from api.views import job_out, plan_out

router = APIRouter(prefix="/jobs", tags=["solve jobs"])


@router.post("", status_code=202, responses={**INVALID, **NOT_FOUND})
def submit(body: JobIn, services: ServicesDep, key: WriteKey, response: Response) -> JobOut:
    row = services.jobs.submit(body, key.name, key.workspace)
    response.headers["Location"] = f"/api/v1/jobs/{row.id}"
    return job_out(row)


@router.get("")
def list_jobs(
    services: ServicesDep,
    key: ReadKey,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> list[JobOut]:
    return [job_out(r) for r in services.store.jobs(limit, offset, workspace=key.workspace)]


@router.get("/{job_id}", responses=NOT_FOUND)
def status(job_id: str, services: ServicesDep, key: ReadKey) -> JobOut:
    return job_out(_job(services, job_id, key))


@router.get("/{job_id}/result", responses={**NOT_FOUND, 409: {"description": "job not finished yet"}})
def result(job_id: str, services: ServicesDep, key: ReadKey, response: Response) -> JobResultOut:
    row = _job(services, job_id, key)
    plan = services.store.plan(row.plan_id, workspace=key.workspace) if row.plan_id else None
    if row.status in ("queued", "running"):
        response.status_code = 409
    dataset = services.store.dataset(row.dataset_id, workspace=key.workspace)
    current = dataset.current_plan_id if dataset else None
    return JobResultOut(
        job_id=row.id,
        status=row.status,  # type: ignore[arg-type]
        plan=plan_out(plan, current) if plan else None,
        reasons=list(row.reasons or []) + ([row.error] if row.error else []),
    )


@router.delete("/{job_id}", responses=NOT_FOUND)
def cancel(job_id: str, services: ServicesDep, key: WriteKey) -> JobOut:
    _job(services, job_id, key)
    services.jobs.cancel(job_id)
    return job_out(_job(services, job_id, key))


def _job(services: Services, job_id: str, key: ApiKey) -> JobRow:
    return found(services.store.job(job_id, workspace=key.workspace), f"job {job_id!r}")

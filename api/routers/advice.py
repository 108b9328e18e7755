"""Hire advice as a job: POST under the data set (202), then poll, read the result, or cancel."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.deps import ReadKey, ServicesDep, WriteKey
from api.routers.responses import FORBIDDEN, UNAUTHORIZED, Responses
from api.schemas import InputErrorOut
from api.schemas_scarcity import AdviceIn, AdviceJobOut, AdviceResultOut, HireAdviceOut
from api.views import advice_job_out

router = APIRouter(tags=["hire advice"])
UNKNOWN: Responses = {404: {"description": "unknown hire advice id"}}


@router.post(
    "/datasets/{dataset_id}/advise-hires",
    status_code=202,
    responses={
        202: {"description": "queued; poll the Location until its status is no longer queued or running"},
        **UNAUTHORIZED,
        **FORBIDDEN,
        404: {"description": "unknown data set, or no such version of it"},
        422: {
            "model": InputErrorOut,
            "description": "bad input: names the request field (a policy override, the solver settings)",
        },
    },
)
def submit(
    dataset_id: str, body: AdviceIn, services: ServicesDep, key: WriteKey, response: Response
) -> AdviceJobOut:
    """Which hires (region, seniority, language, capacity) would restore full service to the
    data set, as `planner advise-hires` finds them: the data is planned as it is, then again with
    each set of hires until every account gets full service; each hire is then taken out once
    and stays out if full service holds without it. Runs in a worker like a solve job, each plan
    within `solver.time_limit_seconds`, the whole within about `budget_seconds`."""
    row = services.advice.submit(dataset_id, body, key.name, key.workspace)
    response.headers["Location"] = f"/api/v1/advice/{row.id}"
    return advice_job_out(row)


@router.get("/advice/{advice_id}", responses={**UNAUTHORIZED, **UNKNOWN})
def status(advice_id: str, services: ServicesDep, key: ReadKey) -> AdviceJobOut:
    """The job's status: queued, running, succeeded, failed (with `error`) or cancelled."""
    return advice_job_out(services.advice.get(advice_id, key.workspace))


@router.get(
    "/advice/{advice_id}/result",
    responses={
        200: {"description": "the job has finished; `advice` is set when it succeeded"},
        **UNAUTHORIZED,
        **UNKNOWN,
        409: {"model": AdviceResultOut, "description": "the job is still queued or running"},
    },
)
def result(advice_id: str, services: ServicesDep, key: ReadKey, response: Response) -> AdviceResultOut:
    """The hires, what they restore (accounts, revenue), what stays short, in numbers and words,
    with the shortfall of the data as it is planned today."""
    row = services.advice.get(advice_id, key.workspace)
    if row.status in ("queued", "running"):
        response.status_code = 409
    return AdviceResultOut(
        advice_id=row.id,
        status=row.status,  # type: ignore[arg-type]
        advice=HireAdviceOut.model_validate(row.result) if row.status == "succeeded" and row.result else None,
        error=row.error,
    )


@router.delete("/advice/{advice_id}", responses={**UNAUTHORIZED, **FORBIDDEN, **UNKNOWN})
def cancel(advice_id: str, services: ServicesDep, key: WriteKey) -> AdviceJobOut:
    """Cancel the job if it is unfinished (a finished one stays as it is); its status either way."""
    return advice_job_out(services.advice.cancel(advice_id, key.workspace))

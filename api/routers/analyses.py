"""Attrition risk and policy sweeps as jobs (#21): POST under the data set (202), then poll the
analysis, read its rows (so far, while it runs), or cancel it.

The router owns its service: its lifespan (merged into the app's when the app includes it)
creates it on app.state after the app's own services and shuts it down first, stopping running
jobs and the local Dask cluster, so no worker process outlives the server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Request, Response

from api.deps import ReadKey, WriteKey
from api.routers.responses import INVALID, NOT_FOUND, Responses
from api.schemas_analyses import AnalysisOut, AnalysisResultOut, RobustnessIn, SweepIn
from api.services.analyses import AnalysisService


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    service = AnalysisService(app.state.services.store)
    app.state.analyses = service
    try:
        yield
    finally:
        service.shutdown()


router = APIRouter(tags=["attrition risk and sweeps"], lifespan=lifespan)


def get_analyses(request: Request) -> AnalysisService:
    return request.app.state.analyses


AnalysesDep = Annotated[AnalysisService, Depends(get_analyses)]
QUEUED: Responses = {
    202: {"description": "queued; poll the Location until its status is no longer queued or running"},
    404: {"description": "unknown data set, or no such version of it"},
    **INVALID,
}
RUNNING: Responses = {
    409: {"model": AnalysisResultOut, "description": "still queued or running: the rows so far"}
}


@router.post("/datasets/{dataset_id}/robustness", status_code=202, responses=QUEUED)
def submit_robustness(
    dataset_id: str, body: RobustnessIn, analyses: AnalysesDep, key: WriteKey, response: Response
) -> AnalysisOut:
    """Attrition risk, as `planner robustness`: one minimal-change re-plan of the plan in force
    (the data set's current plan, else its current managers) per manager leaving, or per pair;
    the result ranks them with a sentence each, and the bench strength."""
    job = analyses.submit_robustness(dataset_id, body, key.workspace)
    response.headers["Location"] = f"/api/v1/analyses/{job.id}"
    return job.out()


@router.post("/datasets/{dataset_id}/sweeps", status_code=202, responses=QUEUED)
def submit_sweep(
    dataset_id: str, body: SweepIn, analyses: AnalysesDep, key: WriteKey, response: Response
) -> AnalysisOut:
    """A policy sweep, as `planner sweep`: one solve per point of a grid or random sample over
    policy parameters; the result has value lost, balance, moves and travel per point and marks
    the Pareto set."""
    job = analyses.submit_sweep(dataset_id, body, key.workspace)
    response.headers["Location"] = f"/api/v1/analyses/{job.id}"
    return job.out()


@router.get("/analyses/{analysis_id}", responses=NOT_FOUND)
def status(analysis_id: str, analyses: AnalysesDep, key: ReadKey) -> AnalysisOut:
    """Status and progress: tasks finished (and failed) of all."""
    return analyses.get(analysis_id, key.workspace).out()


@router.get("/analyses/{analysis_id}/result", responses={**NOT_FOUND, **RUNNING})
def result(analysis_id: str, analyses: AnalysesDep, key: ReadKey, response: Response) -> AnalysisResultOut:
    """The rows: risk table and bench strength, or the sweep's points."""
    job = analyses.get(analysis_id, key.workspace)
    if job.status in ("queued", "running"):
        response.status_code = 409
    return job.result()


@router.delete("/analyses/{analysis_id}", responses=NOT_FOUND)
def cancel(analysis_id: str, analyses: AnalysesDep, key: WriteKey) -> AnalysisOut:
    """Cancel if unfinished (the rows so far are kept); the status either way."""
    return analyses.cancel(analysis_id, key.workspace).out()

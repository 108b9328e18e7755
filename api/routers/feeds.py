"""Calendar feeds (`api.services.feeds`): made, listed and revoked with a write or read key under
/api/v1; the feed itself at /feeds/{token}.ics, outside /api/v1, with no key (the token is one)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.deps import ReadKey, ServicesDep, WriteKey
from api.routers.responses import Responses
from api.schemas import InputErrorOut
from api.schemas_feeds import FeedCreatedOut, FeedIn, FeedOut
from api.services.feeds import FeedService

router = APIRouter(prefix="/datasets/{dataset_id}/calendar-feeds", tags=["visit calendars"])
public = APIRouter(tags=["visit calendars"])
NOT_FOUND: Responses = {404: {"description": "unknown data set or feed"}}
FEED_PATH = "/feeds/{token}.ics"


def _service(services: ServicesDep) -> FeedService:
    return FeedService(services.store, services.calendars)


@router.post(
    "",
    status_code=201,
    responses={**NOT_FOUND, 422: {"model": InputErrorOut, "description": "unknown manager_id"}},
)
def create(dataset_id: str, body: FeedIn, services: ServicesDep, key: WriteKey) -> FeedCreatedOut:
    """A secret subscription URL for one manager's visits, for Outlook, Google or Apple Calendar
    (they cannot send an API key). It serves the plan in force and follows re-plans. The URL is
    shown only in this answer; revoke the feed if it leaks, and make a new one."""
    row, token = _service(services).create(dataset_id, body.manager_id, key.name, key.workspace)
    return FeedCreatedOut(
        **FeedOut.model_validate(row, from_attributes=True).model_dump(), url=f"/feeds/{token}.ics"
    )


@router.get("", responses=NOT_FOUND)
def list_feeds(dataset_id: str, services: ServicesDep, key: ReadKey) -> list[FeedOut]:
    """The data set's feeds, revoked ones too, without their URLs."""
    return [
        FeedOut.model_validate(r, from_attributes=True)
        for r in _service(services).feeds(dataset_id, key.workspace)
    ]


@router.delete("/{feed_id}", responses=NOT_FOUND)
def revoke(dataset_id: str, feed_id: str, services: ServicesDep, key: WriteKey) -> FeedOut:
    """Revoke a feed: its URL answers 404 from now on. Revoking again changes nothing."""
    return FeedOut.model_validate(
        _service(services).revoke(dataset_id, feed_id, key.workspace), from_attributes=True
    )


@public.get(
    FEED_PATH,
    response_class=Response,
    responses={
        200: {"content": {"text/calendar": {}}, "description": "RFC 5545, one event per visit"},
        404: {"description": "unknown or revoked feed, or no calendar for the plan in force"},
        409: {"description": "the first calendar of the plan in force is still being built"},
    },
)
def feed(token: str, services: ServicesDep) -> Response:
    """A manager's visits in the plan in force, from its latest calendar that succeeded. No API
    key: the secret token in the URL is the credential."""
    disposition, content = _service(services).ics(token)
    return Response(
        content,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": disposition, "Cache-Control": "private, max-age=300"},
    )

"""Request and response bodies of calendar feeds (api.routers.feeds)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class FeedIn(BaseModel):
    manager_id: str = Field(
        min_length=1, max_length=100, description="the manager whose visits the feed serves"
    )


class FeedOut(BaseModel):
    id: str
    dataset_id: str
    manager_id: str
    created_at: datetime
    created_by: str
    revoked_at: datetime | None = Field(description="set once the feed is revoked: its URL then answers 404")


class FeedCreatedOut(FeedOut):
    url: str = Field(
        description="the subscription URL (path on this server); the only time it is shown: keep it secret"
    )

"""Request and response bodies of the workspace webhook (api.routers.webhooks)."""

from __future__ import annotations

from datetime import datetime

from pydantic import AnyHttpUrl, BaseModel, Field


class WebhookIn(BaseModel):
    url: AnyHttpUrl = Field(description="http(s) URL the planner posts to when a plan is adopted")
    secret: str = Field(
        min_length=16,
        max_length=200,
        description="shared secret: each body is signed with HMAC-SHA256, header X-Planner-Signature",
    )


class WebhookOut(BaseModel):
    url: str
    created_at: datetime
    created_by: str

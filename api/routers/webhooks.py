"""The workspace's webhook (`api.services.webhooks`): set, read and removed with its keys."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.deps import ReadKey, ServicesDep, WriteKey
from api.routers.responses import Responses
from api.schemas import InputErrorOut
from api.schemas_webhooks import WebhookIn, WebhookOut

router = APIRouter(prefix="/webhook", tags=["webhook"])
NONE: Responses = {404: {"description": "this workspace has no webhook"}}


@router.put("", responses={422: {"model": InputErrorOut}})
def set_webhook(body: WebhookIn, services: ServicesDep, key: WriteKey) -> WebhookOut:
    """Where to POST when a plan is adopted in this workspace (PUT current-plan, or a staff-change
    event that re-planned): JSON with every account whose manager changed, signed with HMAC-SHA256
    of the body under `secret` in `X-Planner-Signature: sha256=<hex>`; retried with backoff."""
    row = services.webhooks.set(key.workspace, str(body.url), body.secret, key.name)
    return WebhookOut.model_validate(row, from_attributes=True)


@router.get("", responses=NONE)
def get_webhook(services: ServicesDep, key: ReadKey) -> WebhookOut:
    """The workspace's webhook URL (never its secret)."""
    return WebhookOut.model_validate(services.webhooks.get(key.workspace), from_attributes=True)


@router.delete("", status_code=204, responses=NONE)
def delete_webhook(services: ServicesDep, key: WriteKey) -> Response:
    """No more posts on adoption."""
    services.webhooks.delete(key.workspace)
    return Response(status_code=204)

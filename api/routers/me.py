"""Who the API key is: its name, scope and workspace, so the dashboard shows a read-only key no write controls."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import ReadKey
from api.routers.responses import UNAUTHORIZED

router = APIRouter(tags=["keys"])


class MeOut(BaseModel):
    name: str = Field(description="the key's name in PLANNER_API_KEYS (never the key itself)")
    scope: Literal["read", "write"] = Field(description="`write` may also read")
    can_write: bool = Field(description="whether uploads, solves, events and adopting a plan are allowed")
    workspace: str = Field(description="the workspace whose data sets and plans the key sees")


@router.get(
    "/me",
    responses={200: {"description": "the key's name and scope"}, **UNAUTHORIZED},
)
def me(key: ReadKey) -> MeOut:
    """The key sent in X-API-Key: its name, scope and workspace. Any valid key may ask (read is enough)."""
    return MeOut(name=key.name, scope=key.scope, can_write=key.allows("write"), workspace=key.workspace)

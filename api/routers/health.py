from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from api.deps import ServicesDep

router = APIRouter(tags=["health"])


@router.get("/health")
def health(services: ServicesDep) -> dict[str, str]:
    """Liveness plus a database round trip; needs no API key."""
    with services.store.session() as s:
        s.execute(text("SELECT 1"))
    return {"status": "ok"}

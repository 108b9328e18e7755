"""FastAPI dependencies: the services built once per app (on app.state), and the API key check."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import APIKeyHeader

from api.auth import ApiKey, Scope, find_key
from api.services.advice import AdviceService
from api.services.calendars import CalendarService
from api.services.datasets import DatasetCache
from api.services.events import EventService
from api.services.jobs import JobService
from api.services.plans import PlanService
from api.services.webhooks import WebhookService
from api.settings import Settings
from api.store import Store


@dataclass(frozen=True)
class Services:
    settings: Settings
    store: Store
    cache: DatasetCache
    jobs: JobService
    plans: PlanService
    events: EventService
    calendars: CalendarService
    advice: AdviceService
    webhooks: WebhookService


def get_services(request: Request) -> Services:
    return request.app.state.services


ServicesDep = Annotated[Services, Depends(get_services)]

_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="API key; scope read or write")


def _require(scope: Scope) -> Callable[..., ApiKey]:
    def check(services: ServicesDep, presented: Annotated[str | None, Security(_header)]) -> ApiKey:
        if not presented:
            raise HTTPException(
                401, "missing API key (header X-API-Key)", headers={"WWW-Authenticate": "API-Key"}
            )
        key = find_key(services.settings.api_keys, presented)
        if key is None:
            raise HTTPException(401, "unknown API key", headers={"WWW-Authenticate": "API-Key"})
        if not key.allows(scope):
            raise HTTPException(403, f"API key {key.name!r} has scope {key.scope!r}; this needs {scope!r}")
        return key

    return check


require_read = _require("read")
require_write = _require("write")  # api.routers.responses finds the operations needing it by identity
ReadKey = Annotated[ApiKey, Depends(require_read)]
WriteKey = Annotated[ApiKey, Depends(require_write)]

"""The application factory. Everything stateful (engine, pool, caches, locks) is created here
per app and hangs off app.state, so tests can run several apps side by side."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api import dashboard, errors
from api.db import make_engine, make_sessions
from api.deps import Services
from api.limits import BodySizeLimit
from api.migrate import upgrade
from api.routers import (
    advice,
    analyses,
    calendars,
    datasets,
    events,
    feeds,
    health,
    history,
    jobs,
    me,
    plans,
    responses,
    skills,
)
from api.routers import (
    webhooks as webhook_router,
)
from api.services.advice import AdviceService
from api.services.calendars import CalendarService
from api.services.datasets import DatasetCache
from api.services.events import EventService
from api.services.jobs import JobService
from api.services.plans import PlanService
from api.services.webhooks import WebhookService
from api.settings import Settings
from api.store import Store
from planner import __version__

log = logging.getLogger(__name__)

RESTART_REASON = "the server stopped while this job was queued or running; submit it again"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.database_url)
        upgrade(engine)  # the schema to head: a new database, or one an older release made
        store = Store(make_sessions(engine))
        # No worker survives a restart, so a job still marked active can never finish.
        failed = store.fail_unfinished(RESTART_REASON)
        if failed:
            log.warning("marked %d unfinished job(s) failed after a restart", failed)
        if not settings.api_keys:
            log.warning(
                "no API keys configured (PLANNER_API_KEYS / PLANNER_API_KEYS_FILE): every request will get 401"
            )
        cache = DatasetCache()
        job_service = JobService(store, settings.database_url, settings.solve_workers)
        plan_service = PlanService(store, cache)
        webhooks = WebhookService(store)
        app.state.services = Services(
            settings=settings,
            store=store,
            cache=cache,
            jobs=job_service,
            plans=plan_service,
            events=EventService(
                store,
                cache,
                settings.event_time_limit_seconds,
                webhooks.plan_adopted,
                settings.event_max_seconds,
            ),
            calendars=CalendarService(store, plan_service, job_service),
            advice=AdviceService(store, job_service),
            webhooks=webhooks,
        )
        try:
            yield
        finally:
            job_service.shutdown()
            engine.dispose()

    app = FastAPI(
        title="Key-account planner API",
        version=__version__,
        description="Data sets, solve jobs, plans, visit calendars, staff-change events and hire advice. Send an API key in X-API-Key.",
        lifespan=lifespan,
    )
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    errors.install(app)
    app.include_router(health.router)
    for module in (
        datasets,
        history,
        jobs,
        plans,
        calendars,
        feeds,
        events,
        advice,
        skills,
        analyses,
        webhook_router,
    ):
        responses.document_common(module.router)
        app.include_router(module.router, prefix="/api/v1")
    app.include_router(me.router, prefix="/api/v1")  # the key's name and scope, for the dashboard
    app.include_router(feeds.public)  # calendar subscriptions: the URL's secret token is the key
    app.include_router(dashboard.router)  # the offline dashboard at /, over the same JSON API
    return app

"""Map the library's errors to HTTP: bad input -> 422 naming file/row/column, unknown id -> 404,
infeasible -> 409 with the reasons, a calendar still being built -> 409. Nothing a user can
cause becomes a 500."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from api.services.calendars import CalendarConflict
from api.services.events import EventConflict
from planner.errors import InfeasibleError, InputError


def install(app: FastAPI) -> None:
    @app.exception_handler(InputError)
    async def _input(_: Request, exc: InputError) -> JSONResponse:
        problems = [
            {"file": p.file, "row": p.row, "column": p.column, "message": p.message} for p in exc.problems
        ]
        return JSONResponse({"detail": str(exc), "problems": problems}, status_code=422)

    @app.exception_handler(LookupError)
    async def _missing(_: Request, exc: LookupError) -> JSONResponse:
        return JSONResponse({"detail": str(exc.args[0]) if exc.args else "not found"}, status_code=404)

    @app.exception_handler(InfeasibleError)
    async def _infeasible(_: Request, exc: InfeasibleError) -> JSONResponse:
        return JSONResponse({"detail": "infeasible", "reasons": exc.reasons}, status_code=409)

    @app.exception_handler(EventConflict)
    async def _conflict(_: Request, exc: EventConflict) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=409)

    @app.exception_handler(CalendarConflict)
    async def _calendar_busy(_: Request, exc: CalendarConflict) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=409)

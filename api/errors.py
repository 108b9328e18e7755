"""Map the library's errors to HTTP: bad input -> 422 naming file/row/column, unknown id -> 404,
infeasible -> 409 with the reasons, a calendar still being built -> 409. Nothing a user can
cause becomes a 500."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from api.jsonsafe import finite
from api.services.calendars import CalendarConflict
from api.services.events import EventConflict
from planner.errors import InfeasibleError, InputError

log = logging.getLogger(__name__)


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's own answer, except that the echoed input may hold Infinity or NaN (Python's
        # JSON reader takes them), which no JSON response can carry: it was a 500.
        return JSONResponse({"detail": finite(jsonable_encoder(exc.errors()))}, status_code=422)

    @app.exception_handler(InputError)
    async def _input(_: Request, exc: InputError) -> JSONResponse:
        problems = [
            {"file": p.file, "row": p.row, "column": p.column, "message": p.message} for p in exc.problems
        ]
        return JSONResponse({"detail": str(exc), "problems": problems}, status_code=422)

    @app.exception_handler(LookupError)
    async def _missing(_: Request, exc: LookupError) -> JSONResponse:
        # Only the API's own LookupError means a missing resource. A KeyError or IndexError from
        # deeper down is a bug, not an unknown id: answering 404 with the key hid it (#16).
        if type(exc) is not LookupError:
            log.error("unexpected %s", type(exc).__name__, exc_info=exc)
            return JSONResponse({"detail": "internal error; the server log has the details"}, status_code=500)
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

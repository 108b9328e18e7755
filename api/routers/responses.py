"""Extra responses the routers declare for the OpenAPI schema, typed as FastAPI wants them, and
the ones every operation shares, added to each router before the app includes it (`document_common`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from api.deps import require_read, require_write
from api.schemas import InputErrorOut, UnprocessableOut

Responses = dict[int | str, dict[str, Any]]

NOT_FOUND: Responses = {404: {"description": "unknown id"}}
BAD_INPUT: Responses = {422: {"model": InputErrorOut, "description": "bad input; names file, row and column"}}
INVALID: Responses = {422: {"model": InputErrorOut}}
UNAUTHORIZED: Responses = {401: {"description": "missing or unknown API key (header X-API-Key)"}}
FORBIDDEN: Responses = {403: {"description": "the API key's scope is read; this needs write"}}
UNPARSABLE: Responses = {400: {"description": "the body could not be parsed (not JSON, or not form data)"}}
TOO_LARGE: Responses = {413: {"description": "the request body is larger than PLANNER_MAX_BODY_BYTES"}}


def document_common(router: APIRouter) -> None:
    """Declare on every operation what it answers whichever router it is in: 401 and 403 where
    a key is checked, 400 and 413 where there is a body, and a 422 whose schema is both shapes a 422 may
    have (FastAPI's field list for a request that does not match the document, or the
    InputErrorOut of bad data) so that responses validate against the document."""
    for route in router.routes:
        if not isinstance(route, APIRoute):
            continue
        calls = set(_calls(route.dependant))
        if require_read in calls or require_write in calls:
            route.responses.setdefault(401, UNAUTHORIZED[401])
        if require_write in calls:
            route.responses.setdefault(403, FORBIDDEN[403])
        if route.body_field is not None:
            route.responses.setdefault(400, UNPARSABLE[400])
            route.responses.setdefault(413, TOO_LARGE[413])
        if route.body_field is not None or route.dependant.path_params or route.dependant.query_params:
            described = route.responses.get(422, {}).get("description", "the request or its data are invalid")
            route.responses[422] = {"model": UnprocessableOut, "description": described}


def _calls(dependant: Dependant) -> list[Any]:
    found = []
    for sub in dependant.dependencies:
        found.append(sub.call)
        found += _calls(sub)
    return found

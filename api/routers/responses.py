"""Extra responses the routers declare for the OpenAPI schema, typed as FastAPI wants them."""

from __future__ import annotations

from typing import Any

from api.schemas import InputErrorOut

Responses = dict[int | str, dict[str, Any]]

NOT_FOUND: Responses = {404: {"description": "unknown id"}}
BAD_INPUT: Responses = {422: {"model": InputErrorOut, "description": "bad input; names file, row and column"}}
INVALID: Responses = {422: {"model": InputErrorOut}}
UNAUTHORIZED: Responses = {401: {"description": "missing or unknown API key (header X-API-Key)"}}
FORBIDDEN: Responses = {403: {"description": "the API key's scope is read; this needs write"}}

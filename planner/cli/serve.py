"""`planner serve`: the HTTP API under uvicorn. Settings come from the environment
(DATABASE_URL, PLANNER_API_KEYS or PLANNER_API_KEYS_FILE, PLANNER_MAX_BODY_BYTES, ...)."""

from __future__ import annotations

import logging
from typing import Annotated

import typer
from rich.markup import escape

from planner.cli.common import EXIT_BAD_INPUT, err_console
from planner.cli.root import app


@app.command("serve")
def serve_command(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="TCP port.")] = 8000,
    log_level: Annotated[str, typer.Option("--log-level", help="debug, info, warning or error.")] = "info",
) -> None:
    """Serve the API: OpenAPI docs at /docs, health at /health, resources under /api/v1."""
    # Imported here so the other commands do not pay for the web stack.
    import uvicorn

    from api.app import create_app
    from api.settings import Settings

    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = Settings.from_env()
    except (ValueError, OSError) as exc:
        # A malformed key entry, a number that is not one, a keys file that cannot be read: the
        # message names the variable and entry (never the key), and the server does not start.
        err_console.print(
            f"[bold red]Error[/]: {escape(str(exc))}", highlight=False, soft_wrap=True, emoji=False
        )
        raise typer.Exit(EXIT_BAD_INPUT) from None
    # uvicorn's access log holds paths and status codes only; X-API-Key is a header and never logged.
    uvicorn.run(create_app(settings), host=host, port=port, log_level=log_level)

"""The typer application the command modules register their commands on.

A leaf: the command modules import `app` from here and `planner.cli.app` imports them (to
register them) and runs it, so the imports inside `planner.cli` point one way.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="planner",
    help="Key-account planner: tiering, account-to-manager assignment, visit calendars.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

"""The typer application; command modules register themselves on import below."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="planner",
    help="Key-account planner: tiering, account-to-manager assignment, visit calendars.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def main() -> None:
    _register()
    app()


def _register() -> None:
    # Imported for their side effect of adding commands to `app`; kept here, not at module
    # top, so `import planner.cli` stays cheap and free of cycles.
    from planner.cli import advise, assign, bench, calendar, generate, scenario, serve  # noqa: F401

    # The PVRP yardstick is the calendar engine's; it sits beside `bench gap` under `planner bench`.
    bench.bench.command("pvrp")(calendar.pvrp_command)

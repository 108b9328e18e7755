"""The `planner` command: the typer application (`planner.cli.root`) with every command module registered."""

from __future__ import annotations

from planner.cli.root import app


def main() -> None:
    _register()
    app()


def _register() -> None:
    # Imported for their side effect of adding commands to `app`; kept here, not at module
    # top, so `import planner.cli` stays cheap. The command modules import `app` from
    # `planner.cli.root`, never from here, so there is no cycle either way.
    from planner.cli import (  # noqa: F401
        advise,
        assign,
        bench,
        calendar,
        generate,
        robustness,
        scenario,
        serve,
        skills,
        sweep,
    )

    # The PVRP yardstick is the calendar engine's; it sits beside `bench gap` under `planner bench`.
    bench.bench.command("pvrp")(calendar.pvrp_command)

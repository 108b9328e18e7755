"""`planner generate`: write a seeded, realistic managers.csv + accounts.csv pair."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from planner.cli.app import app
from planner.generator import REGIONS, default_n_regions, generate, write_csv


@app.command("generate")
def generate_command(
    accounts: Annotated[int, typer.Option("--accounts", min=1, help="Number of accounts.")],
    managers: Annotated[int, typer.Option("--managers", min=2, help="Number of managers, leavers included.")],
    out: Annotated[
        Path, typer.Option("--out", help="Directory to write managers.csv and accounts.csv into.")
    ],
    seed: Annotated[int, typer.Option("--seed", help="Random seed; the same seed gives the same files.")] = 7,
    regions: Annotated[
        int | None,
        typer.Option(
            "--regions",
            min=1,
            max=len(REGIONS),
            help="Number of regions (default: managers / 3, between 2 and 12).",
        ),
    ] = None,
) -> None:
    """Generate a realistic data set (see planner/generator.py for the model)."""
    n_regions = regions if regions is not None else default_n_regions(managers)
    try:
        dataset = generate(accounts, managers, seed=seed, n_regions=n_regions)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    write_csv(dataset, out)
    typer.echo(
        f"wrote {accounts} accounts and {managers} managers ({n_regions} regions, seed {seed}) "
        f"to {out / 'accounts.csv'} and {out / 'managers.csv'}"
    )

"""`planner generate`: write a seeded, realistic managers.csv + accounts.csv pair."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from planner.cli.common import user_errors
from planner.cli.output import output_folder
from planner.cli.root import app
from planner.generator import (
    MAX_CAPACITY_HOURS,
    REALISTIC_DEMAND_RATIO,
    REGIONS,
    WIDE_SPREAD_KM,
    WORKING_MONTH_HOURS,
    default_n_regions,
    generate,
    region_table,
    write_csv,
)
from planner.io.crm_export import write_crm_export


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
            help="Number of regions (default: managers / 3, between 2 and 12; 8 with --wide-regions).",
        ),
    ] = None,
    demand: Annotated[
        float | None,
        typer.Option(
            "--demand",
            min=0.01,
            help="Each region's workload over its capacity, e.g. 1.2 for a fifth more work than hours "
            "(default: 0.72-0.78).",
        ),
    ] = None,
    wide_regions: Annotated[
        bool,
        typer.Option(
            "--wide-regions", help=f"Regions whose cities are at least {WIDE_SPREAD_KM:.0f} km apart."
        ),
    ] = False,
    clustered_managers: Annotated[
        bool,
        typer.Option(
            "--clustered-managers",
            help="Managers live only in their region's one or two biggest cities; accounts in all of them.",
        ),
    ] = False,
    realistic: Annotated[
        bool,
        typer.Option(
            "--realistic",
            help="More work than hours: --wide-regions --clustered-managers, and a demand drawn per region "
            f"from {REALISTIC_DEMAND_RATIO[0]}-{REALISTIC_DEMAND_RATIO[1]} unless --demand is given.",
        ),
    ] = False,
    max_capacity: Annotated[
        float | None,
        typer.Option(
            "--max-capacity",
            help="Most hours a month any manager gets (default 744; with --realistic a working month, "
            f"{WORKING_MONTH_HOURS:.0f} h, so the calendar can hold what the assignment plans).",
        ),
    ] = None,
    crm_export: Annotated[
        bool,
        typer.Option(
            "--crm-export",
            help="Also write the data as a CRM exports it, into OUT/crm-export: GBK CSVs with Chinese "
            "headers, and .xlsx files with CRM-English headers and formula cells (planner/io/crm_export.py).",
        ),
    ] = False,
) -> None:
    """Generate a realistic data set (see planner/generator.py for the model)."""
    demand_ratio = REALISTIC_DEMAND_RATIO if realistic and demand is None else demand
    spread_km = WIDE_SPREAD_KM if wide_regions or realistic else None
    n_regions = regions if regions is not None else default_n_regions(managers, len(region_table(spread_km)))
    try:
        dataset = generate(
            accounts,
            managers,
            seed=seed,
            n_regions=n_regions,
            demand_ratio=demand_ratio,
            spread_km=spread_km,
            managers_in_big_cities=clustered_managers or realistic,
            max_capacity_hours=(
                max_capacity
                if max_capacity is not None
                else WORKING_MONTH_HOURS
                if realistic
                else MAX_CAPACITY_HOURS
            ),
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    # Refused unless new, empty or written by `generate` before; replaced whole (planner.io.outdir).
    with user_errors(), output_folder(out, "generated") as target, target.replace() as scratch:
        write_csv(dataset, scratch)
        if crm_export:
            for xlsx in (False, True):
                write_crm_export(
                    scratch / "accounts.csv",
                    scratch / "managers.csv",
                    scratch / "crm-export",
                    seed=seed,
                    xlsx=xlsx,
                )
    typer.echo(
        f"wrote {accounts} accounts and {managers} managers ({n_regions} regions, seed {seed}) "
        f"to {out / 'accounts.csv'} and {out / 'managers.csv'}"
    )
    if crm_export:
        typer.echo(
            f"wrote the same data as a CRM export: {out / 'crm-export'}/{{accounts,managers}}.{{csv,xlsx}}"
        )

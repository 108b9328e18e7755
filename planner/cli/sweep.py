"""`planner sweep`: one solve per point of a grid or random sample over policy parameters."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from planner.cli.common import EXIT_INTERRUPTED, console, err_console, user_errors
from planner.cli.distributed import ClusterOpt, RetriesOpt, SerialOpt, WorkersOpt, engine_of, progress_line
from planner.cli.root import app


@app.command("sweep")
def sweep_command(
    file: Annotated[
        Path, typer.Argument(help="Sweep YAML: a scenario plus a sweep: block (see planner/sweep/spec.py)")
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for sweep.csv, pareto.png/.svg, points.jsonl")
    ],
    workers: WorkersOpt = 2,
    serial: SerialOpt = False,
    cluster: ClusterOpt = None,
    retries: RetriesOpt = 2,
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
) -> None:
    """Solve the scenario once per point; a table of value lost, balance, moves and travel, and
    the Pareto chart of them."""
    from planner.scenario.resolve import resolve_scenario
    from planner.sweep import SweepBase, expand, load_sweep, run_sweep, write_report

    with user_errors():
        spec = load_sweep(file)
        resolved = resolve_scenario(spec.scenario, file.resolve().parent, file.name)
        points = expand(spec.sweep)
        base = SweepBase(resolved.dataset, spec.scenario.solver)
        engine = engine_of(workers, serial, cluster, retries)
        out.mkdir(parents=True, exist_ok=True)
        err_console.print(
            f"{len(points)} point(s) of {spec.scenario.name}, {engine.describe()}; rows go to {out / 'points.jsonl'}",
            highlight=False,
        )
        with progress_line("solving", len(points), quiet) as on_done:
            run = run_sweep(base, points, engine, out=out, on_done=on_done)
        record = {
            "file": str(file),
            "sweep": spec.sweep.model_dump(mode="json"),
            "solver": spec.scenario.solver.model_dump(mode="json"),
            "engine": engine.describe(),
        }
        summary = write_report(out, run, record)
    if not quiet:
        _print_front(out)
    console.print(
        f"{summary['finished']} of {summary['points']} points in {summary['timing']['wall_seconds']:.1f} s, "
        f"{len(summary['pareto'])} on the Pareto set. Wrote sweep.csv, pareto.png/.svg, summary.json to {out}",
        highlight=False,
    )
    if run.failed:
        err_console.print(f"[yellow]{len(run.failed)} point(s) failed[/]; see summary.json", highlight=False)
    if run.interrupted:
        err_console.print("Interrupted: the table holds the points that finished.", highlight=False)
        raise typer.Exit(EXIT_INTERRUPTED)


def _print_front(out: Path) -> None:
    import csv

    with (out / "sweep.csv").open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["pareto"] == "True"]
    if not rows:
        return
    params = [c for c in rows[0] if c.startswith("param:")]
    table = Table(title="Pareto set: no other point is better on all four")
    for column in (
        "point",
        *(p.removeprefix("param:") for p in params),
        "value lost",
        "spread",
        "moves",
        "travel h",
    ):
        table.add_column(column, justify="right")
    for r in rows:
        table.add_row(
            r["point"],
            *(r[p] for p in params),
            f"{float(r['value_lost']):,.1f}",
            f"{float(r['utilisation_spread']):.1%}",
            r["voluntary_moves"],
            f"{float(r['travel_hours']):,.1f}",
        )
    console.print(table)

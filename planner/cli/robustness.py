"""`planner robustness`: what happens to the plan in force if any manager (or any two) leaves."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from planner.cli.common import EXIT_INTERRUPTED, console, err_console, load_context, user_errors
from planner.cli.distributed import ClusterOpt, RetriesOpt, SerialOpt, WorkersOpt, engine_of, progress_line
from planner.cli.root import app
from planner.models import Dataset, Plan


@app.command("robustness")
def robustness_command(
    data: Annotated[
        Path,
        typer.Argument(
            help="A plan directory from `planner assign` (its plan is the plan in force), or a folder with "
            "accounts.csv, managers.csv and optionally policy.yaml (the current managers are the plan in force)."
        ),
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for risk.csv, bench.csv, charts, results.jsonl")
    ],
    leavers: Annotated[
        int, typer.Option("--leavers", min=1, max=2, help="1: each manager leaves; 2: pairs")
    ] = 1,
    sample: Annotated[
        int | None, typer.Option("--sample", min=1, help="Only this many leaver sets, drawn with --seed")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the --sample draw")] = 0,
    max_moves: Annotated[
        int,
        typer.Option(
            "--max-moves", min=0, help="Voluntary moves each re-plan may make (as a staff-change event)"
        ),
    ] = 20,
    time_limit: Annotated[float, typer.Option("--time-limit", min=0.01, help="Seconds per re-plan")] = 0.8,
    deterministic: Annotated[
        bool,
        typer.Option(
            "--deterministic",
            help="Re-plans that repeat exactly: CP-SAT on one worker, --time-limit counted as work done, not seconds.",
        ),
    ] = False,
    workers: WorkersOpt = 2,
    serial: SerialOpt = False,
    cluster: ClusterOpt = None,
    retries: RetriesOpt = 2,
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
) -> None:
    """One minimal-change re-plan per leaver (or pair): accounts and value left uncovered, moves,
    utilisation after; ranked into a risk table with the bench strength and charts."""
    from planner.robustness import ReplanSettings, baseline, leaver_sets, run_robustness, write_report

    with user_errors():
        dataset, plan, source = _plan_in_force(data)
        engine = engine_of(workers, serial, cluster, retries)
        settings = ReplanSettings(
            max_moves=max_moves, time_limit_seconds=time_limit, deterministic=deterministic
        )
        base = baseline(dataset, plan, settings)
        sets = leaver_sets(base.dataset, leavers, sample, seed)
        out.mkdir(parents=True, exist_ok=True)
        err_console.print(
            f"{len(sets)} re-plan(s) of {source}, {engine.describe()}; rows go to {out / 'results.jsonl'}",
            highlight=False,
        )
        with progress_line("re-planning", len(sets), quiet) as on_done:
            run = run_robustness(base, sets, engine, out=out, on_done=on_done)
        record = {
            "data": str(data),
            "plan_in_force": source,
            "leavers": leavers,
            "sample": sample,
            "seed": seed,
            "max_moves": max_moves,
            "time_limit_seconds": time_limit,
            "deterministic": deterministic,
            "engine": engine.describe(),
        }
        summary = write_report(out, base, run, record)
    if not quiet:
        _print_top(out)
    timing = summary["timing"]
    console.print(
        f"{summary['finished']} of {summary['leaver_sets']} re-plans in {timing['wall_seconds']:.1f} s "
        f"({summary['at_risk']} leave accounts uncovered; {summary['thin_cells']} bench cells rest on one person). "
        f"Wrote risk.csv, bench.csv, risk.png/.svg, bench.png/.svg, summary.json to {out}",
        highlight=False,
    )
    if run.failed:
        err_console.print(
            f"[yellow]{len(run.failed)} re-plan(s) failed[/]; see summary.json", highlight=False
        )
    if run.interrupted:
        err_console.print("Interrupted: the tables hold the re-plans that finished.", highlight=False)
        raise typer.Exit(EXIT_INTERRUPTED)


def _plan_in_force(data: Path) -> tuple[Dataset, Plan | None, str]:
    """(data, plan in force or None for the current managers, where they came from)."""
    if (data / "plan.csv").is_file():
        from planner.compare import load_source

        source = load_source(data)
        return source.ctx.dataset, source.plan, f"the plan in {data}"
    accounts = _one_of(data, "accounts")
    managers = _one_of(data, "managers")
    policy = data / "policy.yaml"
    ctx = load_context(accounts, managers, policy if policy.is_file() else None)
    return ctx.dataset, None, f"the current managers in {data}"


def _one_of(folder: Path, stem: str) -> Path:
    for suffix in (".csv", ".xlsx"):
        if (folder / f"{stem}{suffix}").is_file():
            return folder / f"{stem}{suffix}"
    raise ValueError(
        f"{folder}: no plan.csv, and no {stem}.csv or {stem}.xlsx (give a plan or a data folder)"
    )


def _print_top(out: Path, count: int = 10) -> None:
    import csv

    with (out / "risk.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))[:count]
    table = Table(title=f"Attrition risk, the {len(rows)} most costly leavers", show_lines=False)
    for column in ("rank", "names", "held", "uncovered", "value uncovered", "moves", "fullest after"):
        table.add_column(column, justify="left" if column == "names" else "right")
    for r in rows:
        table.add_row(
            r["rank"],
            escape(r["names"]),
            r["accounts_held"],
            r["uncovered"],
            f"{float(r['value_uncovered']):,.0f}",
            str(int(r["forced_moves"]) + int(r["voluntary_moves"])),
            f"{float(r['utilisation_max']):.0%}",
        )
    console.print(table)
    for r in rows[:3]:
        console.print(f"  {escape(r['risk'])}", highlight=False, soft_wrap=True)

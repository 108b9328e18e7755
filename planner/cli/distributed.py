"""What `planner robustness` and `planner sweep` share: where the tasks run, and the progress line."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from planner.cli.common import err_console
from planner.distributed import Done, Engine

WorkersOpt = Annotated[
    int,
    typer.Option(
        "--workers",
        min=0,
        help="Worker processes of the local Dask cluster; 0 runs every task in this process, one after another.",
    ),
]
SerialOpt = Annotated[
    bool, typer.Option("--serial", help="The same as --workers 0: no Dask, in this process.")
]
ClusterOpt = Annotated[
    str | None,
    typer.Option(
        "--cluster",
        help="Address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786 (its workers run the tasks).",
    ),
]
RetriesOpt = Annotated[int, typer.Option("--retries", min=0, help="Further attempts for a task that fails.")]


def engine_of(workers: int, serial: bool, cluster: str | None, retries: int) -> Engine:
    if serial and cluster:
        raise ValueError("--serial and --cluster exclude each other")
    return Engine(workers=0 if serial else workers, cluster=cluster, retries=retries)


@contextmanager
def progress_line(what: str, total: int, quiet: bool) -> Iterator[Any]:
    """A callback for the run's `on_done`: a bar with finished / total, and failures as they happen."""
    if quiet:
        yield None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task(what, total=total)

        def on_done(done: Done[Any, Any], finished: int, _total: int) -> None:
            bar.update(task, completed=finished)
            if not done.ok:
                bar.console.print(f"[yellow]failed[/] {done.key}: {done.error}", highlight=False)

        yield on_done

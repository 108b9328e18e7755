"""`planner bench gap FILE...`: benchmark the assignment engine on GAP instance files.

Each file is read in either layout (OR-Library `gapK.txt` with several problems, or one
Yagiura problem per file), turned into the planner's `AssignmentProblem` and solved by the
engine backend; `--peers` also runs the textbook model on plain CP-SAT and on HiGHS at the
same limit. Best-known values come from `best_known.csv` beside the files' folder (or
`--best-known`).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Annotated

import typer

from planner.cli.root import app

bench = typer.Typer(help="Benchmarks: run the solvers on public instance sets.", no_args_is_help=True)
app.add_typer(bench, name="bench")

log = logging.getLogger(__name__)


def _find_best_known(files: list[Path]) -> Path | None:
    # The shared layout is gap/{orlib,yagiura}/FILE with gap/best_known.csv.
    for f in files:
        for parent in list(f.resolve().parents)[:3]:
            candidate = parent / "best_known.csv"
            if candidate.exists():
                return candidate
    return None


@bench.command("gap")
def gap_command(
    files: Annotated[
        list[Path], typer.Argument(help="GAP instance files (either layout).", exists=True, dir_okay=False)
    ],
    time_limit: Annotated[
        float, typer.Option("--time-limit", min=0.01, help="Seconds per problem and solver.")
    ],
    threads: Annotated[int, typer.Option("--threads", min=1, help="Worker threads for the solvers.")] = 2,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON rows instead of a table.")] = False,
    peers: Annotated[bool, typer.Option("--peers", help="Also run textbook CP-SAT and HiGHS.")] = False,
    write_solutions: Annotated[
        Path | None, typer.Option("--write-solutions", help="Directory for one .sol file per problem.")
    ] = None,
    sense: Annotated[str, typer.Option("--sense", help="Objective sense: min or max.")] = "min",
    best_known: Annotated[
        Path | None, typer.Option("--best-known", help="best_known.csv to compare with.")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Random seed for every solver.")] = 0,
) -> None:
    """Solve every problem in FILES; one row each: objective, bound, gaps, times."""
    from planner.bench.gap import BenchRow, run_instance, summary, summary_lines, table_lines
    from planner.bench.gap_instance import GapFormatError, read_best_known, read_gap_file
    from planner.bench.gap_peers import PEERS
    from planner.gap.local_search import warm_up
    from planner.native_output import native_stdout_muted
    from planner.solvers.base import SolveOptions

    if sense not in ("min", "max"):
        raise typer.BadParameter(f"--sense must be min or max, not {sense!r}")
    known_path = best_known or _find_best_known(files)
    known = read_best_known(known_path) if known_path else {}
    options = SolveOptions(time_limit_seconds=time_limit, threads=threads, seed=seed)
    compile_seconds = warm_up()  # the JIT's one-off cost stays out of every timed solve
    rows: list[BenchRow] = []
    peer_names = sorted(PEERS) if peers else []
    for path in files:
        try:
            instances = read_gap_file(path)
        except GapFormatError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        for instance in instances:
            expected = known.get((instance.name, sense))
            # HiGHS' printf would land between the rows (and break a --json stream).
            with native_stdout_muted():
                row = run_instance(instance, sense, options, expected, peers, write_solutions)  # type: ignore[arg-type]
            rows.append(row)
            if as_json:
                typer.echo(json.dumps(row.to_json()))
            else:
                for line in table_lines([row], peer_names, header=len(rows) == 1):
                    typer.echo(line)
    if as_json:
        typer.echo(json.dumps({"summary": summary(rows), "jit_warm_up_seconds": round(compile_seconds, 2)}))
    else:
        typer.echo("")
        typer.echo(summary_lines(rows))

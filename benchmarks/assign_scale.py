"""Scale benchmark for `planner assign` on generated data (not a test).

Each size runs in its own process so peak memory is that size's alone.

    .venv/bin/python benchmarks/assign_scale.py --time-limit 30 --json bench-results/assign_scale.json
    .venv/bin/python benchmarks/assign_scale.py --sizes 2000x60 --solver cbc
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import sys
import time
from pathlib import Path

DEFAULT_SIZES = ("2000x60", "5000x150", "20000x500")


def run_one(size: str, solver: str, time_limit: float, threads: int, seed: int, queue: mp.Queue) -> None:
    from planner.compile import compile_problem
    from planner.context import Context
    from planner.evaluate import evaluate
    from planner.generator import generate
    from planner.solvers import SolveOptions, get_solver

    n_acc, n_mgr = (int(x) for x in size.split("x"))
    t0 = time.perf_counter()
    dataset = generate(n_acc, n_mgr, seed=seed)
    t1 = time.perf_counter()
    ctx = Context.build(dataset)
    compiled = compile_problem(ctx)
    t2 = time.perf_counter()
    result = get_solver(solver).solve(
        compiled.problem, SolveOptions(time_limit_seconds=time_limit, threads=threads, seed=seed)
    )
    t3 = time.perf_counter()
    row: dict[str, object] = {
        "size": size,
        "solver": solver,
        "pairs": compiled.problem.n_pairs,
        "units": compiled.problem.n_units,
        "generate_s": round(t1 - t0, 2),
        "compile_s": round(t2 - t1, 2),
        "solve_s": round(t3 - t2, 2),
        "status": result.status.value,
        "objective": None if result.objective is None else result.objective / 100,
        "bound": None if result.bound is None else result.bound / 100,
        "gap_pct": None if result.gap is None else round(100 * result.gap, 3),
        "time_to_best_s": None
        if result.time_to_best_seconds is None
        else round(result.time_to_best_seconds, 2),
        # Where the bound came from (parts, LP relaxation, CP-SAT) and how long each took.
        "statistics": dict(result.statistics),
    }
    if result.unit_agent is not None:
        ev = evaluate(ctx, compiled.to_plan(result.unit_agent))
        row["violations"] = len(ev.violations)
        row["evaluator_agrees"] = ev.objective_cp == round(result.objective or 0)
    row["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    queue.put(row)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", nargs="+", default=list(DEFAULT_SIZES), help="ACCOUNTSxMANAGERS")
    parser.add_argument("--solver", default="auto")
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, help="write the rows here")
    args = parser.parse_args(argv)
    from planner.native_output import python_stdout_only

    python_stdout_only()  # HiGHS' printf (machine code) stays off the rows

    rows = []
    ctx = mp.get_context("spawn")
    for size in args.sizes:
        queue: mp.Queue = ctx.Queue()
        proc = ctx.Process(
            target=run_one, args=(size, args.solver, args.time_limit, args.threads, args.seed, queue)
        )
        proc.start()
        proc.join()
        rows.append(
            queue.get() if not queue.empty() else {"size": size, "status": f"crashed ({proc.exitcode})"}
        )
        _print_row(rows[-1], header=len(rows) == 1)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    return 0


COLUMNS = (
    ("size", 10),
    ("solver", 6),
    ("pairs", 9),
    ("compile_s", 9),
    ("solve_s", 8),
    ("status", 9),
    ("objective", 12),
    ("bound", 12),
    ("gap_pct", 8),
    ("violations", 10),
    ("peak_rss_mb", 11),
)


def _print_row(row: dict[str, object], header: bool) -> None:
    if header:
        print("  ".join(name.rjust(width) for name, width in COLUMNS))
    print("  ".join(str(row.get(name, "")).rjust(width) for name, width in COLUMNS))
    sys.stdout.flush()


if __name__ == "__main__":
    raise SystemExit(main())

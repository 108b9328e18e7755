"""Cordeau's PVRP instances solved by the calendar's engine: cost, gap to best known, feasibility.

Usage:  PYTHONPATH=. .venv/bin/python benchmarks/pvrp_bench.py [--time-limit 60] [--only p01 p02 ...]
        [--jobs 1] [--write-solutions DIR] [--json FILE]

Reads ../shared/benchmarks/pvrp (instances/, best_known.csv); exits quietly when absent.
Every figure comes from the checker (`planner.pvrp.check`). Means are reported for p01-p32
(the target set) and for all instances separately. `--jobs 2` runs two instances at once,
each on one core (the engine is single-threaded).

The time limit is wall-clock: on a shared machine an instance gets less than a core, so each row
also gives the CPU seconds its process had (`cpu s`), and the summary the mean share of a core.
"""

from __future__ import annotations

import argparse
import json
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from planner.bench.pvrp import BenchRow, best_known_values, run_instance, write_solution

ROOT = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "pvrp"


def _run(job: tuple[Path, float, int, Path | None]) -> tuple[BenchRow, float]:
    """The instance's row and the CPU seconds its search had (this process's, so a pool's too)."""
    path, limit, seed, out = job
    cpu = time.process_time()
    row, problem, result = run_instance(path, limit, seed, best_known_values(path))
    cpu = time.process_time() - cpu
    if out is not None:
        write_solution(out, problem, result)
    return row, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--only", nargs="*", default=None, help="instance names, e.g. p01 p14")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--write-solutions", type=Path, default=None)
    ap.add_argument("--json", type=Path, default=None, help="write all rows to this file")
    args = ap.parse_args()
    from planner.native_output import python_stdout_only

    python_stdout_only()  # HiGHS' printf (machine code) stays off the rows
    if not (ROOT / "instances").exists():
        print(f"PVRP benchmark files not found under {ROOT}; nothing to do.")
        return
    names = args.only or sorted(p.name for p in (ROOT / "instances").iterdir())
    jobs = [(ROOT / "instances" / n, args.time_limit, args.seed, args.write_solutions) for n in names]
    print(
        f"{'instance':8} {'n':>4} {'t':>3} {'m':>3} {'cost':>10} {'best known':>10} {'gap %':>7} {'feasible':>8} {'s':>5} {'cpu s':>5}"
    )
    rows: list[BenchRow] = []
    cpu: list[float] = []
    if args.jobs > 1:
        with ProcessPoolExecutor(max_workers=args.jobs) as pool:
            for row, used in pool.map(_run, jobs):
                rows.append(_show(row, used))
                cpu.append(used)
    else:
        for job in jobs:
            row, used = _run(job)
            rows.append(_show(row, used))
            cpu.append(used)
    for label, subset in (
        ("p01-p32", [r for r in rows if r.instance.startswith("p") and not r.instance.startswith("pr")]),
        ("all", rows),
    ):
        gaps = [r.gap_pct for r in subset if r.gap_pct is not None]
        if subset:
            mean = sum(gaps) / len(gaps) if gaps else float("nan")
            print(
                f"{label}: {len(subset)} instances, {sum(r.feasible for r in subset)} feasible, mean gap {mean:.2f} %, max gap {max(gaps, default=float('nan')):.2f} %"
            )
    wall = sum(r.seconds for r in rows)
    if wall > 0:
        print(
            f"CPU: {sum(cpu):.0f} s in {wall:.0f} s of searches ({100 * sum(cpu) / wall:.0f} % of a core each)"
        )
    if args.json:
        args.json.write_text(json.dumps([r.as_dict() for r in rows], indent=2) + "\n")


def _show(row: BenchRow, cpu: float) -> BenchRow:
    gap = f"{row.gap_pct:.2f}" if row.gap_pct is not None else "-"
    print(
        f"{row.instance:8} {row.customers:4d} {row.days:3d} {row.vehicles_per_day:3d} {row.cost:10.2f} "
        f"{row.best_known or float('nan'):10.2f} {gap:>7} {'yes' if row.feasible else 'NO':>8} {row.seconds:5.0f} {cpu:5.0f}",
        flush=True,
    )
    return row


if __name__ == "__main__":
    main()

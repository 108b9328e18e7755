"""Attrition risk at scale: `robustness --leavers 1` serially and on a local Dask cluster (not a test).

Generate a data set (`planner generate`'s generator), solve it once for the plan in force, then
re-plan once per active manager leaving (the staff-change path: RemoveManager + replan, with
the plan's service levels and a budget of voluntary moves) twice: in this process, one after
another, and on a LocalCluster of `--workers` processes (the data set scattered once per worker).
Both runs use deterministic re-plans (CP-SAT on one worker, the limit counted in work done), so
they do the same work and must give the same answers, which is checked.

Figures:
- speed-up: serial wall time over the cluster's, with and without starting the cluster;
- per-task overhead: the cluster's worker time not spent inside a task (scheduling, transfer,
  idle at the end), per task: (wall after start-up x workers - sum of task times) / tasks;
- slow-down of a task in the cluster against serial (both workers share the machine's cores
  with the scheduler and the client, and with whatever else runs on it: the load is printed);
- projected wall time on a 16-worker cluster from the measured serial task times: start-up
  + (sum of task times + tasks x overhead) / 16, at least the longest task;
- the machine's own ceiling, measured just before: a pure-Python loop run alone, then in
  `--workers` processes at once (`workers x alone / together`): what any engine can get from the
  cores other programs on the machine leave free.

    .venv/bin/python benchmarks/robustness.py --accounts 5000 --managers 150 --workers 2 --json out.json
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from planner.assign import run_assignment
from planner.context import Context
from planner.distributed import Engine
from planner.generator import generate
from planner.robustness import ReplanSettings, RobustnessRun, baseline, leaver_sets, risk_rows, run_robustness
from planner.solvers import SolveOptions


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--accounts", type=int, default=5000)
    parser.add_argument("--managers", type=int, default=150)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--solve-seconds", type=float, default=30, help="for the plan in force")
    parser.add_argument("--max-moves", type=int, default=20, help="voluntary moves per re-plan")
    parser.add_argument("--time-limit", type=float, default=0.8, help="per re-plan, in CP-SAT work units")
    parser.add_argument("--sample", type=int, default=None, help="only this many leavers")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--project", type=int, default=16, help="workers of the projected cluster")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    data = generate(args.accounts, args.managers, seed=args.seed)
    t0 = time.perf_counter()
    first = run_assignment(Context.build(data), "auto", SolveOptions(time_limit_seconds=args.solve_seconds))
    assert first.plan is not None, first.result
    print(f"plan in force: {first.result.status.value} in {time.perf_counter() - t0:.1f} s")
    settings = ReplanSettings(
        max_moves=args.max_moves, time_limit_seconds=args.time_limit, deterministic=True
    )
    t0 = time.perf_counter()
    base = baseline(data, first.plan, settings)
    print(f"baseline (with the re-plan nobody leaves): {time.perf_counter() - t0:.1f} s")
    sets = leaver_sets(base.dataset, 1, args.sample, args.seed)
    ceiling = _ceiling(args.workers)
    print(f"{len(sets)} re-plans; load average before: {_load()}; machine ceiling {ceiling:.2f}x")

    serial = run_robustness(base, sets, Engine(workers=0))
    print(f"serial: {serial.wall_seconds:.1f} s")
    cluster = run_robustness(base, sets, Engine(workers=args.workers))
    print(f"{args.workers} workers: {cluster.wall_seconds:.1f} s; load average after: {_load()}")
    same = cluster.outcomes == serial.outcomes and not serial.failed and not cluster.failed

    n = len(sets)
    serial_tasks = list(serial.task_seconds.values())
    cluster_tasks = list(cluster.task_seconds.values())
    setup = cluster.setup.start_seconds + cluster.setup.scatter_seconds
    after_setup = cluster.wall_seconds - setup
    overhead = (after_setup * cluster.setup.workers - sum(cluster_tasks)) / n
    projected = setup + max((sum(serial_tasks) + n * max(overhead, 0.0)) / args.project, max(serial_tasks))
    figures = {
        "re_plans": n,
        "serial_seconds": serial.wall_seconds,
        "cluster_seconds": cluster.wall_seconds,
        "workers": cluster.setup.workers,
        "speed_up": round(serial.wall_seconds / cluster.wall_seconds, 2),
        "speed_up_after_start": round(serial.wall_seconds / after_setup, 2),
        "cluster_start_seconds": round(cluster.setup.start_seconds, 2),
        "scatter_seconds": round(cluster.setup.scatter_seconds, 3),
        "task_seconds_median_serial": round(statistics.median(serial_tasks), 3),
        "task_seconds_median_cluster": round(statistics.median(cluster_tasks), 3),
        "task_seconds_max_serial": round(max(serial_tasks), 3),
        "task_slow_down_in_cluster": round(sum(cluster_tasks) / sum(serial_tasks), 2),
        "overhead_seconds_per_task": round(overhead, 4),
        f"projected_seconds_{args.project}_workers": round(projected, 1),
        "machine_ceiling": round(ceiling, 2),
        "same_answers": same,
        "cpus": os.cpu_count(),
    }
    print()
    for key, value in figures.items():
        print(f"{key:>32}: {value}")
    print("\nmost at risk:")
    for row in risk_rows(serial.outcomes)[:5]:
        print(f"  {row['risk']}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {
                    "args": vars(args) | {"json": str(args.json)},
                    "figures": figures,
                    "serial": _times(serial),
                    "cluster": _times(cluster),
                },
                indent=2,
            )
        )
    return 0 if same else 1


def _times(run: RobustnessRun) -> dict[str, object]:
    return {"wall_seconds": run.wall_seconds, "failed": run.failed, "task_seconds": run.task_seconds}


def _spin(loops: int) -> float:
    started = time.perf_counter()
    total = 0
    for i in range(loops):
        total += i * i % 7
    return time.perf_counter() - started


def _ceiling(workers: int, loops: int = 6_000_000) -> float:
    """workers x (time of the loop alone) / (time of each when `workers` run at once)."""
    alone = _spin(loops)
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        pool.submit(_spin, 1000).result()  # the processes are up before the clock starts
        together = max(pool.map(_spin, [loops] * workers))
    return workers * alone / together


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    raise SystemExit(main())

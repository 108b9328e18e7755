"""Attrition risk at scale: `robustness --leavers 1` serially and on a local Dask cluster (not a test).

Generate a data set (`planner generate`'s generator), solve it once for the plan in force, then
re-plan once per active manager leaving (the staff-change path: RemoveManager + replan, with
the plan's service levels and a budget of voluntary moves) twice: in this process, one after
another, and on a LocalCluster of `--workers` processes (the data set scattered once per worker,
the re-plans in batches, longest first by the accounts each leaver holds). Both runs use
deterministic re-plans (CP-SAT on one worker, the limit counted in work done), so they do the
same work and must give the same answers, which is checked.

Figures:
- speed-up: serial wall time over the cluster's, with and without starting the cluster;
- per-task overhead: the cluster's worker time not spent inside a task (scheduling, transfer,
  idle at the end), per task: (wall after start-up x workers - sum of task times) / tasks; the
  same per batch (a Dask task);
- slow-down of a task in the cluster against serial (both workers share the machine's cores
  with the scheduler and the client, and with whatever else runs on it: the load is printed);
  the tasks' CPU time (their threads') serial and in the cluster, which a busy machine skews
  less, and the CPU time of this process (scheduler, client, nannies) during the cluster run;
- projected wall time on a 16-worker cluster: the measured start-up, then the batches
  `planner.batching` would make for 16 workers, each the sum of its serial task times plus the
  measured overhead per batch, handed in order to the first free worker;
- the machine's own ceiling, measured just before the serial run and again after the cluster's:
  a pure-Python loop run alone, then in `--workers` processes at once (`workers x alone /
  together`): what any engine can get from the cores other programs on the machine leave free;
  the speed-up is also given as a share of the mean of the two;
- with `--pool`, the same re-plans on a plain process pool (no Dask; the data set given to each
  process once, the re-plans longest first, one at a time to whichever process is free): the
  speed-up this workload gets from the cores without any engine's scheduling.

    .venv/bin/python benchmarks/robustness.py --accounts 5000 --managers 150 --workers 2 --json out.json
"""

from __future__ import annotations

import argparse
import heapq
import json
import multiprocessing
import os
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from planner.assign import run_assignment
from planner.batching import plan_batches
from planner.context import Context
from planner.distributed import Engine
from planner.generator import generate
from planner.models import Dataset, Plan
from planner.robustness import (
    Baseline,
    ReplanSettings,
    RobustnessRun,
    baseline,
    leaver_sets,
    replan_cost,
    replan_without,
    risk_rows,
    run_robustness,
)
from planner.solvers import SolveOptions


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--accounts", type=int, default=5000)
    parser.add_argument("--managers", type=int, default=150)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--solve-seconds", type=float, default=30, help="for the plan in force")
    parser.add_argument(
        "--plan",
        type=Path,
        help="the plan in force as JSON: read when the file exists (no solve; the same plan for every "
        "run), else solved and written there",
    )
    parser.add_argument("--max-moves", type=int, default=20, help="voluntary moves per re-plan")
    parser.add_argument("--time-limit", type=float, default=0.8, help="per re-plan, in CP-SAT work units")
    parser.add_argument("--sample", type=int, default=None, help="only this many leavers")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--project", type=int, default=16, help="workers of the projected cluster")
    parser.add_argument("--pool", action="store_true", help="also run a plain process pool (no Dask)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    from planner.native_output import python_stdout_only

    python_stdout_only()  # HiGHS' printf (machine code) stays off the rows

    data = generate(args.accounts, args.managers, seed=args.seed)
    plan = _plan_in_force(data, args.solve_seconds, args.plan)
    settings = ReplanSettings(
        max_moves=args.max_moves, time_limit_seconds=args.time_limit, deterministic=True
    )
    t0 = time.perf_counter()
    base = baseline(data, plan, settings)
    print(f"baseline (with the re-plan nobody leaves): {time.perf_counter() - t0:.1f} s")
    sets = leaver_sets(base.dataset, 1, args.sample, args.seed)
    load_before = _load()
    ceiling_before = _ceiling(args.workers)
    print(f"{len(sets)} re-plans; load average before: {load_before}; machine ceiling {ceiling_before:.2f}x")

    serial = run_robustness(base, sets, Engine(workers=0))
    print(f"serial: {serial.wall_seconds:.1f} s")
    client_cpu = time.process_time()
    cluster = run_robustness(base, sets, Engine(workers=args.workers))
    client_cpu = time.process_time() - client_cpu  # the scheduler, the client and the nannies
    load_after = _load()
    print(f"{args.workers} workers: {cluster.wall_seconds:.1f} s; load average after: {load_after}")
    pool_seconds = _pool(base, sets, args.workers) if args.pool else None
    if pool_seconds is not None:
        print(f"plain process pool of {args.workers}: {pool_seconds:.1f} s")
    ceiling_after = _ceiling(args.workers)
    ceiling = (ceiling_before + ceiling_after) / 2
    same = cluster.outcomes == serial.outcomes and not serial.failed and not cluster.failed

    n = len(sets)
    serial_tasks = list(serial.task_seconds.values())
    cluster_tasks = list(cluster.task_seconds.values())
    setup = cluster.setup.start_seconds + cluster.setup.scatter_seconds
    after_setup = cluster.wall_seconds - setup
    idle = after_setup * cluster.setup.workers - sum(cluster_tasks)
    per_batch = max(idle, 0.0) / cluster.setup.batches
    costs = [replan_cost(base, s) for s in sets]
    projected = setup + _makespan(sets, costs, serial.task_seconds, args.project, per_batch)
    speed_up = serial.wall_seconds / cluster.wall_seconds
    figures: dict[str, Any] = {
        "re_plans": n,
        "serial_seconds": serial.wall_seconds,
        "cluster_seconds": cluster.wall_seconds,
        "workers": cluster.setup.workers,
        "batches": cluster.setup.batches,
        "speed_up": round(speed_up, 2),
        "speed_up_after_start": round(serial.wall_seconds / after_setup, 2),
        "cluster_start_seconds": round(cluster.setup.start_seconds, 2),
        "scatter_seconds": round(cluster.setup.scatter_seconds, 3),
        "task_seconds_median_serial": round(statistics.median(serial_tasks), 3),
        "task_seconds_median_cluster": round(statistics.median(cluster_tasks), 3),
        "task_seconds_max_serial": round(max(serial_tasks), 3),
        "task_slow_down_in_cluster": round(sum(cluster_tasks) / sum(serial_tasks), 2),
        "task_cpu_seconds_serial": round(sum(serial.task_cpu_seconds.values()), 2),
        "task_cpu_seconds_cluster": round(sum(cluster.task_cpu_seconds.values()), 2),
        "client_process_cpu_seconds_per_task": round(client_cpu / n, 4),
        "overhead_seconds_per_task": round(idle / n, 4),
        "overhead_seconds_per_batch": round(per_batch, 4),
        "cost_estimate_rank_correlation": round(
            _spearman(costs, [serial.task_seconds[k] for k in _keys(sets)]), 2
        ),
        f"projected_seconds_{args.project}_workers": round(projected, 1),
        "machine_ceiling_before": round(ceiling_before, 2),
        "machine_ceiling_after": round(ceiling_after, 2),
        "speed_up_share_of_ceiling": round(speed_up / ceiling, 2),
        "load_average_before": load_before,
        "load_average_after": load_after,
        "same_answers": same,
        "cpus": os.cpu_count(),
    }
    if pool_seconds is not None:
        figures["pool_seconds"] = round(pool_seconds, 2)
        figures["pool_speed_up"] = round(serial.wall_seconds / pool_seconds, 2)
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


def _plan_in_force(data: Dataset, solve_seconds: float, path: Path | None) -> Plan:
    if path is not None and path.is_file():
        plan = Plan.model_validate_json(path.read_text(encoding="utf-8"))
        if set(plan.assignment) != {a.account_id for a in data.accounts}:
            raise SystemExit(f"{path}: its plan is for other accounts than the generated data set")
        print(f"plan in force: read from {path}")
        return plan
    t0 = time.perf_counter()
    first = run_assignment(Context.build(data), "auto", SolveOptions(time_limit_seconds=solve_seconds))
    assert first.plan is not None, first.result
    print(f"plan in force: {first.result.status.value} in {time.perf_counter() - t0:.1f} s")
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(first.plan.model_dump_json(), encoding="utf-8")
    return first.plan


def _times(run: RobustnessRun) -> dict[str, object]:
    return {"wall_seconds": run.wall_seconds, "failed": run.failed, "task_seconds": run.task_seconds}


def _keys(sets: list[tuple[str, ...]]) -> list[str]:
    from planner.robustness.leavers import task_key

    return [task_key(s) for s in sets]


def _makespan(
    sets: list[tuple[str, ...]], costs: list[float], seconds: dict[str, float], workers: int, per_batch: float
) -> float:
    """Wall time of the batches `planner.batching` makes for `workers`, each the sum of its
    tasks' `seconds` plus `per_batch`, handed in order to the first worker free."""
    keys = _keys(sets)
    free = [0.0] * workers
    for batch in plan_batches(costs, workers):
        start = heapq.heappop(free)
        heapq.heappush(free, start + per_batch + sum(seconds[keys[i]] for i in batch))
    return max(free)


def _spearman(x: list[float], y: list[float]) -> float:
    def ranks(v: list[float]) -> list[float]:
        order = sorted(range(len(v)), key=v.__getitem__)
        r = [0.0] * len(v)
        for rank, i in enumerate(order):
            r[i] = float(rank)
        return r

    return statistics.correlation(ranks(x), ranks(y)) if len(x) > 2 else float("nan")


_pool_base: Baseline | None = None


def _pool_init(base: Baseline) -> None:
    global _pool_base
    _pool_base = base


def _pool_task(leavers: tuple[str, ...]) -> None:
    assert _pool_base is not None
    replan_without(_pool_base, leavers)


def _pool_ready(_: int) -> int:
    time.sleep(0.3)  # long enough that every process of the pool is started and given the data
    return os.getpid()


def _pool(base: Baseline, sets: list[tuple[str, ...]], workers: int) -> float:
    """Seconds for the re-plans on `workers` plain processes, longest first, once they are up."""
    costs = [replan_cost(base, s) for s in sets]
    order = [sets[i] for i in sorted(range(len(sets)), key=lambda i: -costs[i])]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_pool_init, initargs=(base,)) as pool:
        list(pool.map(_pool_ready, range(2 * workers)))
        started = time.perf_counter()
        list(pool.map(_pool_task, order, chunksize=1))
        return time.perf_counter() - started


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

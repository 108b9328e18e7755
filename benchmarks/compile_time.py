"""Set-up time of a plan (not a test): Context.build + compile_problem, and the evaluator.

For each size, a generated data set (seed 7) is compiled `--repeats` times from a fresh context,
as every re-plan and every solve does, then the plan of today's managers is evaluated as many
times on the warm context, as a re-plan does after its search. Medians of wall time and of CPU
time (this process only: less swayed by other work on the machine than the wall time), with the
load average. Issue #17's target: the build at 20,000 x 500 within 1.2x of its time before.

    .venv/bin/python benchmarks/compile_time.py --sizes 5000x150 20000x500 --repeats 5
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from typing import TypeVar

from planner.compile import compile_problem
from planner.context import Context
from planner.evaluate import evaluate
from planner.generator import generate

T = TypeVar("T")


def _timed(work: Callable[[], T]) -> tuple[float, float, T]:
    wall, cpu = time.perf_counter(), time.process_time()
    out = work()
    return time.perf_counter() - wall, time.process_time() - cpu, out


def _row(size: str, repeats: int) -> str:
    n, m = (int(x) for x in size.split("x"))
    dataset = generate(n, m, seed=7)
    builds = [_timed(lambda: compile_problem(Context.build(dataset))) for _ in range(repeats)]
    compiled = builds[-1][2]
    assert compiled.problem.hint is not None  # the compiler always gives today's managers
    plan = compiled.to_plan(compiled.problem.hint)
    evals = [_timed(lambda: evaluate(compiled.ctx, plan)) for _ in range(repeats)]
    return (
        f"{size:>11} {compiled.problem.n_pairs:>9} "
        f"{statistics.median(b[0] for b in builds):>11.3f}s {statistics.median(b[1] for b in builds):>6.3f}s "
        f"{statistics.median(e[0] for e in evals):>12.3f}s {statistics.median(e[1] for e in evals):>6.3f}s"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", nargs="+", default=["5000x150", "20000x500"], help="ACCOUNTSxMANAGERS")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'size':>11} {'pairs':>9} {'compile wall':>12} {'cpu':>7} {'evaluate wall':>13} {'cpu':>7}")
    for size in args.sizes:
        print(_row(size, args.repeats), flush=True)
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Warm re-solve when a manager leaves (not a test).

Solve a generated data set once, make that plan today's assignment, mark one
manager as left, and time the minimal-change re-plan: compile, then the
construction that keeps every account that may stay and re-places the rest,
checked by the evaluator. One row per leaver.

    .venv/bin/python benchmarks/replan_leaver.py --accounts 5000 --managers 150 --leavers 8
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from planner.compile import compile_problem
from planner.context import Context
from planner.evaluate import evaluate
from planner.generator import generate
from planner.models import Dataset
from planner.solvers import SolveOptions, get_solver
from planner.solvers.construct import construct
from planner.solvers.cpsat import satisfies


def with_leaver(dataset: Dataset, assignment: dict[str, str | None], leaver: str) -> Dataset:
    accounts = tuple(
        a.model_copy(update={"current_manager_id": assignment[a.account_id] or ""}) for a in dataset.accounts
    )
    managers = tuple(
        m.model_copy(update={"active": False}) if m.manager_id == leaver else m for m in dataset.managers
    )
    return dataset.model_copy(update={"accounts": accounts, "managers": managers})


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--accounts", type=int, default=5000)
    parser.add_argument("--managers", type=int, default=150)
    parser.add_argument("--leavers", type=int, default=8)
    parser.add_argument("--solve-seconds", type=float, default=30)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    base = generate(args.accounts, args.managers, seed=args.seed)
    ctx = Context.build(base)
    compiled = compile_problem(ctx)
    first = get_solver("auto").solve(compiled.problem, SolveOptions(time_limit_seconds=args.solve_seconds))
    assert first.unit_agent is not None, first
    plan = compiled.to_plan(first.unit_agent)
    print(f"plan in force: {first.status.value}, gap {100 * (first.gap or 0):.2f} %")
    print(f"{'leaver':>7} {'accounts':>8} {'seconds':>8} {'feasible':>8} {'moved':>6} {'kept':>6}")
    active = [m.manager_id for m in base.managers if m.active]
    rng = np.random.default_rng(args.seed)
    times = []
    for leaver in rng.choice(active, size=min(args.leavers, len(active)), replace=False):
        t0 = time.perf_counter()
        new_ctx = Context.build(with_leaver(base, plan.assignment, str(leaver)))
        new = compile_problem(new_ctx)
        unit_agent = construct(new.problem)
        ok = satisfies(new.problem, unit_agent)
        new_plan = new.to_plan(unit_agent)
        ev = evaluate(new_ctx, new_plan)
        seconds = time.perf_counter() - t0
        times.append(seconds)
        held = sum(1 for m in plan.assignment.values() if m == leaver)
        moved = sum(1 for a, m in new_plan.assignment.items() if m != plan.assignment[a])
        print(
            f"{leaver:>7} {held:>8} {seconds:>8.3f} {ok and not ev.violations!s:>8} {moved:>6} {args.accounts - moved:>6}"
        )
    print(f"median {statistics.median(times):.3f} s, max {max(times):.3f} s over {len(times)} leavers")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Warm re-solve when a manager leaves (not a test).

Solve a generated data set once, make that plan today's assignment, then for each of
several managers (each from that same plan) apply "manager left" and time
`planner.replan.replan`, the code path the API's staff-change events use: compile, the
budget-aware construction and ejection chains, CP-SAT on the neighbourhood of what they leave
uncovered, a CP-SAT repair of the touched regions, and the evaluator. One row per leaver, then the median.

    .venv/bin/python benchmarks/replan_leaver.py --accounts 5000 --managers 150 --leavers 20 --json out.json

Columns: `seconds` wall time of the change and the re-plan, `cpu s` the CPU time this process
used for them (every thread; on a loaded machine the wall time grows, the CPU time much less),
`uncov.` accounts left without a manager, of which `no succ.` nobody may serve at
all (their language or rules leave no active manager: uncovered in every plan). With
`--reference-seconds S`, each leaver that leaves other accounts uncovered gets a reference:
CP-SAT asked for the fewest uncovered accounts within the same budget (planner.cover, from the
fast plan, no held account reduced), for S seconds: `ref.` is the fewest it found, `least` what
it proved no plan does better than. A leaver counts as a miss when the reference covers more.

`--plan-in-force PATH` keeps the first solve's plan in a JSON file (read when it exists): the
30 s solve ends on the clock, so under a different load it returns a different plan, and so
different leavers; comparing two versions of the re-plan needs the same plan in force.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np

from planner.assign import run_assignment
from planner.budget import Budget
from planner.context import Context
from planner.cover import fewest_uncovered
from planner.generator import generate
from planner.models import Dataset, Plan
from planner.replan import replan, replan_problem, with_current
from planner.scenario.changes import apply_changes
from planner.scenario.spec import RemoveManager
from planner.solvers import SolveOptions


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--accounts", type=int, default=5000)
    parser.add_argument("--managers", type=int, default=150)
    parser.add_argument("--leavers", type=int, default=20)
    parser.add_argument("--max-moves", type=int, default=20, help="voluntary-move budget per change")
    parser.add_argument("--repair-seconds", type=float, default=0.5)
    parser.add_argument("--solve-seconds", type=float, default=30)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--reference-seconds",
        type=float,
        default=0.0,
        help="CP-SAT time for the fewest-uncovered reference of each leaver that leaves accounts uncovered (0: none)",
    )
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--only", help="comma-separated manager ids: these leavers instead of the --leavers random draw"
    )
    parser.add_argument(
        "--plan-in-force",
        type=Path,
        help="JSON file of the first solve's plan: read when it exists, else written after the solve",
    )
    args = parser.parse_args()
    from planner.native_output import python_stdout_only

    python_stdout_only()  # HiGHS' printf (machine code) stays off the rows

    base = generate(args.accounts, args.managers, seed=args.seed)
    in_force = _plan_in_force(base, args.solve_seconds, args.plan_in_force)
    current = with_current(base, dict(in_force.assignment))
    holders = sorted({m for m in in_force.assignment.values() if m})
    rng = np.random.default_rng(args.seed)
    rows = []
    print(
        f"{'leaver':>7} {'held':>5} {'seconds':>8} {'cpu s':>6} {'method':>27} {'forced':>6} {'volunt.':>7} {'uncov.':>6} "
        f"{'no succ.':>8} {'violations':>10} {'ref.':>5} {'least':>5}"
    )
    leavers = (
        args.only.split(",")
        if args.only
        else rng.choice(holders, size=min(args.leavers, len(holders)), replace=False).tolist()
    )
    for leaver in leavers:
        change = RemoveManager(kind="remove_manager", manager_id=str(leaver))
        t0, cpu0 = time.perf_counter(), time.process_time()
        changed = apply_changes(current, [change], source="benchmark").dataset
        result = replan(changed, args.max_moves, args.repair_seconds, service=in_force.service)
        seconds = time.perf_counter() - t0
        cpu = time.process_time() - cpu0
        ev = result.evaluation
        held = sum(1 for m in in_force.assignment.values() if m == leaver)
        other = [v for v in ev.violations if v.rule != "assign_exactly_one"]
        nobody = sum(
            1 for a in result.uncovered if result.reason_of.get(a, "").startswith("nobody may serve")
        )
        reference = None
        if args.reference_seconds > 0 and len(result.uncovered) > nobody:
            compiled, problem = replan_problem(changed, args.max_moves, in_force.service)
            levels = compiled.from_plan_levels(result.plan) if problem.pair_level is not None else None
            count = fewest_uncovered(
                problem, compiled.from_plan(result.plan), levels, Budget(args.reference_seconds)
            )
            reference = {"found": count.found + count.nobody, "least": count.least + count.nobody}
        row = {
            "leaver": str(leaver),
            "accounts_held": held,
            "seconds": round(seconds, 4),
            "cpu_seconds": round(cpu, 4),
            "method": result.method,
            "forced_moves": ev.moves["forced"],
            "voluntary_moves": ev.moves["voluntary"],
            "uncovered": len(result.uncovered),
            "no_successor": nobody,
            "reference": reference,
            "other_violations": len(other),
            "timing": result.timing_seconds,
        }
        rows.append(row)
        ref = ("-", "-") if reference is None else (reference["found"], reference["least"])
        print(
            f"{row['leaver']:>7} {held:>5} {seconds:>8.3f} {cpu:>6.3f} {result.method:>27} {row['forced_moves']:>6} "
            f"{row['voluntary_moves']:>7} {row['uncovered']:>6} {nobody:>8} {row['other_violations']:>10} "
            f"{ref[0]!s:>5} {ref[1]!s:>5}",
            flush=True,
        )
    times = [r["seconds"] for r in rows]
    cpus = [r["cpu_seconds"] for r in rows]
    short = [r for r in rows if r["uncovered"] > r["no_successor"]]
    misses = [r for r in short if r["reference"] is not None and r["reference"]["found"] < r["uncovered"]]
    summary = {
        "median_seconds": round(statistics.median(times), 4),
        "median_cpu_seconds": round(statistics.median(cpus), 4),
        "max_seconds": round(max(times), 4),
        "under_0.3s": sum(t <= 0.3 for t in times),
        "under_1s": sum(t < 1.0 for t in times),
        "leavers": len(times),
        "uncovered_beyond_no_successor": len(short),
        "reference_covers_more": len(misses) if args.reference_seconds > 0 else None,
    }
    print(
        f"median {summary['median_seconds']:.3f} s (CPU {summary['median_cpu_seconds']:.3f} s), max {summary['max_seconds']:.3f} s, "
        f"{summary['under_0.3s']}/{len(times)} at most 0.3 s, {summary['under_1s']}/{len(times)} under 1 s "
        f"(budget {args.max_moves} voluntary moves, limit {args.repair_seconds} s)"
    )
    print(
        f"{len(short)}/{len(times)} leavers leave accounts uncovered that some manager may serve"
        + (
            f"; the reference ({args.reference_seconds} s) covers more for {len(misses)} of them"
            if args.reference_seconds > 0
            else ""
        )
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {
                    "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
                    "summary": summary,
                    "rows": rows,
                },
                indent=2,
            )
        )
    return 0


def _plan_in_force(base: Dataset, solve_seconds: float, path: Path | None) -> Plan:
    """The plan the leavers change: read from `path` when it exists, else solved (and written
    to `path`, when given)."""
    if path is not None and path.exists():
        plan = Plan.model_validate_json(path.read_text())
        if set(plan.assignment) != {a.account_id for a in base.accounts}:
            raise SystemExit(
                f"{path} is a plan of other data (other accounts): delete it or pass another path"
            )
        print(f"plan in force: read from {path}")
        return plan
    first = run_assignment(Context.build(base), "auto", SolveOptions(time_limit_seconds=solve_seconds))
    assert first.plan is not None, first.result
    print(f"plan in force: {first.result.status.value}, gap {100 * (first.result.gap or 0):.2f} %")
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(first.plan.model_dump_json())
    return first.plan


if __name__ == "__main__":
    raise SystemExit(main())

"""Time limit against wall time (#17, "one clock"): every backend, sizes, the calendar, the re-plan.

For each run: the limit asked for, the wall time from the call to its return, and the overrun
(wall - limit; the budget's policy allows `planner.budget.OVERRUN_SECONDS`). The wall time of a
backend is its `solve` alone (data generated and compiled before); of the re-plan, the whole
`replan` call (its limit covers compile and evaluation); of the calendar, `plan_calendar`.
Sizes come from `planner.generator.generate`, "short" ones with more work than hours
(`demand_ratio` 1.15: the shortfall path), and an account-team instance (`benchmarks/teams.py`'s).
Not a test: it prints a table a person reads.

    .venv/bin/python benchmarks/time_limits.py                      # everything, about 10 min
    .venv/bin/python benchmarks/time_limits.py --sizes 300x12 --limits 2 --json out.json
"""

from __future__ import annotations

import argparse
import csv
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from planner.budget import OVERRUN_SECONDS

DEFAULT_SIZES = ("300x12", "3000x80", "20000x500")
DEFAULT_LIMITS = (2.0, 10.0)
SHORT_DEMAND = 1.15


def _row(what: str, size: str, limit: float, wall: float, status: str, note: str = "") -> dict[str, Any]:
    return {
        "what": what,
        "size": size,
        "limit_s": limit,
        "wall_s": round(wall, 2),
        "overrun_s": round(wall - limit, 2),
        "status": status,
        "note": note,
    }


def _timed(
    problem: Any, label: str, names: list[str], limits: list[float], seed: int, note_keys: tuple[str, ...]
) -> list[dict[str, Any]]:
    """One row per backend that supports `problem` and per limit: wall time of its `solve`, and in
    the note the first of `note_keys` its statistics carry, with the gap."""
    from planner.solvers import SOLVERS, SolveOptions

    rows = []
    for name in names:
        if SOLVERS[name].supports(problem) is not None:
            continue
        for limit in limits:
            started = time.perf_counter()
            result = SOLVERS[name].solve(
                problem, SolveOptions(time_limit_seconds=limit, threads=2, seed=seed)
            )
            wall = time.perf_counter() - started
            gap = "" if result.gap is None else f"gap {100 * result.gap:.2f} %"
            note = next((str(result.statistics[k]) for k in note_keys if k in result.statistics), "")
            rows.append(_row(name, label, limit, wall, result.status.value, f"{note} {gap}".strip()))
            _print(rows[-1])
    return rows


def backends(sizes: list[str], limits: list[float], names: list[str], seed: int) -> list[dict[str, Any]]:
    from planner.compile import compile_problem
    from planner.context import Context
    from planner.generator import generate

    rows = []
    for size in sizes:
        n_acc, n_mgr = (int(x) for x in size.split("x"))
        for short in (False, True):
            dataset = generate(n_acc, n_mgr, seed=seed, demand_ratio=SHORT_DEMAND if short else None)
            problem = compile_problem(Context.build(dataset)).problem
            label = f"{size}{' short' if short else ''}"
            rows += _timed(problem, label, names, limits, seed, ("service",))
    return rows


def teams(limits: list[float], names: list[str], seed: int) -> list[dict[str, Any]]:
    """Account teams: `benchmarks/teams.py`'s 2,000 accounts x (60 account managers + 25 technical
    support + 20 after-sales), where `auto` takes its whole-model path (CP-SAT, then HiGHS)."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from teams import with_support

    from planner.compile import compile_problem
    from planner.context import Context
    from planner.generator import generate

    dataset = with_support(generate(2000, 60, seed=seed), 25, 20, seed)
    problem = compile_problem(Context.build(dataset)).problem
    # The whole-model path says which solvers ran ("cpsat+highs:feasible") under `path`.
    return _timed(problem, "2000x(60+25+20) teams", names, limits, seed, ("path", "service"))


def replans(limits: list[float], seed: int) -> list[dict[str, Any]]:
    from planner.assign import run_assignment
    from planner.context import Context
    from planner.generator import generate
    from planner.replan import replan, with_current
    from planner.scenario.changes import apply_changes
    from planner.scenario.spec import RemoveManager
    from planner.solvers import SolveOptions

    rows = []
    base = generate(3000, 80, seed=seed)
    first = run_assignment(Context.build(base), "auto", SolveOptions(time_limit_seconds=10.0))
    assert first.plan is not None, first.result
    current = with_current(base, dict(first.plan.assignment))
    holders = sorted({m for m in first.plan.assignment.values() if m})
    for limit in [0.8, *limits]:
        for leaver in holders[:3]:
            change = RemoveManager(kind="remove_manager", manager_id=str(leaver))
            changed = apply_changes(current, [change], source="benchmark").dataset
            started = time.perf_counter()
            out = replan(changed, 20, limit, service=first.plan.service)
            wall = time.perf_counter() - started
            rows.append(_row("replan", f"3000x80 -{leaver}", limit, wall, out.status, out.method))
            _print(rows[-1])
    return rows


def calendars(limits: list[float], seed: int) -> list[dict[str, Any]]:
    from planner.calendar.build import load_inputs
    from planner.calendar.solve import plan_calendar
    from planner.generator import generate, write_csv

    sys_path = Path(__file__).resolve().parent
    import sys

    sys.path.insert(0, str(sys_path))
    from calendar_scale import nearest_plan

    rows = []
    with tempfile.TemporaryDirectory(prefix="time-limits-") as tmp:
        work = Path(tmp)
        dataset = generate(300, 12, seed=seed)
        write_csv(dataset, work)
        # The stand-in plan (current or nearest manager): this measures the calendar's clock,
        # not the assignment's, so a plan that needs no solve.
        nearest_plan(dataset, work / "plan")
        with (work / "plan" / "plan.csv").open() as fh:
            assert sum(1 for _ in csv.reader(fh)) > 1
        inputs = load_inputs(
            accounts=work / "accounts.csv",
            managers=work / "managers.csv",
            plan=work / "plan",
            start="2025-03-03",
            weeks=13,
            country="CN",
        )
        for limit in limits:
            for workers in (1, 2):
                started = time.perf_counter()
                plan = plan_calendar(inputs, time_limit_s=limit, seed=seed, workers=workers)
                wall = time.perf_counter() - started
                rows.append(
                    _row(
                        "calendar",
                        f"300x12 13 wk, {workers} proc",
                        limit,
                        wall,
                        "done",
                        f"{len(plan.managers)} mgrs",
                    )
                )
                _print(rows[-1])
    return rows


HEADER = f"{'what':9} {'size':24} {'limit s':>7} {'wall s':>7} {'overrun s':>9}  {'status':10} note"


def _print(row: dict[str, Any]) -> None:
    flag = "  <-- over" if row["overrun_s"] > OVERRUN_SECONDS else ""
    print(
        f"{row['what']:9} {row['size']:24} {row['limit_s']:7.1f} {row['wall_s']:7.2f} {row['overrun_s']:9.2f}"
        f"  {row['status']:10} {row['note']}{flag}",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", nargs="+", default=list(DEFAULT_SIZES), help="ACCOUNTSxMANAGERS")
    parser.add_argument("--limits", nargs="+", type=float, default=list(DEFAULT_LIMITS))
    parser.add_argument("--backends", nargs="+", default=["auto", "cpsat", "cbc", "engine"])
    parser.add_argument("--skip", nargs="*", default=[], choices=["backends", "teams", "replan", "calendar"])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, help="write the rows here")
    args = parser.parse_args(argv)
    from planner.native_output import python_stdout_only

    python_stdout_only()  # HiGHS' printf (machine code) stays off the rows

    from planner.gap.local_search import warm_up

    warm_up()  # the JIT's one-off compile stays out of every timed run
    print(HEADER, flush=True)
    rows: list[dict[str, Any]] = []
    if "backends" not in args.skip:
        rows += backends(args.sizes, args.limits, args.backends, args.seed)
    if "teams" not in args.skip:
        rows += teams(args.limits, args.backends, args.seed)
    if "replan" not in args.skip:
        rows += replans(args.limits, args.seed)
    if "calendar" not in args.skip:
        rows += calendars(args.limits, args.seed)
    worst = max(rows, key=lambda r: r["overrun_s"])
    over = [r for r in rows if r["overrun_s"] > OVERRUN_SECONDS]
    print(
        f"\n{len(rows)} runs; worst overrun {worst['overrun_s']:.2f} s ({worst['what']} {worst['size']} at "
        f"{worst['limit_s']:g} s); {len(over)} over the {OVERRUN_SECONDS:g} s policy"
    )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

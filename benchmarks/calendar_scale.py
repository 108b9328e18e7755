"""Calendar at scale (#13): 40 managers x 2,000 accounts over 13 weeks, on a plan that fits the hours.

Usage:  PYTHONPATH=. .venv/bin/python benchmarks/calendar_scale.py [--accounts 2000] [--managers 40]
        [--weeks 13] [--time-limit 60] [--workers 2] [--country CN] [--seed 7]
        [--max-capacity 173] [--demand R] [--realistic] [--assign-limit 30] [--plan assign|nearest]
        [--keep DIR]

The data come from the generator with every manager's month capped at `--max-capacity` hours
(default a working month, 173 h: above it no calendar can hold the plan, and the old run's
188-298 h managers were short of days, not of search). The plan is `planner assign`'s on that
data, run as a user would (`--plan nearest` keeps the old stand-in: current or nearest manager,
whatever their hours), and its service is printed: a plan that leaves accounts unserved asks no
visits of them.

`--time-limit` is the whole calendar's: reading the inputs, planning, writing and checking;
planning gets what reading leaves less a reserve for writing. Prints the wall time per phase,
visits required and planned per tier, the shortfall by reason, the managers whose plan holds
more hours than their working days in this horizon (the assignment counts a 52-week average
month, so a horizon with holidays can hold less), and what the independent checker finds.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from planner.budget import Budget
from planner.calendar.build import load_inputs
from planner.calendar.output import write_calendar
from planner.calendar.solve import plan_calendar
from planner.generator import REALISTIC_DEMAND_RATIO, WIDE_SPREAD_KM, WORKING_MONTH_HOURS, generate, write_csv
from planner.geo import haversine_km
from planner.models import Dataset

PLANNER = str(Path(sys.executable).with_name("planner"))
# Seconds kept back from planning for writing visits.csv, the .ics files and summary.json and
# checking them (2-4 s at 2,000 accounts under load 5-7).
WRITE_RESERVE_S = 5.0


def nearest_plan(dataset: Dataset, folder: Path) -> None:
    """The old stand-in for `planner assign`: the current manager when active, else the nearest
    active one of the account's region; nobody's hours are looked at."""
    folder.mkdir(parents=True, exist_ok=True)
    active = [m for m in dataset.managers if m.active]
    home = np.radians([[m.home_lat or 0.0, m.home_lon or 0.0] for m in active])
    with (folder / "plan.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["account_id", "manager_id"])
        current_ok = {m.manager_id for m in active}
        for a in dataset.accounts:
            if a.current_manager_id in current_ok:
                w.writerow([a.account_id, a.current_manager_id])
                continue
            same = [j for j, m in enumerate(active) if m.region == a.region] or list(range(len(active)))
            lat, lon = np.radians(a.lat or 0.0), np.radians(a.lon or 0.0)
            km = haversine_km(lat, lon, home[same, 0], home[same, 1])
            w.writerow([a.account_id, active[same[int(np.argmin(km))]].manager_id])


def assign_plan(work: Path, folder: Path, time_limit: float) -> dict:
    """`planner assign` on the generated files; its summary.json."""
    started = time.monotonic()
    done = subprocess.run(
        [PLANNER, "assign", "-a", str(work / "accounts.csv"), "-m", str(work / "managers.csv"),
         "--out", str(folder), "--time-limit", str(time_limit), "--quiet"],
        capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode != 0:
        sys.exit(f"planner assign failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    summary = json.loads((folder / "summary.json").read_text())
    solver = summary["solver"]
    short = summary.get("shortfall") or {}
    hours = [m["hours"] for m in summary["evaluation"]["managers"] if m["accounts"]]
    print(
        f"assign: {solver['status']}, gap {solver.get('gap')}, service "
        f"{solver.get('statistics', {}).get('service', '?')}: reduced {short.get('accounts_reduced', 0)}, "
        f"unserved {short.get('accounts_unserved', 0)} (hours needed for full service "
        f"{short.get('hours_needed_for_full_service', '-')}, available {short.get('hours_available', '-')}); "
        f"managers' hours a month {min(hours):.0f}-{max(hours):.0f}; {time.monotonic() - started:.1f} s"
    )
    return summary


def over_horizon(plan_summary: dict | None, calendar_summary: dict, weeks: int, hours_per_day: float) -> str:
    """Managers whose plan asks more hours (a month's, over the horizon's months) than their
    working days in the horizon hold, and the visits they miss."""
    if plan_summary is None:
        return "-"
    hours = {m["manager_id"]: m["hours"] for m in plan_summary["evaluation"]["managers"]}
    months = weeks * 12 / 52
    over = [
        m
        for m in calendar_summary["managers"]
        if hours.get(m["manager_id"], 0.0) * months > m["working_days"] * hours_per_day + 1e-6
    ]
    missed = sum(m["missed_visits"] for m in over)
    return f"{len(over)} ({', '.join(m['manager_id'] for m in over) or 'none'}; {missed} visits missed there)"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--accounts", type=int, default=2000)
    ap.add_argument("--managers", type=int, default=40)
    ap.add_argument("--weeks", type=int, default=13)
    ap.add_argument("--time-limit", type=float, default=60.0, help="the whole calendar: read, plan, write")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--country", default="CN")
    ap.add_argument("--start", default="2025-03-03")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--max-capacity", type=float, default=WORKING_MONTH_HOURS, help="hours a month at most")
    ap.add_argument("--demand", type=float, default=None, help="workload / hours per region (generator)")
    ap.add_argument(
        "--realistic", action="store_true", help="wide regions, managers in big cities, demand 1.05-1.30"
    )
    ap.add_argument("--plan", choices=("assign", "nearest"), default="assign")
    ap.add_argument("--assign-limit", type=float, default=30.0)
    ap.add_argument("--keep", type=Path, default=None, help="write the data, plan and calendar here")
    args = ap.parse_args()
    from planner.native_output import python_stdout_only

    python_stdout_only()  # HiGHS' printf (machine code) stays off the rows

    work = args.keep or Path(tempfile.mkdtemp(prefix="calendar-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    shape: dict = {"max_capacity_hours": args.max_capacity}
    if args.realistic:
        shape.update(
            demand_ratio=REALISTIC_DEMAND_RATIO, spread_km=WIDE_SPREAD_KM, managers_in_big_cities=True
        )
    if args.demand is not None:
        shape["demand_ratio"] = args.demand
    dataset = generate(args.accounts, args.managers, seed=args.seed, **shape)
    write_csv(dataset, work)
    caps = [m.capacity_hours for m in dataset.managers if m.active]
    print(
        f"data: {args.accounts} accounts x {args.managers} managers, seed {args.seed}, {shape}; "
        f"capacity {min(caps):.0f}-{max(caps):.0f} h a month, {sum(caps):.0f} h in all"
    )
    plan_summary = None
    if args.plan == "assign":
        plan_summary = assign_plan(work, work / "plan", args.assign_limit)
    else:
        nearest_plan(dataset, work / "plan")
        print("plan: current or nearest manager (no hours looked at)")

    budget = Budget(args.time_limit)
    inputs = load_inputs(
        accounts=work / "accounts.csv",
        managers=work / "managers.csv",
        plan=work / "plan",
        start=args.start,
        weeks=args.weeks,
        country=args.country,
    )
    loaded = budget.elapsed()
    plan = plan_calendar(
        inputs,
        seed=args.seed,
        workers=args.workers,
        budget=budget.child(max(0.1, budget.remaining() - WRITE_RESERVE_S)),
    )
    planned = budget.elapsed()
    _, _, summary = write_calendar(plan, work / "calendar")
    done = budget.elapsed()

    v = summary["visits"]
    print(f"calendar: {args.weeks} weeks from {args.start} ({args.country}), {args.workers} workers")
    print(
        f"wall time: {done:.1f} s  (load {loaded:.1f}, plan {planned - loaded:.1f}, write+check {done - planned:.1f})"
    )
    print(f"{'tier':10} {'required':>9} {'planned':>8}")
    for tier, need in v["required_by_tier"].items():
        print(f"{tier:10} {need:9d} {v['planned_by_tier'][tier]:8d}")
    print(
        f"{'total':10} {v['required']:9d} {v['planned']:8d}  ({100 * v['planned'] / max(1, v['required']):.1f} %)"
    )
    short = summary["shortfall"]
    reasons: dict[str, int] = {}
    for a in short["accounts"]:
        reasons[a["reason"]] = reasons.get(a["reason"], 0) + a["missing"]
    print(f"managers short: {len(short['managers'])}; missed visits by reason: {reasons}")
    hours_per_day = inputs.calendar.hours_per_day
    print(
        f"managers whose plan holds more hours than their working days: "
        f"{over_horizon(plan_summary, summary, args.weeks, hours_per_day)}"
    )
    trips = sum(m["trips"] for m in summary["managers"])
    nights = sum(m["nights_away"] for m in summary["managers"])
    print(f"travel: {summary['travel_hours_total']:.0f} h; trips {trips}, nights away {nights}")
    print(f"busiest day: {summary['busiest_day']}")
    print(f"days over capacity: {summary['days_over_capacity']}; checker: {summary['check']['by_rule']}")
    statuses: dict[str, int] = {}
    for m in summary["managers"]:
        statuses[m["solver_status"]] = statuses.get(m["solver_status"], 0) + 1
    print(f"per-manager status: {statuses}; output: {work / 'calendar'}")


if __name__ == "__main__":
    main()

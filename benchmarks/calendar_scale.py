"""Calendar at scale: 40 managers x 2,000 accounts over 13 weeks, on the generator's data.

Usage:  PYTHONPATH=. .venv/bin/python benchmarks/calendar_scale.py [--accounts 2000] [--managers 40]
        [--weeks 13] [--time-limit 60] [--workers 2] [--country CN] [--seed 7]

Accounts go to their current manager when that manager is active, else to the nearest active
manager of their region (a stand-in for `planner assign`). Prints wall time, visits required
and planned per tier, shortfall, and what the independent checker finds.
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
from pathlib import Path

import numpy as np

from planner.calendar.build import load_inputs
from planner.calendar.output import write_calendar
from planner.calendar.solve import plan_calendar
from planner.generator import generate, write_csv
from planner.geo import haversine_km
from planner.models import Dataset


def simple_plan(dataset: Dataset, path: Path) -> None:
    active = [m for m in dataset.managers if m.active]
    home = np.radians([[m.home_lat or 0.0, m.home_lon or 0.0] for m in active])
    with path.open("w", newline="") as fh:
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--accounts", type=int, default=2000)
    ap.add_argument("--managers", type=int, default=40)
    ap.add_argument("--weeks", type=int, default=13)
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--country", default="CN")
    ap.add_argument("--start", default="2025-03-03")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--keep", type=Path, default=None, help="write the data and calendar here")
    args = ap.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="calendar-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    dataset = generate(args.accounts, args.managers, seed=args.seed)
    write_csv(dataset, work)
    (work / "plan").mkdir(exist_ok=True)
    simple_plan(dataset, work / "plan" / "plan.csv")

    started = time.monotonic()
    inputs = load_inputs(
        accounts=work / "accounts.csv",
        managers=work / "managers.csv",
        plan=work / "plan",
        start=args.start,
        weeks=args.weeks,
        country=args.country,
    )
    loaded = time.monotonic()
    plan = plan_calendar(inputs, time_limit_s=args.time_limit, seed=args.seed, workers=args.workers)
    planned = time.monotonic()
    _, _, summary = write_calendar(plan, work / "calendar")
    done = time.monotonic()

    v = summary["visits"]
    print(
        f"{args.managers} managers x {args.accounts} accounts, {args.weeks} weeks from {args.start} ({args.country})"
    )
    print(
        f"wall time: {done - started:.1f} s  (load {loaded - started:.1f}, plan {planned - loaded:.1f}, write+check {done - planned:.1f})"
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
    print(f"travel: {summary['travel_hours_total']:.0f} h; busiest day: {summary['busiest_day']}")
    print(f"days over capacity: {summary['days_over_capacity']}; checker: {summary['check']['by_rule']}")
    statuses: dict[str, int] = {}
    for m in summary["managers"]:
        statuses[m["solver_status"]] = statuses.get(m["solver_status"], 0) + 1
    print(f"per-manager status: {statuses}; output: {work / 'calendar'}")


if __name__ == "__main__":
    main()

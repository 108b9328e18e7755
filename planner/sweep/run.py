"""A policy sweep: one solve per point on the engine of `planner.distributed`, written as they
finish, then the table and the Pareto chart.

Files in the output folder:
- points.jsonl: one line per finished point, written at once (an interrupted run keeps them);
- sweep.csv: one row per point in the file's order, its parameters, the four criteria, the
  solver's status and whether it is on the Pareto set;
- pareto.png/.svg: the chart; summary.json: settings, counts, failures, timings.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from planner.distributed import Done, Engine, TaskRun, collect
from planner.io.rows_log import write_csv
from planner.scenario.pareto import pareto_mask
from planner.sweep.chart import write_pareto_chart
from planner.sweep.points import Point
from planner.sweep.task import CRITERIA, PointOutcome, SweepBase, solve_point

POINTS_FILE = "points.jsonl"
OnDone = Callable[[Done[tuple[int, Point], PointOutcome], int, int], None]


# One sweep's solves (the shared type of planner.distributed), in point order.
SweepRun = TaskRun[PointOutcome]


def run_sweep(
    base: SweepBase,
    points: list[Point],
    engine: Engine,
    out: Path | None = None,
    on_done: OnDone | None = None,
) -> SweepRun:
    items = list(enumerate(points))
    keys = [f"point-{k}" for k, _ in items]
    log_path = out / POINTS_FILE if out is not None else None
    return collect(solve_point, base, items, keys, engine, log_path, _log_row, on_done)


def _log_row(done: Done[tuple[int, Point], PointOutcome]) -> dict[str, Any]:
    return {
        "key": done.key,
        "error": done.error,
        "seconds": round(done.seconds, 4),
        "where": done.where,
        "outcome": asdict(done.result) if done.result is not None else None,
    }


def sweep_rows(outcomes: list[PointOutcome]) -> list[dict[str, Any]]:
    """One row per point, in point order; `pareto`: no other point with a plan is at least as
    good on all four criteria and better on one."""
    planned = [o for o in outcomes if o.has_plan]
    mask = dict(zip((o.index for o in planned), pareto_mask([o.criteria() for o in planned]), strict=True))
    rows = []
    for o in outcomes:
        row: dict[str, Any] = {"point": o.index, **{f"param:{k}": _cell(v) for k, v in o.point.items()}}
        row |= {c: getattr(o, c) for c in CRITERIA}
        row |= {
            "value_uncovered": o.value_uncovered,
            "uncovered": o.uncovered,
            "objective": o.objective,
            "status": o.status,
            "pareto": mask.get(o.index, False),
            "reason": o.reason,
        }
        rows.append(row)
    return rows


def write_report(out: Path, run: SweepRun, settings: dict[str, Any]) -> dict[str, Any]:
    out.mkdir(parents=True, exist_ok=True)
    rows = sweep_rows(run.outcomes)
    columns = list(rows[0]) if rows else ["point", *CRITERIA, "status", "pareto"]
    write_csv(out / "sweep.csv", columns, rows)
    planned = [r for r in rows if r["value_lost"] is not None]
    if planned:
        write_pareto_chart(planned, out)
    seconds = list(run.task_seconds.values())
    summary = {
        "settings": settings,
        "points": run.total,
        "finished": len(run.outcomes),
        "with_plan": len(planned),
        "pareto": [r["point"] for r in rows if r["pareto"]],
        "failed": run.failed,
        "complete": not run.interrupted and len(run.outcomes) + len(run.failed) == run.total,
        "timing": {
            "wall_seconds": run.wall_seconds,
            "start_seconds": round(run.setup.start_seconds, 3),
            "workers": run.setup.workers,
            "task_seconds_sum": round(sum(seconds), 3),
        },
    }
    (out / "summary.json").write_text(
        json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return summary


def _cell(value: Any) -> Any:
    return json.dumps(value) if isinstance(value, list | dict) or value is None else value

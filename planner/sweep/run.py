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
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from planner.distributed import Done, Engine, Setup, run_tasks
from planner.io.rows_log import maybe_rows_log, write_csv
from planner.scenario.pareto import pareto_mask
from planner.sweep.chart import write_pareto_chart
from planner.sweep.points import Point
from planner.sweep.task import CRITERIA, PointOutcome, SweepBase, solve_point

POINTS_FILE = "points.jsonl"
OnDone = Callable[[Done[tuple[int, Point], PointOutcome], int, int], None]


@dataclass
class SweepRun:
    outcomes: list[PointOutcome] = field(default_factory=list)  # in point order
    failed: dict[str, str] = field(default_factory=dict)
    task_seconds: dict[str, float] = field(default_factory=dict)
    setup: Setup = field(default_factory=lambda: Setup(0.0, 0.0, 0))
    wall_seconds: float = 0.0
    total: int = 0
    interrupted: bool = False


def run_sweep(
    base: SweepBase,
    points: list[Point],
    engine: Engine,
    out: Path | None = None,
    on_done: OnDone | None = None,
) -> SweepRun:
    items = list(enumerate(points))
    keys = [f"point-{k}" for k, _ in items]
    run = SweepRun(total=len(items))
    got: dict[str, PointOutcome] = {}
    started = time.perf_counter()
    try:
        with (
            maybe_rows_log(out / POINTS_FILE if out is not None else None) as log,
            run_tasks(solve_point, base, items, keys, engine) as (setup, results),
        ):
            run.setup = setup
            for done in results:
                if done.result is not None:
                    got[done.key] = done.result
                    run.task_seconds[done.key] = round(done.seconds, 4)
                else:
                    run.failed[done.key] = done.error or "failed"
                if log is not None:
                    log.write(
                        {
                            "key": done.key,
                            "error": done.error,
                            "seconds": round(done.seconds, 4),
                            "where": done.where,
                            "outcome": asdict(done.result) if done.result is not None else None,
                        }
                    )
                if on_done is not None:
                    on_done(done, len(got) + len(run.failed), run.total)
    except KeyboardInterrupt:
        run.interrupted = True
    run.wall_seconds = round(time.perf_counter() - started, 3)
    run.outcomes = [got[k] for k in keys if k in got]
    return run


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

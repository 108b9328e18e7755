"""Attrition risk for a whole team: one minimal-change re-plan per leaver (or pair), run on the
engine of `planner.distributed`, written as they finish, then ranked.

Files in the output folder:
- results.jsonl: one line per finished re-plan, written at once (an interrupted run keeps them);
- risk.csv: the leaver sets ranked, most at risk first, with the sentence for each;
- bench.csv: bench strength per region x language x seniority;
- risk.png/.svg and bench.png/.svg: the charts;
- summary.json: the settings, counts, failures and timings.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from planner.distributed import Done, Engine, TaskRun, collect
from planner.io.rows_log import write_csv
from planner.robustness.bench import BENCH_COLUMNS, bench_strength
from planner.robustness.chart import write_bench_chart, write_risk_chart
from planner.robustness.leavers import Baseline, LeaverOutcome, replan_cost, replan_without, task_key
from planner.robustness.risk import RISK_COLUMNS, risk_rows

RESULTS_FILE = "results.jsonl"

OnDone = Callable[[Done[tuple[str, ...], LeaverOutcome], int, int], None]  # (done, finished, total)


# One run's re-plans (the shared type of planner.distributed), in the order of the leaver sets.
RobustnessRun = TaskRun[LeaverOutcome]


def run_robustness(
    base: Baseline,
    sets: list[tuple[str, ...]],
    engine: Engine,
    out: Path | None = None,
    on_done: OnDone | None = None,
) -> RobustnessRun:
    """Re-plan once per leaver set. With `out`, each finished re-plan is written to
    out/results.jsonl as it arrives. Ctrl-C stops the run and keeps what finished
    (`interrupted`); the cluster is shut down either way."""
    keys = [task_key(s) for s in sets]
    log_path = out / RESULTS_FILE if out is not None else None
    costs = [replan_cost(base, s) for s in sets]  # longest first, the short ones batched
    return collect(replan_without, base, sets, keys, engine, log_path, _log_row, on_done, costs)


def write_report(out: Path, base: Baseline, run: RobustnessRun, settings: dict[str, Any]) -> dict[str, Any]:
    """risk.csv, bench.csv, the charts and summary.json from what finished; returns the summary."""
    out.mkdir(parents=True, exist_ok=True)
    rows = risk_rows(run.outcomes)
    bench = bench_strength(base)
    write_csv(out / "risk.csv", RISK_COLUMNS, rows)
    write_csv(out / "bench.csv", BENCH_COLUMNS, bench)
    if rows:
        write_risk_chart(rows, out)
    if bench:
        write_bench_chart(bench, out)
    seconds = list(run.task_seconds.values())
    summary = {
        "settings": settings,
        "leaver_sets": run.total,
        "finished": len(run.outcomes),
        "failed": run.failed,
        "complete": run.complete,
        "at_risk": sum(1 for o in run.outcomes if o.uncovered),
        "thin_cells": sum(1 for b in bench if b["thin"]),
        "top": [r["risk"] for r in rows[:10]],
        "timing": {
            "wall_seconds": run.wall_seconds,
            "start_seconds": round(run.setup.start_seconds, 3),
            "scatter_seconds": round(run.setup.scatter_seconds, 3),
            "workers": run.setup.workers,
            "batches": run.setup.batches,  # Dask tasks the re-plans went out in (0: serial)
            "task_seconds_sum": round(sum(seconds), 3),
            "task_seconds_max": round(max(seconds), 3) if seconds else 0.0,
        },
    }
    (out / "summary.json").write_text(
        json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return summary


def _log_row(done: Done[tuple[str, ...], LeaverOutcome]) -> dict[str, Any]:
    return {
        "key": done.key,
        "leavers": list(done.item),
        "error": done.error,
        "seconds": round(done.seconds, 4),
        "where": done.where,
        "outcome": asdict(done.result) if done.result is not None else None,
    }

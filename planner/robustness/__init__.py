"""Attrition risk: what happens to the plan in force if any one manager (or two) leaves."""

from planner.robustness.bench import bench_strength
from planner.robustness.leavers import (
    Baseline,
    LeaverOutcome,
    ReplanSettings,
    baseline,
    leaver_sets,
    replan_cost,
    replan_without,
)
from planner.robustness.risk import risk_rows, risk_words
from planner.robustness.run import RobustnessRun, run_robustness, write_report

__all__ = [
    "Baseline",
    "LeaverOutcome",
    "ReplanSettings",
    "RobustnessRun",
    "baseline",
    "bench_strength",
    "leaver_sets",
    "replan_cost",
    "replan_without",
    "risk_rows",
    "risk_words",
    "run_robustness",
    "write_report",
]

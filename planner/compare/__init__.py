"""Compare plan directories: KPIs from the evaluator side by side, and what moved between them."""

from planner.compare.diff import plan_diff
from planner.compare.kpis import KPI_ROWS, plan_kpis
from planner.compare.report import comparison
from planner.compare.sources import DataFiles, PlanSource, load_source

__all__ = ["KPI_ROWS", "DataFiles", "PlanSource", "comparison", "load_source", "plan_diff", "plan_kpis"]

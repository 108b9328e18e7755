"""Policy sweeps: a grid or random sample over policy parameters, one solve per point."""

from planner.sweep.points import expand, with_point
from planner.sweep.run import SweepRun, run_sweep, sweep_rows, write_report
from planner.sweep.spec import SweepSpec, load_sweep
from planner.sweep.task import PointOutcome, SweepBase, solve_point

__all__ = [
    "PointOutcome",
    "SweepBase",
    "SweepRun",
    "SweepSpec",
    "expand",
    "load_sweep",
    "run_sweep",
    "solve_point",
    "sweep_rows",
    "with_point",
    "write_report",
]

"""What-if scenarios: a YAML file of changes to the base data, resolved, solved and traced."""

from planner.scenario.load import load_scenario
from planner.scenario.resolve import RESOLVED_FILE, Resolved, load_and_resolve, resolve_scenario
from planner.scenario.run import solve_scenario, write_plan_dir
from planner.scenario.spec import ScenarioSpec
from planner.scenario.trace import rebuild

__all__ = [
    "RESOLVED_FILE",
    "Resolved",
    "ScenarioSpec",
    "load_and_resolve",
    "load_scenario",
    "rebuild",
    "resolve_scenario",
    "solve_scenario",
    "write_plan_dir",
]

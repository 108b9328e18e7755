"""A plan directory, re-scored: its plan, its summary, and the evaluator's verdict on its own data.

Which data? In order: files given explicitly (--accounts/--managers/--policy), else the copies
in the directory's inputs/ (planner.io.recorded), else, for directories written before those
copies, the directory's scenario.resolved.yaml (roster changes re-applied, effective policy
verbatim), else the input paths `planner assign` recorded in summary.json.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planner.context import Context
from planner.errors import InputError, InputProblem
from planner.evaluate import Evaluation, evaluate
from planner.io.loader import load_dataset
from planner.io.plan_dir import read_plan, read_summary
from planner.io.recorded import recorded_files
from planner.models import Dataset, Plan
from planner.plan_data import plan_files
from planner.scenario.resolve import RESOLVED_FILE
from planner.scenario.trace import rebuild


@dataclass(frozen=True)
class DataFiles:
    """Explicit data files that override whatever a plan directory recorded."""

    accounts: Path
    managers: Path
    policy: Path | None = None


@dataclass(frozen=True, eq=False)
class PlanSource:
    name: str
    path: Path
    ctx: Context
    plan: Plan
    summary: dict[str, Any]
    evaluation: Evaluation
    data_from: str  # where the data came from, said in reports


def load_source(plan_dir: Path, files: DataFiles | None = None, name: str | None = None) -> PlanSource:
    plan_dir = Path(plan_dir)
    if not plan_dir.is_dir():
        raise InputError([InputProblem(str(plan_dir), None, None, "not a plan directory")])
    plan = read_plan(plan_dir)
    summary = read_summary(plan_dir)
    if files is not None:
        ctx = Context.build(
            load_dataset(files.accounts, files.managers, files.policy),
            base_dir=files.policy.parent if files.policy else None,
        )
        data_from = "files given on the command line"
    elif recorded_files(plan_dir, summary).has_copies():
        recorded = plan_files(plan_dir)
        ctx = Context.build(
            load_dataset(recorded.accounts, recorded.managers, recorded.policy),
            base_dir=recorded.policy.parent if recorded.policy else None,
        )
        data_from = recorded.data_from
    elif (plan_dir / RESOLVED_FILE).exists():
        ctx = Context.build(rebuild(plan_dir).dataset)
        data_from = RESOLVED_FILE
    else:
        ctx = _from_summary(plan_dir, summary)
        data_from = "summary.json inputs"
    max_moves = summary.get("max_moves")
    evaluation = evaluate(ctx, plan, max_moves=max_moves if isinstance(max_moves, int) else None)
    return PlanSource(name or plan_dir.name, plan_dir, ctx, plan, summary, evaluation, data_from)


def _from_summary(plan_dir: Path, summary: dict[str, Any]) -> Context:
    inputs = summary.get("inputs")
    if not isinstance(inputs, dict) or not inputs.get("accounts") or not inputs.get("managers"):
        raise InputError(
            [
                InputProblem(
                    str(plan_dir / "summary.json"),
                    None,
                    "inputs",
                    "records no data files; pass --accounts and --managers (and --policy)",
                )
            ]
        )
    accounts = _locate(inputs["accounts"], plan_dir)
    managers = _locate(inputs["managers"], plan_dir)
    policy = _locate(inputs["policy"], plan_dir) if inputs.get("policy") else None
    dataset = load_dataset(accounts, managers, policy)
    if summary.get("unassigned"):
        # `assign --allow-unassigned` is not recorded in inputs; a listed unassigned account implies it.
        dataset = Dataset(
            managers=dataset.managers,
            accounts=dataset.accounts,
            policy=dataset.policy.model_copy(update={"allow_unassigned": True}),
        )
    return Context.build(dataset, base_dir=policy.parent if policy else None)


def _locate(recorded: str, plan_dir: Path) -> Path:
    """`planner assign` records paths as typed: relative to where it ran, which we cannot know.
    The current directory is the usual answer; the plan's own folder is the fallback."""
    path = Path(recorded)
    if path.is_absolute() or path.exists():
        return path
    beside = plan_dir / path
    return beside if beside.exists() else path

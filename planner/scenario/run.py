"""Solve a resolved scenario and write its plan directory, the same files `planner assign` writes.

A scenario plan directory = plan.csv + summary.json (the very writer functions
`planner assign` uses) + scenario.resolved.yaml, all swapped in atomically.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from planner.assign import AssignmentOutcome, run_assignment
from planner.context import Context
from planner.io.loader import load_dataset
from planner.io.outdir import OutputDir, atomic_directory
from planner.io.plan_dir import write_json, write_plan_csv
from planner.io.recorded import record_inputs
from planner.report import summary
from planner.scenario.resolve import RESOLVED_FILE, Resolved
from planner.solvers import Progress, SolveOptions

log = logging.getLogger(__name__)

_HEADER = (
    "# Written by `planner scenario run`: everything this plan was made from.\n"
    "# inputs: absolute paths and sha256 of the data files; effective_policy: the policy after\n"
    "# overrides and changes; spec: the scenario as read (paths made absolute), enough to re-run it.\n"
)


def solve_scenario(
    resolved: Resolved,
    *,
    max_moves: int | None = None,
    on_progress: Callable[[Progress], None] | None = None,
) -> AssignmentOutcome:
    """Solve with the scenario's own solver settings; raises InfeasibleError with reasons."""
    settings = resolved.spec.solver
    options = SolveOptions(
        time_limit_seconds=settings.time_limit_seconds,
        threads=settings.effective_threads,
        seed=settings.seed,
        deterministic=settings.deterministic,
        on_progress=on_progress,
    )
    ctx = Context.build(resolved.dataset)
    log.info("scenario %s: %s", resolved.spec.name, "; ".join(n for n in resolved.notes if n) or "no changes")
    return run_assignment(ctx, solver=settings.effective_name, options=options, max_moves=max_moves)


def summary_inputs(resolved: Resolved) -> dict[str, Any]:
    settings = resolved.spec.solver
    return {
        "accounts": resolved.spec.data.accounts,
        "managers": resolved.spec.data.managers,
        "policy": resolved.spec.data.policy,
        "scenario": (resolved.scenario_file or {}).get("path"),
        "resolved": RESOLVED_FILE,
        "solver": settings.effective_name,
        "time_limit_seconds": settings.time_limit_seconds,
        "threads": settings.effective_threads,
        "seed": settings.seed,
        "deterministic": settings.deterministic,
    }


def write_plan_dir(out: Path | OutputDir, resolved: Resolved, outcome: AssignmentOutcome) -> None:
    """plan.csv, summary.json and scenario.resolved.yaml, replacing `out` only once all are written.

    `out` is a path, or a folder the caller claimed before solving (planner.io.outdir)."""
    if outcome.evaluation is None:
        raise ValueError("no plan to write: the solver found none")
    with atomic_directory(out, "plan", input_paths(resolved)) as scratch:
        write_plan_csv(scratch / "plan.csv", outcome.evaluation)
        inputs = summary_inputs(resolved)
        inputs["files"] = record_scenario_inputs(scratch, resolved)
        write_json(scratch / "summary.json", summary(outcome, inputs))
        write_resolved(scratch / RESOLVED_FILE, resolved)


def input_paths(resolved: Resolved) -> list[str]:
    """Every file the scenario was made from: an output folder must not hold any of them."""
    records = [resolved.scenario_file, *resolved.inputs.values()]
    return [record["path"] for record in records if record]


def write_resolved(path: Path, resolved: Resolved) -> None:
    text = yaml.safe_dump(resolved.record(), sort_keys=False, allow_unicode=True, width=110)
    path.write_text(_HEADER + text, encoding="utf-8")


def record_scenario_inputs(plan_dir: Path, resolved: Resolved) -> dict[str, Any]:
    """Copy the data the plan was solved on into `plan_dir/inputs/`: a base file as it is where
    the changes left its table alone, else the table as changed; the effective policy always."""
    data = resolved.spec.data
    accounts, managers = Path(data.accounts), Path(data.managers)
    policy_file = Path(data.policy) if data.policy else None
    base = load_dataset(accounts, managers, policy_file)
    return record_inputs(
        plan_dir,
        accounts=accounts,
        managers=managers,
        policy_file=policy_file,
        policy=resolved.dataset.policy,
        changed=resolved.dataset,
        changed_accounts=base.accounts != resolved.dataset.accounts,
        changed_managers=base.managers != resolved.dataset.managers,
    )

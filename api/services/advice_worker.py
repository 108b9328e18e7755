"""What runs in a worker process for hire advice: load the data set version, plan it as it is,
and when hours fall short find the hires that restore full service (`planner.advice`), each
set checked by planning again. The status is written as for every job (`job_lifecycle`), each
write conditional on the job still being active, so a cancel that lands mid-run wins over the
result; a watcher reads the row every half second and cancels the run's budget, which stops the
plan under way and every later one, so a cancelled advice frees its worker at once."""

from __future__ import annotations

import math
from typing import Any

from api.db import AdviceRow
from api.schemas_scarcity import AdviceIn
from api.services.job_lifecycle import in_worker, run_task, stop_check
from api.services.scenario import resolve
from api.store import Store
from planner.advice import advise_hires
from planner.assign import run_assignment
from planner.budget import Budget
from planner.context import Context
from planner.errors import Cancelled
from planner.models import Dataset
from planner.shortfall_report import shortfall
from planner.solvers import SolveOptions

CHECK_SECONDS = 0.5  # how often the run looks at the row for a cancel


def run_advice(database_url: str, advice_id: str) -> str:
    """Entry point in the worker process; returns the final status (also written to the DB)."""
    return in_worker(database_url, lambda store: _run(store, advice_id))


def _run(store: Store, advice_id: str) -> str:
    return run_task(store, AdviceRow, advice_id, "hire advice", lambda row: {"result": _advise(store, row)})


def _advise(store: Store, row: AdviceRow) -> dict[str, Any]:
    """The HireAdviceOut body: the data as it is planned, and the hires that restore full service."""
    spec = AdviceIn.model_validate(row.request)
    stored = store.version(row.dataset_id, row.dataset_version)
    assert stored is not None
    dataset, _ = resolve(Dataset.model_validate(stored.payload), spec.policy_overrides, [], None)
    # Advice is about a shortfall, so the plan as it is must be allowed to have one.
    dataset = dataset.model_copy(
        update={"policy": dataset.policy.model_copy(update={"allow_unassigned": True})}
    )
    options = SolveOptions(
        time_limit_seconds=spec.solver.time_limit_seconds,
        threads=spec.solver.effective_threads,
        seed=spec.solver.seed,
        deterministic=spec.solver.deterministic,
    )
    solver = spec.solver.effective_name
    run = Budget(math.inf)  # cancellation only: each plan gets its own limit as a child
    with run.cancel_when(stop_check(store, AdviceRow, row.id), CHECK_SECONDS):
        return _advise_within(run, dataset, options, solver, spec)


def _advise_within(
    run: Budget, dataset: Dataset, options: SolveOptions, solver: str, spec: AdviceIn
) -> dict[str, Any]:
    base = run_assignment(
        Context.build(dataset), solver, options.within(run.child(options.time_limit_seconds))
    )
    if run.cancelled:
        raise Cancelled("hire advice stopped by request")
    if base.evaluation is None:
        raise RuntimeError(
            f"no plan of the data as it is within {spec.solver.time_limit_seconds:g} s "
            f"({base.result.status.value}); allow each plan more time"
        )
    report = shortfall(base)
    # Without a shortfall the advice is empty at once: no hire is needed.
    advice = advise_hires(
        dataset, options, base=base, budget_seconds=spec.budget_seconds, solver=solver, budget=run
    )
    return {
        "has_shortfall": bool(report["has_shortfall"]),
        "shortfall": report,
        **advice.as_dict(),
        "restored_account_ids": advice.restored_accounts,
    }

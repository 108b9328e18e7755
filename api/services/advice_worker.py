"""What runs in a worker process for hire advice: load the data set version, plan it as it is,
and when hours fall short find the hires that restore full service (`planner.advice`), each
set checked by planning again. The status is written as for every job (`job_lifecycle`), each
write conditional on the job still being active, so a cancel that lands mid-run wins over the
result; the run itself asks the row before each plan (and CP-SAT at its progress reports), so
a cancelled advice frees its worker within one plan."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from api.db import AdviceRow
from api.schemas_scarcity import AdviceIn
from api.services.job_lifecycle import in_worker, run_task, stop_check
from api.services.scenario import resolve
from api.store import Store
from planner.advice import advise_hires
from planner.assign import run_assignment
from planner.context import Context
from planner.errors import Cancelled
from planner.models import Dataset
from planner.shortfall_report import shortfall
from planner.solvers import Progress, SolveOptions

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
    stop = stop_check(store, AdviceRow, row.id, CHECK_SECONDS)
    options = SolveOptions(
        time_limit_seconds=spec.solver.time_limit_seconds,
        threads=spec.solver.effective_threads,
        seed=spec.solver.seed,
        deterministic=spec.solver.deterministic,
        on_progress=_stop_on(stop),
    )
    solver = spec.solver.effective_name
    base = run_assignment(Context.build(dataset), solver, options)
    if base.evaluation is None:
        raise RuntimeError(
            f"no plan of the data as it is within {spec.solver.time_limit_seconds:g} s "
            f"({base.result.status.value}); allow each plan more time"
        )
    report = shortfall(base)
    # Without a shortfall the advice is empty at once: no hire is needed.
    advice = advise_hires(
        dataset, options, base=base, budget_seconds=spec.budget_seconds, solver=solver, should_stop=stop
    )
    return {
        "has_shortfall": bool(report["has_shortfall"]),
        "shortfall": report,
        **advice.as_dict(),
        "restored_account_ids": advice.restored_accounts,
    }


def _stop_on(stop: Callable[[], bool]) -> Callable[[Progress], None]:
    """on_progress callback: a solver reporting progress stops when the advice was cancelled."""

    def report(_: Progress) -> None:
        if stop():
            raise Cancelled("hire advice stopped by request")

    return report

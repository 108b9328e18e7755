"""What runs in a worker process for hire advice: load the data set version, plan it as it is,
and when hours fall short find the hires that restore full service (`planner.advice`), each
set checked by planning again. Like a solve (`worker.py`), every write is conditional on the
job still being active, so a cancel that lands mid-run wins over the result; the run itself
asks the row before each plan (and CP-SAT at its progress reports), so a cancelled advice
frees its worker within one plan."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from api.db import make_engine, make_sessions, now
from api.jsonsafe import finite
from api.schemas_scarcity import AdviceIn
from api.services.scenario import resolve
from api.store import ACTIVE_JOB_STATES, Store
from planner.advice import advise_hires
from planner.assign import run_assignment
from planner.context import Context
from planner.errors import Cancelled, InputError
from planner.models import Dataset
from planner.shortfall_report import shortfall
from planner.solvers import Progress, SolveOptions

log = logging.getLogger(__name__)

CHECK_SECONDS = 0.5


def run_advice(database_url: str, advice_id: str) -> str:
    """Entry point in the worker process; returns the final status (also written to the DB)."""
    engine = make_engine(database_url, pooled=False)
    try:
        return _run(Store(make_sessions(engine)), advice_id)
    finally:
        engine.dispose()


def _run(store: Store, advice_id: str) -> str:
    if not store.update_active_advice(advice_id, status="running", started_at=now()):
        return "cancelled"
    row = store.advice(advice_id)
    assert row is not None
    try:
        result = _advise(store, advice_id, row.dataset_id, row.dataset_version, row.request)
    except Cancelled:  # the row says so already; the core is free for the next job
        return "cancelled"
    except InputError as exc:  # checked on submit already; a failed run still says what was wrong
        store.update_active_advice(advice_id, status="failed", error=str(exc), finished_at=now())
        return "failed"
    except Exception as exc:  # a bug must end the job, not leave it "running" forever
        log.exception("hire advice %s failed", advice_id)
        store.update_active_advice(
            advice_id, status="failed", error=f"{type(exc).__name__}: {exc}", finished_at=now()
        )
        return "failed"
    done = store.update_active_advice(advice_id, status="succeeded", result=finite(result), finished_at=now())
    return "succeeded" if done else "cancelled"


def _advise(
    store: Store, advice_id: str, dataset_id: str, version: int, request: dict[str, Any]
) -> dict[str, Any]:
    """The HireAdviceOut body: the data as it is planned, and the hires that restore full service."""
    spec = AdviceIn.model_validate(request)
    stored = store.version(dataset_id, version)
    assert stored is not None
    dataset, _ = resolve(Dataset.model_validate(stored.payload), spec.policy_overrides, [], None)
    # Advice is about a shortfall, so the plan as it is must be allowed to have one.
    dataset = dataset.model_copy(
        update={"policy": dataset.policy.model_copy(update={"allow_unassigned": True})}
    )
    stop = _cancelled(store, advice_id)
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


def _cancelled(store: Store, advice_id: str) -> Callable[[], bool]:
    """True once the advice is no longer active (cancelled); the database is read at most
    every CHECK_SECONDS."""
    last = [time.monotonic()]

    def stop() -> bool:
        if time.monotonic() - last[0] < CHECK_SECONDS:
            return False
        last[0] = time.monotonic()
        row = store.advice(advice_id)
        return row is None or row.status not in ACTIVE_JOB_STATES

    return stop


def _stop_on(stop: Callable[[], bool]) -> Callable[[Progress], None]:
    """on_progress callback: a solver reporting progress stops when the advice was cancelled."""

    def report(_: Progress) -> None:
        if stop():
            raise Cancelled("hire advice stopped by request")

    return report

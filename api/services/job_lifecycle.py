"""The life cycle a job's worker process runs for a visit calendar or a hire advice: mark the
record running, run its task, write how it ended. Like a solve (`worker.py`), every write is
conditional on the record still being active, so a cancel that lands mid-run wins over the
result; a task whose budget is cancelled by `stop_check` (`Budget.cancel_when`) frees its worker
soon after a cancel instead of running to its time limit.

A solve job keeps its own loop: it reports progress, has ends of its own (infeasible, no
solution) and publishes its plan in the same transaction as its status."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from api.db import make_engine, make_sessions, now
from api.jsonsafe import finite
from api.store import ACTIVE_JOB_STATES, RecordT, Store
from planner.errors import Cancelled, InputError

log = logging.getLogger(__name__)


def in_worker(database_url: str, run: Callable[[Store], str]) -> str:
    """Entry point in the worker process: `run(store)` on an engine of its own, without a pool
    (one short connection per job); returns the final status (also written to the DB)."""
    engine = make_engine(database_url, pooled=False)
    try:
        return run(Store(make_sessions(engine)))
    finally:
        engine.dispose()


def run_task(
    store: Store, kind: type[RecordT], record_id: str, what: str, task: Callable[[RecordT], dict[str, Any]]
) -> str:
    """Run `task(record)`, which returns the columns a success stores, and write the record's end:
    succeeded, failed (with the error) or cancelled. `what` names the kind in the log."""
    if not store.update_active(kind, record_id, status="running", started_at=now()):
        return "cancelled"
    row = store.record(kind, record_id, workspace=None)
    assert row is not None
    try:
        columns = task(row)
    except Cancelled:  # the row says so already; the core is free for the next job
        return "cancelled"
    except InputError as exc:  # checked on submit already; a failed run still says what was wrong
        store.fail(kind, record_id, str(exc))
        return "failed"
    except Exception as exc:  # a bug must end the job, not leave it "running" forever
        log.exception("%s %s failed", what, record_id)
        store.fail(kind, record_id, f"{type(exc).__name__}: {exc}")
        return "failed"
    done = store.update_active(kind, record_id, status="succeeded", **finite(columns), finished_at=now())
    return "succeeded" if done else "cancelled"


def stop_check(store: Store, kind: type[RecordT], record_id: str) -> Callable[[], bool]:
    """True once the record is no longer active (cancelled): for `Budget.cancel_when`, which
    asks it every so often in a thread of its own."""

    def stop() -> bool:
        row = store.record(kind, record_id, workspace=None)
        return row is None or row.status not in ACTIVE_JOB_STATES

    return stop

"""Hire advice for stored data sets, as a job.

Advice re-plans the data several times (the data as it is, then with each set of hires), so it
takes as long as a few solves: POST stores the request and hands it to the solve worker pool,
the job is polled, its result read back, and it can be cancelled, like a solve job. The data
set version, the policy overrides and the solver settings are checked before anything is
queued, so a bad request is a 422 at once, not a failed job later.
"""

from __future__ import annotations

from api.db import AdviceRow
from api.schemas_scarcity import AdviceIn
from api.services.jobs import JobService, check_solver, stored_version
from api.services.scenario import resolve
from api.store import Store, found
from planner.models import Dataset


class AdviceService:
    def __init__(self, store: Store, jobs: JobService):
        self._store = store
        self._jobs = jobs

    def submit(self, dataset_id: str, spec: AdviceIn, actor: str, workspace: str) -> AdviceRow:
        version = stored_version(self._store, dataset_id, spec.dataset_version, workspace)
        check_solver(spec.solver)
        resolve(Dataset.model_validate(version.payload), spec.policy_overrides, [], None)
        row = self._store.create_advice(
            dataset_id, version.version, spec.model_dump(mode="json"), actor, workspace=workspace
        )
        from api.services.advice_worker import run_advice

        self._jobs.dispatch(AdviceRow, row.id, run_advice)
        return row

    def get(self, advice_id: str, workspace: str) -> AdviceRow:
        return found(self._store.advice(advice_id, workspace=workspace), f"hire advice {advice_id!r}")

    def cancel(self, advice_id: str, workspace: str) -> AdviceRow:
        """Cancel the advice if it is unfinished. A queued one never starts; a running one stops
        before its next plan and its result is discarded either way."""
        self.get(advice_id, workspace)
        if self._store.cancel(AdviceRow, advice_id):
            self._jobs.withdraw(advice_id)
        return self.get(advice_id, workspace)

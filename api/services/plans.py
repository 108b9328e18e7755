"""Reading plans back: every number comes from re-evaluating the stored assignment on the data
it was made for, so a plan read tomorrow scores exactly as it did when it was made."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from api.db import PlanRow
from api.jsonsafe import finite
from api.services.datasets import DatasetCache
from api.store import Store, found
from planner.compare.diff import plan_diff
from planner.compare.kpis import plan_kpis
from planner.context import Context
from planner.evaluate import Evaluation, evaluate
from planner.explain import explain_account
from planner.fairness import fairness_report
from planner.models import Dataset, Plan
from planner.models.teams import ACCOUNT_MANAGER
from planner.team_workload import held_roles, workload_rows
from planner.teams.evaluate import TeamRow
from planner.tiering_change import tier_changes


def stored_service(row: PlanRow) -> dict[str, str]:
    """A stored plan's reduced service levels (account_id -> level name), kept in its summary;
    plans stored before service levels existed have none: full service."""
    service = row.summary.get("service") if isinstance(row.summary, dict) else None
    return dict(service) if isinstance(service, dict) else {}


class PlanService:
    """Plans of one workspace (`within`), or of all (`workspace` None: the server's own work)."""

    def __init__(self, store: Store, cache: DatasetCache, workspace: str | None = None):
        self._store = store
        self._cache = cache
        self._workspace = workspace

    def within(self, workspace: str) -> PlanService:
        """The same service seeing only `workspace`'s plans: any other plan id is not found."""
        return PlanService(self._store, self._cache, workspace)

    def get(self, plan_id: str) -> PlanRow:
        return found(self._store.plan(plan_id, workspace=self._workspace), f"plan {plan_id!r}")

    def dataset_of(self, row: PlanRow) -> Dataset:
        if row.scenario_dataset is not None:
            return Dataset.model_validate(row.scenario_dataset)
        version = self._store.version(row.dataset_id, row.dataset_version)
        assert version is not None
        return self._cache.get((row.dataset_id, row.dataset_version), version.payload)

    def plan_of(self, row: PlanRow) -> Plan:
        """The stored plan: its assignment, the reduced service levels kept in its summary, and
        its account teams (none for a plan without teams, or made before them)."""
        return Plan(assignment=row.assignment, service=stored_service(row), team=row.team or {})

    def evaluated(self, row: PlanRow) -> tuple[Context, Plan, Evaluation]:
        ctx = Context.build(self.dataset_of(row))
        plan = self.plan_of(row)
        return ctx, plan, evaluate(ctx, plan, max_moves=row.max_moves)

    def rows(self, plan_id: str) -> list[dict[str, Any]]:
        """plan.csv's rows: one per account; with account teams one per account x role (the account
        managers' first, then each team slot's), each with its `role`, as plan.csv writes them."""
        _, _, ev = self.evaluated(self.get(plan_id))
        if not ev.team:
            return finite([asdict(a) for a in ev.accounts])
        value = {a.account_id: a.value_score for a in ev.accounts}
        managers = [{**asdict(a), "role": ACCOUNT_MANAGER} for a in ev.accounts]
        return finite(managers + [_team_row(r, value[r.account_id]) for r in ev.team])

    def workload(self, plan_id: str) -> list[dict[str, Any]]:
        """Per person, the hours of the plan in each role they work in and over all of them
        (what capacity, utilisation and balance count): the CLI's summary rows, from the evaluator."""
        ctx, _, ev = self.evaluated(self.get(plan_id))
        rows = workload_rows(ev, ctx.dataset.managers)
        return finite([{**r, "hours": round(r["hours"], 2)} for r in rows])

    def explain(self, plan_id: str, account_id: str) -> dict[str, Any]:
        row = self.get(plan_id)
        ctx, plan, _ = self.evaluated(row)
        if account_id not in ctx.account_index:
            raise LookupError(f"account {account_id!r} is not in plan {plan_id!r}")
        return finite(explain_account(ctx, plan, account_id, max_moves=row.max_moves))

    def fairness(self, plan_id: str) -> dict[str, Any]:
        row = self.get(plan_id)
        ctx, _, ev = self.evaluated(row)
        industries = {m.manager_id: m.industries for m in ctx.dataset.managers}
        # A role's peers are the people who hold it (as `planner fairness` counts them).
        roles = held_roles(ctx.dataset.managers) if ev.team else None
        return finite(fairness_report(ev, name=row.name or row.id, industries=industries, roles=roles))

    def compare(self, plan_ids: list[str]) -> dict[str, Any]:
        rows = [self.get(p) for p in plan_ids]
        evaluated = [(r, self.evaluated(r)) for r in rows]
        base_row, (base_ctx, _, base) = evaluated[0]
        return finite(
            {
                "base": base_row.id,
                "plans": [
                    {
                        "plan_id": r.id,
                        "name": r.name,
                        "dataset_id": r.dataset_id,
                        "dataset_version": r.dataset_version,
                        "kpis": plan_kpis(ev, r.summary),
                        "violations": [str(v) for v in ev.violations],
                    }
                    for r, (_, _, ev) in evaluated
                ],
                "diffs": [
                    {
                        "base": base_row.id,
                        "other": r.id,
                        **plan_diff(base, ev),
                        "tier_changes": tier_changes(base_ctx.tiering, ctx.tiering, _names(ev)),
                    }
                    for r, (ctx, _, ev) in evaluated[1:]
                ],
            }
        )


def _team_row(r: TeamRow, value_score: float) -> dict[str, Any]:
    """A team slot's row with the columns of an account manager's (AssignmentRowOut)."""
    return {
        "account_id": r.account_id,
        "manager_id": r.manager_id,
        "tier": r.tier,
        "previous_manager_id": r.previous_manager_id or None,
        "moved": r.moved,
        "voluntary_move": r.moved and r.could_stay,
        "workload_hours": r.workload_hours,
        "travel_hours": r.travel_hours,
        "match_score": r.match_score,
        "value_score": value_score,
        "cost_points": r.cost_points,
        "account_name": r.account_name,
        "manager_name": r.manager_name,
        "move_reason": r.move_reason,
        "service": r.service,
        "role": r.role,
    }


def _names(ev: Evaluation) -> dict[str, str]:
    return {a.account_id: a.account_name for a in ev.accounts if a.account_name}

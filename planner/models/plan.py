"""A plan: who serves which account. Nothing else; scores come from the evaluator."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Plan(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # account_id -> manager_id, or None for an account left unassigned.
    assignment: dict[str, str | None]
    # account_id -> name of the reduced service level it gets; absent = full service.
    service: dict[str, str] = {}

    def manager_of(self, account_id: str) -> str | None:
        return self.assignment.get(account_id)

    def service_of(self, account_id: str) -> str:
        """'full', a reduced level's name, or 'unserved'."""
        if self.assignment.get(account_id) is None:
            return "unserved"
        return self.service.get(account_id, "full")

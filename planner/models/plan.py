"""A plan: who serves which account. Nothing else; scores come from the evaluator."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, model_serializer


class Plan(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # account_id -> manager_id, or None for an account left unassigned.
    assignment: dict[str, str | None]
    # account_id -> name of the reduced service level it gets; absent = full service.
    service: dict[str, str] = {}
    # Account teams (planner.models.teams): account_id -> extra role -> the person in each of the
    # role's slots (None: unfilled). Empty without teams, and then left out when written.
    team: dict[str, dict[str, list[str | None]]] = {}

    @model_serializer(mode="wrap")
    def _no_empty_team(self, handler: Any) -> Any:
        data = handler(self)
        if isinstance(data, dict) and not data.get("team"):
            data.pop("team", None)
        return data

    def manager_of(self, account_id: str) -> str | None:
        return self.assignment.get(account_id)

    def service_of(self, account_id: str) -> str:
        """'full', a reduced level's name, or 'unserved'."""
        if self.assignment.get(account_id) is None:
            return "unserved"
        return self.service.get(account_id, "full")

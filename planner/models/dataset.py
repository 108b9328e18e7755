"""A data set: managers + accounts + policy, checked as a whole."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property

from pydantic import BaseModel, ConfigDict, model_validator

from planner.models.entities import Account, Manager
from planner.models.policy import Policy
from planner.models.teams import ACCOUNT_MANAGER


class Dataset(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    managers: tuple[Manager, ...]
    accounts: tuple[Account, ...]
    policy: Policy = Policy()

    @model_validator(mode="after")
    def _references(self) -> Dataset:
        manager_ids = [m.manager_id for m in self.managers]
        account_ids = [a.account_id for a in self.accounts]
        problems = _duplicates("manager_id", manager_ids) + _duplicates("account_id", account_ids)
        known_managers = set(manager_ids)
        known_accounts = set(account_ids)
        for a in self.accounts:
            if a.current_manager_id and a.current_manager_id not in known_managers:
                problems.append(
                    f"account {a.account_id!r}: unknown current_manager_id {a.current_manager_id!r}"
                )
            for banned in sorted(a.avoid_manager_ids - known_managers):
                problems.append(f"account {a.account_id!r}: unknown manager to avoid {banned!r}")
        for kind, pairs in (("pins", self.policy.pins), ("forbidden", self.policy.forbidden)):
            for p in pairs:
                if p.account_id not in known_accounts:
                    problems.append(f"policy {kind}: unknown account_id {p.account_id!r}")
                if p.manager_id not in known_managers:
                    problems.append(f"policy {kind}: unknown manager_id {p.manager_id!r}")
        problems += _team_problems(self, known_managers)
        for cycle in parent_cycles(self.accounts):
            problems.append(f"parent_id links go round in a circle: {' -> '.join([*cycle, cycle[0]])}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @cached_property
    def manager_by_id(self) -> dict[str, Manager]:
        return {m.manager_id: m for m in self.managers}

    @cached_property
    def account_by_id(self) -> dict[str, Account]:
        return {a.account_id: a for a in self.accounts}

    @property
    def active_managers(self) -> list[Manager]:
        return [m for m in self.managers if m.active]


def _team_problems(dataset: Dataset, known_managers: set[str]) -> list[str]:
    """Roles the policy's teams do not know, and today's team members nobody employs."""
    teams = dataset.policy.rule_settings.get("teams")
    known = teams.known() if teams is not None else {ACCOUNT_MANAGER}
    problems = []
    for m in dataset.managers:
        for role in sorted((m.roles | set(m.role_capacity_hours)) - known):
            problems.append(f"manager {m.manager_id!r}: role {role!r} is not in the policy's teams.roles")
    for a in dataset.accounts:
        for role, people in sorted(a.current_team.items()):
            if role not in known or role == ACCOUNT_MANAGER:
                problems.append(
                    f"account {a.account_id!r}: current_{role}_id names a role the policy's teams lack"
                )
            for person in sorted(people - known_managers):
                problems.append(f"account {a.account_id!r}: unknown current_{role}_id {person!r}")
    return problems


def parent_cycles(accounts: Iterable[Account]) -> list[list[str]]:
    """Chains of parent_id links between accounts that come back to their start, each once, in link
    order (an account naming itself is a chain of one). A parent_id naming no account ends a chain."""
    parent = {a.account_id: a.parent_id for a in accounts if a.parent_id}
    on_path, done = 1, 2
    state: dict[str, int] = {}
    cycles = []
    for start in parent:
        path = []
        node = start
        while node in parent and node not in state:
            state[node] = on_path
            path.append(node)
            node = parent[node]
        if state.get(node) == on_path:
            cycles.append(path[path.index(node) :])
        for n in path:
            state[n] = done
    return cycles


def _duplicates(field: str, ids: list[str]) -> list[str]:
    seen: set[str] = set()
    dup: list[str] = []
    for i in ids:
        if i in seen and i not in dup:
            dup.append(i)
        seen.add(i)
    return [f"duplicate {field} {d!r}" for d in dup]

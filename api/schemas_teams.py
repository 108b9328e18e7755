"""Account teams (#19) in requests and answers: a manager and an account as a CRM sends them, with
the team columns of managers.csv and accounts.csv, and a person's workload in each role.

The CSV loader reads a role's columns as `capacity_hours_<role>` (managers) and
`current_<role>_id` (accounts, ;-separated ids); a JSON upload takes the same keys beside the
model's own (`role_capacity_hours`, `current_team`), folded into them before the model checks
them, so an unknown role is refused in the same words (planner.models.dataset). A key left
null or empty is a blank cell: not given."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from planner.io.cells import team_cell
from planner.models import Account, Manager

# The role's name as planner.models.teams accepts it: letters, digits and _.
_ROLE = r"[A-Za-z_][A-Za-z0-9_]*"
CAPACITY_PREFIX = "capacity_hours_"


def _ids(value: Any) -> Any:
    """current_<role>_id: one id, ;-separated ids as in accounts.csv, or a list of ids."""
    return team_cell("current_team", value) if isinstance(value, str) else value


def _fold(data: Any, columns: dict[str, str], target: str, convert: Any = None) -> Any:
    """Move the `columns` keys (key -> role) of `data` into its dict field `target`; a role given
    both ways is refused, naming both keys."""
    if not isinstance(data, dict) or not columns:
        return data
    given = data.get(target) or {}
    if not isinstance(given, dict):
        return data  # the model names what is wrong with `target`
    out = {k: v for k, v in data.items() if k not in columns}
    merged = dict(given)
    for key, role in columns.items():
        if data[key] is None or data[key] == "":
            continue  # a blank cell of the CRM's export: not given, as in the CSV loader
        if role in merged:
            raise ValueError(f"{key} and {target}.{role} both give the {role} role's value; give one")
        merged[role] = convert(data[key]) if convert else data[key]
    out[target] = merged
    return out


class ManagerIn(Manager):
    """A manager, with managers.csv's team column `capacity_hours_<role>` (hours a month the
    person may give that role; `capacity_hours` stays the total over every role)."""

    model_config = ConfigDict(
        json_schema_extra={
            "patternProperties": {
                f"^{CAPACITY_PREFIX}{_ROLE}$": {
                    "anyOf": [{"type": "number", "minimum": 0, "maximum": 744}, {"type": "null"}]
                }
            }
        }
    )

    @model_validator(mode="before")
    @classmethod
    def _team_columns(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        columns = {
            k: k.removeprefix(CAPACITY_PREFIX)
            for k in data
            if isinstance(k, str) and k.startswith(CAPACITY_PREFIX) and k not in Manager.model_fields
        }
        return _fold(data, columns, "role_capacity_hours")

    def domain(self) -> Manager:
        return Manager.model_validate(dict(self))


class AccountIn(Account):
    """An account, with accounts.csv's team column `current_<role>_id`: today's holders of the
    role on the account (one id, ;-separated ids, or a list)."""

    model_config = ConfigDict(
        json_schema_extra={
            "patternProperties": {
                f"^current_{_ROLE}_id$": {
                    "anyOf": [
                        {"type": "string"},
                        {"type": "array", "items": {"type": "string"}},
                        {"type": "null"},
                    ]
                }
            }
        }
    )

    @model_validator(mode="before")
    @classmethod
    def _team_columns(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        columns = {
            k: k.removeprefix("current_").removesuffix("_id")
            for k in data
            if isinstance(k, str)
            and k.startswith("current_")
            and k.endswith("_id")
            and len(k) > len("current__id")
            and k not in Account.model_fields
        }
        return _fold(data, columns, "current_team", _ids)

    def domain(self) -> Account:
        return Account.model_validate(dict(self))


class RoleWorkloadOut(BaseModel):
    role: str
    accounts: int = Field(description="accounts the person serves in this role")
    hours: float = Field(description="hours a month in this role, travel included")
    utilisation: float | None = Field(
        None, description="the role's hours over the person's whole capacity_hours; null without capacity"
    )
    capacity_hours: float | None = Field(
        None, description="the person's cap on this role (capacity_hours_<role>)"
    )
    of_role_cap: float | None = Field(None, description="hours over that cap; only where the role is capped")


class PersonWorkloadOut(BaseModel):
    """One person's month in the plan, over every role they work in (account teams, #19); without
    teams, the account manager's role alone."""

    manager_id: str
    name: str
    active: bool
    roles: list[str] = Field(description="the roles the person may hold (managers.csv roles)")
    capacity_hours: float
    hours: float = Field(description="hours a month over all roles: what capacity and balance count")
    utilisation: float | None = Field(description="hours / capacity_hours; null without capacity")
    by_role: list[RoleWorkloadOut] = Field(description="the roles the person works in, in the policy's order")

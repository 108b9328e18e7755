"""The scenario file, as pydantic models: what a planner writes in YAML to ask "what if?".

A scenario names its base data, the policy and overrides of it, and an ordered
list of changes. Every model forbids unknown keys, so a typo such as `capacty`
is an error naming the field instead of a silently ignored line.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)

from planner.models import Pair, Seniority, Tier


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DataFiles(_Strict):
    """Base data; relative paths are relative to the scenario file's folder."""

    accounts: str = Field(min_length=1)
    managers: str = Field(min_length=1)
    policy: str | None = None


class SolverSettings(_Strict):
    # The same default as `planner assign`: on a shortfall, CP-SAT on the whole options model
    # proves little (the demo with half its hours: 12.9 % gap at 20 s, auto 0.0005 %).
    name: str = "auto"
    time_limit_seconds: float = Field(default=30.0, gt=0)
    seed: int = Field(default=0, ge=0, le=2**31 - 1)  # CP-SAT's random_seed is a 32-bit integer
    threads: int = Field(default=2, ge=1, le=256)
    # CP-SAT with several workers races them against each other, so two runs stopped by the
    # time limit may return different plans (measured on a 150 x 10 instance: 3 distinct plans
    # in 4 runs with 2 workers, 1 with 1 worker), and a wall-clock limit cuts even one worker at
    # a different point on a loaded machine. `deterministic: true` makes reruns match bit for
    # bit: CP-SAT (whatever `name` says), one worker, and time_limit_seconds counted in CP-SAT's
    # deterministic time (work done) instead of seconds, as `planner assign --deterministic`.
    deterministic: bool = False

    @property
    def effective_threads(self) -> int:
        return 1 if self.deterministic else self.threads

    @property
    def effective_name(self) -> str:
        return "cpsat" if self.deterministic else self.name


class RemoveManager(_Strict):
    """A leaver: the manager becomes inactive; their accounts must move (forced moves).

    Account teams (planner.models.teams): with `roles`, the person leaves those roles only and
    keeps the others (their slots in the roles left must move, forced); naming every role they
    hold is leaving."""

    kind: Literal["remove_manager"]
    manager_id: str = Field(min_length=1)
    effective_date: date | None = None
    roles: list[str] | None = Field(default=None, min_length=1)

    @classmethod
    def of(cls, alias: LeaveRole) -> RemoveManager:
        """The `remove_manager` a `leave_role` alias stands for."""
        return cls(
            kind="remove_manager",
            manager_id=alias.manager_id,
            effective_date=alias.effective_date,
            roles=[alias.role],
        )

    @model_serializer(mode="wrap")
    def _unset_roles_unwritten(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # A leaver without roles is written as before the field existed (scenario.resolved.yaml).
        out: dict[str, Any] = handler(self)
        if self.roles is None:
            out.pop("roles", None)
        return out


class Hire(_Strict):
    """A new manager's profile; the same fields as a managers.csv row. `count` hires that many
    people of the profile: ids `<manager_id>-1` … `<manager_id>-<count>` (names likewise)."""

    manager_id: str = Field(min_length=1)
    count: int = Field(default=1, ge=1, le=1000)
    name: str = ""
    seniority: Seniority = Seniority.junior
    industries: list[str] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=list)
    region: str = ""
    home_lat: float | None = Field(default=None, ge=-90, le=90)
    home_lon: float | None = Field(default=None, ge=-180, le=180)
    # The managers file's bounds (planner.models.Manager): a 31-day month round the clock.
    capacity_hours: float = Field(ge=0, le=744, allow_inf_nan=False)
    max_accounts: int | None = Field(default=None, ge=0, le=100_000)
    start_date: date | None = None
    # Account teams (planner.models.teams): the roles the hire holds (empty: account manager) and
    # any cap on one role's hours, e.g. a technical-support engineer.
    roles: list[str] = Field(default_factory=list)
    role_capacity_hours: dict[str, float] = Field(default_factory=dict)

    @model_serializer(mode="wrap")
    def _one_unwritten(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # One hire is written as before `count` existed (scenario.resolved.yaml, the API's events).
        out: dict[str, Any] = handler(self)
        if self.count == 1:
            out.pop("count", None)
        return out


class LeaveRole(_Strict):
    """An alias of `remove_manager` with `roles: [role]`, applied as exactly that (one code path):
    the person gives up the role and keeps the others, and giving up their only role is leaving.
    Kept because the API's scenario schema has offered it (`Change`)."""

    kind: Literal["leave_role"]
    manager_id: str = Field(min_length=1)
    role: str = Field(min_length=1)
    effective_date: date | None = None


class AddHires(_Strict):
    kind: Literal["add_hires"]
    hires: list[Hire] = Field(min_length=1)


class SetCapacity(_Strict):
    """New capacity for one manager, or for every manager when `manager_id` is omitted."""

    kind: Literal["set_capacity"]
    manager_id: str | None = None
    hours: float | None = Field(default=None, ge=0, le=744, allow_inf_nan=False)
    factor: float | None = Field(default=None, ge=0, le=744, allow_inf_nan=False)

    @model_validator(mode="after")
    def _one_of(self) -> SetCapacity:
        if (self.hours is None) == (self.factor is None):
            raise ValueError("give exactly one of 'hours' (absolute) or 'factor' (multiplier)")
        return self


class SetWeights(_Strict):
    """Objective weights to change; the others keep the policy's value."""

    kind: Literal["set_weights"]
    value_match: float | None = Field(default=None, ge=0)
    travel_hour: float | None = Field(default=None, ge=0)
    move: float | None = Field(default=None, ge=0)
    balance: float | None = Field(default=None, ge=0)
    unassigned: float | None = Field(default=None, ge=0)

    def given(self) -> dict[str, float]:
        return {k: v for k, v in self.model_dump(exclude={"kind"}).items() if v is not None}


class SetMaxMoves(_Strict):
    """Disruption budget: the most voluntary moves; null lifts the budget."""

    kind: Literal["set_max_moves"]
    max_moves: int | None = Field(ge=0)


class PinPairs(_Strict):
    kind: Literal["pin"]
    pairs: list[Pair] = Field(min_length=1)


class ForbidPairs(_Strict):
    kind: Literal["forbid"]
    pairs: list[Pair] = Field(min_length=1)


class FreezeTier(_Strict):
    """No account of this tier moves: each one with an active current manager is pinned to them.

    Resolved after every other change, on the final roster, whatever its place in the list:
    an account whose manager leaves in this scenario is not frozen, it must move.
    """

    kind: Literal["freeze_tier"]
    tier: Tier


Change = Annotated[
    RemoveManager
    | LeaveRole
    | AddHires
    | SetCapacity
    | SetWeights
    | SetMaxMoves
    | PinPairs
    | ForbidPairs
    | FreezeTier,
    Field(discriminator="kind"),
]


class ScenarioSpec(_Strict):
    name: str = Field(min_length=1)
    description: str = ""
    # Planning date: a change dated after it (a leaver's effective_date, a hire's start_date)
    # is not in force yet and is skipped. Without it every change is in force.
    as_of: date | None = None
    data: DataFiles
    # Any policy field, merged key by key over the policy file (nested mappings merge, lists replace).
    policy_overrides: dict[str, Any] = Field(default_factory=dict)
    changes: list[Change] = Field(default_factory=list)
    solver: SolverSettings = SolverSettings()

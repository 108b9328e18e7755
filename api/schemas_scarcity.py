"""Request and response bodies for planning under scarcity: a plan's `shortfall` (what it
leaves undone when the hours fall short, as summary.json holds it) and hire advice (the hires
that restore full service, as `planner advise-hires --json` prints them), run as a job."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from planner.models import Manager
from planner.scenario.spec import SolverSettings

MAX_BUDGET_SECONDS = 3600.0


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- a plan's shortfall ----------------------------------------------------------------------------
class TierShortfallOut(BaseModel):
    reduced: int = Field(description="accounts of the tier served at a reduced level (fewer visits)")
    unserved: int = Field(description="accounts of the tier left without a manager")


class ReducedAccountOut(BaseModel):
    account_id: str
    name: str
    tier: str
    level: str = Field(description="the reduced level's name, e.g. 'every 26 weeks'")
    manager_id: str | None
    reason: str


class UnservedAccountOut(BaseModel):
    account_id: str
    name: str
    tier: str
    reason: str


class HoursMissingOut(BaseModel):
    """Service left undone, by the profile a hire would need to do it."""

    region: str
    min_seniority: str = Field(description="the least seniority the accounts' tier needs")
    language: str = Field(description="'any' when the accounts need no language in particular")
    hours_per_month: float
    accounts: int


class ServiceShortfallOut(BaseModel):
    """What a plan leaves undone when the hours do not cover full service (the `shortfall`
    section of summary.json). `has_shortfall` false: every account gets full service."""

    has_shortfall: bool
    hours_needed_for_full_service: float = Field(
        description="hours a month full service of every account needs, each at its cheapest eligible manager"
    )
    hours_available: float = Field(description="hours a month the active managers have")
    accounts_reduced: int
    accounts_unserved: int
    by_tier: dict[str, TierShortfallOut]
    revenue_full_service_share: float = Field(description="share of annual revenue kept in full service, 0-1")
    revenue_served_share: float = Field(description="share of annual revenue with a manager at all, 0-1")
    reduced: list[ReducedAccountOut]
    unserved: list[UnservedAccountOut]
    hours_missing: list[HoursMissingOut] = Field(description="largest first")


# --- hire advice -----------------------------------------------------------------------------------
class AdviceIn(_In):
    dataset_version: int | None = Field(default=None, ge=1, description="default: the latest version")
    policy_overrides: dict[str, Any] = Field(default_factory=dict)
    solver: SolverSettings = Field(
        default=SolverSettings(name="auto", time_limit_seconds=10.0),
        description="the settings of each plan: the data as it is, then with each set of hires",
    )
    budget_seconds: float = Field(
        default=120.0,
        gt=0,
        le=MAX_BUDGET_SECONDS,
        description="for the whole advice; checked between plans, so it may overrun by one plan",
    )


AdviceStatus = Literal["queued", "running", "succeeded", "failed", "cancelled"]


class AdviceJobOut(BaseModel):
    """A hire-advice job: poll it until `status` is no longer queued or running, then GET its result."""

    id: str
    status: AdviceStatus
    dataset_id: str
    dataset_version: int
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    created_by: str


class HireProfileOut(BaseModel):
    region: str
    seniority: str
    language: str
    hires: int
    words: str = Field(description="e.g. '2 senior managers speaking ja in east'")
    accounts: int = Field(description="accounts these hires bring back to full service")
    revenue: float = Field(description="their annual revenue")


class HireAdviceOut(BaseModel):
    """The hires that restore full service, each set checked by planning again with it."""

    has_shortfall: bool = Field(description="false: every account gets full service, no hire is needed")
    shortfall: ServiceShortfallOut = Field(description="the plan of the data as it is")
    hires: list[Manager] = Field(description="managers to hire, as managers.csv rows (HIRE-01, ...)")
    by_profile: list[HireProfileOut]
    restored_accounts: int = Field(description="accounts short today that get full service with the hires")
    restored_account_ids: list[str]
    restored_revenue: float = Field(description="their annual revenue")
    still_short: list[str] = Field(
        description="accounts still short with the hires: a pin, a ban or a rule no hire changes, "
        "or the budget ran out first"
    )
    replans: int = Field(description="plans made to check the hires")
    seconds: float
    advice: list[str] = Field(description="the advice in words, one line per profile")


class AdviceResultOut(BaseModel):
    advice_id: str
    status: AdviceStatus
    advice: HireAdviceOut | None = Field(description="null unless status is succeeded")
    error: str | None

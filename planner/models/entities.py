"""Managers and accounts: the two tables a CRM export gives us.

Frozen pydantic models holding ids, never object links, so any of them can be
serialised, hashed and compared. Cross-entity checks live on `Dataset`.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class Seniority(StrEnum):
    junior = "junior"
    senior = "senior"
    principal = "principal"

    @property
    def rank(self) -> int:
        """Ordinal used for 'at least senior' comparisons."""
        return _SENIORITY_RANK[self]


_SENIORITY_RANK = {Seniority.junior: 0, Seniority.senior: 1, Seniority.principal: 2}


class Tier(StrEnum):
    strategic = "strategic"
    key = "key"
    standard = "standard"


TIER_ORDER: tuple[Tier, ...] = (Tier.strategic, Tier.key, Tier.standard)


class Risk(StrEnum):
    """How likely the customer is to be lost (the CRM's churn risk); see planner.models.health."""

    low = "low"
    medium = "medium"
    high = "high"

    @property
    def rank(self) -> int:
        return _RISK_RANK[self]


_RISK_RANK = {Risk.low: 0, Risk.medium: 1, Risk.high: 2}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Manager(_Frozen):
    manager_id: str = Field(min_length=1)
    name: str = ""
    seniority: Seniority = Seniority.junior
    industries: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    region: str = ""
    # Blank coordinates mean "unknown": travel to and from this person counts as zero.
    home_lat: float | None = Field(default=None, ge=-90, le=90)
    home_lon: float | None = Field(default=None, ge=-180, le=180)
    # At most 744 h, a 31-day month round the clock: more is a typo or hours per year.
    capacity_hours: float = Field(ge=0, le=744, allow_inf_nan=False)
    max_accounts: int | None = Field(default=None, ge=0, le=100_000)
    active: bool = True
    # Performance score 0-100 (e.g. last year's target attainment, or a 1-5 rating x 20), optional:
    # high performers are preferred on high-value accounts (Weights.performance); blank = no view.
    performance: float | None = Field(default=None, ge=0, le=100, allow_inf_nan=False)
    # Account teams (planner.models.teams): the roles this person may hold, e.g. {account_manager,
    # technical_support}; empty = account_manager only (the one-role planner). capacity_hours stays
    # the person's total; role_capacity_hours caps the hours of one role (capacity_hours_<role>).
    roles: frozenset[str] = frozenset()
    role_capacity_hours: dict[str, Annotated[float, Field(ge=0, le=744, allow_inf_nan=False)]] = Field(
        default_factory=dict
    )

    def holds(self, role: str) -> bool:
        return role in self.roles if self.roles else role == "account_manager"


class Account(_Frozen):
    account_id: str = Field(min_length=1)
    name: str = ""
    industry: str = ""
    language: str = ""  # blank: any language will do
    region: str = ""
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    # Money at most 10^15 (a thousand trillion, in any currency a CRM holds); tenure at most 200 years.
    annual_revenue: float = Field(default=0.0, ge=0, le=1e15, allow_inf_nan=False)
    contract_value: float = Field(default=0.0, ge=0, le=1e15, allow_inf_nan=False)
    years_as_customer: float = Field(default=0.0, ge=0, le=200, allow_inf_nan=False)
    strategic_importance: int = Field(default=1, ge=1, le=5)
    # account_id of the group's parent account, or a group key naming no account (a holding company
    # that is not itself a row): accounts linked by it form a group, which shares one manager.
    parent_id: str = ""
    current_manager_id: str = ""
    tier: Tier | None = None  # explicit override of the computed tier
    # The tier the account holds today (the last evaluation's): the anchor of tiering.hysteresis,
    # and the tier kept while tiering.freeze is on. Blank: a new account, tiered by its score.
    current_tier: Tier | None = None
    # Extra tiering criteria by column name (policy tiering.criteria), e.g. {"profit_margin": 0.18}.
    criteria: dict[str, float] = Field(default_factory=dict)
    # The account's own frequency, e.g. a contract's or an at-risk customer's: replaces its tier's
    # (in the assignment's hours and the calendar), at full service only. Blank: the tier's.
    visit_every_weeks: float | None = Field(default=None, gt=0, le=520, allow_inf_nan=False)
    # The last visit before the plan: the calendar's first visit is due a period after it.
    last_visit_date: date | None = None
    # Account health (planner.models.health, policy `health`): the CRM's churn risk and the
    # customer's satisfaction, 0-100 or a 1-5 survey (health.satisfaction_scale). Blank: no view.
    risk: Risk | None = None
    satisfaction: float | None = Field(default=None, ge=0, le=100, allow_inf_nan=False)
    # Managers the customer must not be served by (a complaint naming them): a hard pair rule
    # (planner.rules.avoid_manager), so an account held by one of them moves.
    avoid_manager_ids: frozenset[str] = frozenset()
    # Today's team beside the account manager: role -> the people holding it (current_<role>_id).
    current_team: dict[str, frozenset[str]] = Field(default_factory=dict)

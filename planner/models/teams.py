"""Account teams (issue #19): which roles staff an account of each tier, and what each role costs.

A key account is served by a team: an account manager, technical support, after-sales service
(客户经理、技术支持人员、售后服务人员), sometimes an assistant. The account manager is the
role the planner has always planned (one per account, by the tier rules of `policy.tiers`);
the policy key `teams` adds the other roles:

    teams:
      roles:                       # each extra role's workload and seniority rule
        technical_support: {visits_per_month: 1, hours_per_visit: 2, admin_hours_per_month: 0.5,
                            min_seniority: junior, ideal_seniority: senior}
      tiers:                       # per tier, how many people of each extra role a team needs
        strategic: {technical_support: 1, after_sales: 1}
        key: {technical_support: 1}
      joint_visits:                # per tier: the account manager and another role visit together
        strategic: {per_quarter: 1, role: technical_support}

A tier not named needs an account manager only. Without `teams` (or with no role needed by any
tier) the planner is the one-role planner it always was.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from planner.models.entities import Seniority, Tier

ACCOUNT_MANAGER = "account_manager"


def _one_frequency(data: Any) -> Any:
    from planner.models.policy import one_frequency  # policy imports nothing of this module

    return one_frequency(data)


class RoleRule(BaseModel):
    """What one extra role costs per account it serves, and who may hold it on a tier's account."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    # One frequency, written either way (as a tier's): visits per month or every so many weeks.
    visits_per_month: float = Field(ge=0, le=100)
    visit_every_weeks: float | None = Field(default=None, gt=0)
    hours_per_visit: float = Field(ge=0, le=744)
    admin_hours_per_month: float = Field(default=0.0, ge=0, le=744)
    min_seniority: Seniority = Seniority.junior
    ideal_seniority: Seniority = Seniority.junior
    # Multiplier on the cost of replacing today's holder of the role (current_<role>_id).
    move_weight: float = Field(default=1.0, ge=0)

    @model_validator(mode="before")
    @classmethod
    def _frequency(cls, data: Any) -> Any:
        return _one_frequency(data)


class JointVisits(BaseModel):
    """How often a tier's account manager and one other role of the team visit together: the
    calendar (planner.calendar.joint) puts such a visit on a day both work, at one start time."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    per_quarter: int = Field(ge=0, le=13)  # a quarter is 13 weeks; at most one a week
    role: str  # the role visiting with the account manager, one of teams.roles


class Teams(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    roles: dict[str, RoleRule] = Field(default_factory=dict)
    tiers: dict[Tier, dict[str, int]] = Field(default_factory=dict)
    joint_visits: dict[Tier, JointVisits] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _known_roles(self) -> Teams:
        for role in self.roles:
            if role == ACCOUNT_MANAGER or not role.isidentifier():
                raise ValueError(
                    f"teams.roles: {role!r} must be a name of letters, digits and _ other than "
                    f"{ACCOUNT_MANAGER} (the account manager follows the tier rules)"
                )
        for tier, needs in self.tiers.items():
            for role, count in needs.items():
                if role == ACCOUNT_MANAGER:
                    if count != 1:
                        raise ValueError(
                            f"teams.tiers.{tier.value}: a team has exactly one {ACCOUNT_MANAGER}"
                        )
                    continue
                if role not in self.roles:
                    raise ValueError(
                        f"teams.tiers.{tier.value}: unknown role {role!r} (add it under teams.roles)"
                    )
                if not 0 <= count <= 10:
                    raise ValueError(f"teams.tiers.{tier.value}.{role}: a count from 0 to 10 (got {count})")
        for tier, joint in self.joint_visits.items():
            if joint.per_quarter and not self.tiers.get(tier, {}).get(joint.role):
                raise ValueError(
                    f"teams.joint_visits.{tier.value}: the {tier.value} team has no {joint.role!r} "
                    f"(teams.tiers.{tier.value} needs one for joint visits)"
                )
        return self

    def joint(self, tier: Tier) -> JointVisits | None:
        """The tier's joint visits, None when it asks for none."""
        rule = self.joint_visits.get(tier)
        return rule if rule is not None and rule.per_quarter > 0 else None

    def slots(self, tier: Tier) -> list[str]:
        """The extra roles a team of this tier needs, one entry per person, in `roles` order."""
        needs = self.tiers.get(tier, {})
        return [role for role in self.roles for _ in range(needs.get(role, 0))]

    @property
    def active(self) -> bool:
        """Some tier needs a role besides the account manager."""
        return any(self.slots(t) for t in Tier)

    def known(self) -> set[str]:
        return {ACCOUNT_MANAGER, *self.roles}

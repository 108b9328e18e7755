"""Joint visits (#19 item 3): the account manager and another role of the team at one visit.

The policy asks, per tier, for `per_quarter` joint visits of the account manager and one role
(`teams.joint_visits`, planner.models.teams). Over a horizon of N weeks that is
    n = floor(N x per_quarter / 13 + 1/2)   joint visits per account
(13 weeks, 1 a quarter -> 1; 26 weeks -> 2; 4 weeks -> 0), one in each of n equal windows of
the horizon's days, as the visit frequency cuts them (planner.calendar.frequency). A joint visit
is on one day, both people start it at the same time, and each stays for their own role's
visit length. `joint_plan.plan_joint` chooses the days, `joint_check.check_joint` checks any
calendar against the same windows.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from planner.calendar.frequency import visit_windows
from planner.models import Dataset, Tier
from planner.models.teams import Teams

QUARTER_WEEKS = 13


@dataclass(frozen=True)
class JointVisit:
    account_id: str
    role: str  # the partner's role (technical_support)
    manager_id: str  # the account manager
    partner_id: str | None  # who holds the role on the account; None: the plan left it unfilled
    window: tuple[int, int]  # first and last day (horizon day numbers) it is due in
    day: int | None = None  # the day both are there; None: not placed
    start: int | None = None  # minutes after the day starts
    reason: str | None = None  # why it is not placed, in words

    @property
    def placed(self) -> bool:
        return self.day is not None and self.reason is None

    def failed(self, reason: str) -> JointVisit:
        return replace(self, reason=reason)


def joint_windows(teams: Teams | None, tier: Tier, weeks: int) -> tuple[tuple[int, int], ...]:
    """The windows of days the tier's joint visits are due in over a horizon of `weeks` weeks."""
    rule = teams.joint(tier) if teams is not None else None
    if rule is None:
        return ()
    return visit_windows(7 * weeks, int(weeks * rule.per_quarter / QUARTER_WEEKS + 0.5))


def role_label(role: str) -> str:
    """'technical_support' -> 'technical support' (as planner.teams.roles says it)."""
    return role.replace("_", " ")


def person(dataset: Dataset, manager_id: str | None, role: str) -> str:
    """'Wang Fang (P01, account manager)'."""
    if manager_id is None:
        return f"no {role_label(role)}"
    m = dataset.manager_by_id.get(manager_id)
    name = m.name if m is not None and m.name else manager_id
    return (
        f"{name} ({manager_id}, {role_label(role)})"
        if name != manager_id
        else f"{manager_id} ({role_label(role)})"
    )

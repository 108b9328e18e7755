"""Account health (#18 item 2): at-risk and unhappy customers get more visits, a better-matched
manager and more continuity (policy `health`); a complaint that names a manager bans that pair
(the account's `avoid_manager_ids`, planner.rules.avoid_manager).

An account's risk is the worse of the CRM's `risk` column and what its `satisfaction` says (0-100,
or a 1-5 survey with `satisfaction_scale: 5`, read x 20): below `satisfaction_high_risk_below` (default 40) high, below
`satisfaction_medium_risk_below` (default 60) at least medium. Neither given: no risk, no change.

Per risk level, three factors (a level not listed: 1, as any account of its tier):
    visit_factor   full-service visits per month x factor. The account then has a frequency of its
                   own, every (tier's visit_every_weeks / factor) weeks, exactly as if accounts.csv
                   gave it that visit_every_weeks: the assignment's hours (objective.full_visits)
                   and the calendar's visits read this one number (`own_every_weeks`), and the
                   account is served in full or not at all, never thinned to a reduced level.
                   An account's own visit_every_weeks column wins: it was written for that account.
    match_factor   the value-match cost value x (1 - match) x factor: a poor match costs more
    move_factor    the voluntary-move cost x factor: the customer keeps its manager unless the
                   gain elsewhere is larger
Defaults: medium 1.0 / 1.5 / 1.5, high 1.5 / 2.0 / 2.0 (visits / match / moves).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from planner.models.entities import Account, Risk


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class AccountHealth(_Frozen):
    visit_factor: dict[Risk, float] = Field(
        default_factory=lambda: {Risk.medium: 1.0, Risk.high: 1.5}, description="visits per month x"
    )
    match_factor: dict[Risk, float] = Field(
        default_factory=lambda: {Risk.medium: 1.5, Risk.high: 2.0}, description="value-match cost x"
    )
    move_factor: dict[Risk, float] = Field(
        default_factory=lambda: {Risk.medium: 1.5, Risk.high: 2.0}, description="voluntary-move cost x"
    )
    # The satisfaction column's scale: 100 (0-100) or 5 (a 1-5 survey, read x 20); the risk lines
    # below are on 0-100 either way.
    satisfaction_scale: Literal[100, 5] = 100
    satisfaction_medium_risk_below: float = Field(default=60.0, ge=0, le=100)
    satisfaction_high_risk_below: float = Field(default=40.0, ge=0, le=100)

    @model_validator(mode="after")
    def _bounds(self) -> AccountHealth:
        for name in ("visit_factor", "match_factor", "move_factor"):
            for risk, factor in getattr(self, name).items():
                if not 0 < factor <= 10:
                    raise ValueError(f"health.{name}.{risk.value}: a factor in (0, 10], got {factor:g}")
        if self.satisfaction_high_risk_below > self.satisfaction_medium_risk_below:
            raise ValueError(
                "health: satisfaction_high_risk_below must not exceed satisfaction_medium_risk_below"
            )
        return self

    def risk_of(self, account: Account) -> Risk | None:
        """The worse of the account's risk column and its satisfaction's; None when neither is given."""
        found = [] if account.risk is None else [account.risk]
        if account.satisfaction is not None:
            score = account.satisfaction * 100 / self.satisfaction_scale
            if score < self.satisfaction_high_risk_below:
                found.append(Risk.high)
            elif score < self.satisfaction_medium_risk_below:
                found.append(Risk.medium)
            else:
                found.append(Risk.low)
        return max(found, key=lambda r: r.rank) if found else None

    def factor(self, kind: str, risk: Risk | None) -> float:
        """`kind` is visit, match or move."""
        return 1.0 if risk is None else float(getattr(self, f"{kind}_factor").get(risk, 1.0))

    def own_every_weeks(self, account: Account, tier_every_weeks: float | None) -> float | None:
        """The account's own full-service spacing in weeks: its visit_every_weeks column, else
        its tier's over its risk's visit_factor; None where the tier's frequency applies as it is
        (no risk, a factor of 1, or a tier of 0 visits)."""
        if account.visit_every_weeks is not None:
            return account.visit_every_weeks
        factor = self.factor("visit", self.risk_of(account))
        if factor == 1.0 or tier_every_weeks is None:
            return None
        return tier_every_weeks / factor

"""Response bodies of a data set's history (api.routers.history): which plan was in force when."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

AdoptionHow = Literal["adopted", "event", "solve", "first_plan", "before_audit"]  # api.db.ADOPTION_HOW


class AdoptionOut(BaseModel):
    """One change of the plan in force: the plan, the one it replaced, how, who and when."""

    plan_id: str
    plan_name: str | None = Field(description="the plan's name; null if the plan is no longer stored")
    previous_plan_id: str | None = Field(description="the plan in force before; null for the first")
    how: AdoptionHow = Field(
        description="adopted: a person made it current (PUT current-plan); event: a staff-change event "
        "made it; solve: a solve job asked to adopt its plan; first_plan: the data set's first plan; "
        "before_audit: already in force when the audit began (the time is when the plan was made)"
    )
    event_id: str | None = Field(description="the staff-change event that made the plan, if one did")
    job_id: str | None = Field(description="the solve job that made the plan, if one did")
    dataset_version: int | None = Field(description="the data set version the plan was made for")
    adopted_at: datetime
    adopted_by: str = Field(description="the API key's name that made the change")
    in_force_until: datetime | None = Field(
        description="when the next plan replaced it; null while it is the plan in force"
    )

"""Request and response bodies of the analysis jobs: attrition risk and policy sweeps (#21)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from planner.scenario.spec import SolverSettings
from planner.sweep.spec import Uniform

MAX_TASKS = 5000  # re-plans or sweep points one request may ask for


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RobustnessIn(_In):
    dataset_version: int | None = Field(default=None, ge=1, description="null: the latest")
    leavers: Literal[1, 2] = Field(default=1, description="1: each manager leaves; 2: pairs of managers")
    sample: int | None = Field(default=None, ge=1, le=MAX_TASKS, description="only this many leaver sets")
    seed: int = Field(default=0, ge=0, le=2**31 - 1, description="seed of the sample")
    max_moves: int = Field(default=20, ge=0, le=100_000, description="voluntary moves per re-plan")
    time_limit_seconds: float = Field(
        default=0.8, gt=0, le=60, allow_inf_nan=False, description="per re-plan"
    )
    deterministic: bool = Field(
        default=False, description="re-plans that repeat exactly: the limit counts CP-SAT work, not seconds"
    )


class SweepIn(_In):
    dataset_version: int | None = Field(default=None, ge=1, description="null: the latest")
    policy_overrides: dict[str, Any] = Field(default_factory=dict, description="merged over the policy first")
    mode: Literal["grid", "random"] = "grid"
    samples: int | None = Field(default=None, ge=1, le=MAX_TASKS, description="random mode: how many points")
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    parameters: dict[str, list[Any] | Uniform] = Field(
        min_length=1,
        description="policy field by dotted path -> values (grid) or values / {low, high} (random)",
    )
    solver: SolverSettings = SolverSettings(time_limit_seconds=5.0)


class AnalysisOut(BaseModel):
    analysis_id: str
    kind: Literal["robustness", "sweep"]
    dataset_id: str
    dataset_version: int
    status: Literal["queued", "running", "succeeded", "failed", "cancelled"]
    finished_tasks: int = Field(description="re-plans or points done so far")
    total_tasks: int
    failed_tasks: int
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    error: str | None = None


class AnalysisResultOut(BaseModel):
    analysis: AnalysisOut
    risk: list[dict[str, Any]] | None = Field(
        default=None, description="robustness: leaver sets, most at risk first, with the sentence for each"
    )
    bench: list[dict[str, Any]] | None = Field(
        default=None, description="robustness: bench strength per region x language x seniority"
    )
    points: list[dict[str, Any]] | None = Field(
        default=None, description="sweep: one row per point, its criteria and whether it is on the Pareto set"
    )
    failures: dict[str, str] = Field(default_factory=dict, description="task -> error, for tasks that failed")

"""The sweep file: a scenario (base data, overrides, changes, solver) and a grid or a random
sample over policy parameters.

    name: weights-and-budget
    data: {accounts: demo/accounts.csv, managers: demo/managers.csv, policy: demo/policy.yaml}
    solver: {name: cpsat, time_limit_seconds: 5, deterministic: true}
    sweep:
      mode: grid                    # grid: every combination; random: `samples` draws
      parameters:                   # any policy field by its dotted path
        weights.balance: [100, 1000, 5000]
        tiering.strategic_share: [0.05, 0.10]
        max_moves: [10, 40, null]   # null: no budget
        utilisation_band: [[0.3, 0.95], null]

In random mode a parameter is a list to draw from or {low, high} for a uniform draw
({low, high, integer: true} for whole numbers). Everything but `sweep` is a scenario
(scenarios/scenario.example.yaml), checked the same way; unknown keys are errors.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from planner.errors import InputError, InputProblem
from planner.scenario.load import parse_scenario
from planner.scenario.spec import ScenarioSpec

MAX_POINTS = 100_000  # a grid beyond this is a typo, not a plan


class Uniform(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    low: float
    high: float
    integer: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high < self.low:
            raise ValueError(f"high ({self.high}) is below low ({self.low})")
        return self


class SweepBlock(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    mode: Literal["grid", "random"] = "grid"
    samples: int | None = Field(default=None, ge=1, le=MAX_POINTS)  # random mode only
    seed: int = Field(default=0, ge=0)
    parameters: dict[str, list[Any] | Uniform] = Field(min_length=1)

    @model_validator(mode="after")
    def _fits_mode(self) -> SweepBlock:
        for name, values in self.parameters.items():
            if isinstance(values, list) and not values:
                raise ValueError(f"parameter {name!r} has no values")
            if self.mode == "grid" and isinstance(values, Uniform):
                raise ValueError(
                    f"parameter {name!r}: a grid needs a list of values; low/high is for mode: random"
                )
        if self.mode == "random" and self.samples is None:
            raise ValueError("mode: random needs samples: N")
        return self


class SweepSpec(BaseModel):
    model_config = ConfigDict(frozen=True)
    scenario: ScenarioSpec
    sweep: SweepBlock


def load_sweep(path: Path) -> SweepSpec:
    """The sweep file at `path`; every problem names the file and the field."""
    path = Path(path)
    if not path.is_file():
        raise InputError([InputProblem(str(path), None, None, "sweep file not found")])
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputError([InputProblem(path.name, None, None, f"not valid YAML ({exc})")]) from None
    if not isinstance(data, dict) or not isinstance(data.get("sweep"), dict):
        raise InputError([InputProblem(path.name, None, "sweep", "must be a mapping with a sweep: block")])
    block = data.pop("sweep")
    scenario = parse_scenario(data, path.name)
    try:
        sweep = SweepBlock.model_validate(block)
    except ValidationError as exc:
        raise InputError(
            [
                InputProblem(path.name, None, ".".join(["sweep", *map(str, e["loc"])]), str(e["msg"]))
                for e in exc.errors()
            ]
        ) from None
    return SweepSpec(scenario=scenario, sweep=sweep)

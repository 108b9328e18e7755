"""Sweep points: the grid's combinations or a seeded random sample, and each as a policy.

A parameter is a dotted path into the policy as written (`weights.balance`,
`tiering.strategic_share`, `max_moves`, `utilisation_band`); a point's values are merged over
the base policy and the result validated like a policy file, so a value the policy would not
accept names the point and the parameter.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
from pydantic import ValidationError

from planner.errors import InputError, InputProblem
from planner.models import Dataset, Policy
from planner.scenario.resolve import deep_merge
from planner.sweep.spec import MAX_POINTS, SweepBlock, Uniform

Point = dict[str, Any]  # parameter path -> value


def expand(block: SweepBlock) -> list[Point]:
    names = list(block.parameters)
    if block.mode == "grid":
        lists = [v for v in block.parameters.values() if isinstance(v, list)]  # checked by SweepBlock
        count = math.prod(len(v) for v in lists)
        if count > MAX_POINTS:
            raise ValueError(f"the grid has {count:,} points, more than {MAX_POINTS:,}; use mode: random")
        return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*lists)]
    rng = np.random.default_rng(block.seed)
    assert block.samples is not None
    return [{n: _draw(rng, block.parameters[n]) for n in names} for _ in range(block.samples)]


def _draw(rng: np.random.Generator, values: list[Any] | Uniform) -> Any:
    if isinstance(values, Uniform):
        if values.integer:
            return int(rng.integers(int(values.low), int(values.high), endpoint=True))
        return round(float(rng.uniform(values.low, values.high)), 4)
    return values[int(rng.integers(len(values)))]


def with_point(dataset: Dataset, point: Point, where: str = "sweep") -> Dataset:
    """`dataset` with the point's values merged into its policy."""
    written = dataset.policy.model_dump(mode="json")
    overrides: dict[str, Any] = {}
    for path, value in point.items():
        keys = path.split(".")
        _check_path(written, keys, path, where)
        node = overrides
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        node[keys[-1]] = value
    try:
        policy = Policy.model_validate(deep_merge(written, overrides))
    except ValidationError as exc:
        raise InputError(
            [InputProblem(where, None, ".".join(map(str, e["loc"])), str(e["msg"])) for e in exc.errors()]
        ) from None
    return dataset.model_copy(update={"policy": policy})


def label(point: Point) -> str:
    return ", ".join(f"{k}={v}" for k, v in point.items())


def _check_path(written: dict[str, Any], keys: list[str], path: str, where: str) -> None:
    node: Any = written
    for key in keys:
        if not isinstance(node, dict) or key not in node:
            raise InputError(
                [InputProblem(where, None, f"parameters.{path}", f"unknown policy field {path!r}")]
            )
        node = node[key]

"""Scenario spec -> the data set it describes, plus the record that traces a plan to its inputs.

The record (written as `scenario.resolved.yaml`) holds absolute paths and the
sha256 of every input file, the spec itself, what each change did, and the
effective policy, so that any plan directory can be rebuilt and re-scored later.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from planner.errors import InputError, InputProblem
from planner.io.loader import load_dataset
from planner.models import Dataset, Policy
from planner.scenario.changes import apply_changes
from planner.scenario.load import field_path, load_scenario
from planner.scenario.spec import DataFiles, ScenarioSpec
from planner.version import __version__

RESOLVED_FILE = "scenario.resolved.yaml"


@dataclass(frozen=True)
class Resolved:
    spec: ScenarioSpec  # data paths made absolute
    dataset: Dataset  # every change applied; the policy is the effective one
    notes: list[str]  # what each change did, in order
    inputs: dict[str, dict[str, str] | None]  # name -> {path, sha256}
    scenario_file: dict[str, str] | None = None

    def record(self) -> dict[str, Any]:
        """The content of scenario.resolved.yaml: plain YAML types only."""
        return {
            "planner_version": __version__,
            "scenario": {
                "name": self.spec.name,
                "description": self.spec.description,
                "file": self.scenario_file,
            },
            "inputs": self.inputs,
            "applied": [
                {"change": f"changes[{i}] {c.kind}", "effect": note}
                for i, (c, note) in enumerate(zip(self.spec.changes, self.notes, strict=True))
            ],
            "roster": {
                "active": [m.manager_id for m in self.dataset.managers if m.active],
                "inactive": [m.manager_id for m in self.dataset.managers if not m.active],
            },
            "effective_policy": self.dataset.policy.model_dump(mode="json"),
            "spec": self.spec.model_dump(mode="json"),
        }


def load_and_resolve(path: Path) -> Resolved:
    """The scenario file at `path`, resolved; its own hash goes into the record too."""
    path = Path(path).resolve()
    resolved = resolve_scenario(load_scenario(path), path.parent, path.name)
    return replace(resolved, scenario_file=file_record(path))


def resolve_scenario(spec: ScenarioSpec, base_dir: Path, source: str = "scenario") -> Resolved:
    """Load the base data, merge the policy overrides, apply the changes."""
    spec = spec.model_copy(update={"data": _absolute(spec.data, base_dir)})
    accounts, managers = Path(spec.data.accounts), Path(spec.data.managers)
    policy_path = Path(spec.data.policy) if spec.data.policy else None
    base = load_dataset(accounts, managers, policy_path)
    policy = _effective_policy(base.policy, spec.policy_overrides, policy_path, base_dir, source)
    try:
        with_overrides = Dataset(managers=base.managers, accounts=base.accounts, policy=policy)
    except ValidationError as exc:
        raise InputError(
            [InputProblem(source, None, "policy_overrides", e["msg"]) for e in exc.errors()]
        ) from None
    applied = apply_changes(with_overrides, spec.changes, as_of=spec.as_of, source=source)
    inputs: dict[str, dict[str, str] | None] = {
        "accounts": file_record(accounts),
        "managers": file_record(managers),
        "policy": file_record(policy_path) if policy_path else None,
    }
    matrix = applied.dataset.policy.travel.matrix_file
    if matrix:
        inputs["travel_matrix"] = file_record(Path(matrix))
    return Resolved(spec, applied.dataset, applied.notes, inputs)


def file_record(path: Path) -> dict[str, str]:
    return {"path": str(path), "sha256": sha256_of(path)}


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def deep_merge(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Mappings merge key by key; anything else (numbers, lists) replaces the base value."""
    out = dict(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _absolute(data: DataFiles, base_dir: Path) -> DataFiles:
    def absolute(p: str) -> str:
        path = Path(p).expanduser()
        return str(path if path.is_absolute() else (base_dir / path).resolve())

    return DataFiles(
        accounts=absolute(data.accounts),
        managers=absolute(data.managers),
        policy=absolute(data.policy) if data.policy else None,
    )


def _effective_policy(
    base: Policy, overrides: dict[str, Any], policy_path: Path | None, scenario_dir: Path, source: str
) -> Policy:
    merged = deep_merge(base.model_dump(mode="json"), overrides)
    try:
        policy = Policy.model_validate(merged)
    except ValidationError as exc:
        raise InputError(
            [
                InputProblem(source, None, field_path(("policy_overrides", *e["loc"])), e["msg"])
                for e in exc.errors()
            ]
        ) from None
    matrix = policy.travel.matrix_file
    if matrix and not Path(matrix).is_absolute():
        # A path written in the scenario is relative to it; one from the policy file, to that file.
        from_overrides = "matrix_file" in overrides.get("travel", {})
        anchor = scenario_dir if from_overrides or policy_path is None else policy_path.parent
        travel = policy.travel.model_copy(update={"matrix_file": str((anchor / matrix).resolve())})
        policy = policy.model_copy(update={"travel": travel})
    return policy

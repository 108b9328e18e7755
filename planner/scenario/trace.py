"""Rebuild the data set behind a plan from its `scenario.resolved.yaml`.

The roster is rebuilt by re-applying the recorded changes to the recorded input
files, after checking their sha256 still matches; the policy is the recorded
effective policy, verbatim, because that is the one the plan was solved with.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from planner.errors import InputError, InputProblem
from planner.models import Dataset, Policy
from planner.scenario.load import parse_scenario
from planner.scenario.resolve import RESOLVED_FILE, Resolved, resolve_scenario, sha256_of


def read_resolved(path: Path) -> dict[str, Any]:
    path = Path(path)
    if path.is_dir():
        path = path / RESOLVED_FILE
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InputError([InputProblem(str(path), None, None, f"cannot read ({exc})")]) from None
    if not isinstance(data, dict) or "spec" not in data or "effective_policy" not in data:
        raise InputError([InputProblem(str(path), None, None, "not a scenario.resolved.yaml (no spec)")])
    return data


def rebuild(path: Path) -> Resolved:
    """The resolved scenario recorded at `path` (a plan directory or the YAML file itself)."""
    record = read_resolved(path)
    where = str(Path(path) / RESOLVED_FILE if Path(path).is_dir() else path)
    check_hashes(record.get("inputs") or {}, where)
    spec = parse_scenario(record["spec"], where)
    resolved = resolve_scenario(spec, Path(where).parent, where)
    try:
        policy = Policy.model_validate(record["effective_policy"])
        dataset = Dataset(
            managers=resolved.dataset.managers, accounts=resolved.dataset.accounts, policy=policy
        )
    except ValidationError as exc:
        raise InputError(
            [InputProblem(where, None, "effective_policy", e["msg"]) for e in exc.errors()]
        ) from None
    return Resolved(
        resolved.spec, dataset, resolved.notes, resolved.inputs, record.get("scenario", {}).get("file")
    )


def check_hashes(inputs: dict[str, Any], where: str) -> None:
    """Refuse to re-score a plan against data that changed since it was made: the KPIs would lie."""
    problems = []
    for name, rec in inputs.items():
        if not rec:
            continue
        path = Path(rec["path"])
        if not path.exists():
            problems.append(InputProblem(where, None, f"inputs.{name}", f"{path} no longer exists"))
        elif sha256_of(path) != rec["sha256"]:
            problems.append(
                InputProblem(
                    where,
                    None,
                    f"inputs.{name}",
                    f"{path} changed since this plan was made (sha256 differs); "
                    "re-run the scenario, or pass --accounts/--managers/--policy to score it against today's files",
                )
            )
    if problems:
        raise InputError(problems)

"""A POSTed scenario applied to a stored data set: policy overrides merged, changes applied,
with the scenario package's own models and functions so files and API mean the same thing."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import ValidationError

from planner.errors import InputError, InputProblem
from planner.models import Dataset, Policy
from planner.scenario.changes import apply_changes
from planner.scenario.load import field_path
from planner.scenario.resolve import deep_merge
from planner.scenario.spec import Change


def resolve(
    base: Dataset, overrides: dict[str, Any], changes: list[Change], as_of: date | None
) -> tuple[Dataset, list[str]]:
    dataset = base
    if overrides:
        try:
            policy = Policy.model_validate(deep_merge(base.policy.model_dump(mode="json"), overrides))
            dataset = Dataset(managers=base.managers, accounts=base.accounts, policy=policy)
        except ValidationError as exc:
            raise InputError(
                [
                    InputProblem("request", None, field_path(("policy_overrides", *e["loc"])), str(e["msg"]))
                    for e in exc.errors()
                ]
            ) from None
    check_no_server_files(dataset.policy, "policy_overrides")
    if not changes:
        return dataset, []
    applied = apply_changes(dataset, changes, as_of=as_of, source="request")
    return applied.dataset, applied.notes


def check_no_server_files(policy: Policy, where: str) -> None:
    """A travel-matrix path would make the server read a file of the caller's choosing."""
    if policy.travel.matrix_file:
        raise InputError(
            [
                InputProblem(
                    "request", None, f"{where}.travel.matrix_file", "file paths are not accepted over the API"
                )
            ]
        )

"""Read the policy YAML with its optional `calendar:` section (see `policy.CalendarPolicy`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from planner.calendar.policy import CalendarPolicy
from planner.errors import InputError, InputProblem
from planner.models import Policy


def load_policies(path: Path | None) -> tuple[Policy, CalendarPolicy]:
    """The policy and its calendar section from one YAML file (defaults without a file)."""
    if path is None:
        return Policy(), CalendarPolicy()
    path = Path(path)
    if not path.exists():
        raise InputError([InputProblem(str(path), None, None, "file not found")])
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputError([InputProblem(path.name, None, None, f"not valid YAML ({exc})")]) from None
    if not isinstance(data, dict):
        raise InputError([InputProblem(path.name, None, None, "must be a mapping of policy fields")])
    embedded = "calendar" in Policy.model_fields
    section = data.get("calendar") or {}
    rest = data if embedded else {k: v for k, v in data.items() if k != "calendar"}
    policy = _validate(Policy, rest, path.name, "")
    if embedded:
        calendar = getattr(policy, "calendar", None)
        if isinstance(calendar, CalendarPolicy):
            return policy, calendar
    return policy, _validate(CalendarPolicy, section, path.name, "calendar.")


def _validate(model: Any, data: Any, name: str, prefix: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InputError(
            [
                InputProblem(name, None, prefix + ".".join(str(p) for p in e["loc"]) or None, str(e["msg"]))
                for e in exc.errors()
            ]
        ) from None

"""Read the policy YAML with its optional `calendar:` section (`planner.models.calendar_policy`)."""

from __future__ import annotations

from pathlib import Path

from planner.io.loader import load_policy
from planner.models import Policy
from planner.models.calendar_policy import CalendarPolicy


def load_policies(path: Path | None) -> tuple[Policy, CalendarPolicy]:
    """The policy and its calendar section from one YAML file (defaults without a file)."""
    if path is None:
        return Policy(), CalendarPolicy()
    # One reader for the policy file: the calendar section is a field of Policy.
    policy = load_policy(Path(path))
    return policy, policy.calendar

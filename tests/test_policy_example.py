"""The example policy is the documentation of every default: it must equal them (README says so)."""

from __future__ import annotations

from pathlib import Path

from planner.io.loader import load_policy
from planner.models import Policy

ROOT = Path(__file__).resolve().parents[1]


def test_the_example_policy_equals_the_defaults() -> None:
    assert load_policy(ROOT / "scenarios" / "policy.example.yaml") == Policy()

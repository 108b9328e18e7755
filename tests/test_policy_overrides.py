"""A policy file names only what it changes: partial sections merge onto the defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.errors import InputError
from planner.io.loader import load_policy
from planner.models import Policy, Tier


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_one_number_of_one_tier_keeps_the_rest_of_that_tier_and_the_other_tiers(tmp_path: Path) -> None:
    policy = load_policy(_write(tmp_path, "tiers:\n  strategic:\n    visits_per_month: 3\n"))
    defaults = Policy().tiers
    strategic = policy.tiers[Tier.strategic]
    assert strategic.visits_per_month == 3
    # One frequency: every 52/12 / 3 weeks follows from 3 visits a month (`one_frequency`).
    assert strategic == defaults[Tier.strategic].model_copy(
        update={"visits_per_month": 3.0, "visit_every_weeks": 52 / 12 / 3}
    )
    assert policy.tiers[Tier.key] == defaults[Tier.key]
    assert policy.tiers[Tier.standard] == defaults[Tier.standard]


def test_an_empty_tiers_section_is_the_defaults() -> None:
    assert Policy.model_validate({"tiers": {}}) == Policy()


def test_partial_nested_sections_merge_too(tmp_path: Path) -> None:
    text = "travel:\n  speed_kmh: 40\nweights:\n  move: 2\ncalendar:\n  hours_per_day: 7\ntiering:\n  key_share: 0.3\n"
    policy = load_policy(_write(tmp_path, text))
    default = Policy()
    assert policy.travel == default.travel.model_copy(update={"speed_kmh": 40.0})
    assert policy.weights == default.weights.model_copy(update={"move": 2.0})
    assert policy.calendar.hours_per_day == 7 and policy.calendar.day_start == default.calendar.day_start
    assert (
        policy.tiering.key_share == 0.3 and policy.tiering.strategic_share == default.tiering.strategic_share
    )


def test_a_bad_value_in_a_partial_tier_is_still_named(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        load_policy(_write(tmp_path, "tiers:\n  key:\n    hours_per_visit: -1\n"))
    assert "tiers.key.hours_per_visit" in str(info.value)


def test_an_unknown_tier_is_still_an_error(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        load_policy(_write(tmp_path, "tiers:\n  vip:\n    visits_per_month: 3\n"))
    assert "vip" in str(info.value)


def test_an_unknown_field_in_a_tier_is_still_an_error(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        load_policy(_write(tmp_path, "tiers:\n  key:\n    visits_per_mnth: 3\n"))
    assert "visits_per_mnth" in str(info.value)


def test_the_full_dump_round_trips() -> None:
    policy = Policy.model_validate({"tiers": {"standard": {"move_weight": 0.5}}})
    assert Policy.model_validate(policy.model_dump(mode="json")) == policy

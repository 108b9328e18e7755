"""The domain model is pure: importing it pulls in no solver and no web or CLI framework."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from planner.models import Account, Dataset, Manager, Pair, Plan, Policy

HEAVY = ("ortools", "pulp", "fastapi", "starlette", "uvicorn", "typer", "click", "rich")


def test_importing_models_loads_no_solver_or_framework() -> None:
    code = (
        "import json, sys; import planner.models; "
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(done.stdout) == []


def test_the_check_itself_would_notice_a_solver() -> None:
    # Guard against a vacuous pass: the same probe sees ortools once something imports it.
    code = "import json, sys; import planner.solvers; print(json.dumps('ortools' in sys.modules))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(done.stdout) is True


def test_models_are_frozen_and_forbid_unknown_fields() -> None:
    m = Manager(manager_id="M1", capacity_hours=10)
    with pytest.raises(ValueError):
        m.capacity_hours = 5  # type: ignore[misc]
    with pytest.raises(ValueError, match="capacty_hours"):
        Manager(manager_id="M1", capacty_hours=10)  # type: ignore[call-arg]


def test_dataset_cross_checks_name_the_bad_ids() -> None:
    managers = (Manager(manager_id="M1", capacity_hours=1), Manager(manager_id="M1", capacity_hours=1))
    with pytest.raises(ValueError) as info:
        Dataset(
            managers=managers,
            accounts=(Account(account_id="A1", current_manager_id="M7"),),
            policy=Policy(pins=[Pair(account_id="A8", manager_id="M1")]),
        )
    text = str(info.value)
    assert "duplicate manager_id 'M1'" in text
    assert "unknown current_manager_id 'M7'" in text
    assert "policy pins: unknown account_id 'A8'" in text


def test_policy_rejects_impossible_settings() -> None:
    with pytest.raises(ValueError, match="strategic_share"):
        Policy.model_validate({"tiering": {"strategic_share": 0.8, "key_share": 0.5}})
    with pytest.raises(ValueError, match="utilisation_band"):
        Policy(utilisation_band=(0.9, 0.3))
    # A tier left out is not impossible: it keeps its default rule (tests/test_policy_overrides.py).
    partial = Policy.model_validate(
        {"tiers": {"strategic": Policy().tiers["strategic"], "key": Policy().tiers["key"]}}
    )
    assert partial.tiers["standard"] == Policy().tiers["standard"]


def test_region_service_rule() -> None:
    policy = Policy(region_neighbours={"east": ["north"]})
    assert policy.serves_region("east", "east")
    assert policy.serves_region("east", "north")
    assert not policy.serves_region("north", "east")
    assert Policy(enforce_region=False).serves_region("north", "south")


def test_plan_is_just_ids() -> None:
    plan = Plan(assignment={"A1": "M1", "A2": None})
    assert plan.manager_of("A1") == "M1" and plan.manager_of("A2") is None and plan.manager_of("A3") is None
    assert Plan.model_validate_json(plan.model_dump_json()) == plan

"""max_strategic_per_manager (planner/rules/max_strategic.py), on toys with hand-derived answers.

Four strategic accounts; M1 knows their industry, so without the rule every one is cheapest with
M1 (the value-match term) and M1 has the hours for all. With the limit at 2, two must go to M2.
"""

from __future__ import annotations

import pytest
from toys import acc, context, mgr, plan, solve

from planner.compile import compile_problem
from planner.diagnose import presolve_diagnosis
from planner.evaluate import evaluate
from planner.models import Policy
from planner.rules import LIMITS


def _toy(limit: int | None, allow_unassigned: bool = False):  # type: ignore[no-untyped-def]
    managers = [
        mgr("M1", seniority="principal", industries={"energy"}, capacity_hours=200),
        mgr("M2", seniority="principal", capacity_hours=200),
    ]
    accounts = [acc(f"A{i}", tier="strategic", industry="energy") for i in range(4)]
    return context(managers, accounts, max_strategic_per_manager=limit, allow_unassigned=allow_unassigned)


def test_the_policy_key_is_read_validated_and_written_back() -> None:
    policy = Policy.model_validate({"max_strategic_per_manager": 3})
    assert policy.setting("max_strategic_per_manager") == 3
    assert policy.model_dump()["max_strategic_per_manager"] == 3
    assert Policy().setting("max_strategic_per_manager") is None  # off by default
    with pytest.raises(ValueError, match="max_strategic_per_manager"):
        Policy.model_validate({"max_strategic_per_manager": -1})


@pytest.mark.parametrize("backend", ["cpsat", "cbc", "engine", "auto"])
def test_a_manager_holds_at_most_the_limit(backend: str) -> None:
    assert {solve(_toy(None), backend).plan.manager_of(f"A{i}") for i in range(4)} == {"M1"}
    out = solve(_toy(2), backend)
    held = [out.plan.manager_of(f"A{i}") for i in range(4)]
    assert sorted(held) == ["M1", "M1", "M2", "M2"]
    assert out.evaluation.violations == []


def test_the_evaluator_names_the_rule_and_the_manager() -> None:
    ev = evaluate(_toy(2), plan(A0="M1", A1="M1", A2="M1", A3="M2"))
    broken = [v for v in ev.violations if v.rule == "max_strategic_per_manager"]
    assert [(v.manager_id, v.message) for v in broken] == [
        ("M1", "manager M1: 3 strategic accounts exceed max_strategic_per_manager 2")
    ]


def test_too_few_places_are_diagnosed_before_solving_or_left_unserved() -> None:
    # Limit 1 with two managers: two of the four strategic accounts cannot be held by anyone.
    reasons = presolve_diagnosis(compile_problem(_toy(1)))
    assert any("4 strategic accounts but its managers may hold at most 2" in r for r in reasons), reasons
    out = solve(_toy(1, allow_unassigned=True), "auto")
    assert sum(out.plan.manager_of(f"A{i}") is None for i in range(4)) == 2
    assert out.evaluation.violations == []


def test_the_rule_is_registered() -> None:
    assert "max_strategic_per_manager" in LIMITS

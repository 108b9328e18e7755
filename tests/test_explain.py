"""Explanations: the runner-up of an optimal plan never looks better, and a full runner-up says why."""

from __future__ import annotations

import math

import pytest
from toys import UNSERVED_JUNIOR_NO_INDUSTRY_CP, acc, context, mgr, random_dataset, solve, weights

from planner.context import Context
from planner.explain import explain_account
from planner.models import Plan


def test_runner_up_of_an_optimal_plan_costs_more() -> None:
    # Value weight 0: the key account costs only travel, 96 cp via Mnear, 963 cp via Mfar.
    ctx = context(
        [mgr("Mnear", home_lat=0.0, home_lon=0.1), mgr("Mfar", home_lat=0.0, home_lon=1.0)],
        [acc("A1", tier="key", lat=0.0, lon=0.0)],
        weights=weights(value_match=0.0),
    )
    out = solve(ctx)
    info = explain_account(ctx, out.plan, "A1")
    assert info["manager_id"] == "Mnear"
    runner = info["runner_up"]
    assert runner["manager_id"] == "Mfar" and runner["would_break"] == []
    far_cp = round(2.0 * 2 * 6371.0088 * math.radians(1.0) * 1.3 / 60 * 100)
    assert runner["objective_change"] == pytest.approx((far_cp - 96) / 100)
    assert runner["change_by_part"]["travel"] == pytest.approx(runner["objective_change"])
    assert info["why_not_runner_up"].startswith("giving it to Mfar would cost")
    assert info["score"]["points"]["travel"] == pytest.approx(0.96)


def test_full_runner_up_would_break_capacity() -> None:
    # M1 (industry match) has room for one of the two accounts; A2 went to M2. Moving A2 to M1 would
    # save 24 points but overload M1.
    ctx = context(
        [mgr("M1", 0.5, industries={"x"}), mgr("M2", 0.5)], [acc("A1", industry="x"), acc("A2", industry="x")]
    )
    out = solve(ctx)
    on_m2 = next(a for a, m in out.plan.assignment.items() if m == "M2")
    info = explain_account(ctx, out.plan, on_m2)
    runner = info["runner_up"]
    assert runner["manager_id"] == "M1"
    assert runner["would_break"] == ["capacity_hours"]
    assert runner["objective_change"] == pytest.approx(-UNSERVED_JUNIOR_NO_INDUSTRY_CP / 100)
    assert "would break: capacity_hours" in info["why_not_runner_up"]


def test_feasible_alternatives_rank_before_breaking_ones() -> None:
    # M1 is full and better; M3 is legal and worse. The runner-up is M3; M1 is listed with its breach.
    ctx = context(
        [mgr("M1", 0.5, industries={"x"}), mgr("M2", 0.5), mgr("M3", 0.5, seniority="principal")],
        [acc("A1", industry="x"), acc("A2", industry="x")],
    )
    out = solve(ctx)
    on_m2 = next(a for a, m in out.plan.assignment.items() if m == "M2")
    info = explain_account(ctx, out.plan, on_m2)
    assert info["runner_up"]["manager_id"] == "M3" and info["runner_up"]["would_break"] == []
    assert info["runner_up"]["objective_change"] > 0
    m1 = next(alt for alt in info["alternatives"] if alt["manager_id"] == "M1")
    assert m1["would_break"] == ["capacity_hours"]


def test_group_moves_together_and_ineligible_managers_are_counted() -> None:
    ctx = context(
        [
            mgr("M1", region="n"),
            mgr("M2", region="n"),
            mgr("M3", region="s"),
            mgr("M4", region="n", active=False),
        ],
        [acc("P", region="n"), acc("C", region="n", parent_id="P")],
    )
    out = solve(ctx)
    info = explain_account(ctx, out.plan, "C")
    assert info["parent_group"] == ["P", "C"]
    assert info["ineligible_managers_by_rule"] == {"region_eligibility": 1, "manager_active": 1}
    runner = info["runner_up"]
    # Both members move: no split-group breach is reported for the alternative.
    assert "parent_group_together" not in runner["would_break"]


def test_unknown_account_is_a_key_error() -> None:
    ctx = context([mgr("M1")], [acc("A1")])
    with pytest.raises(KeyError, match="A9"):
        explain_account(ctx, solve(ctx).plan, "A9")


def test_no_feasible_single_move_improves_an_optimal_plan() -> None:
    ctx = Context.build(random_dataset(seed=5, n_accounts=14, n_managers=3))
    out = solve(ctx)
    assert out.result.status.value == "optimal"
    for account_id in ctx.account_ids:
        info = explain_account(ctx, out.plan, account_id)
        for alt in info["alternatives"]:
            if not alt["would_break"]:
                assert alt["objective_change"] >= 0, (account_id, alt)


def test_the_runner_up_serves_a_reduced_account_at_the_same_level() -> None:
    # A (3.25 h) serves K1 in full (3 h) and A1 reduced (0.25 h of its 0.5 h); B has 0.3 h.
    # Moving A1 to B at its reduced level fits; at full service it would not, so a runner-up
    # judged at full service would wrongly break B's hours.
    ctx = context(
        [mgr("A", 3.25), mgr("B", 0.3)],
        [acc("K1", tier="key", current_manager_id="A"), acc("A1", current_manager_id="A")],
        allow_unassigned=True,
    )
    plan = Plan(assignment={"K1": "A", "A1": "A"}, service={"A1": "every 26 weeks"})
    runner = explain_account(ctx, plan, "A1")["runner_up"]
    assert runner["manager_id"] == "B"
    assert runner["would_break"] == []
    assert runner["change_by_part"]["reduced_service"] == 0.0  # same level, only the move costs
    assert runner["objective_change"] == pytest.approx(runner["change_by_part"]["moves"])

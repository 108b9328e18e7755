"""Account health (#18 item 2): at-risk and unhappy customers get more visits, a better match and
more continuity (policy health); a complaint that names a manager bans the pair and forces a move.

The toys use travel_hour 20 so that one degree of latitude (111.19 km, by road x 1.3 / 60 km/h =
2.409 h one way) costs, at a standard account's 1/3 visit a month, 20 x 1/3 x 2 x 2.409 = 32.12
points a month: between the plain costs (24 for a poor match, 25 for a move of a value-40
account) and the same costs x 1.5 (medium risk: 36 and 37.5). So each toy's answer flips with the
account's risk, and only through the factor under test.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from toys import acc, context, mgr, plan, solve, weights, write_rows

from planner.calendar.build import make_inputs
from planner.calendar.inputs import Assignment
from planner.calendar.workdays import make_calendar
from planner.evaluate import RULE_PREFIX, evaluate
from planner.explain import explain_account
from planner.io.dataset_csv import write_dataset_csv
from planner.io.loader import read_dataset
from planner.models import Policy, Risk
from planner.objective import full_visits
from planner.rules import failed_pair_rules

BACKENDS = ["cpsat", "auto"]
FAR = {"home_lat": 1.0, "home_lon": 0.0}  # one degree north of the account: 32.12 points a month
NEAR = {"home_lat": 0.0, "home_lon": 0.0}
HERE = {"lat": 0.0, "lon": 0.0}


def _policy() -> dict:  # type: ignore[type-arg]
    return {"weights": weights(travel_hour=20.0)}


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("health", "expected"), [({}, "M2"), ({"risk": "medium"}, "M1"), ({"satisfaction": 50}, "M1")]
)
def test_an_at_risk_account_gets_the_better_match(backend: str, health: dict, expected: str) -> None:  # type: ignore[type-arg]
    # M1 knows the industry but lives far (32.12 points of travel); M2 is next door without it
    # (value 40 x (1 - 0.4) = 24 points). Medium risk (or satisfaction 50, under the line of 60)
    # weighs the poor match x 1.5 = 36 > 32.12: the expert is worth the road.
    managers = [mgr("M1", industries=frozenset({"x"}), **FAR), mgr("M2", **NEAR)]
    ctx = context(managers, [acc("A", industry="x", **HERE, **health)], **_policy())
    out = solve(ctx, backend)
    assert out.plan.manager_of("A") == expected
    assert out.evaluation.objective_cp == round(out.result.objective)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("risk", "expected"), [(None, "M1"), ("medium", "M2")])
def test_an_at_risk_account_keeps_its_manager(backend: str, risk: str | None, expected: str) -> None:
    # Today M2 (far: 32.12 points); M1 is next door, the same match. Moving costs 0.5 x (10 + 40)
    # = 25 points: worth it for an ordinary account, not at medium risk (x 1.5 = 37.5).
    managers = [mgr("M1", **NEAR), mgr("M2", **FAR)]
    ctx = context(managers, [acc("A", current_manager_id="M2", risk=risk, **HERE)], **_policy())
    assert solve(ctx, backend).plan.manager_of("A") == expected


def test_a_high_risk_account_is_visited_more_in_the_assignment_and_the_calendar() -> None:
    # Standard: 1/3 visit a month (every 13 weeks); high risk x 1.5: 1/2 a month, every 8.67 weeks,
    # 0.75 h a month instead of 0.5, and full service only (no reduced level to fall to).
    accounts = [acc("A1", **HERE), acc("A2", risk="high", **HERE), acc("A3", risk="low", **HERE)]
    ctx = context([mgr("M1", **NEAR)], accounts, allow_unassigned=True)
    assert full_visits(ctx).tolist() == pytest.approx([1 / 3, 1 / 2, 1 / 3])
    ev = evaluate(ctx, plan(A1="M1", A2="M1", A3="M1"))
    assert [r.workload_hours for r in ev.accounts] == [0.5, 0.75, 0.5]
    reduced = evaluate(
        ctx, plan(A1="M1", A2="M1", A3="M1").model_copy(update={"service": {"A2": "every 26 weeks"}})
    )
    assert [v.rule for v in reduced.violations] == ["service_level"]
    work = make_calendar("2027-01-04", 26, None, frozenset(range(5)))
    inputs = make_inputs(
        ctx.dataset,
        Assignment(manager_of={"A1": "M1", "A2": "M1", "A3": "M1"}, tier_of={}, unassigned=()),
        work,
        {},
        {},
    )
    assert inputs.visit_every_weeks("A2") == pytest.approx(13 / 1.5)
    assert inputs.visit_every_weeks("A2") == pytest.approx(ctx.own_every_weeks[1])
    assert inputs.visit_every_weeks("A1") == pytest.approx(13.0)  # the tier's, as before


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_complaint_about_the_manager_forces_a_move(backend: str) -> None:
    # M1 holds A today and is the cheaper manager (next door); A complained about M1: it must
    # go to M2, a forced move (no move points), with the rule as its reason.
    managers = [mgr("M1", **NEAR), mgr("M2", **FAR)]
    account = acc("A", current_manager_id="M1", avoid_manager_ids=frozenset({"M1"}), **HERE)
    ctx = context(managers, [account], **_policy())
    assert failed_pair_rules(ctx, 0, 0) == ["avoid_manager"]
    out = solve(ctx, backend)
    assert out.plan.manager_of("A") == "M2"
    assert out.evaluation.moves["forced_by_rule"] == 1 and out.evaluation.moves["voluntary"] == 0
    assert out.evaluation.parts_cp["moves"] == 0
    assert out.evaluation.accounts[0].move_reason == RULE_PREFIX + "avoid_manager"
    kept = evaluate(ctx, plan(A="M1"))
    assert [v.message for v in kept.violations] == [
        "account A complained about M1 and must not be served by them (avoid_manager_id)"
    ]
    info = explain_account(ctx, out.plan, "A")
    assert info["move_reason"] == "rule: avoid_manager"
    assert info["health"]["avoid_manager_ids"] == ["M1"]
    assert info["ineligible_managers_by_rule"] == {"avoid_manager": 1}


def test_risk_from_the_column_and_satisfaction_takes_the_worse() -> None:
    health = Policy().health
    assert health.risk_of(acc("A")) is None
    assert health.risk_of(acc("A", risk="low", satisfaction=35)) == Risk.high
    assert health.risk_of(acc("A", risk="high", satisfaction=90)) == Risk.high
    assert health.risk_of(acc("A", satisfaction=59.9)) == Risk.medium
    five = Policy.model_validate({"health": {"satisfaction_scale": 5}}).health
    assert five.risk_of(acc("A", satisfaction=2)) == Risk.medium  # 2 of 5 = 40 of 100: under 60, not 40
    assert five.risk_of(acc("A", satisfaction=1.9)) == Risk.high
    assert five.risk_of(acc("A", satisfaction=4)) == Risk.low
    with pytest.raises(ValueError, match=r"health.visit_factor.high: a factor in \(0, 10\]"):
        Policy.model_validate({"health": {"visit_factor": {"high": 0}}})


def test_crm_columns_in_chinese(tmp_path) -> None:  # type: ignore[no-untyped-def]
    managers = write_rows(
        tmp_path / "m.csv",
        [{"manager_id": "M1", "capacity_hours": 100}, {"manager_id": "M2", "capacity_hours": 100}],
    )
    accounts = write_rows(
        tmp_path / "a.csv",
        [
            {"客户编号": "A1", "流失风险": "高风险", "满意度": 3, "投诉经理": "M1;M2"},
            {"客户编号": "A2", "流失风险": "低", "满意度": 4, "投诉经理": ""},
        ],
    )
    loaded = read_dataset(accounts, managers)
    a1, a2 = loaded.dataset.accounts
    assert (a1.risk, a1.satisfaction, a1.avoid_manager_ids) == (Risk.high, 3, frozenset({"M1", "M2"}))
    assert (a2.risk, a2.avoid_manager_ids) == (Risk.low, frozenset())
    assert any("health.satisfaction_scale: 5" in w for w in loaded.warnings)
    write_dataset_csv(loaded.dataset, tmp_path / "out")  # the recorded copy reads back the same
    again = read_dataset(tmp_path / "out" / "accounts.csv", tmp_path / "out" / "managers.csv").dataset
    assert again.accounts == loaded.dataset.accounts


def test_without_health_columns_nothing_changes() -> None:
    ctx = context([mgr("M1", **NEAR)], [acc("A", **HERE, last_visit_date=dt.date(2027, 1, 1))])
    assert np.isnan(ctx.own_every_weeks).all()
    assert [f.tolist() for f in ctx.health_factors] == [[1.0], [1.0]]

"""Manager performance (#18 item 1): high performers on high-value accounts, softly (weights.
performance) and, per tier, as a hard floor (policy min_performance_by_tier).

Toy: two principal managers alike in every way but performance (M1 90, M2 40), room for one
account each (max_accounts 1), a strategic account worth much and a standard one worth little.
Without scores both ways cost the same; with them, the valuable account goes to M1, because
weights.performance x value x (1 - 0.4) is charged on M2 for a strategic account and nothing for
a standard one (planner.objective)."""

from __future__ import annotations

import pytest
from toys import acc, context, mgr, solve, weights

from planner.compile import compile_problem
from planner.diagnose import presolve_diagnosis
from planner.evaluate import evaluate
from planner.explain import explain_account
from planner.models import Plan, TieringCriteria
from planner.rules import failed_pair_rules


def _managers(**scores: float | None):  # type: ignore[no-untyped-def]
    return [mgr(m, seniority="principal", max_accounts=1, performance=p) for m, p in scores.items()]


ACCOUNTS = [
    acc("BIG", tier="strategic", annual_revenue=1e6),
    acc("SMALL", tier="standard", annual_revenue=10),
]


@pytest.mark.parametrize("backend", ["cpsat", "cbc", "auto"])
def test_the_valuable_account_goes_to_the_high_performer(backend: str) -> None:
    out = solve(context(_managers(M1=90, M2=40), ACCOUNTS), backend)
    assert out.plan.manager_of("BIG") == "M1" and out.plan.manager_of("SMALL") == "M2"
    assert out.evaluation.parts_cp["performance"] > 0
    # The other way round costs more, by the performance term alone.
    swapped = evaluate(out.compiled.ctx, Plan(assignment={"BIG": "M2", "SMALL": "M1"}))
    assert swapped.parts_cp["performance"] > out.evaluation.parts_cp["performance"]
    info = explain_account(out.compiled.ctx, out.plan, "BIG")
    assert info["score"]["performance"] == 90


def test_without_scores_there_is_no_performance_cost() -> None:
    out = solve(context(_managers(M1=None, M2=None), ACCOUNTS))
    assert out.evaluation.parts_cp["performance"] == 0


def test_a_tier_floor_rules_out_the_underperformer() -> None:
    ctx = context(_managers(M1=90, M2=40), ACCOUNTS, min_performance_by_tier={"strategic": 70})
    assert failed_pair_rules(ctx, 0, 1) == ["performance_floor"]
    assert failed_pair_rules(ctx, 1, 1) == []  # standard: no floor
    ev = evaluate(ctx, Plan(assignment={"BIG": "M2", "SMALL": "M1"}))
    assert [v.message for v in ev.violations if v.rule == "performance_floor"] == [
        "strategic account BIG needs a performance score of at least 70; M2 has 40"
    ]
    alone = context(_managers(M2=40), ACCOUNTS[:1], min_performance_by_tier={"strategic": 70})
    assert presolve_diagnosis(compile_problem(alone)) == [
        "1 account of tier strategic need a manager with a performance score of at least 70; there is none (BIG)"
    ]


def test_the_high_performer_takes_the_strategic_account_over_two_key_ones() -> None:
    """Value scores from strategic_importance alone (100 x (importance - 1) / 4): TOP 100 (tier
    strategic: 2 visits x 3 h + 4 h admin = 10 h), MID1 and MID2 75 (key: 1 x 2 h + 1 h = 3 h each).
    H (performance 100) has 10 h, room for TOP alone or for both MIDs; L (50) has room for all.
    Both are senior without industries and there is no travel, move or balance, so match and
    hours cost the same whoever serves: only the performance term decides. With weight 1 it is
    charged on strategic accounts only, value x (1 - performance / 100):
    - H takes TOP, L both MIDs: 0 points;
    - H takes both MIDs (or one), L TOP: 100 x 0.5 = 50 points.
    So the optimum gives H the most valuable account. Charged on every account (before #18's
    change) the first way would cost 2 x 75 x 0.5 = 75 points against 50: the high performer would
    be spread over the two lesser accounts, the reason the term is on strategic accounts only."""
    managers = [
        mgr("H", capacity_hours=10.0, seniority="senior", performance=100),
        mgr("L", seniority="senior", performance=50),
    ]
    accounts = [
        acc("TOP", tier="strategic", strategic_importance=5),
        acc("MID1", tier="key", strategic_importance=4),
        acc("MID2", tier="key", strategic_importance=4),
    ]
    by_importance = TieringCriteria(annual_revenue=0, contract_value=0, years_as_customer=0)
    ctx = context(managers, accounts, tiering=by_importance, weights=weights(performance=1.0))
    assert ctx.value.tolist() == [100.0, 75.0, 75.0]
    for backend in ("cpsat", "cbc", "auto"):
        out = solve(ctx, backend)
        assert out.plan.assignment == {"TOP": "H", "MID1": "L", "MID2": "L"}, backend
        assert out.evaluation.parts_cp["performance"] == 0
    spread = evaluate(ctx, Plan(assignment={"TOP": "L", "MID1": "H", "MID2": "H"}))
    assert spread.parts_cp["performance"] == 5000
    # The explanation names the term: TOP moved to L (the MIDs staying) adds 100 x 0.5 = 50 points.
    info = explain_account(ctx, out.plan, "TOP")
    assert info["why_not_runner_up"] == "giving it to L would cost 50.00 points more (performance +50.00)"

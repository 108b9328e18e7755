"""Manager performance (#18 item 1): high performers on high-value accounts, softly (weights.
performance) and, per tier, as a hard floor (policy min_performance_by_tier).

Toy: two principal managers alike in every way but performance (M1 90, M2 40), room for one
account each (max_accounts 1), a strategic account worth much and a standard one worth little.
Without scores both ways cost the same; with them, the valuable account goes to M1, because
0.5 x value x (1 - 0.4) charged on M2 is larger on the valuable account."""

from __future__ import annotations

import pytest
from toys import acc, context, mgr, solve

from planner.compile import compile_problem
from planner.diagnose import presolve_diagnosis
from planner.evaluate import evaluate
from planner.explain import explain_account
from planner.models import Plan
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

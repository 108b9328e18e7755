"""Fair opportunity among peers (#18 item 4): weights.value_spread and weights.strategic_spread
price the spread (max - min) of value carried and of strategic accounts held among active
managers of one seniority, in every backend's model; default 0 changes nothing.

Toy: two accounts of value score 40 in industry x; M1 knows x, M2 does not. Standard accounts
with junior managers: M1 matches 1.0 (0 points), M2 0.4 (40 x 0.6 = 24 points). Both on M1 cost
0 but M1 carries 80 value points and M2 none: a spread of 80, priced 80 x value_spread. Splitting
costs 24 and has no spread. So value_spread 0.5 (40 > 24) splits them, 0.2 (16 < 24) does not.
Strategic: with senior managers, M1 matches 0.6 + 0.4 x 0.5 = 0.8 (8 points) and M2 0.2 (32):
again 24 apart; both on M1 is a spread of 2 strategic accounts, priced 2 x strategic_spread:
15 splits (30 > 24), 10 does not (20 < 24).
"""

from __future__ import annotations

import pytest
from toys import OPTIONS, acc, context, mgr, solve, weights

from planner.compile import compile_problem
from planner.evaluate import evaluate
from planner.fairness import fairness_report
from planner.models import Plan
from planner.reports.fairness_page import fairness_html
from planner.solvers import SOLVERS

BACKENDS = ["cpsat", "auto"]


def _toy(seniority: str = "junior", tier: str = "standard", m2_seniority: str | None = None, **w: float):  # type: ignore[no-untyped-def]
    managers = [
        mgr("M1", seniority=seniority, industries=frozenset({"x"})),
        mgr("M2", seniority=m2_seniority or seniority),
    ]
    accounts = [acc("A1", tier=tier, industry="x"), acc("A2", tier=tier, industry="x")]
    return context(managers, accounts, weights=weights(**w))


def _holders(out) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(out.plan.manager_of(a) for a in ("A1", "A2"))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("weight", "holders"), [(0.0, ["M1", "M1"]), (0.2, ["M1", "M1"]), (0.5, ["M1", "M2"])]
)
def test_value_spread_shares_value_among_peers(backend: str, weight: float, holders: list[str]) -> None:
    out = solve(_toy(value_spread=weight), backend)
    assert _holders(out) == holders
    assert out.evaluation.objective_cp == round(out.result.objective)
    assert out.evaluation.parts_cp["opportunity"] == (
        round(weight * 10) * 800 if holders == ["M1", "M1"] else 0
    )


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("weight", "holders"), [(10.0, ["M1", "M1"]), (15.0, ["M1", "M2"])])
def test_strategic_spread_shares_strategic_accounts_among_peers(
    backend: str, weight: float, holders: list[str]
) -> None:
    out = solve(_toy("senior", "strategic", strategic_spread=weight), backend)
    assert _holders(out) == holders
    assert out.evaluation.objective_cp == round(out.result.objective)


@pytest.mark.parametrize("backend", BACKENDS)
def test_managers_of_other_seniority_are_not_peers(backend: str) -> None:
    # M1 senior, M2 junior: each is alone in their group, there is no spread to price, and both
    # accounts stay with the expert whatever the weight.
    out = solve(_toy("senior", m2_seniority="junior", value_spread=5.0), backend)
    assert _holders(out) == ["M1", "M1"] and out.evaluation.parts_cp["opportunity"] == 0


def test_every_backend_prices_the_spread_as_the_evaluator() -> None:
    # Both weights on, five accounts of mixed value (the strategic ones need a senior: M1, M2;
    # M3 is junior and holds standard work only); every backend's objective is the evaluator's,
    # and the exact ones agree on the optimum.
    managers = [
        mgr("M1", seniority="senior", industries=frozenset({"x"})),
        mgr("M2", seniority="senior"),
        mgr("M3", seniority="junior", industries=frozenset({"x"})),
        mgr("M4", seniority="junior"),
    ]
    accounts = [
        acc(f"A{k}", tier=tier, industry="x", annual_revenue=float(10 * k))
        for k, tier in enumerate(["strategic", "strategic", "key", "standard", "standard"])
    ]
    ctx = context(managers, accounts, weights=weights(value_spread=0.7, strategic_spread=12.0))
    assert compile_problem(ctx).problem.spread_names == ("value_spread", "strategic_spread")
    optima = {}
    for backend in SOLVERS:
        out = solve(ctx, backend, options=OPTIONS)
        assert out.evaluation is not None and out.evaluation.violations == []
        assert out.evaluation.objective_cp == round(out.result.objective), backend
        assert out.result.bound is None or out.result.bound <= out.evaluation.objective_cp, backend
        optima[backend] = out.evaluation.objective_cp
    assert optima["cpsat"] == optima["cbc"] == optima["auto"]


def test_off_by_default_and_the_report_by_seniority_region_and_industry() -> None:
    ctx = _toy()
    assert compile_problem(ctx).problem.spread_names == ()
    ev = evaluate(ctx, Plan(assignment={"A1": "M1", "A2": "M1"}))
    assert ev.parts_cp["opportunity"] == 0
    report = fairness_report(ev, industries={m.manager_id: m.industries for m in ctx.dataset.managers})
    (junior,) = report["opportunity"]["by_seniority"]
    assert junior["seniority"] == "junior" and junior["managers"] == 2
    assert (junior["value_carried_max"], junior["value_carried_min"], junior["value_carried_spread"]) == (
        80.0,
        0.0,
        80.0,
    )
    assert junior["strategic_spread"] == 0
    industries = {r["industry"]: r for r in report["by_industry"]}
    assert set(industries) == {"x", "(none listed)"} and industries["x"]["value_carried"] == 80.0
    page = fairness_html(report)
    assert 'id="opportunity-by-seniority"' in page and 'id="chart-opportunity"' in page

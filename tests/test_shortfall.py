"""Planning under scarcity: the most valuable service is kept first.

Toys with hand-derived optima, then the shortfall path of the "auto" backend on generated
data whose managers have too few hours. Hours per month under the default policy (no travel
in the toys): strategic 2 visits x 3 h + 4 h admin = 10 h; key 1 x 2 h + 1 h = 3 h, reduced
(every 2 months) 0.5 x 2 h + 1 h = 2 h; standard 1/3 x 1.5 h = 0.5 h, reduced (every 26 weeks)
1/6 x 1.5 h = 0.25 h. Lost service costs 100 points an hour x the tier's service weight
(strategic 100, key 10, standard 1) x (1 + value score / 100).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from toys import OPTIONS, acc, context, mgr, solve, weights

from planner.compile import compile_problem
from planner.context import Context
from planner.evaluate import evaluate
from planner.generator import generate
from planner.models import Dataset
from planner.solvers import SOLVERS, SolveOptions, Status
from planner.solvers.cpsat import satisfies
from planner.solvers.shortfall import ShortfallSolver
from planner.solvers.value_first import value_first

BACKENDS = ["auto", "cpsat", "cbc", "engine"]
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:pulp")


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_strategic_account_is_kept_over_two_standard_ones(backend: str) -> None:
    # 10 h: the strategic account (10 h) or the two standard ones (1 h), not all three.
    # Dropping the strategic one loses 10 h x 100 x 100 x (1 + v/100) >= 100 000 points;
    # dropping both standard ones at most 2 x 0.5 h x 100 x 2 = 200 points.
    ctx = context(
        [mgr("M1", 10.0, seniority="senior")],
        [acc("S1", tier="strategic"), acc("A1"), acc("A2")],
        allow_unassigned=True,
    )
    out = solve(ctx, backend)
    assert out.result.status == Status.OPTIMAL
    assert out.plan is not None and out.evaluation is not None
    assert out.plan.assignment == {"S1": "M1", "A1": None, "A2": None}
    assert out.plan.service_of("S1") == "full"
    assert out.evaluation.violations == []
    assert out.evaluation.objective_cp == round(out.result.objective or -1)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_standard_account_is_reduced_before_a_key_account_loses_service(backend: str) -> None:
    # 3.25 h: key in full (3 h) + standard reduced (0.25 h), or key reduced (2 h) + standard in
    # full (0.5 h); both in full (3.5 h) do not fit. Reducing the standard account loses
    # 0.25 h x 100 x 1 x (1 + v/100) <= 50 points; reducing the key account 1 h x 100 x 10 x
    # (1 + v/100) >= 1 000 points. Dropping the standard one (0.5 h, <= 100 points) costs more
    # than reducing it.
    ctx = context([mgr("M1", 3.25)], [acc("K1", tier="key"), acc("A1")], allow_unassigned=True)
    out = solve(ctx, backend)
    assert out.result.status == Status.OPTIMAL
    assert out.plan is not None and out.evaluation is not None
    assert out.plan.assignment == {"K1": "M1", "A1": "M1"}
    assert out.plan.service_of("K1") == "full"
    assert out.plan.service_of("A1") == "every 26 weeks"
    assert out.evaluation.violations == []
    rows = {r.account_id: r for r in out.evaluation.accounts}
    assert rows["A1"].service == "every 26 weeks" and rows["A1"].workload_hours == 0.25
    assert out.evaluation.objective_cp == round(out.result.objective or -1)


def test_full_service_required_turns_the_shortfall_into_infeasible() -> None:
    from planner.errors import InfeasibleError

    ctx = context([mgr("M1", 3.25)], [acc("K1", tier="key"), acc("A1")], allow_unassigned=False)
    with pytest.raises(InfeasibleError) as err:
        solve(ctx, "auto")
    assert any("h" in r for r in err.value.reasons)


def test_a_reduced_level_breaks_the_full_service_rule_when_full_service_is_required() -> None:
    from planner.models import Plan

    ctx = context([mgr("M1")], [acc("A1")], allow_unassigned=False)
    ev = evaluate(ctx, Plan(assignment={"A1": "M1"}, service={"A1": "every 26 weeks"}))
    assert [v.rule for v in ev.violations] == ["full_service"]


def scarce(n_accounts: int, n_managers: int, seed: int, capacity_share: float) -> Dataset:
    """A generated data set whose managers have `capacity_share` of their hours."""
    ds = generate(n_accounts, n_managers, seed=seed)
    managers = tuple(
        m.model_copy(update={"capacity_hours": m.capacity_hours * capacity_share}) for m in ds.managers
    )
    return ds.model_copy(update={"managers": managers})


@pytest.fixture(scope="module")
def short_problem():
    ctx = Context.build(scarce(1500, 40, seed=5, capacity_share=0.6))
    return ctx, compile_problem(ctx)


def test_value_first_start_is_valid_and_serves_strategic_accounts_first(short_problem) -> None:
    ctx, compiled = short_problem
    problem = compiled.problem
    assert problem.has_levels and problem.unassigned_cost is not None
    unit_agent, unit_level = value_first(problem)
    assert satisfies(problem, unit_agent, unit_level)
    plan = compiled.to_plan(unit_agent, unit_level)
    ev = evaluate(ctx, plan)
    assert ev.violations == []
    assert ev.objective_cp == problem.objective_of(unit_agent, unit_level)
    served = {r.tier: [] for r in ev.accounts}
    for r in ev.accounts:
        served[r.tier].append(r.manager_id is not None)
    assert np.mean(served["strategic"]) >= np.mean(served["standard"])


def test_shortfall_solver_keeps_its_bound_honest_and_improves_on_its_start(short_problem) -> None:
    ctx, compiled = short_problem
    problem = compiled.problem
    start = problem.objective_of(*value_first(problem))
    result = ShortfallSolver().solve(problem, replace(OPTIONS, time_limit_seconds=8.0, threads=2))
    assert result.status.has_solution and result.unit_agent is not None
    assert satisfies(problem, result.unit_agent, result.unit_level)
    assert result.objective is not None and result.bound is not None
    assert 0 <= result.bound <= result.objective <= start
    ev = evaluate(ctx, compiled.to_plan(result.unit_agent, result.unit_level))
    assert ev.violations == [] and ev.objective_cp == result.objective
    assert ev.unassigned  # the data really is short of hours


def test_auto_takes_the_shortfall_path_and_its_answer_scores_the_same(short_problem) -> None:
    ctx, compiled = short_problem
    result = SOLVERS["auto"].solve(compiled.problem, SolveOptions(time_limit_seconds=6.0, threads=2, seed=0))
    assert result.statistics.get("service") == "shortfall"
    assert result.unit_agent is not None and result.objective is not None and result.bound is not None
    assert 0 <= result.bound <= result.objective
    ev = evaluate(ctx, compiled.to_plan(result.unit_agent, result.unit_level))
    assert ev.violations == [] and ev.objective_cp == result.objective


def test_auto_plans_full_service_when_it_fits() -> None:
    ctx = Context.build(generate(1500, 40, seed=5))
    compiled = compile_problem(ctx)
    assert compiled.problem.has_options
    result = SOLVERS["auto"].solve(compiled.problem, SolveOptions(time_limit_seconds=6.0, threads=2, seed=0))
    assert result.statistics.get("service") == "full service fits"
    assert result.unit_agent is not None and (result.unit_agent >= 0).all()
    plan = compiled.to_plan(result.unit_agent, result.unit_level)
    assert plan.service == {}
    assert evaluate(ctx, plan).objective_cp == result.objective


def test_accounts_tied_to_one_full_manager_are_named_before_solving() -> None:
    # Region total: 2 x 0.5 h needed, 100.6 h available; but only M1 speaks ja, and M1 has 0.6 h.
    from planner.errors import InfeasibleError

    ctx = context(
        [mgr("M1", 0.6, languages={"ja"}), mgr("M2", 100.0)],
        [acc("A1", language="ja"), acc("A2", language="ja")],
        allow_unassigned=False,
    )
    with pytest.raises(InfeasibleError) as err:
        solve(ctx, "auto")
    assert any("2 account(s) may only be served by M1" in r for r in err.value.reasons), err.value.reasons


def test_hire_advice_restores_full_service_when_the_hires_are_added() -> None:
    from planner.advice import advise_hires

    # East: M1 has 1 h, its four standard accounts need 4 x 0.5 h; a senior ja account in west
    # has nobody at all (no west manager). The advice must name an east hire and a senior ja
    # hire in west, and planning again with exactly those hires must serve everyone in full.
    east = [acc(f"E{k}", region="east") for k in range(4)]
    west = [acc("W1", tier="key", region="west", language="ja")]
    ds = context([mgr("M1", 1.0, region="east")], [*east, *west]).dataset
    advice = advise_hires(ds, replace(OPTIONS, time_limit_seconds=5.0))
    assert advice.hires, advice
    assert {h.region for h in advice.hires} == {"east", "west"}
    assert any("ja" in h.languages for h in advice.hires if h.region == "west")
    assert advice.still_short == []
    # M1 keeps two east accounts in full today; the other two and W1 are short.
    assert len(advice.restored_accounts) == 3 and "W1" in advice.restored_accounts
    # Re-plan independently with the advised hires, full service required: it must hold.
    grown = ds.model_copy(
        update={
            "managers": (*ds.managers, *advice.hires),
            "policy": ds.policy.model_copy(update={"allow_unassigned": False}),
        }
    )
    out = solve(Context.build(grown), "auto")
    assert out.evaluation is not None and out.evaluation.violations == []
    assert all(r.service == "full" and r.manager_id for r in out.evaluation.accounts)


@pytest.mark.parametrize("backend", ["cpsat", "cbc", "auto", "engine"])
def test_full_service_is_no_proof_when_the_weights_make_leaving_out_cheaper(backend: str) -> None:
    """With `unassigned` at 1 point an hour, leaving a standard account unserved costs 0.7 points
    (0.5 h x 1 x (1 + value 40/100)); serving it by a junior without its industry costs 24 (value
    40 x (1 - 0.4)). The full-service optimum (24) must not be called optimal: the plan leaves it
    out. With the default weight, full service is the proven optimum."""
    cheap = context(
        [mgr("M1")], [acc("A1", annual_revenue=50)], allow_unassigned=True, weights=weights(unassigned=1.0)
    )
    out = solve(cheap, backend)
    assert out.plan.manager_of("A1") is None
    assert out.evaluation.objective_cp == 70 and out.result.status == Status.OPTIMAL
    default = context([mgr("M1")], [acc("A1", annual_revenue=50)], allow_unassigned=True)
    served = solve(default, backend)
    assert served.plan.manager_of("A1") == "M1" and served.result.status == Status.OPTIMAL


def test_the_parts_bound_counts_the_accounts_nobody_may_serve() -> None:
    # Two regions with one manager each, short of hours, and X1 in a region with no manager: X1
    # lies in no part, yet every plan pays its unserved cost. Each part is tiny (HiGHS proves it
    # optimal) and balance is off, so the parts' bounds plus X1's cost are the optimum itself;
    # without X1's cost the bound fell short of it by exactly that.
    ctx = context(
        [mgr("E", 10.0, region="east", seniority="senior"), mgr("W", 3.0, region="west")],
        [
            acc("S1", tier="strategic", region="east"),
            acc("A1", region="east"),
            acc("K1", tier="key", region="west"),
            acc("A2", region="west"),
            acc("X1", tier="key", region="north"),
        ],
        allow_unassigned=True,
    )
    problem = compile_problem(ctx).problem
    result = ShortfallSolver().solve(problem, OPTIONS)
    assert result.statistics["parts"] == 2
    assert result.objective is not None and result.unit_agent is not None
    assert result.statistics["parts_bound"] == pytest.approx(result.objective)
    assert result.status == Status.OPTIMAL


def test_a_backend_with_no_plan_in_time_answers_with_the_value_first_start(short_problem) -> None:
    # CBC cannot even write this model (tens of thousands of options) within half a second; the
    # answer is still a valid plan, called what it is (feasible, each unit's cheapest option as
    # its bound), not "no plan".
    ctx, compiled = short_problem
    problem = compiled.problem
    result = SOLVERS["cbc"].solve(problem, SolveOptions(time_limit_seconds=0.5, threads=1, seed=0))
    assert result.status == Status.FEASIBLE and result.objective is not None and result.bound is not None
    assert 0 <= result.bound <= result.objective
    assert result.unit_agent is not None and satisfies(problem, result.unit_agent, result.unit_level)
    assert "value-first" in result.message
    assert (
        evaluate(ctx, compiled.to_plan(result.unit_agent, result.unit_level)).objective_cp == result.objective
    )


def test_value_first_keeps_its_deadline_with_a_valid_plan(short_problem) -> None:
    # With no time at all the start places nothing beyond the first look at the clock, and what it
    # returns is still a plan every rule accepts (units not reached stay unserved).
    from planner.budget import Budget

    _, compiled = short_problem
    problem = compiled.problem
    hurried = value_first(problem, budget=Budget(0.0))
    full = value_first(problem)
    assert satisfies(problem, *hurried)
    assert (hurried[0] >= 0).sum() < (full[0] >= 0).sum()


def test_the_packed_start_is_valid_and_serves_what_its_packing_placed(short_problem) -> None:
    """The packing start (`planner.solvers.packing`): valuable units placed by a MIP first, the
    rest filled value first; every plan it returns keeps every rule, and no heavy unit the packing
    placed is left out by the fill (the fill only adds units around them)."""
    from toys import options_toy

    from planner.budget import Budget
    from planner.solvers.packing import heavy_units, packed_start

    for seed in range(20):
        toy = options_toy(seed)
        found = packed_start(toy, Budget(5.0))
        assert found is None or satisfies(toy, *found)
    _, compiled = short_problem
    problem = compiled.problem
    found = packed_start(problem, Budget(20.0))
    assert found is not None and satisfies(problem, *found)
    heavy, _ = heavy_units(problem)
    assert heavy.any()  # this data is short of hours: there is a price, and units above it
    assert (found[0][heavy] >= 0).mean() >= (found[0][~heavy] >= 0).mean()


def test_regions_take_the_cheaper_of_two_plans_each() -> None:
    # The LP's start stands in for regions that got no time of their own: region by region
    # the cheaper plan is kept, so the mix beats both wherever each wins somewhere.
    from planner.solvers.decompose import components
    from planner.solvers.shortfall import _partwise_best, _unit_costs

    problem = compile_problem(Context.build(generate(120, 6, seed=3, demand_ratio=1.15))).problem
    parts = [(u, a) for u, a in components(problem) if u.size]
    assert len(parts) >= 2
    good = value_first(problem)
    assert satisfies(problem, *good)
    unserved = (np.full(problem.n_units, -1, dtype=np.int64), good[1])
    first, second = parts[0][0], parts[1][0]
    a = (good[0].copy(), good[1])
    a[0][second] = -1  # good on the first region only
    b = (good[0].copy(), good[1])
    b[0][first] = -1  # good on the second region only
    merged = _partwise_best(problem, parts, a, b)
    assert merged is not None and satisfies(problem, *merged)
    assert (merged[0][first] == good[0][first]).all() and (merged[0][second] == good[0][second]).all()
    costs = _unit_costs(problem, merged).sum()
    assert costs < min(_unit_costs(problem, a).sum(), _unit_costs(problem, b).sum())
    assert _partwise_best(problem, parts, unserved, None) == unserved


def test_without_the_lp_the_capacities_bound_stands_in(monkeypatch: pytest.MonkeyPatch) -> None:
    # As if the LP of the whole could not end in time (20,000 x 500 at 10 s): the capacities'
    # Lagrangian bound is the plan's proven floor, above the regions' cheapest options and never
    # above the optimum CP-SAT proves.
    import planner.solvers.shortfall as shortfall

    monkeypatch.setattr(shortfall, "LP_SECONDS_PER_PAIR", 1.0)
    problem = compile_problem(Context.build(generate(120, 6, seed=3, demand_ratio=1.15))).problem
    result = ShortfallSolver().solve(problem, SolveOptions(time_limit_seconds=5, threads=2, seed=0))
    floor = result.statistics["pair_bound"]
    assert isinstance(floor, int)
    assert result.bound is not None and result.objective is not None
    assert floor <= result.bound <= result.objective
    exact = SOLVERS["cpsat"].solve(problem, SolveOptions(time_limit_seconds=30, threads=2, seed=0))
    assert exact.status == Status.OPTIMAL and exact.objective is not None
    assert floor <= exact.objective
    from planner.solvers.decompose import cheapest_bound

    assert floor > cheapest_bound(problem)  # the hours are short: their prices add to the cheapest options


def test_small_regions_leave_their_time_to_highs_on_the_whole() -> None:
    # The regions (balance dropped) prove themselves in a fraction of a second; the time left
    # goes to HiGHS on the whole model, which mends and bounds the balance term between them.
    problem = compile_problem(Context.build(generate(120, 6, seed=3, demand_ratio=1.15))).problem
    result = ShortfallSolver().solve(problem, SolveOptions(time_limit_seconds=5, threads=2, seed=0))
    assert "mip" in result.statistics and result.statistics["parts"] == 2
    exact = SOLVERS["cpsat"].solve(problem, SolveOptions(time_limit_seconds=30, threads=2, seed=0))
    assert exact.status == Status.OPTIMAL and exact.objective is not None
    assert result.objective == exact.objective
    assert result.bound is not None and result.bound <= exact.objective

"""Balance per role (#19 item 2): each role's people balanced among themselves, on a toy with a
hand-derived optimum, on every backend that writes the term (cpsat, auto, cbc).

Arithmetic (toys.py: standard accounts of value 40, no travel): an account manager serves an
account in 0.5 h a month, technical support in 1 visit x 2 h = 2 h; everyone has 100 h, so one
account is 5 per mille of an account manager's month and 20 of a support engineer's. A junior
without the account's industry leaves 40 x (1 - 0.4) = 24 points unserved, one with it none.
Balance weight 3,000 points per 100 % of spread: round(3000 x 100 / 1000) = 300 cp per mille.
"""

from __future__ import annotations

import numpy as np
import pytest
from toys import acc, context, mgr, solve, weights

from planner.compile import compile_problem
from planner.evaluate import evaluate
from planner.models import Plan

TS = "technical_support"
TEAMS = {"roles": {TS: {"visits_per_month": 1, "hours_per_visit": 2}}, "tiers": {"standard": {TS: 1}}}
ENERGY = frozenset({"energy"})


def _toy():  # type: ignore[no-untyped-def]
    # M1 knows energy (0 points an account), M2 does not (24); T1 and T2 are alike (24 a slot).
    return context(
        [
            mgr("M1", industries=ENERGY),
            mgr("M2"),
            mgr("T1", roles=frozenset({TS})),
            mgr("T2", roles=frozenset({TS})),
        ],
        [acc("A1", industry="energy"), acc("A2", industry="energy")],
        teams=TEAMS,
        weights=weights(balance=3000),
    )


@pytest.mark.parametrize("solver", ("cpsat", "auto", "cbc"))
def test_each_roles_people_are_balanced_among_themselves(solver: str) -> None:
    # Per role: M1 on both accounts costs 0 points but a manager spread of 10 - 0 = 10 per mille
    # (3,000 cp); splitting the managers costs M2's 24 points (2,400 cp) and no spread, so they
    # split. The support engineers split too (2 x 24 points either way; one on both would be a
    # 40 per mille spread). Optimum 2,400 + 4,800 = 7,200 cp.
    # One spread over everyone would not split the managers: with support at 20 per mille each,
    # it is 20 - 0 with M1 on both and 20 - 5 split, 5 per mille (1,500 cp) for 2,400 cp of
    # match. Per role, the managers' own spread is what counts.
    ctx = _toy()
    out = solve(ctx, solver)
    assert out.plan is not None and out.evaluation is not None, out.result
    assert out.evaluation.violations == []
    assert out.result.objective == out.evaluation.objective_cp == 7200
    plan = out.plan
    assert {plan.assignment["A1"], plan.assignment["A2"]} == {"M1", "M2"}
    assert {plan.team["A1"][TS][0], plan.team["A2"][TS][0]} == {"T1", "T2"}
    assert out.evaluation.parts_cp["balance"] == 0


def test_the_balance_part_sums_each_roles_spread() -> None:
    # M1 on both accounts (10 per mille among managers) and T1 on both (40 among support):
    # 300 cp x (10 + 40) = 15,000 cp of balance.
    ctx = _toy()
    plan = Plan(assignment={"A1": "M1", "A2": "M1"}, team={"A1": {TS: ["T1"]}, "A2": {TS: ["T1"]}})
    evaluation = evaluate(ctx, plan)
    assert evaluation.violations == []
    assert evaluation.parts_cp["balance"] == 300 * (10 + 40)
    compiled = compile_problem(ctx)
    problem = compiled.problem
    assert [g.tolist() for g in problem.balance_groups()] == [[0, 1], [2, 3]]
    agent = compiled.from_plan(plan)
    assert problem.objective_of(agent) == evaluation.objective_cp


def test_a_person_with_two_roles_counts_in_both_groups() -> None:
    # M2 is account manager and support: in both groups, with all their hours. M1 manages both
    # accounts (10 per mille), M2 supports both (2 x 2 h = 40 per mille), T1 is idle: the
    # managers' spread is M2's 40 - M1's 10 = 30, support's M2's 40 - T1's 0 = 40;
    # 300 cp x 70 = 21,000 cp.
    ctx = context(
        [mgr("M1"), mgr("M2", roles=frozenset({"account_manager", TS})), mgr("T1", roles=frozenset({TS}))],
        [acc("A1"), acc("A2")],
        teams=TEAMS,
        weights=weights(balance=3000),
    )
    plan = Plan(assignment={"A1": "M1", "A2": "M1"}, team={"A1": {TS: ["M2"]}, "A2": {TS: ["M2"]}})
    evaluation = evaluate(ctx, plan)
    assert evaluation.violations == []
    assert evaluation.parts_cp["balance"] == 300 * (30 + 40)
    compiled = compile_problem(ctx)
    assert compiled.problem.objective_of(compiled.from_plan(plan)) == evaluation.objective_cp


def test_without_teams_the_problem_has_one_balance_group() -> None:
    ctx = context([mgr("M1"), mgr("M2")], [acc("A1")], weights=weights(balance=3000))
    problem = compile_problem(ctx).problem
    assert problem.balance_member is None
    assert [g.tolist() for g in problem.balance_groups()] == [[0, 1]]


def test_highs_reads_every_role_group_and_takes_a_start_written_for_one() -> None:
    # The linear model has one U_max/U_min pair per role (the further ones after the spreads);
    # the neighbourhood MIP's start (solvers.rins) fills the first group's only, and HiGHS
    # completes the rest: the whole MIP from the optimum proves it (7,200 cp), the LP stays below.
    from planner.budget import Budget
    from planner.solvers.lp_bound import lp_bound
    from planner.solvers.rins import solve_mip

    ctx = _toy()
    problem = compile_problem(ctx).problem
    relaxed = lp_bound(problem, 5.0)
    assert relaxed.bound is not None and relaxed.bound <= 7200
    out = solve(ctx, "cpsat")
    assert out.plan is not None
    start = compile_problem(ctx).from_plan(out.plan)
    everything = np.ones(problem.n_pairs, dtype=bool)
    found, reason, bound = solve_mip(problem, everything, (start, None), Budget(5.0))
    assert reason == "optimal" and found is not None, reason
    assert problem.objective_of(*found) == 7200 and bound is not None and bound <= 7200 + 1e-6

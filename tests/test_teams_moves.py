"""Team moves count in the move budget (#19): a slot taken from today's holder, who could keep
it, is a voluntary move like an account manager's, in plans and re-plans alike.

Arithmetic (toys.py: standard accounts of value 40, no travel): technical support is 1 visit x
2 h a month; a junior without the account's industry leaves 24 points unserved, one with it
none. A support move at move_weight 0.1 costs 0.5 x 0.1 x (10 + 40) = 2.5 points.
"""

from __future__ import annotations

from toys import acc, context, dataset, mgr, solve

from planner.evaluate import evaluate
from planner.models import Plan
from planner.replan import replan

TS = "technical_support"
TEAMS = {
    "roles": {TS: {"visits_per_month": 1, "hours_per_visit": 2, "move_weight": 0.1}},
    "tiers": {"standard": {TS: 1}},
}
ENERGY = frozenset({"energy"})


def _people(t1_hours: float = 100.0) -> list:  # type: ignore[type-arg]
    # M1 manages (knows energy: 0 points); T1 is today's support (24 points a slot); T2 knows
    # energy (0 points).
    return [
        mgr("M1", industries=ENERGY),
        mgr("T1", capacity_hours=t1_hours, roles=frozenset({TS})),
        mgr("T2", roles=frozenset({TS}), industries=ENERGY),
    ]


def test_a_support_change_is_a_move_the_budget_counts() -> None:
    # Moving A1's support from T1 to T2 saves 24 points for 2.5 of move: taken when the budget
    # allows one move (objective 250 cp), not with max_moves 0 (T1 stays: 2,400 cp).
    accounts = [acc("A1", industry="energy", current_manager_id="M1", current_team={TS: frozenset({"T1"})})]
    free = solve(context(_people(), accounts, teams=TEAMS, max_moves=1))
    assert free.plan is not None and free.evaluation is not None
    assert free.plan.team["A1"][TS] == ["T2"] and free.evaluation.objective_cp == 250
    assert free.evaluation.moves["team_voluntary"] == free.evaluation.budget_moves == 1
    assert free.evaluation.moves["voluntary"] == 0  # no account changes manager
    ctx = context(_people(), accounts, teams=TEAMS, max_moves=0)
    held = solve(ctx)
    assert held.plan is not None and held.evaluation is not None and held.evaluation.violations == []
    assert held.plan.team["A1"][TS] == ["T1"] and held.evaluation.objective_cp == 2400
    # The evaluator names the breach in a plan written by hand.
    moved = Plan(assignment={"A1": "M1"}, team={"A1": {TS: ["T2"]}})
    assert [v.rule for v in evaluate(ctx, moved).violations] == ["max_moves"]


def test_a_re_plan_moves_support_only_within_the_budget() -> None:
    # T1 supports A1 and A2 (2 x 2 h) but now has 3 h: one slot must go. T1 may keep either, so
    # giving one to T2 is a voluntary move: with a budget of 0 it stays unfilled (a violation
    # the re-plan reports), with 1 T2 takes it and the evaluation counts the move.
    accounts = [acc(a, current_manager_id="M1", current_team={TS: frozenset({"T1"})}) for a in ("A1", "A2")]
    ds = dataset(_people(t1_hours=3.0), accounts, teams=TEAMS)
    strict = replan(ds, max_moves=0)
    slots = [strict.plan.team[a][TS][0] for a in ("A1", "A2")]
    assert set(slots) == {"T1", None} and strict.evaluation.budget_moves == 0
    loose = replan(ds, max_moves=1)
    assert sorted(loose.plan.team[a][TS][0] for a in ("A1", "A2")) == ["T1", "T2"]
    assert loose.evaluation.moves["team_voluntary"] == loose.evaluation.budget_moves == 1
    assert loose.evaluation.violations == []

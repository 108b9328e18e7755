"""Minimal-change re-planning after a staff change (`planner.replan`), on toy data where the
right answer can be worked out by hand: standard accounts of 0.5 h per month each."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.compile import compile_problem
from planner.context import Context
from planner.problem import AssignmentProblem
from planner.replan import replan, with_current
from planner.solvers.construct import construct
from tests.toys import acc, dataset, mgr


def _left(ds, manager_id):  # type: ignore[no-untyped-def]
    managers = tuple(
        m.model_copy(update={"active": False}) if m.manager_id == manager_id else m for m in ds.managers
    )
    return ds.model_copy(update={"managers": managers})


def test_leaver_accounts_go_where_there_is_room_and_nothing_else_moves() -> None:
    # A holds a1..a3, B holds b1, C holds c1; B has room for 2 accounts, C for 1.
    ds = dataset(
        [mgr("A"), mgr("B", capacity_hours=1.5), mgr("C", capacity_hours=1.0)],
        [acc(f"a{i}", current_manager_id="A") for i in (1, 2, 3)]
        + [acc("b1", current_manager_id="B"), acc("c1", current_manager_id="C")],
    )
    out = replan(_left(ds, "A"), max_moves=0)
    assert out.status == "feasible" and out.uncovered == []
    assert out.plan.assignment["b1"] == "B" and out.plan.assignment["c1"] == "C"
    moved_to = sorted(out.plan.assignment[f"a{i}"] for i in (1, 2, 3))
    assert moved_to == ["B", "B", "C"]
    assert out.evaluation.moves == {**out.evaluation.moves, "voluntary": 0, "forced": 3}
    assert not out.evaluation.violations


def test_accounts_nobody_may_serve_are_uncovered_with_the_reason_not_refused() -> None:
    # Only A speaks ja; when A leaves, the ja account cannot be served, the other one moves.
    ds = dataset(
        [mgr("A", languages=frozenset({"ja", "en"})), mgr("B", languages=frozenset({"en"}))],
        [acc("j1", language="ja", current_manager_id="A"), acc("e1", language="en", current_manager_id="A")],
    )
    out = replan(_left(ds, "A"), max_moves=5)
    assert out.status == "uncovered"
    assert out.uncovered == ["j1"]
    assert out.plan.assignment["e1"] == "B" and out.plan.assignment["j1"] is None
    assert any("ja" in reason for reason in out.reasons), out.reasons
    assert [v.rule for v in out.evaluation.violations] == ["assign_exactly_one"]


def test_disruption_budget_caps_voluntary_moves_even_if_an_account_stays_uncovered() -> None:
    # B and C are full (1 account of room each is taken). A's account fits on B only if B's
    # own account moves to D, a voluntary move: allowed with a budget of 1, not with 0.
    ds = dataset(
        [
            mgr("A"),
            mgr("B", capacity_hours=0.5, languages=frozenset({"ja"})),
            mgr("D", capacity_hours=0.5),
        ],
        [
            acc("a1", language="ja", current_manager_id="A"),
            acc("b1", current_manager_id="B"),
        ],
    )
    strict = replan(_left(ds, "A"), max_moves=0)
    assert strict.uncovered == ["a1"] and strict.plan.assignment["b1"] == "B"
    assert strict.evaluation.moves["voluntary"] == 0
    loose = replan(_left(ds, "A"), max_moves=1)
    assert loose.uncovered == [] and loose.status == "feasible"
    assert loose.plan.assignment == {"a1": "B", "b1": "D"}
    assert loose.evaluation.moves["voluntary"] == 1


def test_with_current_takes_the_plan_in_force() -> None:
    ds = dataset([mgr("A"), mgr("B")], [acc("x", current_manager_id="A"), acc("y")])
    now = with_current(ds, {"x": "B", "y": "A"})
    assert {a.account_id: a.current_manager_id for a in now.accounts} == {"x": "B", "y": "A"}


@st.composite
def budgeted_problems(draw: st.DrawFn) -> AssignmentProblem:
    """Random staff changes on a toy data set: who holds what, who leaves, the budget."""
    n_mgr = draw(st.integers(2, 4))
    n_acc = draw(st.integers(1, 9))
    caps = draw(st.lists(st.sampled_from([0.5, 1.0, 1.5, 2.0]), min_size=n_mgr, max_size=n_mgr))
    managers = [mgr(f"M{j}", capacity_hours=c, active=j > 0) for j, c in enumerate(caps)]
    owners = draw(st.lists(st.integers(0, n_mgr - 1), min_size=n_acc, max_size=n_acc))
    accounts = [acc(f"A{i}", current_manager_id=f"M{o}") for i, o in enumerate(owners)]
    ctx = Context.build(dataset(managers, accounts))
    return compile_problem(ctx, max_moves=draw(st.integers(0, 3))).problem


@settings(max_examples=60, deadline=None)
@given(problem=budgeted_problems())
def test_budgeted_construction_never_breaks_capacity_or_the_budget(problem: AssignmentProblem) -> None:
    out = construct(problem, respect_budget=True)
    pairs = problem.pair_index(out)
    used = pairs[pairs >= 0]
    load = np.bincount(
        problem.pair_agent[used], weights=problem.pair_weight[used], minlength=problem.n_agents
    )
    assert (load <= problem.capacity).all()
    assert problem.max_moves is not None and problem.pair_moves is not None
    assert problem.pair_moves[used].sum() <= problem.max_moves
    # Every hinted unit that ended on another manager is a voluntary move (its manager is
    # still active), and the budget counted it.
    assert problem.hint is not None
    switched = (problem.hint >= 0) & (out >= 0) & (out != problem.hint)
    assert switched.sum() == problem.pair_moves[used].sum()


def test_a_move_the_accounts_own_change_forces_is_not_charged_to_the_budget() -> None:
    # x's language changes to ja; its manager A does not speak it, so x must move to B. That is
    # a forced move, as for a leaver: with a budget of 0 voluntary moves it still moves.
    ds = dataset(
        [mgr("A", languages=frozenset({"en"})), mgr("B", languages=frozenset({"ja"}))],
        [acc("x", language="ja", current_manager_id="A"), acc("y", language="en", current_manager_id="A")],
    )
    out = replan(ds, max_moves=0)
    assert out.plan.assignment == {"x": "B", "y": "A"}
    assert out.evaluation.moves["voluntary"] == 0 and out.evaluation.moves["forced"] == 1
    assert not out.evaluation.violations

"""Re-planning a team short of hours (`planner.replan` with service levels): accounts keep the
level the plan in force gives them where nothing forces a change, a leaver's accounts take a
reduced level where only that fits, and hours freed by a change restore full service.

Hours per month under the default policy, no travel in the toys: key 1 visit x 2 h + 1 h admin
= 3 h, reduced ("every 2 months") 0.5 x 2 h + 1 h = 2 h; standard 1/3 x 1.5 h = 0.5 h, reduced
("every 26 weeks") 1/6 x 1.5 h = 0.25 h. Lost service costs 100 points an hour x the tier's
service weight (key 10, standard 1) x (1 + value / 100): an hour of key service outweighs any
hour of standard service.
"""

from __future__ import annotations

from planner.context import Context
from planner.models import Dataset, Plan
from planner.replan import replan, with_current
from tests.toys import acc, dataset, mgr, solve

KEY_REDUCED = "every 2 months"
STANDARD_REDUCED = "every 26 weeks"


def _short_team() -> Dataset:
    # East: A has 3.25 h for K1 (key) and A1 (standard): 3 h + 0.5 h do not fit, so the plan
    # in force keeps the key account in full and reduces the standard one (3 h + 0.25 h).
    # West, a region of its own: B and C, one standard account each, hours to spare.
    return dataset(
        [mgr("A", 3.25, region="east"), mgr("B", region="west"), mgr("C", region="west")],
        [
            acc("K1", tier="key", region="east", current_manager_id="A"),
            acc("A1", region="east", current_manager_id="A"),
            acc("w1", region="west", current_manager_id="B"),
            acc("w2", region="west", current_manager_id="C"),
        ],
        allow_unassigned=True,
    )


def _in_force(ds: Dataset) -> tuple[Dataset, Plan]:
    out = solve(Context.build(ds))
    assert out.plan is not None
    return with_current(ds, dict(out.plan.assignment)), out.plan


def _left(ds: Dataset, manager_id: str) -> Dataset:
    managers = tuple(
        m.model_copy(update={"active": False}) if m.manager_id == manager_id else m for m in ds.managers
    )
    return ds.model_copy(update={"managers": managers})


def _capacity(ds: Dataset, manager_id: str, hours: float) -> Dataset:
    managers = tuple(
        m.model_copy(update={"capacity_hours": hours}) if m.manager_id == manager_id else m
        for m in ds.managers
    )
    return ds.model_copy(update={"managers": managers})


def test_the_plan_in_force_is_short_of_hours() -> None:
    _, plan = _in_force(_short_team())
    assert plan.assignment == {"K1": "A", "A1": "A", "w1": "B", "w2": "C"}
    assert plan.service == {"A1": STANDARD_REDUCED}


def test_a_change_elsewhere_keeps_each_accounts_reduced_level() -> None:
    current, plan = _in_force(_short_team())
    out = replan(_left(current, "C"), max_moves=5, service=plan.service)
    assert out.plan.assignment == {"K1": "A", "A1": "A", "w1": "B", "w2": "B"}
    assert out.plan.service == {"A1": STANDARD_REDUCED}
    assert out.status == "feasible" and out.uncovered == []
    assert out.evaluation.violations == []
    rows = {r.account_id: r for r in out.evaluation.accounts}
    assert rows["A1"].service == STANDARD_REDUCED and rows["A1"].workload_hours == 0.25
    assert rows["K1"].service == "full"
    assert out.evaluation.moves["voluntary"] == 0


def test_without_the_levels_in_force_the_re_plan_would_change_service_nobody_asked_to_change() -> None:
    # What the levels are for: re-planned from full service, A's two accounts do not fit, and
    # the construction has to pick one to reduce again, with no reason to pick the same one.
    current, plan = _in_force(_short_team())
    kept = replan(_left(current, "C"), max_moves=5, service=plan.service)
    assert kept.method == "construct"  # nothing in the east was touched: no search needed
    assert kept.plan.service == plan.service


def test_a_leavers_accounts_take_a_reduced_level_where_only_that_fits() -> None:
    # In force: A holds K1 in full and A1 reduced (3.25 h), B holds b1 (0.5 h).
    # A leaves; B (2.75 h) keeps b1 (0.5 h) and has 2.25 h for K1 (3 h in full, 2 h reduced)
    # and A1 (0.5 h, 0.25 h reduced): K1 reduced + A1 reduced fill B exactly. Dropping A1
    # instead would lose more than reducing it, and the key account in full never fits.
    ds = dataset(
        [mgr("A", 3.25), mgr("B", 2.75)],
        [
            acc("K1", tier="key", current_manager_id="A"),
            acc("A1", current_manager_id="A"),
            acc("b1", current_manager_id="B"),
        ],
        allow_unassigned=True,
    )
    plan = Plan(assignment={"K1": "A", "A1": "A", "b1": "B"}, service={"A1": STANDARD_REDUCED})
    current = with_current(ds, dict(plan.assignment))
    out = replan(_left(current, "A"), max_moves=5, service=plan.service, time_limit_seconds=5)
    assert out.plan.assignment == {"K1": "B", "A1": "B", "b1": "B"}
    assert out.plan.service_of("K1") == KEY_REDUCED
    assert sorted(out.plan.service.values()).count(STANDARD_REDUCED) == 1  # A1 or b1, one of them
    assert out.evaluation.violations == []  # B's hours included
    assert out.uncovered == []


def test_hours_freed_by_a_change_restore_full_service() -> None:
    # A gets 0.25 h more: K1 (3 h) and A1 (0.5 h) now fit in full without moving anything.
    current, plan = _in_force(_short_team())
    out = replan(_capacity(current, "A", 3.5), max_moves=0, service=plan.service, time_limit_seconds=5)
    assert out.plan.assignment == plan.assignment
    assert out.plan.service == {}
    assert out.method == "construct+cpsat"
    assert out.evaluation.violations == []


def test_a_level_the_policy_no_longer_has_counts_as_full_service() -> None:
    current, _ = _in_force(_short_team())
    out = replan(_left(current, "C"), max_moves=5, service={"A1": "every 99 weeks", "gone": "x"})
    assert out.evaluation.violations == []
    assert set(out.plan.service.values()) <= {KEY_REDUCED, STANDARD_REDUCED}


def _leaver_team() -> Dataset:
    # A leaves. Only B speaks ja, so only B may take A's key account a1 (3 h, 2 h reduced); B has
    # 2 h and holds b1 (standard, 0.5 h, 0.25 h reduced): a1 reduced + b1 reduced = 2.25 h do not
    # fit. So a1 fits on B only if b1 goes: moved to D (a voluntary move) or dropped.
    return dataset(
        [mgr("A"), mgr("B", 2.0, languages=frozenset({"ja"})), mgr("D", 3.0, languages=frozenset({"en"}))],
        [acc("a1", tier="key", language="ja", current_manager_id="A"), acc("b1", current_manager_id="B")],
        allow_unassigned=True,
    )


def test_a_leaver_never_takes_an_account_from_a_manager_who_keeps_it() -> None:
    # Without a move in the budget, dropping b1 for a1 would gain the most (key service
    # outweighs standard) but takes b1 from B, who may keep it, without counting as a move.
    # The re-plan leaves the leaver's account uncovered instead, and says why.
    strict = replan(_left(_leaver_team(), "A"), max_moves=0, time_limit_seconds=5)
    assert strict.plan.assignment == {"a1": None, "b1": "B"}
    assert strict.plan.service == {}  # b1 keeps full service: reducing it would not make room
    assert strict.uncovered == ["a1"]
    (reason,) = strict.reasons
    assert "need 2.00 h per month" in reason and "the 1 manager(s)" in reason and "1.50 h free" in reason
    assert "disruption budget of 0 voluntary moves" in reason
    assert "1.50 h free" in strict.reason_of["a1"]
    rows = {r.account_id: r for r in strict.evaluation.accounts}
    assert rows["a1"].move_reason == "manager_left" and rows["b1"].move_reason is None
    assert strict.evaluation.moves["voluntary"] == 0 and strict.evaluation.moves["total"] == 1
    # With one move allowed, b1 moves to D (voluntary) and B takes a1 at the reduced level.
    loose = replan(_left(_leaver_team(), "A"), max_moves=1, time_limit_seconds=5)
    assert loose.plan.assignment == {"a1": "B", "b1": "D"}
    assert loose.plan.service == {"a1": KEY_REDUCED}
    assert loose.uncovered == [] and loose.evaluation.violations == []
    assert loose.evaluation.moves["voluntary"] == 1


def test_a_capacity_cut_drops_held_accounts_least_valuable_first() -> None:
    # Only A speaks ja. A holds S (strategic, 10 h, no reduced level) and s1, s2 (standard,
    # 0.5 h each, 0.25 h reduced); A's hours are cut to 10 h: A keeps S alone, or s1 and s2.
    # Dropping S would drop fewer accounts, but the held accounts that must go are chosen by
    # value, as any shortfall: the strategic account stays, the standard ones are left unserved.
    ds = dataset(
        [mgr("A", 20.0, seniority="senior", languages=frozenset({"ja"})), mgr("B", seniority="senior")],
        [
            acc("S", tier="strategic", language="ja", current_manager_id="A"),
            acc("s1", language="ja", current_manager_id="A"),
            acc("s2", language="ja", current_manager_id="A"),
            acc("b1", current_manager_id="B"),
        ],
        allow_unassigned=True,
    )
    out = replan(_capacity(ds, "A", 10.0), max_moves=0, time_limit_seconds=5)
    assert out.plan.assignment == {"S": "A", "s1": None, "s2": None, "b1": "B"}
    assert sorted(out.uncovered) == ["s1", "s2"]
    rows = {r.account_id: r for r in out.evaluation.accounts}
    assert rows["s1"].move_reason == rows["s2"].move_reason == "unassigned"  # A could keep them
    assert out.evaluation.moves["voluntary"] == 0 and out.evaluation.violations == []

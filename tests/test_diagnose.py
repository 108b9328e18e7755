"""Diagnosis: an infeasible scenario raises InfeasibleError whose reasons a planner can act on."""

from __future__ import annotations

import re

import pytest
from toys import acc, context, mgr, solve

from planner.compile import compile_problem
from planner.diagnose import conflict_core, presolve_diagnosis
from planner.errors import InfeasibleError
from planner.solvers import SOLVERS

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:pulp")


def reasons_of(ctx, backend: str = "cpsat", **kwargs) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(InfeasibleError) as info:
        solve(ctx, backend, **kwargs)
    assert info.value.reasons
    return "\n".join(info.value.reasons)


def test_language_and_seniority_gap_is_named() -> None:
    # Two strategic ja accounts in east. Ms (senior) speaks only en; Mj speaks ja but is junior.
    ctx = context(
        [
            mgr("Ms", seniority="senior", languages={"en"}, region="east"),
            mgr("Mj", languages={"ja"}, region="east"),
        ],
        [
            acc("A1", tier="strategic", language="ja", region="east"),
            acc("A2", tier="strategic", language="ja", region="east"),
            acc("A3", region="east"),
        ],
    )
    text = reasons_of(ctx)
    assert (
        "2 accounts of tier strategic in region 'east' need a senior (or higher) manager who speaks ja; "
        "there is none (A1, A2)"
    ) in text
    assert "A3" not in text


def test_language_gap_without_seniority() -> None:
    ctx = context([mgr("M1", languages={"en"})], [acc("A1", language="ja")])
    assert "need a manager who speaks ja; there is none (A1)" in reasons_of(ctx)


def test_region_without_managers() -> None:
    ctx = context(
        [mgr("M1", region="north"), mgr("M2", region="west", active=False)], [acc("A1", region="west")]
    )
    assert "in region 'west' have no active manager serving that region" in reasons_of(ctx)


def test_pin_to_an_ineligible_manager() -> None:
    ctx = context(
        [mgr("M1"), mgr("Mgone", active=False)],
        [acc("A1")],
        pins=[{"account_id": "A1", "manager_id": "Mgone"}],
    )
    assert "pinned to a manager who may not serve them" in reasons_of(ctx)


def test_region_capacity_shortfall_names_region_and_hours() -> None:
    # Ten key accounts in north need 10 x 3 h = 30 h; north's only manager has 20 h. south is fine.
    ctx = context(
        [mgr("Mn", 20.0, region="north"), mgr("Ms", 20.0, region="south")],
        [acc(f"N{i}", tier="key", region="north") for i in range(10)] + [acc("S1", region="south")],
    )
    text = reasons_of(ctx)
    assert re.search(r"region 'north' needs at least 30 h per month for its 10 accounts", text), text
    assert "its 1 eligible managers have 20 h" in text
    assert "south" not in text


def test_max_accounts_shortfall() -> None:
    ctx = context([mgr("M1", max_accounts=1), mgr("M2", max_accounts=1)], [acc("A1"), acc("A2"), acc("A3")])
    assert "has 3 accounts but its managers' max_accounts add up to 2" in reasons_of(ctx)


def test_shortfall_message_shows_need_above_have() -> None:
    # Two 0.5 h accounts, each fits M1's 0.9 h alone, together they do not.
    ctx = context([mgr("M1", 0.9)], [acc("A1"), acc("A2")])
    text = reasons_of(ctx)
    found = re.search(r"needs at least ([\d.,]+) h .* have ([\d.,]+) h", text)
    assert found, text
    need, have = (float(g.replace(",", "")) for g in found.groups())
    assert need > have, text


def test_parent_group_with_no_common_manager() -> None:
    # P needs ja, C needs en; nobody speaks both, though each member alone has a manager.
    ctx = context(
        [mgr("Mja", languages={"ja"}), mgr("Men", languages={"en"})],
        [acc("P", language="ja"), acc("C", language="en", parent_id="P")],
    )
    text = reasons_of(ctx)
    assert "parent group P (2 accounts: P, C) has no manager who may serve every member" in text
    assert "ja in " in text and "en in " in text


def test_presolve_stays_quiet_on_a_feasible_scenario() -> None:
    ctx = context([mgr("M1", 1.0)], [acc("A1"), acc("A2")])
    assert presolve_diagnosis(compile_problem(ctx)) == []
    assert conflict_core(compile_problem(ctx), time_limit_seconds=5) == []


def overloaded_without_moves():  # type: ignore[no-untyped-def]
    # M1 holds three 0.5 h accounts on 1 h; M2 has 1 h free. Per region the hours (1.5 <= 2) and
    # every pair rule are fine, so only the solver can see that max_moves = 0 keeps M1 overloaded.
    return context(
        [mgr("M1", 1.0), mgr("M2", 1.0)],
        [acc(f"A{i}", current_manager_id="M1") for i in range(3)],
        max_moves=0,
    )


@pytest.mark.parametrize("backend", sorted(SOLVERS))
def test_conflict_only_the_solver_finds_is_named_by_rule(backend: str) -> None:
    ctx = overloaded_without_moves()
    assert presolve_diagnosis(compile_problem(ctx)) == []
    text = reasons_of(ctx, backend)
    assert "max_moves" in text
    assert "capacity_hours of manager(s) M1" in text


def test_the_same_scenario_is_feasible_with_one_move() -> None:
    out = solve(overloaded_without_moves(), max_moves=1)
    assert out.evaluation is not None and out.evaluation.violations == []
    assert out.evaluation.moves["voluntary"] == 1


def test_band_conflict_is_named() -> None:
    # A band floor of 0.5 h for M2, who may serve nobody (every account forbidden to it).
    ctx = context(
        [mgr("M1", 1.0), mgr("M2", 1.0)],
        [acc("A1"), acc("A2")],
        utilisation_band=(0.5, 1.0),
        forbidden=[{"account_id": "A1", "manager_id": "M2"}, {"account_id": "A2", "manager_id": "M2"}],
    )
    text = reasons_of(ctx)
    assert re.search(r"utilisation_band of manager\(s\) [M0-9, ]*M2", text), text


@pytest.mark.parametrize("backend", sorted(SOLVERS))
def test_band_floor_above_everything_a_manager_may_carry(backend: str) -> None:
    # M1's floor is 5 % of 14 h = 0.7 h, but its only eligible account needs 0.5 h. The solver must
    # prove this infeasible and the core must name the band (found by the property test).
    ctx = context([mgr("M1", 14.0)], [acc("A1")], utilisation_band=(0.05, 1.0))
    text = reasons_of(ctx, backend)
    assert "utilisation_band of manager(s) M1" in text

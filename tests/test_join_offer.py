"""A new hire's first book (planner.join_offer): offered from the busiest colleagues, within the
move budget, up to the team's mean utilisation, never leaving a donor below the hire."""

from __future__ import annotations

from toys import acc, dataset, mgr

from planner.replan import replan, with_current


def _team(**policy: object):  # type: ignore[no-untyped-def]
    # A: 10 h holding 6 standard accounts (0.5 h each: 30 %); B: 5 h holding 8 (80 %); H has just
    # joined with 10 h and nothing. The team's mean is 55 %, so H may take up to 5.5 h. B gives
    # first (busiest); after five of B's accounts H is at 25 % and B at 30 %: a sixth would leave
    # B (20 %) below H (30 %), and one of A's would leave A (25 %) below H (30 %). So five, all B's.
    accounts = [acc(f"a{k}", current_manager_id="A") for k in range(6)]
    accounts += [acc(f"b{k}", current_manager_id="B") for k in range(8)]
    data = dataset([mgr("A", 10.0), mgr("B", 5.0), mgr("H", 10.0)], accounts, **policy)
    return with_current(data, {a.account_id: a.current_manager_id for a in accounts})


def test_the_hire_gets_a_first_book_from_the_busiest_colleague() -> None:
    out = replan(_team(), max_moves=20, time_limit_seconds=2.0, offer_to="H")
    assert len(out.offered) == 5 and all(a.startswith("b") for a in out.offered)
    assignment = out.plan.assignment
    assert sorted(a for a, m in assignment.items() if m == "H") == sorted(out.offered)
    assert out.evaluation.violations == [] and out.evaluation.moves["voluntary"] == 5
    hours = {r.manager_id: r.hours for r in out.evaluation.managers}
    assert hours == {"A": 3.0, "B": 1.5, "H": 2.5}


def test_the_offer_keeps_the_move_budget_and_the_policy_can_turn_it_off() -> None:
    assert len(replan(_team(), max_moves=2, time_limit_seconds=2.0, offer_to="H").offered) == 2
    off = replan(_team(rebalance_on_join=False), max_moves=20, time_limit_seconds=2.0, offer_to="H")
    assert off.offered == [] and "H" not in off.plan.assignment.values()
    # Only for the manager who joined: another re-plan offers nothing.
    assert replan(_team(), max_moves=20, time_limit_seconds=2.0).offered == []

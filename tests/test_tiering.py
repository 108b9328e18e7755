"""Tiering: percentile ranks, the value score, a deterministic cut, overrides and the report."""

from __future__ import annotations

import math

import numpy as np
import pytest
from toys import mgr

from planner.models import Account, Dataset, Policy, TieringCriteria
from planner.tiering import compute_tiers, percentile_rank


def tiers_of(accounts: list[Account], **criteria: float) -> tuple[dict[str, str], object]:
    policy = Policy(tiering=TieringCriteria(**criteria)) if criteria else Policy()
    ds = Dataset(managers=(mgr("M1"),), accounts=tuple(accounts), policy=policy)
    t = compute_tiers(ds)
    return {a.account_id: t.tier_of(i).value for i, a in enumerate(accounts)}, t


def test_percentile_rank_is_mid_rank_and_ties_are_equal() -> None:
    # Sorted: 1, 3, 5, 5 -> positions 0, 1, {2, 3}; the tie gets the mean position 2.5; divide by n-1 = 3.
    ranks = percentile_rank(np.array([5.0, 1.0, 5.0, 3.0]))
    assert ranks.tolist() == pytest.approx([2.5 / 3, 0.0, 2.5 / 3, 1 / 3])


@pytest.mark.parametrize(("values", "expected"), [([7.0], [0.5]), ([2.0, 2.0, 2.0], [0.5, 0.5, 0.5])])
def test_percentile_rank_degenerate_inputs(values: list[float], expected: list[float]) -> None:
    assert percentile_rank(np.array(values)).tolist() == expected


def test_value_score_from_one_criterion_is_its_percentile() -> None:
    # Only revenue counts: score = 100 x revenue percentile = 0, 50, 100.
    accounts = [Account(account_id=f"A{i}", annual_revenue=r) for i, r in enumerate([10.0, 1e9, 500.0])]
    _, t = tiers_of(
        accounts, annual_revenue=1.0, contract_value=0.0, years_as_customer=0.0, strategic_importance=0.0
    )
    assert t.value_score.tolist() == [0.0, 100.0, 50.0]


def test_importance_enters_on_its_own_scale() -> None:
    # Importance only: (5 - 1) / 4 = 1 -> 100; (3 - 1) / 4 -> 50; a single account's ranks do not matter.
    accounts = [
        Account(account_id="A", strategic_importance=5),
        Account(account_id="B", strategic_importance=3),
    ]
    _, t = tiers_of(
        accounts, annual_revenue=0.0, contract_value=0.0, years_as_customer=0.0, strategic_importance=2.0
    )
    assert t.value_score.tolist() == [100.0, 50.0]


def test_shares_cut_by_score() -> None:
    # 20 accounts with distinct revenue: top 10 % = 2 strategic, next 25 % = 5 key, 13 standard.
    accounts = [Account(account_id=f"A{i:02d}", annual_revenue=float(i)) for i in range(20)]
    tiers, t = tiers_of(accounts)
    assert [a for a, tier in tiers.items() if tier == "strategic"] == ["A18", "A19"]
    assert [a for a, tier in tiers.items() if tier == "key"] == ["A13", "A14", "A15", "A16", "A17"]
    assert t.counts() == {"strategic": 2, "key": 5, "standard": 13}


def test_ties_are_cut_by_account_id_not_by_file_order() -> None:
    # Ten identical accounts (all score 40) listed in scrambled order: one strategic (the smallest id),
    # ceil(2.5) = 3 key (the next ids).
    ids = ["A7", "A3", "A9", "A0", "A5", "A1", "A8", "A2", "A6", "A4"]
    tiers, t = tiers_of([Account(account_id=i) for i in ids])
    assert set(t.value_score.tolist()) == {40.0}
    assert [a for a in sorted(tiers) if tiers[a] == "strategic"] == ["A0"]
    assert [a for a in sorted(tiers) if tiers[a] == "key"] == ["A1", "A2", "A3"]
    again, _ = tiers_of([Account(account_id=i) for i in reversed(ids)])
    assert again == tiers


def test_thresholds_are_the_lowest_score_in_each_cut() -> None:
    accounts = [Account(account_id=f"A{i:02d}", annual_revenue=float(i)) for i in range(20)]
    _, t = tiers_of(accounts)
    score = dict(zip([a.account_id for a in accounts], t.value_score.tolist(), strict=True))
    report = t.report()
    assert report["thresholds"] == {
        "strategic_min_score": round(score["A18"], 2),
        "key_min_score": round(score["A13"], 2),
    }
    assert report["counts"] == {"strategic": 2, "key": 5, "standard": 13}


def test_empty_cut_reports_no_threshold() -> None:
    accounts = [Account(account_id=f"A{i}", annual_revenue=float(i)) for i in range(4)]
    _, t = tiers_of(accounts, strategic_share=0.0, key_share=0.0)
    assert math.isnan(t.strategic_threshold)
    assert t.report()["thresholds"] == {"strategic_min_score": None, "key_min_score": None}
    assert t.counts() == {"strategic": 0, "key": 0, "standard": 4}


def test_tier_override_wins_and_is_counted() -> None:
    # A19 would be strategic by score; the data says standard. A00 is raised to key. An override
    # that agrees with the computed tier (A05) changes nothing and is not counted.
    overrides = {19: "standard", 0: "key", 5: "standard"}  # A05 is standard by score anyway
    accounts = [
        Account(account_id=f"A{i:02d}", annual_revenue=float(i), tier=overrides.get(i)) for i in range(20)
    ]
    tiers, t = tiers_of(accounts)
    assert tiers["A19"] == "standard" and tiers["A00"] == "key"
    assert t.computed_tier_index[19] == 0  # the cut itself is not moved by overrides
    assert tiers["A18"] == "strategic" and tiers["A17"] == "key"
    assert t.report()["overridden_by_data"] == 2
    assert t.counts() == {"strategic": 1, "key": 6, "standard": 13}


def test_tiny_shares_still_give_one_strategic_account() -> None:
    # ceil(0.1 x 3) = 1: with any account at all, the top one is strategic.
    tiers, _ = tiers_of([Account(account_id=f"A{i}", annual_revenue=float(i)) for i in range(3)])
    assert list(tiers.values()).count("strategic") == 1


def test_float_shares_do_not_round_up_an_extra_account() -> None:
    # 0.1 x 30 is 3.0000000000000004 in floating point; the cut must still be 3, not 4.
    tiers, _ = tiers_of([Account(account_id=f"A{i:02d}", annual_revenue=float(i)) for i in range(30)])
    assert list(tiers.values()).count("strategic") == 3

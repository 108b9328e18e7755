"""The tier-change report (#18 item 3): promoted and demoted accounts with their score and the line
they crossed, from the library and through `planner compare` (JSON and HTML).

The toys weigh revenue only: 20 accounts of distinct revenue score 100 x rank / 19; the default
shares cut 2 strategic, 5 key (ranks 13-17: the key line is the score of rank 13, 68.42), 13 standard.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from test_scenario_helpers import TableParser, write_data, write_plan_dir
from toys import mgr, write_rows

from planner.compare import comparison, load_source
from planner.compare.page import comparison_html
from planner.models import Account, Dataset, Policy, Tier
from planner.tiering import compute_tiers
from planner.tiering_change import line_words, tier_changes

REVENUE_ONLY = {
    "annual_revenue": 1.0,
    "contract_value": 0.0,
    "years_as_customer": 0.0,
    "strategic_importance": 0.0,
}


def revenues(**changed: float) -> dict[str, float]:
    out = {f"A{i:02d}": 100_000.0 * i for i in range(20)}
    out.update({"A12": 1_200_000.0, "A13": 1_210_000.0})
    out.update(changed)
    return out


def tiering(revenue: dict[str, float], current: dict[str, Tier] | None = None, **policy: Any) -> Any:
    accounts = tuple(
        Account(account_id=a, annual_revenue=r, current_tier=(current or {}).get(a))
        for a, r in revenue.items()
    )
    pol = Policy(tiering={**REVENUE_ONLY, **policy})
    return compute_tiers(Dataset(managers=(mgr("M1"),), accounts=accounts, policy=pol))


def test_a_swap_at_the_key_line_is_one_promotion_and_one_demotion() -> None:
    # A12 grows 2 % past A13 (1.224 M > 1.21 M): they swap ranks 12 and 13. A12 enters key with
    # score 68.42 at the key line 68.42; A13 falls to standard with 63.16, below that line.
    before, after = tiering(revenues()), tiering(revenues(A12=1_224_000.0))
    report = tier_changes(before, after, {"A12": "Acme"})
    assert (report["promoted"], report["demoted"]) == (1, 1)
    up, down = report["changes"]
    assert (up["account_id"], up["account_name"], up["from"], up["to"]) == ("A12", "Acme", "standard", "key")
    assert (up["score_before"], up["score_after"], up["line"]) == (63.16, 68.42, 68.42)
    assert (down["account_id"], down["change"], down["score_after"], down["line"]) == (
        "A13",
        "demoted",
        63.16,
        68.42,
    )
    assert line_words(down) == "value_score 63.16 <= 68.42"


def test_with_hysteresis_the_same_change_reports_nothing() -> None:
    # Both hold their tier today; the band is 10 % of 68.42 = 6.84 points, wider than the 5.26 swap.
    current = {a: Tier(tiering(revenues()).tier_of(i).value) for i, a in enumerate(revenues())}
    before = tiering(revenues(), current, hysteresis=0.10)
    after = tiering(revenues(A12=1_224_000.0), current, hysteresis=0.10)
    assert tier_changes(before, after) == {"promoted": 0, "demoted": 0, "changes": []}


def test_a_promotion_by_threshold_names_the_criterion_and_its_line() -> None:
    # A policy line revenue >= 1 M is at least key: A10, A11 and A12 rise with their revenue shown.
    before = tiering(revenues())
    after = tiering(revenues(), thresholds={"key": {"annual_revenue": 1_000_000}})
    report = tier_changes(before, after)
    assert [r["account_id"] for r in report["changes"]] == ["A12", "A11", "A10"]
    assert {(r["criterion"], r["line"]) for r in report["changes"]} == {("annual_revenue", 1_000_000)}
    assert line_words(report["changes"][2]) == "annual_revenue 1,000,000.00 >= 1,000,000.00"


def _plan_dir(tmp_path: Path, name: str, revenue: dict[str, float]) -> Path:
    data = write_data(
        tmp_path / f"data-{name}",
        [{"manager_id": "M1", "capacity_hours": 170, "seniority": "principal"}],
        [],
        policy={"tiering": REVENUE_ONLY},
    )
    rows = [
        {"account_id": a, "annual_revenue": r, "region": "r", "current_manager_id": "M1"}
        for a, r in revenue.items()
    ]
    write_rows(data / "accounts.csv", rows)  # no tier column: the cut decides
    return write_plan_dir(tmp_path / name, data, dict.fromkeys(revenue, "M1"))


def test_compare_reports_tier_changes_between_data_versions(tmp_path: Path) -> None:
    # The same plan on two versions of the data: the version after A12's +2 % swaps A12 and A13.
    a = _plan_dir(tmp_path, "v1", revenues())
    b = _plan_dir(tmp_path, "v2", revenues(A12=1_224_000.0))
    report = comparison([load_source(a), load_source(b)])
    (diff,) = report["diffs"]
    assert diff["moved_count"] == 0
    changes = diff["tier_changes"]
    assert [(r["account_id"], r["change"]) for r in changes["changes"]] == [
        ("A12", "promoted"),
        ("A13", "demoted"),
    ]
    rows = TableParser(comparison_html(report)).tables["tiers-1"]
    assert rows[0] == ["account", "change", "score before", "score after", "line crossed", "why"]
    assert rows[1][:2] == ["A12", "promoted: standard → key"]

"""Tiering beyond the share cut (#18 item 3): absolute thresholds, extra criteria by column name,
hysteresis anchored on current_tier, the freeze, and loading old data unchanged.

Most toys weigh revenue only, so a score is 100 x the revenue percentile: with 20 accounts of
distinct revenue, account A<i> (the i-th smallest) scores 100 x i / 19. The default shares cut
ceil(0.1 x 20) = 2 strategic (A18, A19), ceil(0.25 x 20) = 5 key (A13-A17), 13 standard.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from toys import mgr, write_rows

from planner.io.dataset_csv import write_dataset_csv
from planner.io.loader import load_dataset, read_dataset
from planner.models import Account, Dataset, Policy, Tier
from planner.tiering import DATA, FROZEN, HYSTERESIS, SHARE, compute_tiers

REVENUE_ONLY = {
    "annual_revenue": 1.0,
    "contract_value": 0.0,
    "years_as_customer": 0.0,
    "strategic_importance": 0.0,
}


def ladder(revenue: dict[int, float] | None = None, **fields: dict[int, Any]) -> list[Account]:
    """A00..A19 with revenue 100,000 x i unless `revenue` says otherwise; fields by index."""
    out = []
    for i in range(20):
        extra = {name: values[i] for name, values in fields.items() if i in values}
        out.append(
            Account(account_id=f"A{i:02d}", annual_revenue=(revenue or {}).get(i, 100_000.0 * i), **extra)
        )
    return out


def tiers(accounts: list[Account], **tiering: Any) -> dict[str, str]:
    policy = Policy(tiering={**REVENUE_ONLY, **tiering})
    t = compute_tiers(Dataset(managers=(mgr("M1"),), accounts=tuple(accounts), policy=policy))
    return {a.account_id: t.tier_of(i).value for i, a in enumerate(accounts)}


def test_absolute_threshold_raises_accounts_the_cut_leaves_standard() -> None:
    # Revenue >= 1,000,000 is at least key: A10-A12 (1.0-1.2 M) are standard by rank and become
    # key; A09 (0.9 M) stays standard; the share's key accounts A13-A17 stay key.
    plain = tiers(ladder())
    lined = tiers(ladder(), thresholds={"key": {"annual_revenue": 1_000_000}})
    assert [a for a in plain if plain[a] != lined[a]] == ["A10", "A11", "A12"]
    assert all(lined[a] == "key" for a in ("A10", "A11", "A12")) and lined["A09"] == "standard"
    assert list(lined.values()).count("key") == 8


def test_a_strategic_threshold_also_makes_the_account_at_least_key() -> None:
    # A strategic line on value_score puts A17 (score 89.47) in strategic, above the key line too.
    lined = tiers(ladder(), thresholds={"strategic": {"value_score": 89}})
    assert lined["A17"] == "strategic" and lined["A16"] == "key"


def test_extra_criterion_by_column_name_changes_the_order() -> None:
    # Three accounts alike in every built-in field score 40 each; ties go by id: A strategic,
    # B key (ceil(0.75) = 1), C standard. Weighing only profit_margin (A 0.3, B 0.1, C 0.2) gives
    # scores 100, 0, 50: C rises to key and B falls to standard.
    margins = {"A": 0.3, "B": 0.1, "C": 0.2}
    accounts = [Account(account_id=k, criteria={"profit_margin": v}) for k, v in margins.items()]
    ds = Dataset(managers=(mgr("M1"),), accounts=tuple(accounts), policy=Policy())
    assert [compute_tiers(ds).tier_of(i).value for i in range(3)] == ["strategic", "key", "standard"]
    weighed = Policy(tiering={**{k: 0.0 for k in REVENUE_ONLY}, "criteria": {"profit_margin": 1.0}})
    t = compute_tiers(ds.model_copy(update={"policy": weighed}))
    assert t.value_score.tolist() == [100.0, 0.0, 50.0]
    assert [t.tier_of(i).value for i in range(3)] == ["strategic", "standard", "key"]


def test_a_two_percent_revenue_change_flips_two_accounts_without_hysteresis_and_none_with_it() -> None:
    # A12 holds 1.20 M and A13 (the lowest key account) 1.21 M. A12 grows 2 % to 1.224 M and passes
    # A13: the rank cut swaps them (A12 key, A13 standard), a step of 100/19 = 5.26 score points.
    # With hysteresis 0.10 the key line (now A12's 68.42) is a band of +-6.84: A13 (63.16) stays key
    # above 61.58, A12 (68.42) would need 75.26 to enter. Both keep the tier they hold today.
    today = tiers(ladder({12: 1_200_000, 13: 1_210_000}))
    assert today["A12"] == "standard" and today["A13"] == "key"
    current = {i: Tier(today[f"A{i:02d}"]) for i in range(20)}
    grown = ladder({12: 1_224_000, 13: 1_210_000}, current_tier=current)
    off = tiers(grown)
    on = tiers(grown, hysteresis=0.10)
    assert sorted(a for a in today if off[a] != today[a]) == ["A12", "A13"]
    assert on == today


def test_hysteresis_lets_a_clear_crossing_through() -> None:
    # A11 doubles to 2.4 M, above everyone: score 100, far past the strategic line's band.
    today = tiers(ladder())
    current = {i: Tier(today[f"A{i:02d}"]) for i in range(20)}
    on = tiers(ladder({11: 2_400_000}, current_tier=current), hysteresis=0.10)
    assert today["A11"] == "standard" and on["A11"] == "strategic"


def test_hysteresis_bands_an_absolute_threshold_too() -> None:
    # A10 falls 1 % below the 1 M key line (990,000). Held key today, it stays key within 5 %
    # (line to stay: 950,000); an account with no current tier is cut at the line and is standard.
    line = {"key": {"annual_revenue": 1_000_000}}
    held = ladder({10: 990_000}, current_tier={10: Tier.key})
    assert tiers(held, thresholds=line, hysteresis=0.05)["A10"] == "key"
    assert tiers(ladder({10: 990_000}), thresholds=line, hysteresis=0.05)["A10"] == "standard"
    assert tiers(held, thresholds=line)["A10"] == "standard"  # hysteresis off: the plain line


def test_freeze_keeps_the_current_tier_and_the_data_override_still_wins() -> None:
    # A19 scores top (strategic) but holds standard today; A18 holds key and has a `tier` override
    # of standard. Frozen: A19 stays standard (basis 'frozen'), A18 takes the override ('data');
    # A00 (no current tier) is tiered by score. Not frozen: A19 is strategic again.
    accounts = ladder(current_tier={19: Tier.standard, 18: Tier.key}, tier={18: Tier.standard})
    policy = Policy(tiering={**REVENUE_ONLY, "freeze": True})
    t = compute_tiers(Dataset(managers=(mgr("M1"),), accounts=tuple(accounts), policy=policy))
    assert (t.tier_of(19), t.tier_of(18), t.tier_of(0)) == (Tier.standard, Tier.standard, Tier.standard)
    assert (t.basis[19], t.basis[18], t.basis[0]) == (FROZEN, DATA, SHARE)
    assert t.report()["by_basis"] == {DATA: 1, FROZEN: 1}
    assert tiers(accounts)["A19"] == "strategic"


def test_basis_names_hysteresis_where_the_band_kept_the_tier() -> None:
    today = tiers(ladder({12: 1_200_000, 13: 1_210_000}))
    current = {i: Tier(today[f"A{i:02d}"]) for i in range(20)}
    grown = ladder({12: 1_224_000, 13: 1_210_000}, current_tier=current)
    policy = Policy(tiering={**REVENUE_ONLY, "hysteresis": 0.10})
    t = compute_tiers(Dataset(managers=(mgr("M1"),), accounts=tuple(grown), policy=policy))
    assert (t.basis[12], t.basis[13]) == (HYSTERESIS, HYSTERESIS)
    assert t.report()["by_basis"] == {HYSTERESIS: 2}


@pytest.mark.parametrize(
    ("tiering", "words"),
    [
        ({"thresholds": {"standard": {"annual_revenue": 1}}}, "at least standard"),
        ({"thresholds": {"key": {"profit_margin": 0.1}}}, "unknown criterion 'profit_margin'"),
        ({"criteria": {"annual_revenue": 1.0}}, "column name of its own"),
        ({"criteria": {"margin": -1.0}}, "must be >= 0"),
        ({"hysteresis": 1.0}, "less than 1"),
    ],
)
def test_policy_names_what_is_wrong(tiering: dict[str, Any], words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        Policy(tiering=tiering)


def test_stored_data_without_the_new_keys_load_and_tier_as_before() -> None:
    # A data set stored before these keys existed (the API keeps model dumps): no current_tier,
    # criteria, thresholds, hysteresis or freeze. It loads, and the share cut is the plain one.
    ds = Dataset(managers=(mgr("M1"),), accounts=tuple(ladder()), policy=Policy())
    old = ds.model_dump(mode="json")
    for a in old["accounts"]:
        del a["current_tier"], a["criteria"]
    for key in ("criteria", "thresholds", "hysteresis", "freeze"):
        del old["policy"]["tiering"][key]
    t = compute_tiers(Dataset.model_validate(old))
    assert t.counts() == {"strategic": 2, "key": 5, "standard": 13}
    assert "hysteresis" not in t.report()  # plain policies report as before


def test_loader_reads_criteria_columns_the_policy_names_and_current_tier(tmp_path: Path) -> None:
    managers = write_rows(tmp_path / "managers.csv", [{"manager_id": "M1", "capacity_hours": 100}])
    accounts = write_rows(
        tmp_path / "accounts.csv",
        [
            {"account_id": "A1", "profit_margin": "0.25", "当前等级": "重点"},
            {"account_id": "A2", "profit_margin": "", "当前等级": ""},
        ],
    )
    policy = tmp_path / "policy.yaml"
    policy.write_text("tiering: {criteria: {profit_margin: 0.2}}\n", encoding="utf-8")
    loaded = read_dataset(accounts, managers, policy)
    a1, a2 = loaded.dataset.accounts
    assert a1.criteria == {"profit_margin": 0.25} and a1.current_tier == Tier.key
    assert a2.criteria == {} and a2.current_tier is None
    assert not any("profit_margin" in w for w in loaded.warnings)
    # Without the policy the column means nothing and is named in a warning, as any unknown one.
    plain = read_dataset(accounts, managers)
    assert plain.dataset.accounts[0].criteria == {}
    assert any("profit_margin" in w for w in plain.warnings)
    # The recorded copy of a data set keeps both columns.
    write_dataset_csv(loaded.dataset, tmp_path / "copy")
    again = load_dataset(tmp_path / "copy" / "accounts.csv", tmp_path / "copy" / "managers.csv", policy)
    assert again.accounts == loaded.dataset.accounts


def test_loader_refuses_a_weighted_column_that_is_missing_or_not_a_number(tmp_path: Path) -> None:
    from planner.errors import InputError

    managers = write_rows(tmp_path / "managers.csv", [{"manager_id": "M1", "capacity_hours": 100}])
    policy = tmp_path / "policy.yaml"
    policy.write_text("tiering: {criteria: {profit_margin: 0.2}}\n", encoding="utf-8")
    missing = write_rows(tmp_path / "a1.csv", [{"account_id": "A1"}])
    with pytest.raises(InputError, match=r"profit_margin.*column missing"):
        load_dataset(missing, managers, policy)
    words = write_rows(tmp_path / "a2.csv", [{"account_id": "A1", "profit_margin": "high"}])
    with pytest.raises(InputError, match="'high' is not a number"):
        load_dataset(words, managers, policy)

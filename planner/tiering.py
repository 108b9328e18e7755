"""Key-account tiering: a value score per account, cut into strategic / key / standard.

Score (0-100) = 100 x sum_k w_k * r_k / sum_k w_k, where r_k is
- the percentile rank (mid-rank, 0-1) of annual_revenue, contract_value and
  years_as_customer among all accounts: Pareto-shaped revenue would otherwise
  push everyone but the giants to zero;
- (strategic_importance - 1) / 4 for the 1-5 importance scale, which is already a scale.

Accounts are sorted by score (ties by account_id, so the cut is deterministic);
the top `strategic_share` become strategic, the next `key_share` key, the rest
standard. A `tier` given in the data overrides the computed one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from planner.models import TIER_ORDER, Dataset, Tier


@dataclass(frozen=True)
class Tiering:
    value_score: np.ndarray  # (n_accounts,) in dataset account order, 0-100
    tier_index: np.ndarray  # (n_accounts,) index into TIER_ORDER
    computed_tier_index: np.ndarray  # before overrides
    strategic_threshold: float  # lowest score that the cut put in strategic (nan if none)
    key_threshold: float
    overridden: int

    def tier_of(self, i: int) -> Tier:
        return TIER_ORDER[int(self.tier_index[i])]

    def counts(self) -> dict[str, int]:
        return {t.value: int((self.tier_index == k).sum()) for k, t in enumerate(TIER_ORDER)}

    def report(self) -> dict[str, object]:
        return {
            "counts": self.counts(),
            "thresholds": {
                "strategic_min_score": _finite_or_none(self.strategic_threshold),
                "key_min_score": _finite_or_none(self.key_threshold),
            },
            "overridden_by_data": self.overridden,
        }


def percentile_rank(values: np.ndarray) -> np.ndarray:
    """Mid-rank percentile in [0, 1]; equal values get equal ranks."""
    n = len(values)
    if n <= 1:
        return np.full(n, 0.5)
    ordered = np.sort(values)
    below = np.searchsorted(ordered, values, side="left")
    upto = np.searchsorted(ordered, values, side="right")
    return (below + upto - 1) / (2.0 * (n - 1))


def compute_tiers(dataset: Dataset) -> Tiering:
    crit = dataset.policy.tiering
    accounts = dataset.accounts
    n = len(accounts)
    revenue = np.array([a.annual_revenue for a in accounts], dtype=float)
    contract = np.array([a.contract_value for a in accounts], dtype=float)
    years = np.array([a.years_as_customer for a in accounts], dtype=float)
    importance = (np.array([a.strategic_importance for a in accounts], dtype=float) - 1) / 4
    weights = np.array(
        [crit.annual_revenue, crit.contract_value, crit.years_as_customer, crit.strategic_importance]
    )
    parts = np.vstack(
        [percentile_rank(revenue), percentile_rank(contract), percentile_rank(years), importance]
    )
    score = 100.0 * (weights @ parts) / weights.sum() if n else np.zeros(0)
    score = np.round(score, 4)  # stable across platforms; 4 decimals is far below any cut that matters

    ids = np.array([a.account_id for a in accounts])
    order = np.lexsort((ids, -score)) if n else np.zeros(0, dtype=int)
    n_strategic = math.ceil(crit.strategic_share * n - 1e-9)
    n_key = min(n - n_strategic, math.ceil(crit.key_share * n - 1e-9))
    computed = np.full(n, 2, dtype=np.int8)
    computed[order[:n_strategic]] = 0
    computed[order[n_strategic : n_strategic + n_key]] = 1
    final = computed.copy()
    overridden = 0
    for i, a in enumerate(accounts):
        if a.tier is not None:
            final[i] = TIER_ORDER.index(a.tier)
            overridden += int(final[i] != computed[i])
    strategic_thr = float(score[order[n_strategic - 1]]) if n_strategic else math.nan
    key_thr = float(score[order[n_strategic + n_key - 1]]) if n_key else math.nan
    return Tiering(score, final, computed, strategic_thr, key_thr, overridden)


def _finite_or_none(x: float) -> float | None:
    return None if math.isnan(x) else round(x, 2)

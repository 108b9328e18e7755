"""Key-account tiering: a value score per account, cut into strategic / key / standard.

Score (0-100) = 100 x sum_k w_k * r_k / sum_k w_k, where r_k is
- the percentile rank (mid-rank, 0-1) of annual_revenue, contract_value and
  years_as_customer among all accounts: Pareto-shaped revenue would otherwise
  push everyone but the giants to zero;
- (strategic_importance - 1) / 4 for the 1-5 importance scale, which is already a scale;
- the percentile rank of each extra criterion the policy names by column (`tiering.criteria`,
  e.g. profit_margin), read from the account's `criteria`; a blank reads as 0, as for revenue.

Accounts are sorted by score (ties by account_id, so the cut is deterministic);
the top `strategic_share` become strategic, the next `key_share` key, the rest
standard. Absolute thresholds (`tiering.thresholds`) raise an account to at least their tier,
and hysteresis keeps an account on its current tier until it crosses a line by a margin
(`planner.tiering_lines` has both). Then, in order of precedence: a `tier` given in the data
overrides everything; with `tiering.freeze` an account keeps its `current_tier`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from planner.models import TIER_ORDER, Dataset, Tier
from planner.models.policy import BUILTIN_CRITERIA
from planner.tiering_lines import share_side, threshold_side

# Why an account has its tier (Tiering.basis): the cut, a threshold ("threshold: <criterion>"),
# the band of hysteresis, the freeze, or the data's own `tier` column.
SHARE, THRESHOLD, HYSTERESIS, FROZEN, DATA = "share", "threshold", "hysteresis", "frozen", "data"


@dataclass(frozen=True)
class Tiering:
    value_score: np.ndarray  # (n_accounts,) in dataset account order, 0-100
    tier_index: np.ndarray  # (n_accounts,) index into TIER_ORDER
    computed_tier_index: np.ndarray  # before the data's overrides and the freeze
    strategic_threshold: float  # lowest score that the cut put in strategic (nan if none)
    key_threshold: float
    overridden: int
    account_ids: tuple[str, ...] = ()
    previous_tier_index: np.ndarray | None = None  # (N,) current_tier, -1 where none
    basis: tuple[str, ...] = ()  # (N,) why each account has its tier (SHARE, HYSTERESIS, ...)
    hysteresis: float = 0.0
    # tier index -> {criterion: absolute line}, and the values those criteria have (report words).
    threshold_lines: Mapping[int, Mapping[str, float]] = field(default_factory=dict)
    criterion_values: Mapping[str, np.ndarray] = field(default_factory=dict)
    extended: bool = False  # the policy uses thresholds, hysteresis or freeze: report them

    def tier_of(self, i: int) -> Tier:
        return TIER_ORDER[int(self.tier_index[i])]

    def counts(self) -> dict[str, int]:
        return {t.value: int((self.tier_index == k).sum()) for k, t in enumerate(TIER_ORDER)}

    def share_line(self, k: int) -> float:
        """The score line of tier k's share cut (nan for standard, or a tier with no cut)."""
        return self.strategic_threshold if k == 0 else self.key_threshold if k == 1 else math.nan

    def report(self) -> dict[str, object]:
        out: dict[str, object] = {
            "counts": self.counts(),
            "thresholds": {
                "strategic_min_score": _finite_or_none(self.strategic_threshold),
                "key_min_score": _finite_or_none(self.key_threshold),
            },
            "overridden_by_data": self.overridden,
        }
        if self.extended:  # only then: reports of plain policies stay as they were
            out["hysteresis"] = self.hysteresis
            out["by_basis"] = {b: n for b, n in _basis_counts(self.basis).items() if b != SHARE}
        return out


def percentile_rank(values: np.ndarray) -> np.ndarray:
    """Mid-rank percentile in [0, 1]; equal values get equal ranks."""
    n = len(values)
    if n <= 1:
        return np.full(n, 0.5)
    ordered = np.sort(values)
    below = np.searchsorted(ordered, values, side="left")
    upto = np.searchsorted(ordered, values, side="right")
    return (below + upto - 1) / (2.0 * (n - 1))


def compute_tiers(dataset: Dataset, previous: Mapping[str, Tier] | None = None) -> Tiering:
    """Tiers of the data set. `previous` (account_id -> tier) anchors hysteresis and the freeze;
    without it each account's `current_tier` does."""
    crit = dataset.policy.tiering
    accounts = dataset.accounts
    n = len(accounts)
    values = criterion_values(dataset)
    extra = list(crit.criteria)
    weights = np.array(
        [crit.annual_revenue, crit.contract_value, crit.years_as_customer, crit.strategic_importance]
        + [crit.criteria[c] for c in extra]
    )
    importance = (values["strategic_importance"] - 1) / 4
    parts = np.vstack(
        [percentile_rank(values[c]) for c in BUILTIN_CRITERIA[:3]]
        + [importance]
        + [percentile_rank(values[c]) for c in extra]
    )
    score = 100.0 * (weights @ parts) / weights.sum() if n else np.zeros(0)
    score = np.round(score, 4)  # stable across platforms; 4 decimals is far below any cut that matters
    values["value_score"] = score

    ids = tuple(a.account_id for a in accounts)
    order = np.lexsort((np.array(ids), -score)) if n else np.zeros(0, dtype=int)
    n_strategic = math.ceil(crit.strategic_share * n - 1e-9)
    n_key = min(n - n_strategic, math.ceil(crit.key_share * n - 1e-9))
    rank_tier = np.full(n, 2, dtype=np.int8)
    rank_tier[order[:n_strategic]] = 0
    rank_tier[order[n_strategic : n_strategic + n_key]] = 1
    strategic_thr = float(score[order[n_strategic - 1]]) if n_strategic else math.nan
    key_thr = float(score[order[n_strategic + n_key - 1]]) if n_key else math.nan

    prev = _previous(dataset, previous)
    known = prev >= 0
    margin = crit.hysteresis
    lines = {TIER_ORDER.index(t): dict(v) for t, v in crit.thresholds.items() if v}
    above = []
    plain_above = []
    by_threshold: list[list[str | None]] = []
    for k, line in ((0, strategic_thr), (1, key_thr)):
        was_above = known & (prev <= k)
        shares = share_side(score, rank_tier <= k, line, was_above, known, margin)
        floors, first = threshold_side(values, lines.get(k, {}), was_above, known, margin)
        above.append(shares | floors)
        plain_above.append(
            (rank_tier <= k) | threshold_side(values, lines.get(k, {}), was_above, known, 0.0)[0]
        )
        by_threshold.append([f if not s else None for f, s in zip(first, shares, strict=True)])
    computed = _tier_from_sides(above)
    plain = _tier_from_sides(plain_above)
    basis = []
    for i in range(n):
        k = int(computed[i])
        if computed[i] != plain[i]:
            basis.append(HYSTERESIS)
        elif k < 2 and by_threshold[k][i] is not None and rank_tier[i] > k:
            basis.append(f"{THRESHOLD}: {by_threshold[k][i]}")
        else:
            basis.append(SHARE)

    final = computed.copy()
    overridden = 0
    for i, a in enumerate(accounts):
        if a.tier is not None:
            final[i] = TIER_ORDER.index(a.tier)
            overridden += int(final[i] != computed[i])
            basis[i] = DATA
        elif crit.freeze and known[i]:
            final[i] = prev[i]
            basis[i] = FROZEN if final[i] != computed[i] else basis[i]
    return Tiering(
        score,
        final,
        computed,
        strategic_thr,
        key_thr,
        overridden,
        account_ids=ids,
        previous_tier_index=prev,
        basis=tuple(basis),
        hysteresis=margin,
        threshold_lines=lines,
        criterion_values={c: values[c] for v in lines.values() for c in v},
        extended=bool(lines or margin or crit.freeze),
    )


def criterion_values(dataset: Dataset) -> dict[str, np.ndarray]:
    """(N,) raw values of each criterion the policy may name: the four built-in fields and the
    extra columns of `tiering.criteria` (0 where an account has no value)."""
    accounts = dataset.accounts
    out = {c: np.array([float(getattr(a, c)) for a in accounts], dtype=float) for c in BUILTIN_CRITERIA}
    for c in dataset.policy.tiering.criteria:
        out[c] = np.array([a.criteria.get(c, 0.0) for a in accounts], dtype=float)
    return out


def _previous(dataset: Dataset, previous: Mapping[str, Tier] | None) -> np.ndarray:
    tiers = [
        (previous.get(a.account_id) if previous is not None else a.current_tier) for a in dataset.accounts
    ]
    return np.array([-1 if t is None else TIER_ORDER.index(t) for t in tiers], dtype=np.int64)


def _tier_from_sides(above: list[np.ndarray]) -> np.ndarray:
    # Above the strategic line is above the key line too, whichever rule put it there.
    strategic, key = above[0], above[1] | above[0]
    return np.where(strategic, 0, np.where(key, 1, 2)).astype(np.int8)


def _basis_counts(basis: tuple[str, ...]) -> dict[str, int]:
    out: dict[str, int] = {}
    for b in basis:
        out[b] = out.get(b, 0) + 1
    return dict(sorted(out.items()))


def _finite_or_none(x: float) -> float | None:
    return None if math.isnan(x) else round(x, 2)

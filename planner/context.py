"""Arrays derived once from a data set, shared by the compiler, the evaluator and the explainer.

Everything is indexed by position: account i is `dataset.accounts[i]`, manager j
is `dataset.managers[j]`. Rule and cost functions take index arrays `a`, `m` that
broadcast against each other, so one function serves a single pair, a plan's pairs
and the full account x manager grid.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from planner.geo import radian_columns
from planner.groups import groups_of_layout, parent_group_layout
from planner.models import TIER_ORDER, Dataset
from planner.tiering import Tiering, compute_tiers


@dataclass(frozen=True, eq=False)
class Context:
    dataset: Dataset
    tiering: Tiering
    travel_matrix: np.ndarray | None = None  # (N, M) one-way hours, nan where the formula applies

    @classmethod
    def build(cls, dataset: Dataset, base_dir: Path | None = None) -> Context:
        matrix = None
        if dataset.policy.travel.matrix_file:
            from planner.io.travel_matrix import load_travel_matrix

            path = Path(dataset.policy.travel.matrix_file)
            if base_dir is not None and not path.is_absolute():
                path = base_dir / path
            matrix = load_travel_matrix(path, dataset)
        return cls(dataset, compute_tiers(dataset), matrix)

    # --- ids and indices -------------------------------------------------------------
    @cached_property
    def account_ids(self) -> list[str]:
        return [a.account_id for a in self.dataset.accounts]

    @cached_property
    def manager_ids(self) -> list[str]:
        return [m.manager_id for m in self.dataset.managers]

    @cached_property
    def account_index(self) -> dict[str, int]:
        return {a: i for i, a in enumerate(self.account_ids)}

    @cached_property
    def manager_index(self) -> dict[str, int]:
        return {m: j for j, m in enumerate(self.manager_ids)}

    @property
    def n_accounts(self) -> int:
        return len(self.account_ids)

    @property
    def n_managers(self) -> int:
        return len(self.manager_ids)

    # --- account attributes ------------------------------------------------------------
    @property
    def tier(self) -> np.ndarray:
        return self.tiering.tier_index

    @property
    def value(self) -> np.ndarray:
        return self.tiering.value_score

    @cached_property
    def current(self) -> np.ndarray:
        """Index of today's manager, -1 where there is none."""
        idx = self.manager_index
        return np.array([idx.get(a.current_manager_id, -1) for a in self.dataset.accounts], dtype=np.int64)

    @cached_property
    def acc_lat_lon(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        accounts = self.dataset.accounts
        return radian_columns([a.lat for a in accounts], [a.lon for a in accounts])

    # --- manager attributes ------------------------------------------------------------
    @cached_property
    def active(self) -> np.ndarray:
        return np.array([m.active for m in self.dataset.managers], dtype=bool)

    @cached_property
    def seniority_rank(self) -> np.ndarray:
        return np.array([m.seniority.rank for m in self.dataset.managers], dtype=np.int64)

    @cached_property
    def capacity_ch(self) -> np.ndarray:
        """Capacity in centi-hours: all workload arithmetic is in integers, see objective.py."""
        return np.array([round(m.capacity_hours * 100) for m in self.dataset.managers], dtype=np.int64)

    @cached_property
    def own_every_weeks(self) -> np.ndarray:
        """(N,) each account's own full-service spacing in weeks, nan where its tier's applies: its
        visit_every_weeks column, or its tier's over an at-risk account's visit_factor
        (planner.models.health; the calendar reads the same function)."""
        policy = self.dataset.policy
        tier_weeks = [policy.tiers[t].visit_every_weeks for t in TIER_ORDER]
        # The health model reads an account's visit_every_weeks, risk and satisfaction: asked
        # once per distinct combination and tier (a handful), not once per account.
        seen: dict[tuple[object, ...], float] = {}
        own = []
        for a, k in zip(self.dataset.accounts, self.tier.tolist(), strict=True):
            key = (a.visit_every_weeks, a.risk, a.satisfaction, k)
            weeks = seen.get(key)
            if weeks is None:
                found = policy.health.own_every_weeks(a, tier_weeks[k])
                weeks = seen[key] = np.nan if found is None else found
            own.append(weeks)
        return np.array(own, dtype=float)

    @cached_property
    def health_factors(self) -> tuple[np.ndarray, np.ndarray]:
        """(N,) each account's (match_factor, move_factor) from its risk (1 without one)."""
        health = self.dataset.policy.health
        # The risk follows from the risk and satisfaction columns alone: one question per pair.
        seen: dict[tuple[object, ...], tuple[float, float]] = {}
        factors = []
        for a in self.dataset.accounts:
            key = (a.risk, a.satisfaction)
            pair = seen.get(key)
            if pair is None:
                risk = health.risk_of(a)
                pair = seen[key] = (health.factor("match", risk), health.factor("move", risk))
            factors.append(pair)
        table = np.array(factors, dtype=float).reshape(len(factors), 2)
        return table[:, 0].copy(), table[:, 1].copy()

    @cached_property
    def performance(self) -> np.ndarray:
        """(M,) each manager's performance score 0-100, nan where none is given."""
        return np.array(
            [np.nan if m.performance is None else m.performance for m in self.dataset.managers], dtype=float
        )

    @cached_property
    def max_accounts(self) -> np.ndarray:
        return np.array(
            [-1 if m.max_accounts is None else m.max_accounts for m in self.dataset.managers], dtype=np.int64
        )

    @cached_property
    def mgr_lat_lon(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        managers = self.dataset.managers
        return radian_columns([m.home_lat for m in managers], [m.home_lon for m in managers])

    @cached_property
    def cos_lat(self) -> tuple[np.ndarray, np.ndarray]:
        """Cosines of the accounts' and the managers' latitudes, for the travel times' great
        circles: once per point, not once per pair."""
        return np.cos(self.acc_lat_lon[0]), np.cos(self.mgr_lat_lon[0])

    # --- tier rule lookups ---------------------------------------------------------------
    def tier_param(self, name: str) -> np.ndarray:
        """A per-tier policy number as an array indexed by tier index."""
        rules = self.dataset.policy.tiers
        return np.array([float(getattr(rules[t], name)) for t in TIER_ORDER])

    @cached_property
    def min_seniority_by_tier(self) -> np.ndarray:
        rules = self.dataset.policy.tiers
        return np.array([rules[t].min_seniority.rank for t in TIER_ORDER], dtype=np.int64)

    @cached_property
    def ideal_seniority_by_tier(self) -> np.ndarray:
        rules = self.dataset.policy.tiers
        return np.array([rules[t].ideal_seniority.rank for t in TIER_ORDER], dtype=np.int64)

    # --- skills and regions as small lookup tables ---------------------------------------------
    @cached_property
    def language_codes(self) -> dict[str, int]:
        codes = sorted({a.language for a in self.dataset.accounts if a.language})
        return {c: k for k, c in enumerate(codes)}

    @cached_property
    def account_language(self) -> np.ndarray:
        """Language index per account; -1 means any language will do."""
        codes = self.language_codes
        return np.array([codes.get(a.language, -1) for a in self.dataset.accounts], dtype=np.int64)

    @cached_property
    def speaks(self) -> np.ndarray:
        """(M, L+1) bool; the extra last column is the 'any language' slot, always True."""
        codes = self.language_codes
        table = np.zeros((self.n_managers, len(codes) + 1), dtype=bool)
        table[:, -1] = True
        for j, m in enumerate(self.dataset.managers):
            for lang in m.languages:
                if lang in codes:
                    table[j, codes[lang]] = True
        return table

    @cached_property
    def industry_match(self) -> tuple[np.ndarray, np.ndarray]:
        """(account industry index (-1 none), (M, K+1) bool table: manager knows industry k)."""
        names = sorted({a.industry for a in self.dataset.accounts if a.industry})
        codes = {c: k for k, c in enumerate(names)}
        acc = np.array([codes.get(a.industry, -1) for a in self.dataset.accounts], dtype=np.int64)
        table = np.zeros((self.n_managers, len(names) + 1), dtype=bool)
        for j, m in enumerate(self.dataset.managers):
            for ind in m.industries:
                if ind in codes:
                    table[j, codes[ind]] = True
        return acc, table

    @cached_property
    def region_serves(self) -> tuple[np.ndarray, np.ndarray]:
        """(account region index, (M, R) bool table: manager may serve region r)."""
        policy = self.dataset.policy
        names = sorted({a.region for a in self.dataset.accounts} | {m.region for m in self.dataset.managers})
        codes = {c: k for k, c in enumerate(names)}
        acc = np.array([codes[a.region] for a in self.dataset.accounts], dtype=np.int64)
        # One row per region managers live in, not per manager: a policy question per pair.
        rows = {
            home: np.array([policy.serves_region(home, name) for name in names], dtype=bool)
            for home in {m.region for m in self.dataset.managers}
        }
        table = np.zeros((self.n_managers, len(names)), dtype=bool)
        for j, m in enumerate(self.dataset.managers):
            table[j] = rows[m.region]
        return acc, table

    @cached_property
    def pinned_to(self) -> np.ndarray:
        """Manager index an account is pinned to, -1 where none."""
        out = np.full(self.n_accounts, -1, dtype=np.int64)
        for p in self.dataset.policy.pins:
            out[self.account_index[p.account_id]] = self.manager_index[p.manager_id]
        return out

    @cached_property
    def forbidden_pairs(self) -> set[tuple[int, int]]:
        return {
            (self.account_index[p.account_id], self.manager_index[p.manager_id])
            for p in self.dataset.policy.forbidden
        }

    # --- parent groups -----------------------------------------------------------------------
    @cached_property
    def groups(self) -> list[list[int]]:
        """Accounts linked by parent_id, transitively; every account is in exactly one group."""
        return groups_of_layout(*self.group_order)

    @cached_property
    def group_order(self) -> tuple[np.ndarray, np.ndarray]:
        """(members of all groups, group after group; where each group starts in it), the
        layout numpy's reduceat needs to reduce over groups without a Python loop."""
        return parent_group_layout(self.dataset.accounts, self.account_index)

    def same_in_group(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(per group: do all members share one value; that value where they do)."""
        members, starts = self.group_order
        if not starts.size:
            return np.zeros(0, dtype=bool), np.zeros(0, dtype=values.dtype)
        lo = np.minimum.reduceat(values[members], starts)
        return lo == np.maximum.reduceat(values[members], starts), lo

    @cached_property
    def group_of(self) -> np.ndarray:
        members, starts = self.group_order
        sizes = np.diff(np.append(starts, members.size))
        out = np.empty(self.n_accounts, dtype=np.int64)
        out[members] = np.repeat(np.arange(starts.size, dtype=np.int64), sizes)
        return out

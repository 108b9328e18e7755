"""Workload and cost of serving account a by manager m; the objective's building blocks.

All quantities are integers so that every solver, and the evaluator, get the
same objective to the last digit:
- hours in centi-hours (ch): round(hours x 100) per account-manager pair;
- cost in centi-points (cp): round(points x 100) per account-manager pair;
- utilisation in per-mille of capacity: the spread term uses ceil(max) - floor(min).

Per pair (a, m), with v = visits per month of a's tier and t = one-way travel hours:
    travel_hours  = v x 2t
    hours         = v x hours_per_visit + travel_hours + admin_hours_per_month
    match         = (w_ind x [m knows a's industry] + w_sen x seniority_fit) / (w_ind + w_sen)
    seniority_fit = 1 - |rank(m) - ideal rank of a's tier| / 2
    cost          = value_match x value(a) x (1 - match)           (value left unserved)
                  + travel_hour x travel_hours
                  + move x move_weight(tier) x (10 + value(a)) x [a has an active current manager != m]
Plan objective = sum of pair costs + unassigned x #unassigned + balance_cp x (ceil max util - floor min util),
util in per-mille over active managers with capacity > 0, balance_cp = round(balance x 100 / 1000).
The 10 in the move term makes even a low-value account's move cost something.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.context import Context, haversine_km
from planner.problem import UTIL_SCALE


@dataclass(frozen=True)
class PairMetrics:
    hours_ch: np.ndarray  # int64 centi-hours per month
    travel_ch: np.ndarray  # int64 centi-hours per month, part of hours_ch
    match: np.ndarray  # float in [0, 1]
    value_cp: np.ndarray  # int64 centi-points: value left unserved by the match
    travel_cp: np.ndarray  # int64
    move_cp: np.ndarray  # int64, 0 unless this pair moves the account voluntarily
    moved: np.ndarray  # bool: a voluntary move (current manager may stay and is not m)

    @property
    def cost_cp(self) -> np.ndarray:
        return self.value_cp + self.travel_cp + self.move_cp


def one_way_hours(ctx: Context, a: np.ndarray, m: np.ndarray) -> np.ndarray:
    travel = ctx.dataset.policy.travel
    alat, alon, aknown = ctx.acc_lat_lon
    mlat, mlon, mknown = ctx.mgr_lat_lon
    km = haversine_km(alat[a], alon[a], mlat[m], mlon[m]) * travel.road_factor
    hours = np.where(aknown[a] & mknown[m], km / travel.speed_kmh, 0.0)
    if ctx.travel_matrix is not None:
        given = ctx.travel_matrix[a, m]
        hours = np.where(np.isnan(given), hours, given)
    return hours


def match_score(ctx: Context, a: np.ndarray, m: np.ndarray) -> np.ndarray:
    weights = ctx.dataset.policy.match
    acc_ind, knows = ctx.industry_match
    industry = np.where(acc_ind[a] >= 0, knows[m, acc_ind[a]], False).astype(float)
    fit = 1.0 - np.abs(ctx.seniority_rank[m] - ctx.ideal_seniority_by_tier[ctx.tier[a]]) / 2.0
    return (weights.industry * industry + weights.seniority * fit) / (weights.industry + weights.seniority)


def pair_metrics(ctx: Context, a: np.ndarray, m: np.ndarray) -> PairMetrics:
    w = ctx.dataset.policy.weights
    tier = ctx.tier[a]
    visits = ctx.tier_param("visits_per_month")[tier]
    travel_h = visits * 2 * one_way_hours(ctx, a, m)
    hours = (
        visits * ctx.tier_param("hours_per_visit")[tier]
        + travel_h
        + ctx.tier_param("admin_hours_per_month")[tier]
    )
    match = match_score(ctx, a, m)
    value = ctx.value[a]
    moved = ctx.current_may_stay[a] & (ctx.current[a] != m)
    move_points = w.move * ctx.tier_param("move_weight")[tier] * (10.0 + value)
    return PairMetrics(
        hours_ch=np.rint(hours * 100).astype(np.int64),
        travel_ch=np.rint(travel_h * 100).astype(np.int64),
        match=match,
        value_cp=np.rint(w.value_match * value * (1.0 - match) * 100).astype(np.int64),
        travel_cp=np.rint(w.travel_hour * travel_h * 100).astype(np.int64),
        move_cp=np.where(moved, np.rint(move_points * 100), 0).astype(np.int64),
        moved=np.asarray(moved, dtype=bool),
    )


def balance_cp_per_permille(ctx: Context) -> int:
    return round(ctx.dataset.policy.weights.balance * 100 / UTIL_SCALE)


def unassigned_cp(ctx: Context) -> int:
    return round(ctx.dataset.policy.weights.unassigned * 100)


def balanced_managers(ctx: Context) -> np.ndarray:
    """Managers whose utilisation enters the spread term: active and with capacity."""
    return ctx.active & (ctx.capacity_ch > 0)


def util_permille_ceil(load_ch: np.ndarray, capacity_ch: np.ndarray) -> np.ndarray:
    return -((-load_ch * UTIL_SCALE) // capacity_ch)


def util_permille_floor(load_ch: np.ndarray, capacity_ch: np.ndarray) -> np.ndarray:
    return (load_ch * UTIL_SCALE) // capacity_ch

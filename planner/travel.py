"""The one travel model: one-way hours from a manager's home to an account, by the policy's
`TravelModel.hours` (road, or train/plane where faster) of the great-circle km, or the policy's
travel matrix where it names the pair. The assignment's
workload, the day-trip rule and (for manager-to-account legs) the calendar all use it."""

from __future__ import annotations

import numpy as np

from planner.context import Context
from planner.geo import haversine_km


def one_way_hours(ctx: Context, a: np.ndarray, m: np.ndarray) -> np.ndarray:
    travel = ctx.dataset.policy.travel
    alat, alon, aknown = ctx.acc_lat_lon
    mlat, mlon, mknown = ctx.mgr_lat_lon
    acos, mcos = ctx.cos_lat
    km = haversine_km(alat[a], alon[a], mlat[m], mlon[m], acos[a], mcos[m])
    hours = np.where(aknown[a] & mknown[m], travel.hours(km), 0.0)
    if ctx.travel_matrix is not None:
        given = ctx.travel_matrix[a, m]
        hours = np.where(np.isnan(given), hours, given)
    return hours

"""Geometry on the sphere: great-circle distances between points given in degrees.

Below everything that measures travel: the solver context (`planner.context`), the objective's
travel hours (`planner.objective`) and the calendar's distance matrices (`planner.calendar.build`).
Imports nothing from `planner`.
"""

from __future__ import annotations

import numpy as np

EARTH_RADIUS_KM = 6371.0088


def radian_coords(
    pairs: list[tuple[float | None, float | None]],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lat, lon) pairs in degrees, None where unknown -> (lat radians, lon radians, known);
    an unknown coordinate is 0 in the arrays and False in `known`."""
    return radian_columns([lat for lat, _ in pairs], [lon for _, lon in pairs])


def radian_columns(
    lats: list[float | None], lons: list[float | None]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`radian_coords` from a column of latitudes and one of longitudes (no tuple per point)."""
    # None becomes nan in a float array (a coordinate is never nan itself: the models bound it),
    # then 0, as is -0.0 (`x or 0.0` made it +0.0 before).
    lat = np.array(lats, dtype=float).reshape(len(lats))
    lon = np.array(lons, dtype=float).reshape(len(lons))
    known = ~(np.isnan(lat) | np.isnan(lon))
    return _radians_or_zero(lat), _radians_or_zero(lon), known


def _radians_or_zero(degrees: np.ndarray) -> np.ndarray:
    return np.radians(np.where(np.isnan(degrees) | (degrees == 0), 0.0, degrees))


def haversine_km(
    lat1: np.ndarray,
    lon1: np.ndarray,
    lat2: np.ndarray,
    lon2: np.ndarray,
    cos_lat1: np.ndarray | None = None,
    cos_lat2: np.ndarray | None = None,
) -> np.ndarray:
    """Great-circle distance; inputs in radians, broadcastable. `cos_lat1`, `cos_lat2`: the
    latitudes' cosines where the caller has them per point (a pair's cosines gathered from
    them are the same numbers, computed once per point instead of once per pair)."""
    dlat = lat2 - lat1
    dlon = lon2 - lon1
    c1 = np.cos(lat1) if cos_lat1 is None else cos_lat1
    c2 = np.cos(lat2) if cos_lat2 is None else cos_lat2
    h = np.sin(dlat / 2) ** 2 + c1 * c2 * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))

"""Pareto filtering of plans scored on criteria that are all to be minimised."""

from __future__ import annotations

from collections.abc import Sequence


def dominates(a: Sequence[float], b: Sequence[float]) -> bool:
    """a is no worse than b on every criterion and better on at least one."""
    return all(x <= y for x, y in zip(a, b, strict=True)) and any(x < y for x, y in zip(a, b, strict=True))


def pareto_mask(points: Sequence[Sequence[float]]) -> list[bool]:
    """True where no other point dominates; O(n²), fine for the handful of plans a director reads."""
    return [not any(dominates(q, p) for q in points if q is not p) for p in points]


def spaced_budgets(low: int, high: int, count: int) -> list[int]:
    """`count` move budgets spread evenly from `low` to `high` inclusive, without repeats."""
    if count <= 1 or high <= low:
        return [high]
    return sorted({round(low + (high - low) * k / (count - 1)) for k in range(count)})

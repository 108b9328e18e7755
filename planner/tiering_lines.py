"""Which side of each tier line an account is on: the share cut, absolute thresholds, hysteresis.

There are two lines: the strategic line (above it: strategic) and the key line (above it: key or
strategic). For each line L an account is above when
- the share cut puts it above (rank by score, `planner.tiering`), or
- any absolute threshold of L's tier holds: criterion value >= the threshold (policy
  `tiering.thresholds`, e.g. annual revenue >= 1 M is at least key).

Hysteresis h (policy `tiering.hysteresis`, a fraction) anchors each account on the tier it holds
today (its `current_tier`): an account above L today stays above while its value is at least
line x (1 - h); one below L today rises only at line x (1 + h). The same rule serves the share
line (its score line: the lowest score the cut puts above) and every absolute threshold, so a
line is a band 2h wide (on the score, the line to enter is at most the best score), and a ±2 % change in one account's revenue, which moves its score and
the share line by far less than the band, moves no one. An account without a current tier is
cut without a band. h = 0 is the plain cut, exactly as before hysteresis existed.

A line with no cut (share 0) has no score line: only thresholds put accounts above it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np


def above_line(
    value: np.ndarray,
    line: float,
    previous_above: np.ndarray,
    known: np.ndarray,
    margin: float,
    top: float = math.inf,
) -> np.ndarray:
    """(N,) bool: value at or over the line, the line moved by `margin` against a change of side
    for the accounts whose side today is `known` (above today: line x (1 - margin) to stay). The
    line to enter is never above `top`, so a line near the top of a bounded scale stays reachable."""
    plain = value >= line
    if margin <= 0:
        return plain
    stay = value >= line * (1 - margin)
    enter = value >= min(line * (1 + margin), top)
    return np.where(known, np.where(previous_above, stay, enter), plain)


def share_side(
    score: np.ndarray,
    ranked_above: np.ndarray,
    line: float,
    previous_above: np.ndarray,
    known: np.ndarray,
    margin: float,
) -> np.ndarray:
    """(N,) bool: above the share line. Without a band (or without a previous side) the rank cut
    decides, ties included; with one, the score against the banded score line."""
    if margin <= 0 or math.isnan(line):
        return ranked_above
    # A score line of 95 with a 10 % band would ask 104.5 to enter: the best score enters instead.
    banded = above_line(score, line, previous_above, known, margin, top=float(score.max()))
    return np.where(known, banded, ranked_above)


def threshold_side(
    values: Mapping[str, np.ndarray],
    lines: Mapping[str, float],
    previous_above: np.ndarray,
    known: np.ndarray,
    margin: float,
) -> tuple[np.ndarray, list[str | None]]:
    """(N,) bool: some absolute threshold holds, and for each account the first criterion that
    holds (None where none does), for the report's words."""
    n = len(previous_above)
    hit = np.zeros(n, dtype=bool)
    first: list[str | None] = [None] * n
    for name, line in lines.items():
        ok = above_line(values[name], line, previous_above, known, margin)
        for i in np.nonzero(ok & ~hit)[0]:
            first[int(i)] = name
        hit |= ok
    return hit, first

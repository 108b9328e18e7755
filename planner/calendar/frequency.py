"""How often an account must be seen over a horizon, as windows of days.

A tier rule `visit_every_weeks = E` (or, for an account the plan serves at a reduced level,
that level's `visit_every_weeks`) over a horizon of N weeks asks for
    n = floor(N / E + 1/2)   visits   (13 weeks: strategic E=2 -> 7, key E=4 -> 3, standard E=13 -> 1)
and the horizon's 7N days are cut into n consecutive windows of (nearly) equal length,
window k = [floor(k 7N / n), floor((k+1) 7N / n) - 1]; the account gets one visit in each.
Equal windows keep visits evenly spread, and with `min_spacing_days` (consecutive visits at
least that many days apart) the rule cannot bunch two visits at a window boundary. A horizon
shorter than half a period asks for no visit at all: a quarterly account is not due in a
four-week calendar.

An account's own `visit_every_weeks` (accounts.csv) replaces its tier's. With a `last_visit_date`,
the windows count from the real last visit instead (`windows_after`): visit k is due by
last + (k+1) x 7E days, its window the 7E days before that (the first one starting no earlier
than `min_spacing_days` after the last visit); an overdue account is due within the first half
period. A window is asked for when at least half of it lies in the horizon.
"""

from __future__ import annotations

import math


def required_visits(weeks: int, every_weeks: float | None) -> int:
    """Visits over the horizon; None (a frequency of 0 visits per month) asks for none."""
    return 0 if every_weeks is None else math.floor(weeks / every_weeks + 0.5)


def windows_after(
    n_days: int, every_weeks: float | None, last_visit: int, min_spacing: int
) -> tuple[tuple[int, int], ...]:
    """Inclusive (first day, last day) per visit, counted from the last visit on day
    `last_visit` (negative: before the horizon's first day 0)."""
    if every_weeks is None or n_days <= 0:
        return ()
    period = max(1, round(every_weeks * 7))
    start = max(0, last_visit + max(min_spacing, 1))
    end = max(last_visit + period, (period + 1) // 2 - 1)  # overdue: due within half a period
    start = min(start, max(end, 0))
    out = []
    while start <= n_days - 1 and (end <= n_days - 1 or n_days - start >= period / 2):
        out.append((start, min(end, n_days - 1)))
        start, end = end + 1, end + period
    return tuple(out)


def visit_windows(n_days: int, n_visits: int) -> tuple[tuple[int, int], ...]:
    """Inclusive (first day, last day) per visit, consecutive, covering all n_days."""
    if n_visits <= 0:
        return ()
    n_visits = min(n_visits, n_days)
    cuts = [k * n_days // n_visits for k in range(n_visits + 1)]
    return tuple((cuts[k], cuts[k + 1] - 1) for k in range(n_visits))

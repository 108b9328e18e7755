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
"""

from __future__ import annotations

import math


def required_visits(weeks: int, every_weeks: float) -> int:
    return math.floor(weeks / every_weeks + 0.5)


def visit_windows(n_days: int, n_visits: int) -> tuple[tuple[int, int], ...]:
    """Inclusive (first day, last day) per visit, consecutive, covering all n_days."""
    if n_visits <= 0:
        return ()
    n_visits = min(n_visits, n_days)
    cuts = [k * n_days // n_visits for k in range(n_visits + 1)]
    return tuple((cuts[k], cuts[k + 1] - 1) for k in range(n_visits))

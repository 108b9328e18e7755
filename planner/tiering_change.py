"""Which accounts changed tier between two tierings (two plans, data-set versions or scenarios).

Each promoted or demoted account comes with its score on both sides and the line it crossed in
the later tiering: for a promotion the line of the tier it entered, for a demotion the line of the
tier above its new one (a strategic account that falls to standard crossed the key line). The line
is the share cut's score line, moved by the hysteresis band when the account had a current tier
(to enter: line x (1 + h), to fall: below line x (1 - h)), or the absolute threshold that put it
there; a tier set by the data's `tier` column or kept by the freeze has no line. Without a band
a tie at the line is cut by account_id, so a demotion reads "<=".
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from planner.models import TIER_ORDER
from planner.tiering import DATA, FROZEN, THRESHOLD, Tiering


def tier_changes(base: Tiering, other: Tiering, names: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Accounts in both tierings whose tier differs, most valuable (in `other`) first."""
    before = {aid: i for i, aid in enumerate(base.account_ids)}
    rows: list[dict[str, Any]] = []
    for j, aid in enumerate(other.account_ids):
        i = before.get(aid)
        if i is None:
            continue
        was, now = int(base.tier_index[i]), int(other.tier_index[j])
        if was == now:
            continue
        promoted = now < was
        criterion, value, line = _line(other, j, now if promoted else now - 1, promoted)
        rows.append(
            {
                "account_id": aid,
                "account_name": (names or {}).get(aid, ""),
                "change": "promoted" if promoted else "demoted",
                "from": TIER_ORDER[was].value,
                "to": TIER_ORDER[now].value,
                "score_before": round(float(base.value_score[i]), 2),
                "score_after": round(float(other.value_score[j]), 2),
                "criterion": criterion,
                "value": value,
                "line": line,
                "basis": other.basis[j] if other.basis else "",
            }
        )
    rows.sort(key=lambda r: (-r["score_after"], r["account_id"]))
    return {
        "promoted": sum(r["change"] == "promoted" for r in rows),
        "demoted": sum(r["change"] == "demoted" for r in rows),
        "changes": rows,
    }


def line_words(r: dict[str, Any]) -> str:
    """'value_score 70.1 >= 68.4' for a promotion, '<= 57.3' for a demotion; '–' without a line."""
    if r.get("line") is None:
        return "–"
    sign = ">=" if r["change"] == "promoted" else "<="  # a tie at the line is cut by account_id
    return f"{r['criterion']} {r['value']:,.2f} {sign} {r['line']:,.2f}"


def _line(t: Tiering, j: int, k: int, promoted: bool) -> tuple[str | None, float | None, float | None]:
    """(criterion, the account's value of it, the line) of line k (0 strategic, 1 key) for account j."""
    basis = t.basis[j] if t.basis else ""
    if basis in (DATA, FROZEN):
        return None, None, None
    # A threshold names why an account entered its tier; a fall is always below the score line
    # (a threshold that held would have kept it).
    if promoted and basis.startswith(THRESHOLD):
        name = basis.split(": ", 1)[1]
        line = t.threshold_lines[k][name] if k in t.threshold_lines else math.nan
        value = float(t.criterion_values[name][j])
        top = math.inf
    else:
        name, line, value = "value_score", t.share_line(k), float(t.value_score[j])
        top = float(t.value_score.max())  # the line to enter is at most the best score (tiering_lines)
    anchored = t.previous_tier_index is not None and t.previous_tier_index[j] >= 0
    if t.hysteresis and anchored and not math.isnan(line):
        line = min(line * (1 + t.hysteresis), top) if promoted else line * (1 - t.hysteresis)
    return name, round(value, 2), None if math.isnan(line) else round(line, 2)

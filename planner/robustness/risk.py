"""The risk table: leavers ranked by what their going costs, each in one sentence.

Order: value left uncovered (what the customers lose), then strategic accounts left uncovered,
accounts left uncovered, the moves the re-plan needs (what the team goes through), the fullest
manager after it; the leavers' ids break ties, so the ranking never depends on the order the
re-plans finished in.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from planner.robustness.leavers import NO_SUCCESSOR, LeaverOutcome, Uncovered

RISK_COLUMNS = (
    "rank",
    "leavers",
    "names",
    "regions",
    "accounts_held",
    "value_held",
    "uncovered",
    "value_uncovered",
    "strategic_uncovered",
    "no_successor",
    "forced_moves",
    "voluntary_moves",
    "utilisation_max",
    "utilisation_mean",
    "over_capacity",
    "status",
    "risk",
)


def ranked(outcomes: Iterable[LeaverOutcome]) -> list[LeaverOutcome]:
    return sorted(
        outcomes,
        key=lambda o: (
            -o.value_uncovered,
            -o.strategic_uncovered,
            -o.uncovered,
            -(o.forced_moves + o.voluntary_moves),
            -o.utilisation_max,
            o.leavers,
        ),
    )


def risk_rows(outcomes: Iterable[LeaverOutcome]) -> list[dict[str, Any]]:
    """One row per leaver set, most at risk first, with the sentence a director reads."""
    return [
        {
            "rank": k,
            "leavers": " + ".join(o.leavers),
            "names": " + ".join(o.names),
            "regions": " + ".join(sorted(set(o.regions))),
            "accounts_held": o.accounts_held,
            "value_held": round(o.value_held, 2),
            "uncovered": o.uncovered,
            "value_uncovered": round(o.value_uncovered, 2),
            "strategic_uncovered": o.strategic_uncovered,
            "no_successor": o.no_successor,
            "forced_moves": o.forced_moves,
            "voluntary_moves": o.voluntary_moves,
            "utilisation_max": o.utilisation_max,
            "utilisation_mean": o.utilisation_mean,
            "over_capacity": o.over_capacity,
            "status": o.status,
            "risk": risk_words(o),
        }
        for k, o in enumerate(ranked(outcomes), start=1)
    ]


def risk_words(o: LeaverOutcome) -> str:
    """ "If Li Na leaves, 14 strategic accounts in east have no eligible successor; ..." """
    who = _names(o.names)
    verb = "leave" if len(o.names) > 1 else "leaves"
    moves = o.forced_moves + o.voluntary_moves
    after = f"{_moves(moves, o.voluntary_moves)}; the fullest manager is then at {o.utilisation_max:.0%}"
    if o.over_capacity:
        after += f" ({o.over_capacity} over capacity)"
    if o.accounts_held == 0:
        return f"If {who} {verb}, no account loses its manager; {after}"
    if not o.groups:
        held = f"all {o.accounts_held} of their accounts" if o.accounts_held > 1 else "their one account"
        return f"If {who} {verb}, {held} find a successor with {after}"
    parts = [_group_words(g) for g in o.groups[:3]]
    if len(o.groups) > 3:
        rest = sum(g.accounts for g in o.groups[3:])
        parts.append(f"{rest} more account{'s lose' if rest > 1 else ' loses'} cover elsewhere")
    return f"If {who} {verb}, " + "; ".join(parts) + f" (value {o.value_uncovered:,.0f}); {after}"


def _group_words(g: Uncovered) -> str:
    many = g.accounts > 1
    what = f"{g.accounts} {g.tier} account{'s' if many else ''}" + (f" in {g.region}" if g.region else "")
    if g.reason == NO_SUCCESSOR:
        return f"{what} {'have' if many else 'has'} no eligible successor"
    return f"{what} find{'' if many else 's'} no successor with the hours free"


def _moves(total: int, voluntary: int) -> str:
    if total == 0:
        return "no moves"
    return f"{total} move{'s' if total > 1 else ''} ({voluntary} voluntary)"


def _names(names: tuple[str, ...]) -> str:
    return " and ".join(names)

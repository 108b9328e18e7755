"""index.html of an alternatives directory: the front as a chart and a table linking each plan."""

from __future__ import annotations

from typing import Any

from planner.reports.html import esc, figure, note, page, section, table


def front_html(scenario: str, points: list[dict[str, Any]], dropped: list[dict[str, Any]], svg: str) -> str:
    rows = [
        (
            f'<a href="{esc(p["dir"])}/summary.json">{esc(p["dir"])}</a>',
            p["label"],
            p["moves"],
            f"{p['utilisation_spread']:.1%}",
            f"{p['value_unserved']:,.1f}",
            f"{p['objective']:,.1f}",
            _fmt(p["hours_gini"]),
            f"{p['travel_hours']:,.1f}",
            p["status"],
        )
        for p in points
    ]
    plan_table = table(
        (
            "plan",
            "budget",
            "voluntary moves",
            "utilisation spread",
            "value unserved",
            "objective",
            "Gini of hours",
            "travel h",
            "solver",
        ),
        rows,
        table_id="front",
        raw_first_column=True,
    )
    gone = table(
        ("budget", "why not listed"),
        [("as written" if d["budget"] is None else d["budget"], d["reason"]) for d in dropped],
        table_id="dropped",
    )
    return page(
        f"Alternatives — {scenario}",
        section(
            "The trade-off",
            figure(svg, "Each point is one plan: fewer moves cost balance or value.", "chart-front"),
            note("Choose a point, not a weight: each plan is the best one at its level of disruption."),
        ),
        section("Plans on the front", plan_table),
        section("Budgets tried and not listed", gone if dropped else note("none")),
        subtitle="ε-constraint on voluntary moves; each plan is a full plan directory (plan.csv, summary.json, "
        "scenario.resolved.yaml).",
    )


def _fmt(value: Any) -> str:
    return "–" if value is None else f"{value:.3f}"

"""The HR fairness report as one self-contained HTML page."""

from __future__ import annotations

from typing import Any

from planner.reports import charts
from planner.reports.html import figure, note, page, section, table

_STAT_LABELS = (
    ("managers", "managers counted (active, with capacity)", "{}"),
    ("utilisation_min", "utilisation min", "{:.1%}"),
    ("utilisation_mean", "utilisation mean", "{:.1%}"),
    ("utilisation_max", "utilisation max", "{:.1%}"),
    ("utilisation_cv", "CV of utilisation", "{:.3f}"),
    ("hours_cv", "CV of hours", "{:.3f}"),
    ("hours_gini", "Gini of hours", "{:.3f}"),
    ("max_min_hours_ratio", "max / min hours", "{:.2f}"),
    ("share_above_90pct", "share above 90 % utilisation", "{:.1%}"),
    ("share_below_50pct", "share below 50 % utilisation", "{:.1%}"),
)


# A team plan's statistics are over people in any role (their hours over all roles), not managers.
_TEAM_STAT_LABELS = {
    "managers": "people counted (active, with capacity; all roles)",
    "share_above_90pct": "share of people above 90 % utilisation (all roles)",
    "share_below_50pct": "share of people below 50 % utilisation (all roles)",
}


def fairness_html(report: dict[str, Any]) -> str:
    managers = report["managers"]
    counted = [m for m in managers if m["active"] and m["capacity_hours"] > 0]
    th = report["thresholds"]
    stats = report["statistics"]
    team = bool(report.get("by_role"))  # account teams: the rows are people in any role
    labels = [
        (key, _TEAM_STAT_LABELS.get(key, label) if team else label, fmt) for key, label, fmt in _STAT_LABELS
    ]
    stats_table = table(
        ("statistic", "value"),
        [(label, _fmt(stats.get(key), fmt)) for key, label, fmt in labels],
        table_id="statistics",
    )
    mgr_table = table(
        (
            "person" if team else "manager",
            "name",
            "seniority",
            "region",
            "hours (all roles)" if team else "hours",
            "capacity",
            "utilisation",
            "travel share",
            "value carried",
            "accounts as account manager" if team else "accounts",
            "strategic",
            "key",
            "standard",
            "flag",
        ),
        [
            (
                m["manager_id"],
                m["name"],
                m["seniority"],
                m["region"],
                f"{m['hours']:.1f}",
                f"{m['capacity_hours']:.1f}",
                "left" if not m["active"] else _fmt(m["utilisation"], "{:.1%}"),
                f"{m['travel_share']:.1%}",
                f"{m['value_carried']:.1f}",
                m["accounts"],
                m["accounts_by_tier"]["strategic"],
                m["accounts_by_tier"]["key"],
                m["accounts_by_tier"]["standard"],
                m["flag"],
            )
            for m in managers
        ],
        table_id="managers",
        row_classes=[_row_class(m) for m in managers],
    )
    charts_html = ""
    if counted:
        bars = charts.hours_vs_capacity(counted)
        hist = charts.utilisation_histogram(
            [m["utilisation"] for m in counted], th["underuse_below"], th["overload_above"]
        )
        charts_html = figure(
            charts.to_svg(bars, "fairness-bars"), "Hours per month against capacity (red tick)", "chart-hours"
        ) + figure(charts.to_svg(hist, "fairness-hist"), "Distribution of utilisation", "chart-utilisation")
        charts_html += figure(
            charts.to_svg(charts.opportunity_by_peers(counted), "fairness-peers"),
            "Value carried and strategic accounts per manager, by seniority (peers side by side)",
            "chart-opportunity",
        )
    flags = report["flags"]
    return page(
        f"Fairness report — {report['plan']}",
        section(
            "Statistics",
            stats_table,
            note(
                f"Overloaded (> {th['overload_above']:.0%}): {', '.join(flags['overload']) or 'none'}. "
                f"Under-used (< {th['underuse_below']:.0%}): {', '.join(flags['under_use']) or 'none'}. "
                f"Hard-rule violations: {report['hard_rule_violations']}."
            ),
        ),
        section("Charts", charts_html or note(f"No active {'person' if team else 'manager'} with capacity.")),
        section("Per person (hours over all their roles)" if team else "Per manager", mgr_table),
        section("By seniority", _group_table(report["by_seniority"], "seniority")),
        section("By region", _group_table(report["by_region"], "region")),
        *(
            [
                section(
                    "By industry (a manager counts in each industry listed)",
                    _group_table(report["by_industry"], "industry"),
                )
            ]
            if report.get("by_industry")
            else []
        ),
        *(
            [
                section(
                    "By role (account teams)",
                    _role_table(report["by_role"]),
                    note(
                        "A role's peers are the people who hold it (an idle holder counts 0 h in the role). "
                        "Hours in the role per person; utilisation and its statistics over all their roles."
                    ),
                )
            ]
            if report.get("by_role")
            else []
        ),
        section(
            "Fair opportunity among peers",
            *(
                _opportunity_table(report["opportunity"][f"by_{key}"], key)
                for key in ("seniority", "region", "industry")
                if report["opportunity"].get(f"by_{key}")
            ),
            note(
                "Value carried (sum of value scores) and strategic accounts held, lowest to highest, per group. "
                "weights.value_spread and weights.strategic_spread price the spread (max - min) among managers of "
                "one seniority; 0 (the default) leaves plans as they are."
            ),
        ),
        subtitle="All numbers are the evaluator's (planner.evaluate), the same as summary.json and planner check.",
    )


def _group_table(rows: list[dict[str, Any]], key: str) -> str:
    return table(
        (
            key,
            "managers",
            "hours",
            "capacity",
            "utilisation mean",
            "CV of hours",
            "Gini of hours",
            "value carried",
            "accounts",
            "overloaded",
            "under-used",
        ),
        [
            (
                r[key],
                r["managers"],
                f"{r['hours']:.1f}",
                f"{r['capacity_hours']:.0f}",
                _fmt(r["statistics"].get("utilisation_mean"), "{:.1%}"),
                _fmt(r["statistics"].get("hours_cv"), "{:.3f}"),
                _fmt(r["statistics"].get("hours_gini"), "{:.3f}"),
                f"{r['value_carried']:.1f}",
                r["accounts"],
                r["overloaded"],
                r["under_used"],
            )
            for r in rows
        ],
        table_id=f"by-{key}",
    )


def _role_table(rows: list[dict[str, Any]]) -> str:
    return table(
        ("role", "peers", "working in it", "hours", "hours min", "hours mean", "hours max", "CV of hours",
         "Gini of hours", "utilisation min", "utilisation mean", "utilisation max", "overloaded", "under-used"),
        [
            (r["role"].replace("_", " "), r["peers"], r["people"], f"{r['hours']:.1f}", f"{r['hours_min']:.1f}",
             f"{r['hours_mean']:.1f}", f"{r['hours_max']:.1f}", f"{r['hours_cv']:.3f}", f"{r['hours_gini']:.3f}",
             _fmt(r["utilisation_min"], "{:.1%}"), _fmt(r["statistics"].get("utilisation_mean"), "{:.1%}"),
             _fmt(r["utilisation_max"], "{:.1%}"), r["overloaded"], r["under_used"])
            for r in rows
        ],
        table_id="by-role",
    )  # fmt: skip


def _opportunity_table(rows: list[dict[str, Any]], key: str) -> str:
    return table(
        (key, "managers", "value min", "value mean", "value max", "value spread", "CV of value", "strategic min",
         "strategic max", "strategic spread"),
        [
            (r[key], r["managers"], f"{r['value_carried_min']:.1f}", f"{r['value_carried_mean']:.1f}",
             f"{r['value_carried_max']:.1f}", f"{r['value_carried_spread']:.1f}", f"{r['value_carried_cv']:.3f}",
             r["strategic_min"], r["strategic_max"], r["strategic_spread"])
            for r in rows
        ],
        table_id=f"opportunity-by-{key}",
    )  # fmt: skip


def _row_class(m: dict[str, Any]) -> str:
    if m["flag"] in ("over capacity", "left, holds accounts"):
        return "bad"
    if m["flag"]:
        return "warn"
    return "" if m["active"] else "dim"


def _fmt(value: Any, fmt: str) -> str:
    if value is None:
        return "–"
    try:
        return fmt.format(value)
    except (TypeError, ValueError):
        return str(value)

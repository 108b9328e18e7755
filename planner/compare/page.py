"""The comparison of plans as one self-contained HTML page (drawn with `planner.reports`)."""

from __future__ import annotations

from typing import Any

from planner.compare.diff import team_slot_words
from planner.compare.kpis import formatted, kpi_rows
from planner.reports import charts
from planner.reports.html import figure, note, page, section, table
from planner.tiering_change import line_words


def comparison_html(report: dict[str, Any]) -> str:
    plans = report["plans"]
    names = [p["name"] for p in plans]
    rows = kpi_rows([p["kpis"] for p in plans])  # KPI_ROWS, and each team role's
    kpi_table = table(
        ("KPI", *names),
        [(label, *(formatted(p["kpis"], key, fmt) for p in plans)) for label, key, fmt in rows],
        table_id="kpis",
        row_classes=[
            "bad" if key == "hard_rule_violations" and any(p["kpis"][key] for p in plans) else ""
            for _, key, _ in rows
        ],
    )
    violations = [f"{p['name']}: {v}" for p in plans for v in p["violations"]]
    parts = [
        kpi_table,
        note("Data of each plan: " + "; ".join(f"{p['name']} from {p['data_from']}" for p in plans)),
    ]
    if violations:
        parts.append(note("Hard-rule violations — " + " | ".join(violations[:50])))
    sections = [section("KPIs side by side", *parts), section("Charts", _charts(report))]
    for k, diff in enumerate(report["diffs"], start=1):
        sections.append(_diff_section(diff, k))
    return page(
        "Plan comparison",
        *sections,
        subtitle=f"Base plan: {report['base']}. Every KPI is computed by the evaluator from each plan's own data.",
    )


def _charts(report: dict[str, Any]) -> str:
    plans = report["plans"]
    names = [p["name"] for p in plans]
    panels = [
        ("voluntary moves", [p["kpis"]["moves"]["voluntary"] for p in plans]),
        ("travel hours / month", [p["kpis"]["travel_hours"] for p in plans]),
        ("Gini of hours", [p["kpis"]["hours"]["gini"] or 0.0 for p in plans]),
        ("value served × match", [p["kpis"]["value_served_match"] for p in plans]),
    ]
    kpis = charts.kpi_bars(names, panels)
    # Managers of every plan, in the base's order, then each later plan's newcomers (hires).
    ids = list(dict.fromkeys(m["manager_id"] for d in report["diffs"] for m in d["managers"]))
    util_before = {
        m["manager_id"]: m["utilisation_before"] for d in report["diffs"][:1] for m in d["managers"]
    }
    series = [(names[0], [util_before.get(i) for i in ids])]
    for d, name in zip(report["diffs"], names[1:], strict=True):
        after = {m["manager_id"]: m["utilisation_after"] for m in d["managers"]}
        series.append((name, [after.get(i) for i in ids]))
    util = charts.utilisation_by_plan(ids, series)
    return figure(charts.to_svg(kpis, "compare-kpis"), "Key figures per plan", "chart-kpis") + figure(
        charts.to_svg(util, "compare-util"),
        "Utilisation per manager in each plan (line: 100 %)",
        "chart-utilisation",
    )


def _diff_section(diff: dict[str, Any], k: int) -> str:
    moved = table(
        ("account", "from", "to", "tier", "value score"),
        [
            (
                _named(r["account_id"], r.get("account_name")),
                _named(r["from"], r.get("from_name")),
                _named(r["to"], r.get("to_name")),
                r["tier"],
                f"{r['value_score']:.1f}",
            )
            for r in diff["moved"]
        ],
        table_id=f"moved-{k}",
    )
    managers = table(
        (
            "manager",
            "status",
            "gained",
            "lost",
            "accounts before",
            "accounts after",
            "hours before",
            "hours after",
        ),
        [
            (
                _named(m["manager_id"], m.get("name")),
                m["status"],
                len(m["gained"]),
                len(m["lost"]),
                m["accounts_before"],
                m["accounts_after"],
                f"{m['hours_before']:.1f}",
                f"{m['hours_after']:.1f}",
            )
            for m in diff["managers"]
        ],
        table_id=f"managers-{k}",
        row_classes=["warn" if m["status"] in ("joins", "leaves") else "" for m in diff["managers"]],
    )
    return section(
        f"{diff['base']} → {diff['other']}: {diff['moved_count']} account(s) change manager",
        note(f"Value score of the moved accounts: {diff['moved_value']:,.1f}."),
        moved,
        *_tier_changes(diff.get("tier_changes"), k),
        *_team_slots(diff.get("team_slots"), k),
        managers,
    )


def _team_slots(slots: dict[str, Any] | None, k: int) -> list[str]:
    """Account teams: each role's slots in words, and every slot whose person changes."""
    if not slots:
        return []
    rows = [
        (
            _named(r["account_id"], r.get("account_name")),
            r["role"].replace("_", " "),
            r["slot"],
            r["change"],
            _named(r["from"], r.get("from_name")),
            _named(r["to"], r.get("to_name")),
            r["tier"],
        )
        for r in slots["changes"]
    ]
    return [
        note("Team slots: " + "; ".join(team_slot_words(slots)) + "."),
        table(("account", "role", "slot", "change", "from", "to", "tier"), rows, table_id=f"team-slots-{k}"),
    ]


def _tier_changes(changes: dict[str, Any] | None, k: int) -> list[str]:
    if not changes or not changes["changes"]:
        return []
    rows = [
        (
            _named(r["account_id"], r.get("account_name")),
            f"{r['change']}: {r['from']} → {r['to']}",
            f"{r['score_before']:.1f}",
            f"{r['score_after']:.1f}",
            line_words(r),
            r["basis"],
        )
        for r in changes["changes"]
    ]
    return [
        note(f"Tier changes: {changes['promoted']} promoted, {changes['demoted']} demoted."),
        table(
            ("account", "change", "score before", "score after", "line crossed", "why"),
            rows,
            table_id=f"tiers-{k}",
        ),
    ]


def _named(ident: str | None, name: str | None) -> str:
    """The id beside the name a person knows; '–' for nobody."""
    if not ident:
        return "–"
    return f"{ident} {name}" if name else ident

"""The comparison as rich tables for a terminal."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from planner.compare.diff import team_slot_words
from planner.compare.kpis import formatted, kpi_rows, lookup
from planner.tiering_change import line_words

MAX_MOVED_ROWS = 40  # a terminal is for a glance; --json and --html carry every row


def print_comparison(console: Console, report: dict[str, Any]) -> None:
    plans = report["plans"]
    table = Table(title="KPIs (computed by the evaluator)")
    table.add_column("KPI")
    for p in plans:
        table.add_column(p["name"], justify="right")
    for label, key, fmt in kpi_rows([p["kpis"] for p in plans]):
        cells = [formatted(p["kpis"], key, fmt) for p in plans]
        style = None
        if key == "hard_rule_violations" and any(lookup(p["kpis"], key) for p in plans):
            style = "bold red"
        table.add_row(label, *cells, style=style)
    console.print(table)
    for p in plans:
        for v in p["violations"][:10]:
            console.print(f"  [red]{p['name']}[/]: {v}", highlight=False)
    for diff in report["diffs"]:
        _print_diff(console, diff)


def _print_diff(console: Console, diff: dict[str, Any]) -> None:
    console.print(
        f"\n[bold]{diff['base']} → {diff['other']}[/]: {diff['moved_count']} account(s) change manager, "
        f"value {diff['moved_value']:,.1f}"
    )
    if diff["moved"]:
        moved = Table(title="Moved accounts (by value)")
        for col in ("account", "from", "to", "tier", "value"):
            moved.add_column(col, justify="right" if col == "value" else "left")
        for r in diff["moved"][:MAX_MOVED_ROWS]:
            moved.add_row(
                _named(r["account_id"], r.get("account_name")),
                _named(r["from"], r.get("from_name")),
                _named(r["to"], r.get("to_name")),
                r["tier"],
                f"{r['value_score']:.1f}",
            )
        console.print(moved)
        if diff["moved_count"] > MAX_MOVED_ROWS:
            console.print(f"  … and {diff['moved_count'] - MAX_MOVED_ROWS} more (see --json or --html)")
    _print_tier_changes(console, diff.get("tier_changes"))
    _print_team_slots(console, diff.get("team_slots"))
    managers = Table(title="Per manager")
    for col in ("manager", "status", "gained", "lost", "accounts", "hours before", "hours after"):
        managers.add_column(col, justify="left" if col in ("manager", "status") else "right")
    for m in diff["managers"]:
        managers.add_row(
            _named(m["manager_id"], m.get("name")),
            m["status"],
            str(len(m["gained"])),
            str(len(m["lost"])),
            f"{m['accounts_before']} → {m['accounts_after']}",
            f"{m['hours_before']:.1f}",
            f"{m['hours_after']:.1f}",
        )
    console.print(managers)


def _print_team_slots(console: Console, slots: dict[str, Any] | None) -> None:
    """Account teams: each role's slots in a line, then every slot whose person changes."""
    if not slots:
        return
    for line in team_slot_words(slots):
        console.print(f"  {escape(line)}", highlight=False)
    if not slots["changes"]:
        return
    table = Table(title="Team slots that change (account × role)")
    for col in ("account", "role", "slot", "change", "from", "to", "tier"):
        table.add_column(col, justify="right" if col == "slot" else "left")
    for r in slots["changes"][:MAX_MOVED_ROWS]:
        table.add_row(
            _named(r["account_id"], r.get("account_name")),
            r["role"].replace("_", " "),
            str(r["slot"]),
            r["change"],
            _named(r["from"], r.get("from_name")),
            _named(r["to"], r.get("to_name")),
            r["tier"],
        )
    console.print(table)
    if len(slots["changes"]) > MAX_MOVED_ROWS:
        console.print(f"  … and {len(slots['changes']) - MAX_MOVED_ROWS} more (see --json or --html)")


def _print_tier_changes(console: Console, changes: dict[str, Any] | None) -> None:
    """Promoted and demoted accounts, each with its score and the line it crossed."""
    if not changes or not changes["changes"]:
        return
    table = Table(title=f"Tier changes: {changes['promoted']} promoted, {changes['demoted']} demoted")
    for col in ("account", "change", "score before", "score after", "line crossed", "why"):
        table.add_column(col, justify="right" if col.startswith("score") else "left")
    for r in changes["changes"][:MAX_MOVED_ROWS]:
        table.add_row(
            _named(r["account_id"], r.get("account_name")),
            f"{r['change']}: {r['from']} → {r['to']}",
            f"{r['score_before']:.1f}",
            f"{r['score_after']:.1f}",
            escape(line_words(r)),
            escape(r["basis"]),
        )
    console.print(table)
    if len(changes["changes"]) > MAX_MOVED_ROWS:
        console.print(f"  … and {len(changes['changes']) - MAX_MOVED_ROWS} more (see --json or --html)")


def _named(ident: str | None, name: str | None) -> str:
    """'M003 Wang Fang': the id a file uses, and the name a person knows; '–' for nobody."""
    if not ident:
        return "–"
    return escape(f"{ident} {name}" if name else ident)

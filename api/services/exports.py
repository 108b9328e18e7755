"""A plan as a director's spreadsheet: one row per account, the columns of the dashboard's plan
table, with headers and reasons in words (not plan.csv's field names). CSV is UTF-8 with a BOM so
Excel on a Chinese Windows opens Chinese names right; XLSX through openpyxl."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from api.services.plans import PlanService
from planner.evaluate import MANAGER_LEFT, RULE_PREFIX, UNASSIGNED, VOLUNTARY

HEADERS = (
    "Account ID",
    "Account",
    "Tier",
    "Region",
    "Manager ID",
    "Manager",
    "Hours per month",
    "Service",
    "Moved",
    "Why moved",
)
# Column widths in the XLSX (characters), in HEADERS order.
_WIDTHS = (12, 32, 10, 12, 12, 20, 16, 22, 8, 44)

RULE_WORDS = {
    "manager_active": "the manager left",
    "language_match": "language no longer matches",
    "seniority_by_tier": "tier needs a more senior manager",
    "region_eligibility": "region no longer served",
    "pinned_pair": "pinned to another manager",
    "forbidden_pair": "pair no longer allowed",
}


def reason_words(reason: str | None) -> str:
    """plan.csv's move_reason as a sales director says it (the page's reasonWords)."""
    if not reason:
        return ""
    if reason == VOLUNTARY:
        return "moved by choice (counts against the move budget)"
    if reason == MANAGER_LEFT:
        return "the manager left"
    if reason == UNASSIGNED:
        return "left without a manager"
    if reason.startswith(RULE_PREFIX):
        rule = reason[len(RULE_PREFIX) :]
        return "a rule: " + RULE_WORDS.get(rule, rule.replace("_", " "))
    return reason


def service_words(service: str) -> str:
    """`full`, a reduced level's name, or `unserved`, in words (the page's serviceWords)."""
    if service == "full":
        return "full service"
    if service == "unserved":
        return "not served"
    return f"reduced: {service}"


def _safe(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula (=, +, -, @) is kept as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def table_rows(services_plans: PlanService, plan_id: str) -> list[list[Any]]:
    """The plan's rows in HEADERS order, in the order of the API's assignments."""
    row = services_plans.get(plan_id)
    regions = {a.account_id: a.region for a in services_plans.dataset_of(row).accounts}
    out: list[list[Any]] = []
    for r in services_plans.rows(plan_id):
        out.append(
            [
                r["account_id"],
                r.get("account_name", ""),
                r["tier"],
                regions.get(r["account_id"], ""),
                r["manager_id"] or "",
                r.get("manager_name", "") if r["manager_id"] else "",
                r["workload_hours"],
                service_words(r.get("service", "full")),
                "yes" if r["moved"] else "no",
                reason_words(r.get("move_reason")),
            ]
        )
    return out


Table = tuple[str, Sequence[str], Sequence[Sequence[Any]]]  # sheet title, headers, rows


def to_csv(rows: Sequence[Sequence[Any]], headers: Sequence[str] = HEADERS) -> bytes:
    return tables_to_csv([("", headers, rows)])


def tables_to_csv(tables: Sequence[Table]) -> bytes:
    """One or more tables in one CSV, a blank line and the table's title between them; UTF-8 with BOM."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for i, (title, headers, rows) in enumerate(tables):
        if i:
            writer.writerow([])
            writer.writerow([title])
        writer.writerow(headers)
        writer.writerows([[_safe(v) for v in r] for r in rows])
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(rows: Sequence[Sequence[Any]], title: str = "Plan", headers: Sequence[str] = HEADERS) -> bytes:
    return tables_to_xlsx([(title, headers, rows)], widths=_WIDTHS if headers == HEADERS else None)


def tables_to_xlsx(tables: Sequence[Table], widths: Sequence[int] | None = None) -> bytes:
    """One sheet per table: bold frozen header row, filters on."""
    wb = Workbook()
    first = wb.active
    assert first is not None
    wb.remove(first)
    for title, headers, rows in tables:
        ws = wb.create_sheet(title[:31] or "Sheet")
        ws.append(list(headers))
        for r in rows:
            ws.append([_safe(v) for v in r])
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = ws.dimensions
        for i, header in enumerate(headers, start=1):
            width = widths[i - 1] if widths else min(40, max(10, len(str(header)) + 2))
            ws.column_dimensions[get_column_letter(i)].width = width
        for cell in ws[1]:
            cell.font = Font(bold=True)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- the fairness report ---------------------------------------------------------------------------
FAIRNESS_HEADERS = (
    "Manager ID",
    "Manager",
    "Seniority",
    "Region",
    "Still with us",
    "Hours per month",
    "Hours available per month",
    "Workload (share of hours)",
    "Travel hours per month",
    "Share of time travelling",
    "Accounts",
    "Strategic accounts",
    "Key accounts",
    "Standard accounts",
    "Flag",
)
FLAG_WORDS = {
    "over capacity": "more work than hours",
    "overload": "close to full",
    "under-use": "has room for more",
    "left, holds accounts": "has left but still holds accounts",
}


def fairness_rows(report: dict[str, Any]) -> list[list[Any]]:
    """One row per manager of a fairness report (planner.fairness.fairness_report)."""
    return [
        [
            m["manager_id"],
            m["name"],
            m["seniority"],
            m["region"],
            "yes" if m["active"] else "no",
            m["hours"],
            m["capacity_hours"],
            m["utilisation"],
            m["travel_hours"],
            m["travel_share"],
            m["accounts"],
            m["accounts_by_tier"].get("strategic", 0),
            m["accounts_by_tier"].get("key", 0),
            m["accounts_by_tier"].get("standard", 0),
            FLAG_WORDS.get(m["flag"], m["flag"]),
        ]
        for m in report["managers"]
    ]


# --- the comparison ----------------------------------------------------------------------------------
KPI_WORDS = {
    "objective": "plan cost (points, lower is better)",
    "objective_parts.value_match": "cost: value left unmatched by skills (points)",
    "objective_parts.travel": "cost: travel (points)",
    "objective_parts.moves": "cost: accounts moved (points)",
    "objective_parts.balance": "cost: uneven workload (points)",
    "objective_parts.reduced_service": "cost: visits cut (points)",
    "objective_parts.unassigned": "cost: accounts without a manager (points)",
    "value_served_match": "value served, weighted by skill match",
    "moves.total": "accounts changing manager",
    "moves.voluntary": "moved by choice",
    "moves.forced": "moved because they had to",
    "moves.forced_by_leaver": "moved because the manager left",
    "moves.forced_by_rule": "moved because of a rule",
    "moves.strategic_moved": "strategic accounts moved",
    "moves.strategic_moved_voluntary": "strategic accounts moved by choice",
    "moves.value_moved": "value moved",
    "moves.value_moved_voluntary": "value moved by choice",
    "travel_hours": "travel hours per month",
    "utilisation.min": "lowest workload (share of hours)",
    "utilisation.mean": "average workload (share of hours)",
    "utilisation.max": "highest workload (share of hours)",
    "utilisation.cv": "workload spread (coefficient of variation)",
    "hours.cv": "hours spread (coefficient of variation)",
    "hours.gini": "hours inequality (Gini)",
    "accounts_per_manager.min": "fewest accounts per manager",
    "accounts_per_manager.mean": "average accounts per manager",
    "accounts_per_manager.max": "most accounts per manager",
    "unassigned": "accounts without a manager",
    "hard_rule_violations": "rules broken",
    "solver.name": "solver",
    "solver.status": "solver status (optimal = proven best)",
    "solver.gap": "most the plan could still improve (share)",
    "solver.objective": "solver's plan cost (points)",
    "solver.runtime_seconds": "solving time (s)",
}


def _flat(obj: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in obj.items():
        key = f"{prefix}.{k}" if prefix else k
        out.update(_flat(v, key) if isinstance(v, dict) else {key: v})
    return out


def comparison_tables(answer: dict[str, Any]) -> list[Table]:
    """The comparison page's content: the KPI table (one column per plan, the first is the base)
    and, for each other plan, the accounts that change manager against the base."""
    plans = answer["plans"]
    flat = [_flat(p["kpis"]) for p in plans]
    keys = list(dict.fromkeys(k for f in flat for k in f))
    names = [
        f"{'base: ' if i == 0 else ''}{p['name'] or 'plan'} {p['plan_id'][:8]}" for i, p in enumerate(plans)
    ]
    kpis: Table = (
        "KPIs",
        ["KPI", *names],
        [[KPI_WORDS.get(k, k), *[f.get(k, "") for f in flat]] for k in keys],
    )
    tables = [kpis]
    headers = ["Account ID", "Account", "Tier", "From manager", "To manager"]
    for d in answer["diffs"]:
        rows = [
            [
                m["account_id"],
                m.get("account_name", ""),
                m["tier"],
                _who(m["from"], m.get("from_name")),
                _who(m["to"], m.get("to_name")),
            ]
            for m in d["moved"]
        ]
        tables.append((f"Moved in {d['other'][:8]}", headers, rows))
    return tables


def _who(manager_id: str | None, name: str | None) -> str:
    if not manager_id:
        return "no manager"
    return f"{name} ({manager_id})" if name else manager_id

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


def to_csv(rows: Sequence[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADERS)
    writer.writerows([[_safe(v) for v in r] for r in rows])
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(rows: Sequence[Sequence[Any]], title: str = "Plan") -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title[:31]
    ws.append(list(HEADERS))
    for r in rows:
        ws.append([_safe(v) for v in r])
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    for i, width in enumerate(_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    for cell in ws[1]:
        cell.font = Font(bold=True)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()

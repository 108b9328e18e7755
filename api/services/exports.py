"""A plan as a director's spreadsheet: one row per account, the columns of the dashboard's plan
table, with headers and reasons in words (not plan.csv's field names). CSV is UTF-8 with a BOM so
Excel on a Chinese Windows opens Chinese names right; XLSX through openpyxl."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from api.i18n import DEFAULT, has, messages, text
from api.services.plans import PlanService
from planner.evaluate import MANAGER_LEFT, RULE_PREFIX, UNASSIGNED, VOLUNTARY

# The plan table's columns: catalogue keys (api/static/messages.json, head.*), the page's too.
_PLAN_COLUMNS = (
    "account_id",
    "account",
    "tier",
    "region",
    "manager_id",
    "manager",
    "hours",
    "service",
    "moved",
    "why_moved",
)
# Column widths in the XLSX (characters), in _PLAN_COLUMNS order.
_WIDTHS: tuple[int, ...] = (12, 32, 10, 12, 12, 20, 16, 22, 8, 44)


ROLE_AT = _PLAN_COLUMNS.index("manager_id")  # a team plan's Role column comes before the person's

TEAM_SLOT_UNFILLED = "unfilled"  # a team slot's service without a person (planner.teams.evaluate)
TEAM_SLOT_FORCED = "forced"  # a team slot's move_reason when today's holder may not stay


def role_words(role: str, lang: str = DEFAULT) -> str:
    """A team role in words: the catalogue's for the known roles, else the name with spaces."""
    key = f"role.{role}"
    return text(lang, key) if has(key) else role.replace("_", " ")


def _kpi_word(words: dict[str, str], key: str, lang: str) -> str:
    """A KPI's name; a role's KPIs (`team.<role>.filled`, `by_role.<role>.hours`) as "<role>: <KPI>",
    as the page names them."""
    if key in words:
        return words[key]
    head, _, what = key.rpartition(".")
    family, _, role = head.partition(".")
    if family in ("team", "by_role") and role and f"{family}.{what}" in words:
        return f"{role_words(role, lang)}: {words[f'{family}.{what}']}"
    return key


def plan_headers(lang: str = DEFAULT) -> tuple[str, ...]:
    """The plan export's header row in `lang`."""
    return tuple(text(lang, f"head.{c}") for c in _PLAN_COLUMNS)


HEADERS = plan_headers()


def _word(lang: str, key: str, fallback: str) -> str:
    return text(lang, key) if has(key) else fallback


def reason_words(reason: str | None, lang: str = DEFAULT) -> str:
    """plan.csv's move_reason as a sales director says it (the page's reasonWords)."""
    if not reason:
        return ""
    if reason == VOLUNTARY:
        return text(lang, "reason.voluntary")
    if reason == MANAGER_LEFT:
        return text(lang, "reason.manager_left")
    if reason == UNASSIGNED:
        return text(lang, "reason.unassigned")
    if reason == TEAM_SLOT_FORCED:
        return text(lang, "reason.forced")
    if reason.startswith(RULE_PREFIX):
        rule = reason[len(RULE_PREFIX) :]
        return text(lang, "reason.rule", rule=_word(lang, f"rule.{rule}", rule.replace("_", " ")))
    return reason


_LEVEL = re.compile(r"^every (\d+) (week|month)s?$")


def level_words(level: str, lang: str = DEFAULT) -> str:
    """A reduced level's name from the policy (`every 26 weeks`) in `lang`; other names as written."""
    match = _LEVEL.match(level)
    if lang == DEFAULT or not match:
        return level
    return text(lang, f"level.every_{match.group(2)}s", n=match.group(1))


def service_words(service: str, lang: str = DEFAULT) -> str:
    """`full`, a reduced level's name, or `unserved`, in words (the page's serviceWords); a team
    slot's `unfilled`."""
    if service == "full":
        return text(lang, "service.full")
    if service == "unserved":
        return text(lang, "service.unserved")
    if service == TEAM_SLOT_UNFILLED:
        return text(lang, "service.unfilled")
    return text(lang, "service.reduced", level=level_words(service, lang))


def tier_words(tier: str, lang: str = DEFAULT) -> str:
    return _word(lang, f"tier.{tier}", tier)


def _yes_no(value: bool, lang: str) -> str:
    return text(lang, "word.yes" if value else "word.no")


def _safe(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula (=, +, -, @) is kept as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@dataclass(frozen=True)
class PlanTable:
    headers: tuple[str, ...]
    rows: list[list[Any]]
    widths: tuple[int, ...]  # XLSX column widths, in characters


def plan_table(services_plans: PlanService, plan_id: str, lang: str = DEFAULT) -> PlanTable:
    """The plan's rows in plan_headers() order, in the order of the API's assignments. English keeps the
    tier as plan.csv writes it (`strategic`), which is also its English word. A plan with account
    teams has one row per account x role and a Role column before the person's (`ROLE_AT`)."""
    row = services_plans.get(plan_id)
    regions = {a.account_id: a.region for a in services_plans.dataset_of(row).accounts}
    out: list[list[Any]] = []
    answered = services_plans.rows(plan_id)
    team = any("role" in r for r in answered)
    for r in answered:
        cells = [
            r["account_id"],
            r.get("account_name", ""),
            tier_words(r["tier"], lang),
            regions.get(r["account_id"], ""),
            r["manager_id"] or "",
            r.get("manager_name", "") if r["manager_id"] else "",
            r["workload_hours"],
            service_words(r.get("service", "full"), lang),
            _yes_no(bool(r["moved"]), lang),
            reason_words(r.get("move_reason"), lang),
        ]
        if team:
            cells.insert(ROLE_AT, role_words(r["role"], lang))
        out.append(cells)
    headers, widths = plan_headers(lang), _WIDTHS
    if team:
        headers = (*headers[:ROLE_AT], text(lang, "head.role"), *headers[ROLE_AT:])
        widths = (*widths[:ROLE_AT], 22, *widths[ROLE_AT:])
    return PlanTable(headers, out, widths)


def table_rows(services_plans: PlanService, plan_id: str, lang: str = DEFAULT) -> list[list[Any]]:
    return plan_table(services_plans, plan_id, lang).rows


Table = tuple[str, Sequence[str], Sequence[Sequence[Any]]]  # sheet title, headers, rows


def to_csv(rows: Sequence[Sequence[Any]], headers: Sequence[str] | None = None, lang: str = DEFAULT) -> bytes:
    """One table; without `headers` the plan table's, in `lang`."""
    return tables_to_csv([("", headers or plan_headers(lang), rows)])


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


def to_xlsx(
    rows: Sequence[Sequence[Any]],
    title: str | None = None,
    headers: Sequence[str] | None = None,
    lang: str = DEFAULT,
    widths: Sequence[int] | None = None,
) -> bytes:
    """One sheet; without `headers` the plan table's, in `lang` (the sheet named in `lang` too)."""
    widths = widths or (_WIDTHS if headers is None else None)
    table = (title or text(lang, "sheet.plan"), headers or plan_headers(lang), rows)
    return tables_to_xlsx([table], widths=widths)


def _display_width(value: str) -> int:
    """Characters as a spreadsheet column counts them: a CJK character takes two."""
    return sum(2 if ord(ch) >= 0x2E80 else 1 for ch in value)


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
            width = widths[i - 1] if widths else min(40, max(10, _display_width(str(header)) + 2))
            ws.column_dimensions[get_column_letter(i)].width = width
        for cell in ws[1]:
            cell.font = Font(bold=True)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- the fairness report ---------------------------------------------------------------------------
_FAIRNESS_COLUMNS = (
    "manager_id",
    "manager",
    "seniority",
    "region",
    "active",
    "hours",
    "capacity",
    "utilisation",
    "travel_hours",
    "travel_share",
    "accounts",
    "strategic",
    "key",
    "standard",
    "flag",
)


def fairness_headers(lang: str = DEFAULT) -> tuple[str, ...]:
    return tuple(text(lang, f"head.{c}") for c in _FAIRNESS_COLUMNS)


FAIRNESS_HEADERS = fairness_headers()


def fairness_rows(report: dict[str, Any], lang: str = DEFAULT) -> list[list[Any]]:
    """One row per manager of a fairness report (planner.fairness.fairness_report)."""
    return [
        [
            m["manager_id"],
            m["name"],
            _word(lang, f"seniority.{m['seniority']}", m["seniority"]) if lang != DEFAULT else m["seniority"],
            m["region"],
            _yes_no(bool(m["active"]), lang),
            m["hours"],
            m["capacity_hours"],
            m["utilisation"],
            m["travel_hours"],
            m["travel_share"],
            m["accounts"],
            m["accounts_by_tier"].get("strategic", 0),
            m["accounts_by_tier"].get("key", 0),
            m["accounts_by_tier"].get("standard", 0),
            _word(lang, f"flag.{m['flag']}", m["flag"]),
        ]
        for m in report["managers"]
    ]


# --- the comparison ----------------------------------------------------------------------------------
def kpi_words(lang: str = DEFAULT) -> dict[str, str]:
    """The comparison's KPI names in `lang`, by KPI key (`moves.total`): the page's words too."""
    return {
        key[4:]: entry.get(lang) or entry[DEFAULT]
        for key, entry in messages().items()
        if key.startswith("kpi.")
    }


KPI_WORDS = kpi_words()


def _flat(obj: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in obj.items():
        key = f"{prefix}.{k}" if prefix else k
        out.update(_flat(v, key) if isinstance(v, dict) else {key: v})
    return out


def comparison_tables(answer: dict[str, Any], lang: str = DEFAULT) -> list[Table]:
    """The comparison page's content: the KPI table (one column per plan, the first is the base)
    and, for each other plan, the accounts that change manager against the base."""
    plans = answer["plans"]
    flat = [_flat(p["kpis"]) for p in plans]
    keys = list(dict.fromkeys(k for f in flat for k in f))
    base, plan_word = text(lang, "export.base"), text(lang, "plan.plan")
    names = [
        f"{base if i == 0 else ''}{p['name'] or plan_word} {p['plan_id'][:8]}" for i, p in enumerate(plans)
    ]
    words = kpi_words(lang)
    kpis: Table = (
        text(lang, "sheet.kpis"),
        [text(lang, "head.kpi"), *names],
        [[_kpi_word(words, k, lang), *[f.get(k, "") for f in flat]] for k in keys],
    )
    tables = [kpis]
    heads = [text(lang, f"head.{c}") for c in ("account_id", "account", "tier", "from_manager", "to_manager")]
    for d in answer["diffs"]:
        rows = [
            [
                m["account_id"],
                m.get("account_name", ""),
                tier_words(m["tier"], lang),
                _who(m["from"], m.get("from_name"), lang),
                _who(m["to"], m.get("to_name"), lang),
            ]
            for m in d["moved"]
        ]
        tables.append((text(lang, "sheet.moved_in", plan=d["other"][:8]), heads, rows))
    return tables


def _who(manager_id: str | None, name: str | None, lang: str = DEFAULT) -> str:
    if not manager_id:
        return text(lang, "export.no_manager")
    return f"{name} ({manager_id})" if name else manager_id

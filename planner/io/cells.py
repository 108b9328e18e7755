"""From the text in one cell to the value a model field takes, the way CRM exports write it.

- Lists (`industries`, `languages`) are split on ``;`` ``,`` ``|`` and the Chinese ``；`` ``，`` ``、``.
  ``/`` is not a separator: it lives inside industry names ("oil/gas").
- Numbers are read after NFKC, so full-width digits, point and minus (``１２３．５``) and the
  ideographic space read as their ASCII forms. Thousands separators are refused with a hint, not
  guessed: ``1,230`` is 1230 in Beijing and 1.23 in Berlin.
- Yes/no (`active`): true, yes, y, 1, active, employed, 在职, 在岗, 是; false, no, n, 0, inactive,
  left, resigned, terminated, 离职, 已离职, 否.
- Seniority: junior, jr, 初级; senior, sr, 高级; principal, 资深, 专家, 首席. Nothing else is guessed
  (中级 is an error: it could be either side of a hard rule).
- Tier (and current_tier): strategic, 战略, 战略客户; key, 重点, 重点客户, 关键客户; standard, 标准, 普通, 一般, 标准客户,
  普通客户.
- Risk: low, l, none, normal, 低, 低风险, 无, 正常; medium, med, m, moderate, 中, 中等, 中风险, 关注; high, h,
  at risk, 高, 高风险, 流失风险, 预警.
Any other text goes to the model unchanged, whose validation names what is wrong.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any

LIST_SEPARATORS = re.compile(r"[;,|；，、]")
LIST_FIELDS = frozenset({"industries", "languages", "avoid_manager_ids", "roles"})
NUMBER_FIELDS = frozenset(
    {
        "home_lat",
        "home_lon",
        "capacity_hours",
        "max_accounts",
        "lat",
        "lon",
        "annual_revenue",
        "contract_value",
        "years_as_customer",
        "strategic_importance",
        "visit_every_weeks",
        "performance",
        "satisfaction",
    }
)
DATE_FIELDS = frozenset({"last_visit_date"})
# 2026-11-02, 2026/11/2, 2026.11.02, 2026年11月2日 (Excel on Chinese Windows writes the last two).
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_WORDS: dict[str, dict[str, Any]] = {
    "active": {
        **dict.fromkeys(("true", "yes", "y", "1", "active", "employed", "在职", "在岗", "是"), True),
        **dict.fromkeys(
            ("false", "no", "n", "0", "inactive", "left", "resigned", "terminated", "离职", "已离职", "否"),
            False,
        ),
    },
    "seniority": {
        **dict.fromkeys(("junior", "jr", "初级"), "junior"),
        **dict.fromkeys(("senior", "sr", "高级"), "senior"),
        **dict.fromkeys(("principal", "资深", "专家", "首席"), "principal"),
    },
    "tier": {
        **dict.fromkeys(("strategic", "战略", "战略客户"), "strategic"),
        **dict.fromkeys(("key", "重点", "重点客户", "关键客户"), "key"),
        **dict.fromkeys(("standard", "标准", "普通", "一般", "标准客户", "普通客户"), "standard"),
    },
}
_WORDS["current_tier"] = _WORDS["tier"]
_WORDS["risk"] = {
    **dict.fromkeys(("low", "l", "none", "normal", "低", "低风险", "无", "正常"), "low"),
    **dict.fromkeys(("medium", "med", "m", "moderate", "中", "中等", "中风险", "关注"), "medium"),
    **dict.fromkeys(("high", "h", "at risk", "at-risk", "高", "高风险", "流失风险", "预警"), "high"),
}
_GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")


class CellError(ValueError):
    """The cell's text cannot be read as its field; the message says why in the user's words."""


def convert(field: str, text: str) -> Any:
    """The value for `field` from a non-blank, stripped cell text."""
    if field in LIST_FIELDS:
        return frozenset(p.strip() for p in LIST_SEPARATORS.split(text) if p.strip())
    if field in NUMBER_FIELDS:
        return number_text(text)
    if field in DATE_FIELDS:
        return date_text(text)
    words = _WORDS.get(field)
    if words is not None:
        word = words.get(unicodedata.normalize("NFKC", text).strip().casefold())
        if word is None:
            accepted = ", ".join(dict.fromkeys(str(w) for w in words))
            raise CellError(f"{text!r} is not one of the accepted words ({accepted})")
        return word
    return text


def team_cell(field: str, text: str) -> Any:
    """An account-team column's cell: capacity_hours_<role> (a number of hours) or
    current_<role>_id (people's ids, a list)."""
    if field == "current_team":
        return frozenset(p.strip() for p in LIST_SEPARATORS.split(text) if p.strip())
    return number_text(text)


def criterion_number(text: str) -> float:
    """An extra tiering criterion's cell (a column the policy names): a finite number."""
    try:
        value = float(number_text(text))
    except ValueError:
        raise CellError(
            f"{text!r} is not a number (the policy's tiering.criteria weighs this column)"
        ) from None
    if not math.isfinite(value):
        raise CellError(f"{text!r} is not a finite number")
    return value


def date_text(text: str) -> str:
    """ISO text (YYYY-MM-DD) of a date written the ways CRM exports write it; a time after the
    date (an Excel date cell read as text) is dropped. Anything else goes on unchanged, for the
    model's validation to name."""
    plain = unicodedata.normalize("NFKC", text).strip()
    found = _DATE.match(plain)
    if not found:
        return plain
    year, month, day = (int(g) for g in found.groups())
    return f"{year:04d}-{month:02d}-{day:02d}"


def number_text(text: str) -> str:
    """The text a number parser should see: ASCII digits, or CellError for a grouped number."""
    plain = unicodedata.normalize("NFKC", text).replace("\u2212", "-").strip()
    if _GROUPED.fullmatch(plain):
        raise CellError(f"write numbers without thousands separators: {plain.replace(',', '')}, not {text!r}")
    return plain

"""Which column is which: header matching for the CRM tables, with the one alias table.

A header matches a field when both agree after *normalising*: Unicode NFKC (full-width letters and
brackets become ASCII), case folded, and spaces (the ideographic space too), ``_``, ``-`` and ``*``
(the mark some templates put on required columns) removed. So ``Capacity Hours``, ``capacity-hours``
and ``CAPACITY_HOURS`` are all `capacity_hours`. Besides its own name, each field accepts the
aliases below (the same in the README's Input section):

managers file
    =====================  ==========================================================================
    manager_id             Manager ID, Manager No, Employee ID, Employee No, Staff ID, User ID,
                           经理编号, 经理ID, 员工编号, 员工ID, 工号
    name                   Manager Name, Full Name, Employee Name, 姓名, 经理姓名, 员工姓名
    seniority              Level, Grade, Seniority Level, 职级, 级别, 资历
    industries             Industry, Expertise, 行业, 擅长行业, 行业专长
    languages              Language, 语言, 语种
    region                 Territory, Sales Region, Area, 区域, 大区, 地区, 销售区域
    home_lat, home_lon     Latitude / Longitude (also Lat, Lon, Lng, Home Latitude, Home Longitude),
                           纬度 / 经度
    capacity_hours         Capacity, Monthly Hours, Hours per Month, Available Hours, 月可用工时,
                           可用工时, 产能
    max_accounts           Account Limit, Max Accounts, 客户上限, 最大客户数
    active                 Status, Is Active, Employment Status, 在职, 状态, 在职状态, 是否在职
    performance            Performance, Performance Score, KPI Score, Target Attainment, 绩效, 绩效得分,
                           绩效评分, 业绩评分, 业绩得分
    roles                  Role, Team Role, 角色, 岗位, 团队角色 (account teams; capacity_hours_<role>
                           per role, and accounts' current_<role>_id, when the policy has teams)
    =====================  ==========================================================================

accounts file
    =====================  ==========================================================================
    account_id             Account ID, Account No, Account Number, Customer ID, Customer No, Client ID,
                           客户编号, 客户ID, 客户代码, 客户编码
    name                   Account Name, Customer Name, Company Name, Client Name, 客户名称, 客户名,
                           公司名称, 名称
    industry               Sector, 行业, 所属行业
    language               Preferred Language, 语言, 语种, 沟通语言
    region                 Territory, Sales Region, Area, 区域, 大区, 地区, 销售区域
    lat, lon               Latitude / Longitude (also Lng), 纬度 / 经度
    annual_revenue         Revenue, Annual Purchases, 年采购额, 年收入, 年营收, 年销售额
    contract_value         Contract Amount, Deal Value, 合同金额, 合同额
    years_as_customer      Tenure, Tenure Years, Customer Years, 合作年限, 合作年数, 客户年限
    strategic_importance   Importance, 战略重要性, 重要性, 重要程度
    parent_id              Parent ID, Parent Account ID, Parent Account, Group, Group ID,
                           Holding Company, 母公司, 母公司编号, 集团, 集团编号, 所属集团, 上级客户
    current_manager_id     Current Manager, Manager ID, Account Manager, Account Manager ID, Owner ID,
                           Account Owner ID, 客户经理, 客户经理ID, 客户经理编号, 负责人ID, 负责人编号,
                           经理编号, 现任经理
    tier                   Account Tier, 客户等级, 客户分级, 分级
    current_tier           Current Tier, Previous Tier, Tier Today, 当前等级, 当前分级, 现等级, 上期等级,
                           上期分级
    visit_every_weeks      Visit Every Weeks, Visit Frequency Weeks, Visit Interval Weeks, 拜访周期,
                           拜访周期(周), 拜访周期周, 拜访间隔周数, 拜访频率周
    last_visit_date        Last Visit, Last Visit Date, Last Contact, Last Contact Date, 最近拜访日期,
                           上次拜访日期, 最后拜访日期, 最近拜访, 上次拜访
    risk                   Risk, Churn Risk, Risk Level, Health, 风险, 流失风险, 风险等级, 客户风险
    satisfaction           Satisfaction, CSAT, Satisfaction Score, NPS Score, 满意度, 客户满意度,
                           满意度评分 (0-100; a 1-5 survey: health.satisfaction_scale 5)
    avoid_manager_ids      avoid_manager_id, Avoid Manager, Complaint Against, Banned Manager, 投诉经理,
                           回避经理, 避免经理, 不满意经理 (``;``-separated manager ids)
    =====================  ==========================================================================

Two columns that both mean one field are an error naming both (the file is ambiguous, not ours to
guess). Columns that mean no field are listed in a warning, with "did you mean" when one looks like
a misspelt field or alias (`difflib`, or a known name inside it: ``年采购额（万元）``). Unit suffixes
are never read as a match: which unit the column holds is the user's to say.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "managers": {
        "manager_id": ("Manager ID", "Manager No", "Employee ID", "Employee No", "Staff ID", "User ID",
                       "经理编号", "经理ID", "员工编号", "员工ID", "工号"),
        "name": ("Manager Name", "Full Name", "Employee Name", "姓名", "经理姓名", "员工姓名"),
        "seniority": ("Level", "Grade", "Seniority Level", "职级", "级别", "资历"),
        "industries": ("Industry", "Expertise", "行业", "擅长行业", "行业专长"),
        "languages": ("Language", "语言", "语种"),
        "region": ("Territory", "Sales Region", "Area", "区域", "大区", "地区", "销售区域"),
        "home_lat": ("Lat", "Latitude", "Home Latitude", "纬度"),
        "home_lon": ("Lon", "Lng", "Longitude", "Home Longitude", "经度"),
        "capacity_hours": ("Capacity", "Monthly Hours", "Hours per Month", "Available Hours",
                           "月可用工时", "可用工时", "产能"),
        "max_accounts": ("Account Limit", "Max Accounts", "客户上限", "最大客户数"),
        "active": ("Status", "Is Active", "Employment Status", "在职", "状态", "在职状态", "是否在职"),
        "performance": ("Performance", "Performance Score", "KPI Score", "Target Attainment", "绩效",
                        "绩效得分", "绩效评分", "业绩评分", "业绩得分"),
        "roles": ("Role", "Team Role", "角色", "岗位", "团队角色"),
    },
    "accounts": {
        "account_id": ("Account ID", "Account No", "Account Number", "Customer ID", "Customer No",
                       "Client ID", "客户编号", "客户ID", "客户代码", "客户编码"),
        "name": ("Account Name", "Customer Name", "Company Name", "Client Name", "客户名称", "客户名",
                 "公司名称", "名称"),
        "industry": ("Sector", "行业", "所属行业"),
        "language": ("Preferred Language", "语言", "语种", "沟通语言"),
        "region": ("Territory", "Sales Region", "Area", "区域", "大区", "地区", "销售区域"),
        "lat": ("Latitude", "纬度"),
        "lon": ("Lng", "Longitude", "经度"),
        "annual_revenue": ("Revenue", "Annual Purchases", "年采购额", "年收入", "年营收", "年销售额"),
        "contract_value": ("Contract Amount", "Deal Value", "合同金额", "合同额"),
        "years_as_customer": ("Tenure", "Tenure Years", "Customer Years", "合作年限", "合作年数",
                              "客户年限"),
        "strategic_importance": ("Importance", "战略重要性", "重要性", "重要程度"),
        "parent_id": ("Parent ID", "Parent Account ID", "Parent Account", "Group", "Group ID",
                      "Holding Company", "母公司", "母公司编号", "集团", "集团编号", "所属集团", "上级客户"),
        "current_manager_id": ("Current Manager", "Manager ID", "Account Manager", "Account Manager ID",
                               "Owner ID", "Account Owner ID", "客户经理", "客户经理ID", "客户经理编号",
                               "负责人ID", "负责人编号", "经理编号", "现任经理"),
        "tier": ("Account Tier", "客户等级", "客户分级", "分级"),
        "current_tier": ("Current Tier", "Previous Tier", "Tier Today", "当前等级", "当前分级", "现等级",
                         "上期等级", "上期分级"),
        "visit_every_weeks": ("Visit Every Weeks", "Visit Frequency Weeks", "Visit Interval Weeks",
                              "拜访周期", "拜访周期(周)", "拜访周期周", "拜访间隔周数", "拜访频率周"),
        "last_visit_date": ("Last Visit", "Last Visit Date", "Last Contact", "Last Contact Date",
                            "最近拜访日期", "上次拜访日期", "最后拜访日期", "最近拜访", "上次拜访"),
        "risk": ("Risk", "Churn Risk", "Risk Level", "Health", "风险", "流失风险", "风险等级", "客户风险"),
        "satisfaction": ("Satisfaction", "CSAT", "Satisfaction Score", "NPS Score", "满意度", "客户满意度",
                         "满意度评分"),
        "avoid_manager_ids": ("avoid_manager_id", "Avoid Manager", "Complaint Against", "Banned Manager",
                              "投诉经理", "回避经理", "避免经理", "不满意经理"),
    },
}  # fmt: skip

_IGNORED = re.compile(r"[\s_\-*\u200b\ufeff]+")


def header_key(text: str) -> str:
    """The form headers are compared in: NFKC, case folded, no spaces, `_`, `-` or `*`."""
    return _IGNORED.sub("", unicodedata.normalize("NFKC", text).casefold())


@dataclass(frozen=True)
class Schema:
    """The columns one kind of table may have."""

    kind: str  # "accounts" or "managers": the section of ALIASES, and how messages name the table
    fields: tuple[str, ...]
    required: tuple[str, ...]
    # Columns other commands read from the same file (the calendar's availability); not warned about.
    also_read: tuple[str, ...] = ()
    keys: Mapping[str, str] = field(init=False, repr=False)  # header key -> field

    def __post_init__(self) -> None:
        keys: dict[str, str] = {}
        for name in self.fields:
            for alias in (name, *ALIASES.get(self.kind, {}).get(name, ())):
                key = header_key(alias)
                if keys.get(key, name) != name:
                    raise ValueError(f"alias {alias!r} means both {keys[key]} and {name} in {self.kind}")
                keys[key] = name
        object.__setattr__(self, "keys", keys)


@dataclass(frozen=True)
class HeaderMatch:
    """Where each field's column is, and what the header says that the user should hear about."""

    positions: dict[str, int]  # field -> 0-based column index
    headers: dict[str, str]  # field -> the header as written
    ambiguous: list[tuple[str, list[str]]]  # (field, the headers that all mean it)
    unknown: list[str]  # headers that mean no field, as written
    suggestions: dict[str, str]  # unknown header -> the missing field it probably means


def match_headers(cells: list[str], schema: Schema) -> HeaderMatch:
    claimed: dict[str, list[tuple[int, str]]] = {}
    unknown: list[str] = []
    also = {header_key(c) for c in schema.also_read}
    for i, text in enumerate(cells):
        key = header_key(text)
        if not key or key in also:
            continue
        name = schema.keys.get(key)
        if name is None:
            unknown.append(text.strip())
        else:
            claimed.setdefault(name, []).append((i, text.strip()))
    positions = {name: places[0][0] for name, places in claimed.items()}
    headers = {name: places[0][1] for name, places in claimed.items()}
    ambiguous = [(name, [t for _, t in places]) for name, places in claimed.items() if len(places) > 1]
    missing = [f for f in schema.fields if f not in claimed]
    suggestions = {}
    for text in unknown:
        guess = suggest(text, missing, schema)
        if guess:
            suggestions[text] = guess
    return HeaderMatch(positions, headers, ambiguous, unknown, suggestions)


def suggest(text: str, candidates: list[str], schema: Schema) -> str | None:
    """The candidate field a header probably meant: close in spelling to the field or an alias, or
    containing one whole (a unit or note added to a known name)."""
    key = header_key(text)
    names = {k: f for k, f in schema.keys.items() if f in candidates}
    close = difflib.get_close_matches(key, list(names), n=1, cutoff=0.8)
    if close:
        return names[close[0]]
    inside = [k for k in names if _long_enough(k) and k in key]
    return names[max(inside, key=len)] if inside else None


def _long_enough(key: str) -> bool:
    # Two Chinese characters say as much as a short English word; 'id' inside anything says nothing.
    return len(key) >= 4 or (len(key) >= 2 and not key.isascii())

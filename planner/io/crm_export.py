"""A messy CRM export of a clean data set: the files a sales director really sends.

`write_crm_export` reads the clean ``accounts.csv`` and ``managers.csv`` of `planner generate` and
writes the same data the way a CRM on Chinese Windows exports it; `planner.io.loader` must read it
into the same `Dataset`, except that parent groups are named by holding-company keys:

- headers are aliases from `planner.io.headers` (Chinese, or CRM English in mixed case), columns in
  another order (the id first), plus columns the planner does not read (备注, Created Date);
- the CSV is GBK (GB18030 where a name needs it) with Windows line ends; the .xlsx has number cells
  and formula cells with the value Excel saved beside them;
- lists are joined with ``，`` ``、`` (or ``; `` ``, ``); seniority, active and tier are words
  (资深, 离职, 重点客户 / Principal, Inactive, Key); a few numbers are typed in full-width digits and a
  few texts padded with the ideographic space; rows drop their trailing blank cells now and then;
- every member of a parent group, its head too, names the group's holding company (``JT0001``,
  ``GRP-0001``), which is not itself a row.

Seeded: the same seed writes the same bytes.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from planner.groups import parent_groups
from planner.io.headers import ALIASES, header_key
from planner.io.loader import ACCOUNT_SCHEMA, load_dataset
from planner.models import Account, Dataset, Manager

_FULL_WIDTH = str.maketrans("0123456789.", "０１２３４５６７８９．")
_WORDS: dict[str, dict[str, Any]] = {
    "zh": {
        "seniority": {"junior": "初级", "senior": "高级", "principal": "资深"},
        "active": {True: "在职", False: "离职"},
        "tier": {"strategic": "战略客户", "key": "重点客户", "standard": "普通客户"},
        "separators": ("，", "、"),
        "extra": ("备注", "创建时间"),
        "group": "JT{:04d}",
    },
    "en": {
        "seniority": {"junior": "Junior", "senior": "Senior", "principal": "Principal"},
        "active": {True: "Active", False: "Inactive"},
        "tier": {"strategic": "Strategic", "key": "Key", "standard": "Standard"},
        "separators": ("; ", ", "),
        "extra": ("Notes", "Created Date"),
        "group": "GRP-{:04d}",
    },
}
_NUMBERS = {"home_lat", "home_lon", "capacity_hours", "max_accounts", "lat", "lon", "annual_revenue",
            "contract_value", "years_as_customer", "strategic_importance"}  # fmt: skip
_FORMULAS = ("annual_revenue", "contract_value")  # written as formulas in the .xlsx


def write_crm_export(
    accounts_csv: Path, managers_csv: Path, out_dir: Path, *, seed: int = 7, xlsx: bool = False
) -> tuple[Path, Path]:
    """Write ``accounts`` and ``managers`` as a CRM export into `out_dir`; return their paths.

    CSV: GBK, Chinese headers. XLSX (`xlsx=True`): CRM-English headers, formula cells."""
    dataset = load_dataset(accounts_csv, managers_csv)
    rng = np.random.default_rng(seed)
    style = "en" if xlsx else "zh"
    groups = _group_keys(dataset, str(_WORDS[style]["group"]))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tables = {
        "managers": [_manager_cells(m, style) for m in dataset.managers],
        "accounts": [_account_cells(a, groups.get(a.account_id, ""), style) for a in dataset.accounts],
    }
    paths: dict[str, Path] = {}
    for kind, rows in tables.items():
        header, body = _messy(kind, rows, style, rng, typed=xlsx)
        path = out_dir / f"{kind}.{'xlsx' if xlsx else 'csv'}"
        if xlsx:
            keys = ACCOUNT_SCHEMA.keys if kind == "accounts" else {}
            formulas = [k for k, h in enumerate(header) if keys.get(header_key(h)) in _FORMULAS]
            _write_xlsx(path, header, body, formulas)
        else:
            _write_csv(path, header, body)
        paths[kind] = path
    return paths["accounts"], paths["managers"]


def _group_keys(dataset: Dataset, pattern: str) -> dict[str, str]:
    """account_id -> its group's holding-company key, for accounts in a group of two or more."""
    ids = [a.account_id for a in dataset.accounts]
    taken = set(ids)
    out: dict[str, str] = {}
    n = 0
    for members in parent_groups(dataset.accounts):
        if len(members) < 2 and not dataset.accounts[members[0]].parent_id:
            continue
        n += 1
        key = pattern.format(n)
        while key in taken:
            key += "X"
        for i in members:
            out[ids[i]] = key
    return out


def _manager_cells(m: Manager, style: str) -> dict[str, Any]:
    words: dict[str, Any] = _WORDS[style]
    return {
        "manager_id": m.manager_id,
        "name": m.name,
        "seniority": words["seniority"][m.seniority.value],
        "industries": sorted(m.industries),
        "languages": sorted(m.languages),
        "region": m.region,
        "home_lat": m.home_lat,
        "home_lon": m.home_lon,
        "capacity_hours": m.capacity_hours,
        "max_accounts": m.max_accounts,
        "active": words["active"][m.active],
    }


def _account_cells(a: Account, group_key: str, style: str) -> dict[str, Any]:
    words: dict[str, Any] = _WORDS[style]
    cells = a.model_dump(mode="json")
    cells["parent_id"] = group_key
    cells["tier"] = words["tier"][a.tier.value] if a.tier else None
    cells["current_tier"] = words["tier"][a.current_tier.value] if a.current_tier else None
    cells.pop("criteria")  # the generator makes no extra tiering criteria
    cells.pop("current_team")  # nor account teams
    return cells


def _messy(
    kind: str, rows: list[dict[str, Any]], style: str, rng: np.random.Generator, *, typed: bool
) -> tuple[list[str], list[list[Any]]]:
    fields = list(rows[0])
    order = [fields[0], *(fields[1:][k] for k in rng.permutation(len(fields) - 1))]
    header = [_alias(kind, f, style, rng) for f in order]
    extra = list(_WORDS[style]["extra"])
    separators: Sequence[str] = _WORDS[style]["separators"]
    body = []
    for row in rows:
        cells: list[Any] = []
        for f in order:
            value = row[f]
            if isinstance(value, list):
                value = separators[int(rng.integers(len(separators)))].join(value)
            if f in _NUMBERS:
                cells.append(_number(value, rng, typed=typed))
            elif isinstance(value, str) and value and rng.random() < 0.05:
                cells.append("\u3000" + value)  # a space typed in a Chinese input method
            else:
                cells.append("" if value is None else value)
        cells += ["" if rng.random() < 0.7 else "见附件", ""]
        if not typed and rng.random() < 0.2:
            while cells and cells[-1] == "":
                cells.pop()  # some tools write a row only as far as its last value
        body.append(cells)
    return header + extra, body


def _alias(kind: str, field: str, style: str, rng: np.random.Generator) -> str:
    names = [n for n in ALIASES[kind].get(field, ()) if n.isascii() == (style == "en")] or [field]
    name = names[int(rng.integers(len(names)))]
    if style == "en":
        variants = (name, name.upper(), name.lower().replace(" ", "_"))
        name = variants[int(rng.integers(len(variants)))]
    return name


def _number(value: Any, rng: np.random.Generator, *, typed: bool) -> Any:
    if value is None:
        return ""
    text = str(int(value)) if float(value).is_integer() else repr(float(value))
    if rng.random() < 0.05:
        return text.translate(_FULL_WIDTH)  # typed with a full-width input method: text, not a number
    if typed:
        return int(value) if float(value).is_integer() else float(value)
    return text


def _write_csv(path: Path, header: list[str], body: list[list[Any]]) -> None:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(body)
    text = buffer.getvalue()
    try:
        path.write_bytes(text.encode("gbk"))
    except UnicodeEncodeError:
        path.write_bytes(text.encode("gb18030"))


def _write_xlsx(path: Path, header: list[str], body: list[list[Any]], formula_columns: list[int]) -> None:
    """Write with openpyxl, then put the value Excel would have saved beside each formula, which
    openpyxl does not compute."""
    import openpyxl
    from openpyxl.utils import get_column_letter

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    saved: dict[str, str] = {}
    for r, row in enumerate(body, start=2):
        out = list(row)
        for k in formula_columns:
            value = out[k]
            if isinstance(value, int | float) and not isinstance(value, bool):
                saved[f"{get_column_letter(k + 1)}{r}"] = repr(value)
                out[k] = f"=ROUND({value!r},2)"
        sheet.append(out)
    book.save(path)
    _store_saved_values(path, saved)


_FORMULA_CELL = re.compile(r'<c r="([A-Z]+[0-9]+)"([^>]*)><f>([^<]*)</f><v\s*/>')


def _store_saved_values(path: Path, saved: dict[str, str]) -> None:
    if not saved:
        return
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / path.name
        with zipfile.ZipFile(path) as src, zipfile.ZipFile(copy, "w", zipfile.ZIP_DEFLATED) as dst:
            for item in src.infolist():
                data = src.read(item.filename)
                if item.filename.startswith("xl/worksheets/sheet"):
                    text = data.decode("utf-8")
                    text = _FORMULA_CELL.sub(
                        lambda m: (
                            f'<c r="{m[1]}"{m[2]}><f>{m[3]}</f><v>{saved[m[1]]}</v>'
                            if m[1] in saved
                            else m[0]
                        ),
                        text,
                    )
                    data = text.encode("utf-8")
                dst.writestr(item, data)
        shutil.copyfile(copy, path)

"""The loader: every bad input becomes an InputError that says file, row and column; good input in
any of the ways a spreadsheet saves it (UTF-8 with BOM, .xlsx, extra or blank columns) loads the same."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from planner.context import Context
from planner.errors import InputError
from planner.io.loader import load_dataset

MANAGER_COLUMNS = [
    "manager_id",
    "name",
    "seniority",
    "industries",
    "languages",
    "region",
    "home_lat",
    "home_lon",
    "capacity_hours",
    "max_accounts",
    "active",
]
ACCOUNT_COLUMNS = [
    "account_id",
    "name",
    "industry",
    "language",
    "region",
    "lat",
    "lon",
    "annual_revenue",
    "contract_value",
    "years_as_customer",
    "strategic_importance",
    "parent_id",
    "current_manager_id",
    "tier",
]
# Spreadsheet row numbers: the header is row 1, so M1 is row 2 and A3 is row 4.
MANAGERS = [
    ["M1", "Ann Li", "senior", "energy;retail", "en;ja", "north", "39.9", "116.4", "100", "", "true"],
    ["M2", "Bo Wu", "junior", "", "zh", "north", "", "", "80", "10", "yes"],
]
ACCOUNTS = [
    ["A1", "Acme", "energy", "ja", "north", "39.8", "116.3", "1000000", "50000", "3", "4", "", "M1", ""],
    ["A2", "Beta Ltd.", "", "", "north", "", "", "200000", "", "1", "", "A1", "M2", ""],
    ["A3", "Gamma", "retail", "", "north", "", "", "", "", "", "", "", "", "standard"],
]


def csv_text(columns: list[str], rows: list[list[str]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return buf.getvalue()


def write_pair(tmp_path: Path, managers: str | bytes, accounts: str | bytes) -> tuple[Path, Path]:
    m, a = tmp_path / "managers.csv", tmp_path / "accounts.csv"
    for path, content in ((m, managers), (a, accounts)):
        if isinstance(content, str):
            content = content.encode("utf-8")
        path.write_bytes(content)
    return a, m


def good_pair(tmp_path: Path) -> tuple[Path, Path]:
    return write_pair(tmp_path, csv_text(MANAGER_COLUMNS, MANAGERS), csv_text(ACCOUNT_COLUMNS, ACCOUNTS))


def edit(rows: list[list[str]], columns: list[str], row: int, column: str, value: str) -> list[list[str]]:
    """Copy of rows with one cell changed; `row` is the spreadsheet row (2 = first record)."""
    out = [list(r) for r in rows]
    out[row - 2][columns.index(column)] = value
    return out


def managers_with(row: int, column: str, value: str) -> tuple[str, str]:
    return (
        csv_text(MANAGER_COLUMNS, edit(MANAGERS, MANAGER_COLUMNS, row, column, value)),
        csv_text(ACCOUNT_COLUMNS, ACCOUNTS),
    )


def accounts_with(row: int, column: str, value: str) -> tuple[str, str]:
    return (
        csv_text(MANAGER_COLUMNS, MANAGERS),
        csv_text(ACCOUNT_COLUMNS, edit(ACCOUNTS, ACCOUNT_COLUMNS, row, column, value)),
    )


def without_column(columns: list[str], rows: list[list[str]], column: str) -> str:
    k = columns.index(column)
    return csv_text(columns[:k] + columns[k + 1 :], [r[:k] + r[k + 1 :] for r in rows])


def gbk_accounts() -> tuple[str, bytes]:
    rows = edit(ACCOUNTS, ACCOUNT_COLUMNS, 3, "name", "广州金城电信有限公司")
    return csv_text(MANAGER_COLUMNS, MANAGERS), csv_text(ACCOUNT_COLUMNS, rows).encode("gbk")


Inputs = Callable[[], tuple[str | bytes, str | bytes]]

# Each case: (managers, accounts) file contents, and texts the error message must contain.
BAD_INPUTS = [
    pytest.param(
        lambda: (
            without_column(MANAGER_COLUMNS, MANAGERS, "capacity_hours"),
            csv_text(ACCOUNT_COLUMNS, ACCOUNTS),
        ),
        ["managers.csv row 1, column 'capacity_hours'", "missing"],
        id="missing-required-column",
    ),
    pytest.param(
        lambda: (
            csv_text(MANAGER_COLUMNS, MANAGERS),
            without_column(ACCOUNT_COLUMNS, ACCOUNTS, "account_id"),
        ),
        ["accounts.csv row 1, column 'account_id'", "missing"],
        id="missing-account-id-column",
    ),
    pytest.param(
        lambda: managers_with(3, "capacity_hours", ""),
        ["managers.csv row 3, column 'capacity_hours'", "blank"],
        id="blank-required-value",
    ),
    pytest.param(
        lambda: managers_with(3, "manager_id", "M1"),
        ["managers.csv row 3, column 'manager_id'", "duplicate manager_id 'M1'", "row 2"],
        id="duplicate-manager-id",
    ),
    pytest.param(
        lambda: accounts_with(4, "account_id", "A1"),
        ["accounts.csv row 4, column 'account_id'", "duplicate account_id 'A1'"],
        id="duplicate-account-id",
    ),
    pytest.param(
        lambda: accounts_with(3, "current_manager_id", "M9"),
        ["accounts.csv row 3, column 'current_manager_id'", "'M9'"],
        id="unknown-current-manager",
    ),
    pytest.param(
        lambda: accounts_with(3, "parent_id", "A2"),
        ["accounts.csv row 3, column 'parent_id'", "'A2' names itself"],
        id="self-parent",
    ),
    pytest.param(
        lambda: (
            csv_text(MANAGER_COLUMNS, MANAGERS),
            csv_text(ACCOUNT_COLUMNS, edit(ACCOUNTS, ACCOUNT_COLUMNS, 2, "parent_id", "A2")),
        ),
        ["accounts.csv row 2, column 'parent_id'", "circle: A1 -> A2 -> A1", "rows 2, 3"],
        id="parent-cycle",
    ),
    pytest.param(
        lambda: managers_with(2, "capacity_hours", "lots"),
        ["managers.csv row 2, column 'capacity_hours'", "'lots'"],
        id="non-numeric-capacity",
    ),
    pytest.param(
        lambda: accounts_with(2, "annual_revenue", "1,000,000"),
        ["accounts.csv row 2, column 'annual_revenue'", "'1,000,000'"],
        id="thousands-separator-revenue",
    ),
    pytest.param(
        lambda: accounts_with(2, "contract_value", "-5"),
        ["accounts.csv row 2, column 'contract_value'", "'-5'"],
        id="negative-contract-value",
    ),
    pytest.param(
        lambda: managers_with(3, "capacity_hours", "-1"),
        ["managers.csv row 3, column 'capacity_hours'", "'-1'"],
        id="negative-capacity",
    ),
    pytest.param(
        lambda: accounts_with(4, "strategic_importance", "9"),
        ["accounts.csv row 4, column 'strategic_importance'", "'9'"],
        id="importance-out-of-scale",
    ),
    pytest.param(
        lambda: accounts_with(2, "lat", "123"),
        ["accounts.csv row 2, column 'lat'", "'123'"],
        id="latitude-out-of-range",
    ),
    pytest.param(
        lambda: accounts_with(4, "tier", "gold"),
        ["accounts.csv row 4, column 'tier'", "'gold'"],
        id="unknown-tier",
    ),
    pytest.param(
        lambda: managers_with(3, "seniority", "lead"),
        ["managers.csv row 3, column 'seniority'", "'lead'"],
        id="unknown-seniority",
    ),
    pytest.param(
        lambda: managers_with(2, "active", "maybe"),
        ["managers.csv row 2, column 'active'", "'maybe'"],
        id="bad-active-flag",
    ),
    pytest.param(
        lambda: ("", csv_text(ACCOUNT_COLUMNS, ACCOUNTS)), ["managers.csv", "empty"], id="empty-file"
    ),
    pytest.param(
        lambda: (csv_text(MANAGER_COLUMNS, MANAGERS), csv_text(ACCOUNT_COLUMNS, [])),
        ["accounts.csv", "no records"],
        id="header-only",
    ),
    pytest.param(
        lambda: (
            csv_text([*MANAGER_COLUMNS, "Region"], [[*r, "x"] for r in MANAGERS]),
            csv_text(ACCOUNT_COLUMNS, ACCOUNTS),
        ),
        ["managers.csv row 1, column 'region'", "twice"],
        id="column-twice-in-header",
    ),
    pytest.param(
        lambda: (
            csv_text(MANAGER_COLUMNS, MANAGERS),
            csv_text(ACCOUNT_COLUMNS, ACCOUNTS).encode() + b"A4,\xff\xfe\n",
        ),
        ["accounts.csv", "line 5", "neither UTF-8", "GBK"],
        id="undecodable",
    ),
    pytest.param(
        lambda: managers_with(2, "capacity_hours", "inf"),
        ["managers.csv row 2, column 'capacity_hours'", "'inf'"],
        id="infinite-capacity",
    ),
]


@pytest.mark.parametrize(("contents", "expected"), BAD_INPUTS)
def test_bad_input_names_file_row_and_column(tmp_path: Path, contents: Inputs, expected: list[str]) -> None:
    accounts, managers = write_pair(tmp_path, *contents())
    with pytest.raises(InputError) as info:
        dataset = load_dataset(accounts, managers)
        # Whatever the loader lets through must also survive the arrays every command builds next.
        Context.build(dataset).capacity_ch  # noqa: B018
    message = str(info.value)
    for text in expected:
        assert text in message, f"{text!r} not in {message!r}"


def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    managers = edit(MANAGERS, MANAGER_COLUMNS, 2, "capacity_hours", "lots")
    managers = edit(managers, MANAGER_COLUMNS, 3, "seniority", "lead")
    accounts = edit(ACCOUNTS, ACCOUNT_COLUMNS, 4, "tier", "gold")
    a, m = write_pair(tmp_path, csv_text(MANAGER_COLUMNS, managers), csv_text(ACCOUNT_COLUMNS, accounts))
    with pytest.raises(InputError) as info:
        load_dataset(a, m)
    where = {(p.file, p.row, p.column) for p in info.value.problems}
    assert where == {
        ("managers.csv", 2, "capacity_hours"),
        ("managers.csv", 3, "seniority"),
        ("accounts.csv", 4, "tier"),
    }


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    a, _ = good_pair(tmp_path)
    with pytest.raises(InputError, match=r"nope\.csv"):
        load_dataset(a, tmp_path / "nope.csv")


# --- good input, however it was saved --------------------------------------------------------


def test_good_input_loads_with_defaults_for_blank_optional_columns(tmp_path: Path) -> None:
    ds = load_dataset(*good_pair(tmp_path))
    m1, m2 = ds.managers
    assert m1.industries == {"energy", "retail"} and m1.languages == {"en", "ja"}
    assert m2.max_accounts == 10 and m2.active is True and m2.home_lat is None
    a3 = ds.account_by_id["A3"]
    assert a3.annual_revenue == 0.0 and a3.strategic_importance == 1 and a3.lat is None
    assert a3.language == "" and a3.current_manager_id == "" and a3.tier == "standard"
    assert ds.account_by_id["A2"].parent_id == "A1"


def test_utf8_with_bom_is_accepted(tmp_path: Path) -> None:
    reference = load_dataset(*good_pair(tmp_path))
    bom = b"\xef\xbb\xbf"
    (tmp_path / "bom").mkdir()
    a, m = write_pair(
        tmp_path / "bom",
        bom + csv_text(MANAGER_COLUMNS, MANAGERS).encode(),
        bom + csv_text(ACCOUNT_COLUMNS, ACCOUNTS).encode(),
    )
    assert load_dataset(a, m).model_dump() == reference.model_dump()


def test_gbk_file_loads_like_utf8(tmp_path: Path) -> None:
    managers, accounts = gbk_accounts()
    loaded = load_dataset(*write_pair(tmp_path, managers, accounts))
    assert loaded.account_by_id["A2"].name == "广州金城电信有限公司"


def test_parent_id_naming_no_account_is_a_group_key(tmp_path: Path) -> None:
    accounts = edit(ACCOUNTS, ACCOUNT_COLUMNS, 2, "parent_id", "HOLDING-1")
    accounts = edit(accounts, ACCOUNT_COLUMNS, 4, "parent_id", "HOLDING-1")
    ds = load_dataset(
        *write_pair(tmp_path, csv_text(MANAGER_COLUMNS, MANAGERS), csv_text(ACCOUNT_COLUMNS, accounts))
    )
    # A1 and A3 share the key; A2 hangs from A1: one group of three.
    assert Context.build(ds).groups == [[0, 1, 2]]


def test_extra_columns_and_header_spelling_are_tolerated(tmp_path: Path) -> None:
    reference = load_dataset(*good_pair(tmp_path))
    columns = [c.upper() if c == "manager_id" else c for c in MANAGER_COLUMNS] + [" Notes ", "owner email"]
    rows = [[*r, "call back in May", "x@example.com"] for r in MANAGERS]
    extra = tmp_path / "extra"
    extra.mkdir()
    a, m = write_pair(extra, csv_text(columns, rows), csv_text(ACCOUNT_COLUMNS, ACCOUNTS))
    assert load_dataset(a, m).model_dump() == reference.model_dump()


def _typed(value: str) -> object:
    """What Excel would store: numbers as numbers, blanks as empty cells, the rest as text."""
    if value == "":
        return None
    try:
        number = float(value)
    except ValueError:
        return value
    return int(number) if number.is_integer() else number


def write_xlsx(path: Path, columns: list[str], rows: list[list[str]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(columns)
    for r in rows:
        sheet.append([_typed(v) for v in r])
    book.save(path)
    return path


def test_xlsx_loads_the_same_as_csv(tmp_path: Path) -> None:
    reference = load_dataset(*good_pair(tmp_path))
    m = write_xlsx(tmp_path / "managers.xlsx", MANAGER_COLUMNS, MANAGERS)
    a = write_xlsx(tmp_path / "accounts.xlsx", ACCOUNT_COLUMNS, ACCOUNTS)
    assert load_dataset(a, m).model_dump() == reference.model_dump()


def test_xlsx_numeric_ids_stay_integers(tmp_path: Path) -> None:
    # An id typed into Excel as a number (1001) must come back as "1001", not "1001.0".
    managers = [["7", *MANAGERS[0][1:]]]
    accounts = [["1001", *ACCOUNTS[0][1:12], "7", ""]]
    m = write_xlsx(tmp_path / "managers.xlsx", MANAGER_COLUMNS, managers)
    a = write_xlsx(tmp_path / "accounts.xlsx", ACCOUNT_COLUMNS, accounts)
    ds = load_dataset(a, m)
    assert ds.accounts[0].account_id == "1001" and ds.accounts[0].current_manager_id == "7"


def test_xlsx_bad_cell_names_sheet_row_and_column(tmp_path: Path) -> None:
    m = write_xlsx(
        tmp_path / "managers.xlsx",
        MANAGER_COLUMNS,
        edit(MANAGERS, MANAGER_COLUMNS, 3, "capacity_hours", "-4"),
    )
    a = write_xlsx(tmp_path / "accounts.xlsx", ACCOUNT_COLUMNS, ACCOUNTS)
    with pytest.raises(InputError, match=r"managers\.xlsx row 3, column 'capacity_hours'"):
        load_dataset(a, m)


def test_damaged_xlsx_is_an_input_error(tmp_path: Path) -> None:
    a, _ = good_pair(tmp_path)
    broken = tmp_path / "managers.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(InputError, match=r"managers\.xlsx"):
        load_dataset(a, broken)

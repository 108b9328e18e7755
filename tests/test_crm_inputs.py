"""CRM exports as they really come (issue #14, "files you can trust"): every messy input either loads
to the values a person means or stops with exit 2 and a message naming file, row and column, and
writes nothing. One table of cases runs through the loader and through the real `planner assign`;
a fuzz test holds the readers to "loads or InputError, never another exception"."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from planner.cli import assign as _assign_commands  # noqa: F401  (registers the commands on app)
from planner.cli.app import app
from planner.context import Context
from planner.errors import InputError
from planner.io.crm_export import write_crm_export
from planner.io.loader import Loaded, load_dataset, load_policy, read_dataset
from planner.models import Dataset, Manager

MANAGERS = (
    "manager_id,name,seniority,industries,languages,region,capacity_hours,active\n"
    "M1,Ann,senior,energy;retail,zh;en,north,100,true\n"
    "M2,Bo,principal,energy,zh,north,120,true\n"
)
ACCOUNTS = (
    "account_id,name,industry,language,region,annual_revenue,parent_id,current_manager_id\n"
    "A1,Acme,energy,zh,north,1000,,M1\n"
    "A2,Beta,retail,,north,2000,A1,M2\n"
    "A3,Gamma,energy,,north,3000,,\n"
)

Content = bytes | Callable[[Path], None]


@dataclass
class Case:
    """Files to write (name -> bytes, or a function writing the file), which of them to pass, and
    either the message fragments of the failure or a check of what loaded."""

    files: dict[str, Content]
    fails_with: list[str] = field(default_factory=list)
    loads: Callable[[Loaded], object] | None = None
    cli_shows: list[str] = field(default_factory=list)  # text `planner assign` prints on success
    accounts: str = "accounts.csv"
    managers: str = "managers.csv"
    policy: str | None = None


def pair(managers: str = MANAGERS, accounts: str = ACCOUNTS, encoding: str = "utf-8") -> dict[str, Content]:
    return {"managers.csv": managers.encode(encoding), "accounts.csv": accounts.encode(encoding)}


def xlsx(rows: Sequence[Sequence[object]], merge: str | None = None) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        book = openpyxl.Workbook()
        sheet = book.active
        for row in rows:
            sheet.append(list(row))
        if merge:
            sheet.merge_cells(merge)
        book.save(path)

    return write


XLSX_ACCOUNTS: list[list[object]] = [
    ["account_id", "annual_revenue", "region"],
    ["A1", 100, "north"],
    ["A2", 200, "north"],
]
XLSX_MANAGERS: list[list[object]] = [["manager_id", "capacity_hours", "region"], ["M1", 100, "north"]]
LONG_NAME = "x" * 200_000


def m(loaded: Loaded) -> dict[str, Manager]:
    return loaded.dataset.manager_by_id


CASES = [
    # --- stops with exit 2, naming where -----------------------------------------------------------
    pytest.param(
        Case(pair(MANAGERS.replace(",100,", ",1,230,")),
             ["managers.csv row 2", "left over: 'true'", "1230, not 1,230"]),
        id="unquoted-thousands-separator",
    ),
    pytest.param(
        Case(pair(accounts=ACCOUNTS.replace("current_manager_id", "current_manager_id,Current Manager ID")
                  .replace(",M1\n", ",M1,M2\n").replace(",M2\n", ",M2,M1\n").replace(",,\n", ",,,\n")),
             ["accounts.csv row 1, column 'current_manager_id'", "'current_manager_id' and 'Current Manager ID'"]),
        id="two-columns-mean-one-field",
    ),
    pytest.param(
        Case(pair(accounts=ACCOUNTS.replace("A2,Beta", f'A2,"{LONG_NAME}')),
             ["accounts.csv row 3, column 'name'", "longer than 131,072 characters", "never closed"]),
        id="unclosed-quote-200k-field",
    ),
    pytest.param(
        Case({**pair(), "folder/x.csv": b""}, ["folder", "is a folder"], accounts="folder"),
        id="folder-as-accounts",
    ),
    pytest.param(
        Case(pair(MANAGERS.replace(",120,", ",1e20,")),
             ["managers.csv row 3, column 'capacity_hours'", "744", "'1e20'"]),
        id="capacity-1e20",
    ),
    pytest.param(
        Case({**pair(), "policy.yaml": b"weights:\n  balance: .inf\n"},
             ["policy.yaml, column 'weights.balance'", "finite"], policy="policy.yaml"),
        id="policy-weight-inf",
    ),
    pytest.param(
        Case({**pair(), "policy.yaml": b"weights:\n  balance: 1e300\n"},
             ["policy.yaml, column 'weights.balance'", "1000000"], policy="policy.yaml"),
        id="policy-weight-huge",
    ),
    pytest.param(
        Case({**pair(), "policy.yaml": b"weights: [1, 2\n"}, ["policy.yaml row 2", "not valid YAML"],
             policy="policy.yaml"),
        id="policy-broken-yaml",
    ),
    pytest.param(
        Case({"managers.xlsx": xlsx(XLSX_MANAGERS),
              "accounts.xlsx": xlsx([*XLSX_ACCOUNTS, ["A3", "=B2*2", "north"]])},
             ["accounts.xlsx row 4, column 'annual_revenue'", "(cell B4)", "formula '=B2*2' has no saved value"],
             accounts="accounts.xlsx", managers="managers.xlsx"),
        id="xlsx-formula-without-saved-value",
    ),
    pytest.param(
        Case({"managers.xlsx": xlsx(XLSX_MANAGERS), "accounts.xlsx": xlsx(XLSX_ACCOUNTS, merge="C2:C3")},
             ["accounts.xlsx row 2, column 'region'", "cells C2:C3 are merged"],
             accounts="accounts.xlsx", managers="managers.xlsx"),
        id="xlsx-merged-cells",
    ),
    pytest.param(
        Case({"managers.xlsx": xlsx(XLSX_MANAGERS),
              "accounts.xlsx": xlsx([*XLSX_ACCOUNTS, ["A3", "#N/A", "north"]])},
             ["accounts.xlsx row 4, column 'annual_revenue'", "Excel error #N/A"],
             accounts="accounts.xlsx", managers="managers.xlsx"),
        id="xlsx-error-value",
    ),
    pytest.param(
        Case({**pair(), "accounts.xls": b"\xd0\xcf\x11\xe0 old excel"}, ["accounts.xls", ".xls files are not read"],
             accounts="accounts.xls"),
        id="old-xls",
    ),
    pytest.param(
        Case({**pair(), "fake.xlsx": ACCOUNTS.encode()}, ["fake.xlsx", "not a readable .xlsx workbook"],
             accounts="fake.xlsx"),
        id="csv-named-xlsx",
    ),
    pytest.param(
        Case({"managers.csv": MANAGERS.encode(), "accounts.csv": (ACCOUNTS + "A4,\xff").encode("latin-1")},
             ["accounts.csv", "line 5", "neither UTF-8", "GBK"]),
        id="undecodable",
    ),
    pytest.param(
        Case(pair(accounts=ACCOUNTS.replace("A3,Gamma,energy,,north,3000,,", "A3,Gamma,energy,,north,3000,A3,")),
             ["accounts.csv row 4, column 'parent_id'", "'A3' names itself"]),
        id="self-parent",
    ),
    pytest.param(
        Case(pair(accounts=ACCOUNTS.replace("A1,Acme,energy,zh,north,1000,,", "A1,Acme,energy,zh,north,1000,A2,")),
             ["accounts.csv row 2, column 'parent_id'", "A1 -> A2 -> A1", "rows 2, 3"]),
        id="parent-circle",
    ),
    pytest.param(
        Case(pair(MANAGERS.replace("capacity_hours", "capacity_hour")),
             ["managers.csv row 1, column 'capacity_hours'", "missing", "did you mean 'capacity_hour'?"]),
        id="misspelt-required-column",
    ),
    pytest.param(
        Case(pair(MANAGERS.replace("M2,Bo,principal", "M2,Bo,中级")),
             ["managers.csv row 3, column 'seniority'", "'中级' is not one of the accepted words"]),
        id="unmapped-seniority",
    ),
    pytest.param(
        Case(pair(MANAGERS.replace(",100,", ',"1,230",')),
             ["managers.csv row 2, column 'capacity_hours'", "1230, not '1,230'"]),
        id="quoted-thousands-separator",
    ),
    pytest.param(
        Case(pair(MANAGERS.replace("active", "Status").replace("north,100,true", "north,100,On leave")),
             ["managers.csv row 2, column 'Status (active)'", "'On leave'"]),
        id="status-word-not-known",
    ),
    pytest.param(
        Case(pair(MANAGERS.replace("north,120,true", "north")), ["managers.csv row 3, column 'capacity_hours'",
                                                                 "the required cell(s) capacity_hours are missing"]),
        id="short-row-missing-required",
    ),
    pytest.param(
        Case({**pair(), "accounts.csv": b"PK\x03\x04 zipped"}, ["accounts.csv", "give it the .xlsx suffix"]),
        id="xlsx-named-csv",
    ),
    # --- loads, to what the person meant -----------------------------------------------------------
    pytest.param(
        Case(pair(MANAGERS.replace("manager_id", "Manager ID").replace("active", "Status")
                  .replace("north,120,true", "north,120,Left"),
                  ACCOUNTS.replace("current_manager_id", "Current Manager ID").replace("account_id", "Account ID")),
             loads=lambda r: m(r)["M2"].active is False
             and r.dataset.account_by_id["A2"].current_manager_id == "M2",
             cli_shows=["read as UTF-8, ','-separated"]),
        id="crm-english-headers",
    ),
    pytest.param(
        Case(pair(
            "经理编号,姓名,职级,行业,语言,区域,月可用工时,在职\n"
            "M1,安妮,资深,能源，零售,zh、en,north,１２０,在职\n"
            "M2,薄,初级,能源,zh,north,\u300080\u3000,离职\n",
            "客户编号,客户名称,行业,语言,区域,年采购额,母公司,客户经理\n"
            "A1,广州金城电信有限公司,能源,zh,north,1000,,M1\n"
            "A2,乙公司,零售,,north,2000,A1,M2\n"
            "A3,丙公司,能源,,north,3000,,\n",
            encoding="gbk",
        ),
            loads=lambda r: m(r)["M1"].industries == {"能源", "零售"}
            and m(r)["M1"].capacity_hours == 120
            and m(r)["M1"].seniority == "principal"
            and m(r)["M2"].active is False
            and m(r)["M2"].capacity_hours == 80
            and r.dataset.account_by_id["A1"].name == "广州金城电信有限公司",
            cli_shows=["read as GB18030 (GBK)"]),
        id="chinese-headers-gbk",
    ),
    pytest.param(
        Case({"managers.csv": b"\xef\xbb\xbf" + MANAGERS.replace(",", ";").replace("energy;retail", "energy,retail")
              .replace("zh;en", "zh,en").encode(),
              "accounts.csv": ACCOUNTS.replace(",", "\t").encode("utf-16")},
             loads=lambda r: m(r)["M1"].languages == {"zh", "en"},
             cli_shows=["UTF-8 (with BOM), ';'-separated", "UTF-16, tab-separated"]),
        id="semicolons-bom-and-utf16-tabs",
    ),
    pytest.param(
        Case(pair(accounts=ACCOUNTS.replace(",A1,M2", ",HOLDING-9,M2").replace("A3,Gamma,energy,,north,3000,,",
                                                                             "A3,Gamma,energy,,north,3000,HOLDING-9,")),
             loads=lambda r: Context.build(r.dataset).groups == [[0], [1, 2]],
             cli_shows=["1 parent_id value(s) name no account (e.g. 'HOLDING-9')"]),
        id="parent-is-a-holding-company-not-a-row",
    ),
    pytest.param(
        Case(pair(accounts=ACCOUNTS.replace("A3,Gamma,energy,,north,3000,,", "A3,Gamma,energy,,north")),
             loads=lambda r: r.dataset.account_by_id["A3"].annual_revenue == 0),
        id="short-row-optional-cells",
    ),
    pytest.param(
        Case(pair(accounts=ACCOUNTS.replace("annual_revenue", "anual revenue").replace("parent_id", "Notes")),
             loads=lambda r: any("did you mean annual_revenue" in w for w in r.warnings)
             and any("'Notes'" in w for w in r.warnings),
             cli_shows=["Warning: accounts.csv: column 'anual revenue' is not read; did you mean annual_revenue?"]),
        id="unknown-and-misspelt-optional-columns",
    ),
    pytest.param(
        Case({"managers.csv": b"sep=;\n" + MANAGERS.replace(",", ";").replace("energy;retail", "energy|retail")
              .replace("zh;en", "zh|en").encode(), "accounts.csv": ACCOUNTS.encode()},
             loads=lambda r: m(r)["M1"].industries == {"energy", "retail"}),
        id="excel-sep-line",
    ),
    pytest.param(
        Case(
            pair(accounts=ACCOUNTS.replace("annual_revenue", "年采购额（万元）")),
            loads=lambda r: r.dataset.account_by_id["A3"].annual_revenue == 0
            and any("'年采购额（万元）' is not read; did you mean annual_revenue?" in w for w in r.warnings),
        ),
        id="unit-in-header-is-not-guessed",
    ),
    pytest.param(
        Case({**pair(), "accounts.csv": ACCOUNTS.encode("utf-16-le")}, ["accounts.csv", "line 1", "NUL bytes"]),
        id="utf16-without-bom",
    ),
]  # fmt: skip


def _write(folder: Path, case: Case) -> tuple[Path, Path, Path | None]:
    for name, content in case.files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            content(path)
    policy = folder / case.policy if case.policy else None
    return folder / case.accounts, folder / case.managers, policy


@pytest.mark.parametrize("case", CASES)
def test_loader(tmp_path: Path, case: Case) -> None:
    accounts, managers, policy = _write(tmp_path, case)
    if case.loads is None:
        with pytest.raises(InputError) as info:
            read_dataset(accounts, managers, policy)
        for text in case.fails_with:
            assert text in str(info.value), f"{text!r} not in {str(info.value)!r}"
    else:
        loaded = read_dataset(accounts, managers, policy)
        assert case.loads(loaded), loaded
        Context.build(loaded.dataset).capacity_ch  # noqa: B018  (the arrays every command builds next)


@pytest.mark.parametrize("case", CASES)
def test_cli(tmp_path: Path, case: Case) -> None:
    accounts, managers, policy = _write(tmp_path, case)
    out = tmp_path / "out" / "plan"
    args = ["assign", "-a", accounts, "-m", managers, "-o", out, "--time-limit", 2, "--threads", 1, "--quiet"]
    if policy:
        args += ["--policy", policy]
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert "Traceback" not in result.output
    if case.loads is None:
        assert result.exit_code == 2, result.output
        text = " ".join(result.output.split())  # the console may wrap a long message
        for fragment in case.fails_with:
            assert " ".join(fragment.split()) in text, f"{fragment!r} not in {result.output!r}"
        assert not (tmp_path / "out").exists()
    else:
        assert result.exit_code == 0, result.output
        assert (out / "plan.csv").exists()
        for fragment in case.cli_shows:
            assert fragment in result.output, f"{fragment!r} not in {result.output!r}"


def test_every_alias_is_documented_and_means_one_field() -> None:
    import planner.io.headers as headers
    from planner.io.loader import ACCOUNT_SCHEMA, MANAGER_SCHEMA

    for kind, table in headers.ALIASES.items():
        for field_name, names in table.items():
            assert field_name in (ACCOUNT_SCHEMA if kind == "accounts" else MANAGER_SCHEMA).fields
            for name in names:
                assert name in (headers.__doc__ or ""), f"{kind} alias {name!r} is not in the docstring"
    # Schema() itself refuses an alias that means two fields; both schemas were built at import.
    with pytest.raises(ValueError, match="means both"):
        headers.Schema("accounts", ("lat", "LATITUDE"), ())
    assert "lat" in headers.Schema("accounts", ("lat",), ()).keys.values()


# --- the messy export of `planner generate --crm-export` reads as the clean files ----------------------


def _without_parent_ids(dataset: Dataset) -> Dataset:
    accounts = tuple(a.model_copy(update={"parent_id": ""}) for a in dataset.accounts)
    return dataset.model_copy(update={"accounts": accounts})


@pytest.mark.parametrize("as_xlsx", [False, True], ids=["gbk-csv", "xlsx"])
def test_crm_export_round_trips(tmp_path: Path, as_xlsx: bool) -> None:
    from planner.generator import generate, write_csv

    write_csv(generate(400, 14, seed=5), tmp_path)
    clean = load_dataset(tmp_path / "accounts.csv", tmp_path / "managers.csv")
    accounts, managers = write_crm_export(
        tmp_path / "accounts.csv", tmp_path / "managers.csv", tmp_path / "crm", seed=3, xlsx=as_xlsx
    )
    if not as_xlsx:
        raw = accounts.read_bytes()
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")  # really GBK, as Excel on Chinese Windows saves it
        assert "，".encode("gbk") in managers.read_bytes() or "、".encode("gbk") in managers.read_bytes()
    else:
        book = openpyxl.load_workbook(accounts, read_only=True)
        cells = [c for row in book.worksheets[0].iter_rows(max_row=50, values_only=True) for c in row]
        book.close()
        assert any(isinstance(c, str) and c.startswith("=") for c in cells)  # formulas, with saved values
    loaded = read_dataset(accounts, managers)
    # Parent ids become holding-company keys that name no account; the groups are the same.
    assert any(a.parent_id and a.parent_id not in clean.account_by_id for a in loaded.dataset.accounts)
    assert _without_parent_ids(loaded.dataset) == _without_parent_ids(clean)
    assert Context.build(loaded.dataset).groups == Context.build(clean).groups
    assert loaded.warnings  # the export's note columns are not read, and the user is told


def test_api_upload_reads_the_export_as_the_cli_does(tmp_path: Path) -> None:
    """The API's upload path goes through the same loader: the same data, the same refusals."""
    from api.services.datasets import from_files
    from planner.generator import generate, write_csv

    write_csv(generate(80, 6, seed=2), tmp_path)
    accounts, managers = write_crm_export(
        tmp_path / "accounts.csv", tmp_path / "managers.csv", tmp_path / "crm"
    )
    uploaded = from_files(("客户.csv", accounts.read_bytes()), ("经理.csv", managers.read_bytes()), None)
    assert uploaded == load_dataset(accounts, managers)
    lines = accounts.read_bytes().split(b"\r\n")
    lines[1] += b",,,1,230"  # the first record: cells past the header
    broken = b"\r\n".join(lines)
    with pytest.raises(InputError, match=r"客户\.csv row 2: \d+ cell\(s\) but the header has"):
        from_files(("客户.csv", broken), ("经理.csv", managers.read_bytes()), None)


def test_generate_crm_export_cli(tmp_path: Path) -> None:
    from planner.cli import generate as _generate_command  # noqa: F401

    out = tmp_path / "data"
    result = CliRunner().invoke(
        app, ["generate", "--accounts", "60", "--managers", "6", "--out", str(out), "--crm-export"]
    )
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in (out / "crm-export").iterdir())
    assert files == ["accounts.csv", "accounts.xlsx", "managers.csv", "managers.xlsx"]
    clean = load_dataset(out / "accounts.csv", out / "managers.csv")
    messy = load_dataset(out / "crm-export" / "accounts.csv", out / "crm-export" / "managers.csv")
    assert _without_parent_ids(messy) == _without_parent_ids(clean)


# --- fuzz: any bytes, any workbook, any YAML loads or raises InputError --------------------------------

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SPELLINGS = {
    "name": ["name", "客户名称"], "industry": ["industry", "行业"], "region": ["region", "Sales Region"],
    "annual_revenue": ["annual_revenue", "年采购额"], "parent_id": ["parent_id", "母公司"],
    "current_manager_id": ["current_manager_id", "Current Manager ID"], "tier": ["tier", "客户等级"],
    "lat": ["lat", "纬度"], "strategic_importance": ["strategic_importance", "战略重要性"],
    "years_as_customer": ["years_as_customer"], "contract_value": ["contract_value", "合同金额"],
    "notes": ["Notes", ""],
}  # fmt: skip
CELL_TEXT = st.lists(
    st.sampled_from(
        [*'AM12 ,;\t"\n\r.-e，、；|０１\u3000xN中', "inf", "nan", "1e20", "M1", "A1", "在职", "key"]
    ),
    max_size=8,
).map("".join)


@st.composite
def headers(draw: st.DrawFn) -> list[str]:
    """An id column (usually) and some other distinct fields, each in one of its spellings."""
    fields = draw(st.lists(st.sampled_from(sorted(SPELLINGS)), unique=True, max_size=6))
    names = [draw(st.sampled_from(SPELLINGS[f])) for f in fields]
    first = draw(st.sampled_from(["account_id", "Account ID", "客户编号", "account-id", "name"]))
    return [first, *names]


def _ok_or_input_error(accounts: Path, managers: Path, policy: Path | None = None) -> None:
    try:
        dataset = load_dataset(accounts, managers, policy)
    except InputError:
        return
    ctx = Context.build(dataset)
    ctx.groups, ctx.capacity_ch  # noqa: B018


@FUZZ
@given(
    header=headers(),
    rows=st.lists(st.lists(CELL_TEXT, min_size=1, max_size=8), max_size=5),
    delimiter=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gbk", "utf-16"]),
    noise=st.one_of(st.just(b""), st.binary(max_size=8)),
)
def test_fuzz_csv_loads_or_input_error(
    header: list[str], rows: list[list[str]], delimiter: str, encoding: str, noise: bytes
) -> None:
    text = "\n".join(delimiter.join(r) for r in [header, *rows])
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "managers.csv").write_text(MANAGERS, encoding="utf-8")
        (folder / "accounts.csv").write_bytes(text.encode(encoding, errors="replace") + noise)
        _ok_or_input_error(folder / "accounts.csv", folder / "managers.csv")


XLSX_CELL = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    CELL_TEXT,
    st.sampled_from(["=1+1", "=A1*2", "#N/A", "M1", "A1", "strategic", "在职"]),
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    header=headers(),
    rows=st.lists(st.lists(XLSX_CELL, min_size=1, max_size=8), max_size=4),
    merge=st.sampled_from([None, "A2:A3", "B1:C1"]),
)
def test_fuzz_xlsx_loads_or_input_error(
    header: list[str], rows: list[list[object]], merge: str | None
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "managers.csv").write_text(MANAGERS, encoding="utf-8")
        xlsx([list(header), *rows], merge=merge)(folder / "accounts.xlsx")
        _ok_or_input_error(folder / "accounts.xlsx", folder / "managers.csv")


POLICY_KEYS = ["weights", "balance", "move", "tiers", "strategic", "visits_per_month", "travel", "speed_kmh",
               "max_moves", "utilisation_band", "pins", "tiering", "key_share", "enforce_region", "x"]  # fmt: skip
YAML_VALUE = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**30), 10**30),
        st.floats(),
        st.text(max_size=5),
    ),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(POLICY_KEYS), inner, max_size=3)
    ),
    max_leaves=8,
)


@FUZZ
@given(document=YAML_VALUE, raw=st.text(max_size=40), use_raw=st.booleans())
def test_fuzz_policy_loads_or_input_error(document: object, raw: str, use_raw: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "policy.yaml"
        path.write_text(raw if use_raw else yaml.safe_dump(document), encoding="utf-8")
        with contextlib.suppress(InputError):
            load_policy(path)

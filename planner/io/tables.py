"""Read a CSV or XLSX table into rows of strings, keeping spreadsheet row numbers."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from planner.errors import InputError, InputProblem


@dataclass(frozen=True)
class Table:
    name: str  # file name as the user knows it, used in every error message
    columns: tuple[str, ...]
    rows: tuple[tuple[int, dict[str, str]], ...]  # (spreadsheet row number, column -> text)


def read_table(path: Path) -> Table:
    if not path.exists():
        raise InputError([InputProblem(str(path), None, None, "file not found")])
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    return _read_csv(path)


def _read_csv(path: Path) -> Table:
    raw = path.read_bytes()
    try:
        # utf-8-sig strips the byte-order mark Excel writes in "CSV UTF-8" files.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            [
                InputProblem(
                    path.name,
                    line,
                    None,
                    f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as 'CSV UTF-8'",
                )
            ]
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    records = list(reader)
    return _to_table(path.name, [(i + 1, r) for i, r in enumerate(records)])


def _read_xlsx(path: Path) -> Table:
    import openpyxl  # imported here: only xlsx users pay for it

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise InputError(
            [InputProblem(path.name, None, None, f"not a readable .xlsx workbook ({exc})")]
        ) from None
    sheet = book.worksheets[0]
    records = []
    for i, values in enumerate(sheet.iter_rows(values_only=True)):
        records.append((i + 1, ["" if v is None else _cell_text(v) for v in values]))
    book.close()
    return _to_table(path.name, records)


def _cell_text(value: object) -> str:
    # Excel stores 12 as 12.0; keep integers looking like integers so ids stay stable.
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _to_table(name: str, records: list[tuple[int, list[str]]]) -> Table:
    records = [(n, r) for n, r in records if any(c.strip() for c in r)]
    if not records:
        raise InputError([InputProblem(name, None, None, "the file is empty (no header row)")])
    header_row, header = records[0]
    columns = tuple(c.strip().lower() for c in header)
    seen: set[str] = set()
    for c in columns:
        if c and c in seen:
            raise InputError([InputProblem(name, header_row, c, "column appears twice in the header")])
        seen.add(c)
    rows = []
    for number, cells in records[1:]:
        row = {col: (cells[i].strip() if i < len(cells) else "") for i, col in enumerate(columns) if col}
        rows.append((number, row))
    return Table(name, columns, tuple(rows))

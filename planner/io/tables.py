"""Read a CSV or XLSX table into rows of strings, keeping spreadsheet row numbers.

Nothing is read wrongly in silence; each of these is an `InputError` naming file, row and column:
- a path that is a folder, unreadable, or of a kind we do not read (.xls, .ods, …);
- text in no encoding `planner.io.encoding` knows, or a cell over the csv module's 131,072-character
  limit (nearly always an unclosed quote that swallowed the rest of the file);
- a CSV row with more non-blank cells than the header: an unquoted ``1,230`` or ``Acme, Inc.``
  shifted every cell after it. Fewer cells are fine when every missing trailing cell is an optional
  column (it reads as blank, as Excel writes short rows); a missing required cell is an error;
- .xlsx: a formula with no saved value (openpyxl cannot compute it, a blank would be read), a
  merged range (only its first cell holds the value), an Excel error value (#N/A, #REF!, …).

With a `Schema` (the accounts and managers files) headers are matched by `planner.io.headers`
and columns come back under their field names; without one (plan, leave, travel-matrix files)
a header is lower-cased with spaces and hyphens as ``_``. How the file was read (encoding,
delimiter, sheet) and what was not read (unknown columns) come back as `notes` and `warnings`,
and are logged.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planner.errors import InputError, InputProblem
from planner.io.encoding import decode, delimiter_name, detect_delimiter
from planner.io.headers import Schema, match_headers

logger = logging.getLogger(__name__)

TEXT_SUFFIXES = ("", ".csv", ".tsv", ".txt")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
_SEP_LINE = re.compile(r"sep=([,;\t|])[ \t]*(\r\n|\n|\r)")


@dataclass(frozen=True)
class Table:
    name: str  # file name as the user knows it, used in every error message
    columns: tuple[str, ...]
    rows: tuple[tuple[int, dict[str, str]], ...]  # (spreadsheet row number, column -> text)
    headers: dict[str, str] = field(default_factory=dict)  # column -> header as written in the file
    notes: tuple[str, ...] = ()  # how the file was read
    warnings: tuple[str, ...] = ()  # what was not read, and why

    def label(self, column: str) -> str:
        """The column as messages name it: the field, and the header too when it was an alias."""
        return _label(column, self.headers)


@dataclass
class _Grid:
    """A sheet of cell texts before the header is read."""

    records: list[tuple[int, list[str]]]
    how: str  # "UTF-8, ','-separated" / "sheet 'Accounts'"
    delimiter: str | None = None  # None: a workbook, where a row cannot have too many cells
    bad_cells: list[tuple[int, int, str]] = field(default_factory=list)  # (row, column index, why)
    merged: list[tuple[int, int, int, str]] = field(default_factory=list)  # (rows first, last; column; range)


def read_table(path: Path, schema: Schema | None = None, problems: list[InputProblem] | None = None) -> Table:
    """The table in `path`. Problems with the file as a whole raise; so do those in its rows unless a
    `problems` list is given, which collects them while the table keeps the good rows (the loader
    reports every file's problems at once). Notes and warnings are logged only for a table without
    a schema; the loader shows or logs its own."""
    path = Path(path)
    _check_path(path)
    suffix = path.suffix.lower()
    if suffix in XLSX_SUFFIXES:
        grid = _read_xlsx(path)
    elif suffix in TEXT_SUFFIXES:
        grid = _read_csv(path)
    elif suffix == ".xls":
        raise _file_error(path.name, "old Excel .xls files are not read; save it as .xlsx or CSV UTF-8")
    else:
        raise _file_error(path.name, f"{suffix} files are not read; give a .csv, .tsv, .txt or .xlsx file")
    found: list[InputProblem] = []
    table = _to_table(path.name, grid, schema, found)
    if found and problems is None:
        raise InputError(found)
    if problems is not None:
        problems += found
    if schema is None:
        for warning in table.warnings:
            logger.warning(warning)
    return table


def _check_path(path: Path) -> None:
    if path.is_dir():
        raise _file_error(str(path), "is a folder; give the path of a file in it")
    if not path.exists():
        raise InputError([InputProblem(str(path), None, None, "file not found")])


def _file_error(name: str, message: str) -> InputError:
    return InputError([InputProblem(name, None, None, message)])


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise _file_error(path.name, f"cannot be read ({exc.strerror or exc})") from None


# --- CSV -----------------------------------------------------------------------------------------


def _read_csv(path: Path) -> _Grid:
    text, encoding = decode(_read_bytes(path), path.name)
    hint = _SEP_LINE.match(text)
    if hint:  # Excel's "sep=;" first line names the delimiter; Excel does not show it as a row
        delimiter, text = hint[1], text[hint.end() :]
    else:
        delimiter = detect_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[tuple[int, list[str]]] = []
    while True:
        first_line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            header = records[0][1] if records else []
            raise _csv_error(path.name, len(records) + 1, header, text, first_line, delimiter, exc) from None
        records.append((len(records) + 1, cells))
    return _Grid(records, f"{encoding}, {delimiter_name(delimiter)}-separated", delimiter)


def _csv_error(
    name: str, row: int, header: list[str], text: str, line: int, delimiter: str, exc: csv.Error
) -> InputError:
    if "field limit" not in str(exc):
        return InputError([InputProblem(name, row, None, f"line {line}: not readable as CSV ({exc})")])
    k = _long_cell_index(text, _line_start(text, line), delimiter)
    column = header[k].strip() if k < len(header) and header[k].strip() else f"cell {k + 1}"
    return InputError(
        [
            InputProblem(
                name,
                row,
                column,
                f"a cell longer than {csv.field_size_limit():,} characters (starting on line {line}); "
                "usually a quote '\"' that is never closed, which swallows the rows after it",
            )
        ]
    )


def _line_start(text: str, line: int) -> int:
    pos = 0
    for _ in range(line - 1):
        pos = text.find("\n", pos) + 1
        if pos == 0:
            return len(text)
    return pos


def _long_cell_index(text: str, start: int, delimiter: str) -> int:
    """Which cell of the record starting at `start` outgrows the csv module's limit (0-based)."""
    column = length = 0
    quoted = False
    i, limit = start, csv.field_size_limit()
    while i < len(text) and length <= limit:
        ch = text[i]
        if quoted and ch == '"':
            if text.startswith('"', i + 1):
                length, i = length + 1, i + 1  # a doubled quote is one quote character
            else:
                quoted = False
        elif quoted:
            length += 1
        elif ch == '"' and length == 0:
            quoted = True
        elif ch == delimiter:
            column, length = column + 1, 0
        elif ch in "\r\n":
            break
        else:
            length += 1
        i += 1
    return column


# --- XLSX ----------------------------------------------------------------------------------------

_EXCEL_ERRORS = ("#N/A", "#REF!", "#DIV/0!", "#VALUE!", "#NAME?", "#NUM!", "#NULL!")
_MERGE_REF = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*?\bref=\"([A-Z]+[0-9]+:[A-Z]+[0-9]+)\"")


def _read_xlsx(path: Path) -> _Grid:
    import openpyxl  # imported here: only xlsx users pay for it

    # Streaming (read-only) passes keep memory flat at 20,000 rows. The first sees formulas as
    # their text and every other cell as its value; only a workbook with formulas is read a second
    # time, for the values Excel saved with them.
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=False)
        sheet = book.worksheets[0]
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise _file_error(path.name, f"not a readable .xlsx workbook ({exc})") from None
    try:
        many = len(book.worksheets)
        grid = _Grid([], f"sheet {sheet.title!r}" + (f" (the first of {many})" if many > 1 else ""))
        formulas = _read_cells(sheet, grid)
        grid.merged = _merged_ranges(book, sheet, path)
    except InputError:
        raise
    except Exception as exc:
        raise _file_error(path.name, f"not a readable .xlsx workbook ({exc})") from None
    finally:
        book.close()
    if formulas:
        _saved_values(path, grid, formulas)
    return grid


def _read_cells(sheet: Any, grid: _Grid) -> dict[tuple[int, int], str]:
    """Fill the grid's records; (row, column index) -> formula text for formula cells, left blank."""
    sheet.reset_dimensions()  # the size a file states can be wrong; read every cell it has
    formulas: dict[tuple[int, int], str] = {}
    for number, row in enumerate(sheet.iter_rows(min_row=1, min_col=1), start=1):
        cells = []
        for k, cell in enumerate(row):
            value, kind = cell.value, getattr(cell, "data_type", None)
            if kind == "f":
                formulas[(number, k)] = str(getattr(value, "text", None) or value)
                value = None
            elif kind == "e" or (isinstance(value, str) and value in _EXCEL_ERRORS):
                grid.bad_cells.append((number, k, f"holds the Excel error {value}"))
            cells.append("" if value is None else _cell_text(value))
        grid.records.append((number, cells))
    return formulas


def _saved_values(path: Path, grid: _Grid, formulas: dict[tuple[int, int], str]) -> None:
    import openpyxl

    rows = {number for number, _ in formulas}
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        sheet.reset_dimensions()
        for number, values in enumerate(sheet.iter_rows(min_row=1, min_col=1, values_only=True), start=1):
            if number not in rows:
                continue
            for k, value in enumerate(values):
                if (number, k) not in formulas:
                    continue
                if isinstance(value, str) and value in _EXCEL_ERRORS:
                    grid.bad_cells.append((number, k, f"formula '{formulas[number, k]}' gives {value}"))
                elif value is None:
                    why = "has no saved value; open and save the file in Excel, or paste the values"
                    grid.bad_cells.append((number, k, f"formula '{formulas[number, k]}' {why}"))
                else:
                    grid.records[number - 1][1][k] = _cell_text(value)
    finally:
        book.close()


def _merged_ranges(book: Any, sheet: Any, path: Path) -> list[tuple[int, int, int, str]]:
    """(first row, last row, first column index, 'A1:B2') of each merged range of the sheet."""
    from openpyxl.utils import range_boundaries

    archive, part = getattr(book, "_archive", None), getattr(sheet, "_worksheet_path", None)
    if archive is not None and part is not None:
        xml = archive.read(part)
        refs = [m.decode() for m in _MERGE_REF.findall(xml)]
    else:  # another openpyxl: ask a full (not read-only) workbook, which costs memory
        import openpyxl

        full = openpyxl.load_workbook(path)
        refs = [r.coord for r in full.worksheets[0].merged_cells.ranges]
        full.close()
    out = []
    for ref in refs:
        min_col, min_row, _, max_row = range_boundaries(ref)
        out.append((min_row or 1, max_row or 1, (min_col or 1) - 1, ref))
    return sorted(out)


def _cell_text(value: object) -> str:
    # Excel stores 12 as 12.0; keep integers looking like integers so ids stay stable.
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _column_letter(k: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(k + 1)


# --- header and rows ----------------------------------------------------------------------------


def _generic_key(header: str) -> str:
    return re.sub(r"[\s\-]+", "_", header.strip().lower())


def _clean(cell: str) -> str:
    return cell.strip().strip("\u200b\ufeff").strip()


def _to_table(name: str, grid: _Grid, schema: Schema | None, problems: list[InputProblem]) -> Table:
    records = [(n, r) for n, r in grid.records if any(_clean(c) for c in r)]
    if not records:
        raise _file_error(name, "the file is empty (no header row)")
    header_row, header = records[0]
    warnings: list[str] = []
    header_problems: list[InputProblem] = []
    if schema is None:
        positions, headers = _generic_header(name, header_row, header, header_problems)
    else:
        positions, headers = _schema_header(name, header_row, header, schema, header_problems, warnings)
    if header_problems:  # every row would be read into the wrong fields: stop at the header
        raise InputError(header_problems)
    by_index = {k: c for c, k in positions.items()}
    broken: set[int] = set()  # rows not to read: their problems are reported instead
    for number, k, why in grid.bad_cells:
        if k in by_index and number > header_row:
            label = _label(by_index[k], headers)
            problems.append(InputProblem(name, number, label, f"(cell {_column_letter(k)}{number}) {why}"))
            broken.add(number)
    for first, last, k, coord in grid.merged:
        problems.append(
            InputProblem(
                name,
                first,
                _label(by_index[k], headers) if k in by_index else None,
                f"cells {coord} are merged, so only the first holds a value; unmerge them and fill every cell",
            )
        )
        broken.update(range(first, last + 1))
    named = {k for k, text in enumerate(header) if _clean(text)}
    width = max(named) + 1
    required = set(schema.required) if schema else set()
    rows: list[tuple[int, dict[str, str]]] = []
    unnamed_used = False
    for number, cells in records[1:]:
        if grid.delimiter is not None and _row_width_wrong(
            name, number, cells, width, positions, required, grid.delimiter, problems
        ):
            continue
        unnamed_used = unnamed_used or any(_clean(c) for k, c in enumerate(cells) if k not in named)
        if number not in broken:
            rows.append(
                (number, {c: _clean(cells[k]) if k < len(cells) else "" for c, k in positions.items()})
            )
    if unnamed_used:
        warnings.append(f"{name}: some cells stand under no header and are not read")
    notes = (f"{name}: read as {grid.how}; {len(records) - 1} record(s)",)
    return Table(name, tuple(positions), tuple(rows), headers, notes, tuple(warnings))


def _label(column: str, headers: dict[str, str]) -> str:
    header = headers.get(column, column)
    return column if _generic_key(header) == column else f"{header} ({column})"


def _generic_header(
    name: str, header_row: int, header: list[str], problems: list[InputProblem]
) -> tuple[dict[str, int], dict[str, str]]:
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    for k, text in enumerate(header):
        key = _generic_key(_clean(text))
        if not key:
            continue
        if key in positions:
            problems.append(InputProblem(name, header_row, key, "column appears twice in the header"))
            continue
        positions[key], headers[key] = k, _clean(text)
    return positions, headers


def _schema_header(
    name: str,
    header_row: int,
    header: list[str],
    schema: Schema,
    problems: list[InputProblem],
    warnings: list[str],
) -> tuple[dict[str, int], dict[str, str]]:
    match = match_headers([_clean(c) for c in header], schema)
    for column, texts in match.ambiguous:
        problems.append(
            InputProblem(
                name,
                header_row,
                column,
                "column appears twice in the header: "
                + " and ".join(repr(t) for t in texts)
                + f" both mean {column}; delete or rename one",
            )
        )
    for column in schema.required:
        if column not in match.positions:
            guesses = [h for h, f in match.suggestions.items() if f == column]
            hint = f" (did you mean {guesses[0]!r}?)" if guesses else ""
            problems.append(
                InputProblem(name, header_row, column, f"required column missing from the header{hint}")
            )
    plain = [h for h in match.unknown if h not in match.suggestions]
    if plain:
        warnings.append(f"{name}: column(s) not read: {', '.join(repr(h) for h in plain)}")
    for text, guess in match.suggestions.items():
        if guess not in schema.required:
            warnings.append(
                f"{name}: column {text!r} is not read; did you mean {guess}? "
                f"(rename the header to '{guess}' if it holds that, in the unit the field expects)"
            )
    return match.positions, match.headers


def _row_width_wrong(
    name: str,
    number: int,
    cells: list[str],
    width: int,
    positions: dict[str, int],
    required: set[str],
    delimiter: str,
    problems: list[InputProblem],
) -> bool:
    extra = [c for c in cells[width:] if _clean(c)]
    if extra:
        shown = ", ".join(repr(c) for c in extra[:5])
        problems.append(
            InputProblem(
                name,
                number,
                None,
                f"{len(cells)} cell(s) but the header has {width}; left over: {shown}. A value holding the "
                f'delimiter {delimiter_name(delimiter)} must be in quotes ("Acme, Inc."), and numbers are '
                "written without thousands separators (1230, not 1,230)",
            )
        )
        return True
    missing = sorted((k, c) for c, k in positions.items() if k >= len(cells) and c in required)
    if missing:
        problems.append(
            InputProblem(
                name,
                number,
                missing[0][1],
                f"{len(cells)} cell(s) but the header has {width}; the required cell(s) "
                f"{', '.join(c for _, c in missing)} are missing",
            )
        )
        return True
    return False

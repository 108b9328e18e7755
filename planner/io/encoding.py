"""How a text table was saved: its encoding and its delimiter.

Encodings, in the order tried: a byte-order mark decides first (UTF-8 with BOM, Excel's "CSV UTF-8";
UTF-16 LE/BE, Excel's "Unicode Text"); then strict UTF-8; then GB18030, the superset of GBK that
Excel on Chinese Windows writes for "CSV (逗号分隔)". The first that decodes every byte wins, so a
file is never read with replacement characters; one that none decodes is an error naming its line.
The choice is reported (`planner assign` prints it) because no detector is right every time: a
Western-European ANSI file can also decode as GB18030, into the wrong characters.

Delimiters: ``,`` ``;`` or tab, whichever splits the header row into the most cells (ties go to
``,``). The header row is the one row whose cells are names, so it is the one least likely to hold
a delimiter inside a value; the per-row cell count check in `planner.io.tables` catches the rest.
"""

from __future__ import annotations

import csv

from planner.errors import InputError, InputProblem

DELIMITERS = (",", ";", "\t")
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig", "UTF-8 (with BOM)"),
    (b"\xff\xfe", "utf-16", "UTF-16"),
    (b"\xfe\xff", "utf-16", "UTF-16"),
)
_SIGNATURES = (
    (b"PK\x03\x04", "an Excel .xlsx workbook (or another zip file); give it the .xlsx suffix"),
    (b"\xd0\xcf\x11\xe0", "an old Excel .xls workbook; save it as .xlsx or CSV UTF-8 in Excel"),
)


def decode(raw: bytes, name: str) -> tuple[str, str]:
    """(text, encoding as a person would name it); InputError naming file and line if undecodable."""
    for bom, codec, label in _BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(codec), label
            except UnicodeDecodeError as exc:
                line = raw[: exc.start].decode(codec, errors="replace").count("\n") + 1
                raise _undecodable(name, line, f"not valid {label} text after its byte-order mark") from None
    for signature, what in _SIGNATURES:
        if raw.startswith(signature):
            raise InputError([InputProblem(name, None, None, f"this is {what}, not a text file")])
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise _undecodable(name, line, "holds NUL bytes: not a text file (UTF-16 without byte-order mark?)")
    try:
        return raw.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError as exc:
        utf8_line = raw[: exc.start].count(b"\n") + 1
        utf8_byte = raw[exc.start]
    try:
        return raw.decode("gb18030"), "GB18030 (GBK)"
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise _undecodable(
            name,
            min(line, utf8_line),
            f"neither UTF-8 (line {utf8_line}, byte 0x{utf8_byte:02x}) nor GBK/GB18030 "
            f"(line {line}, byte 0x{raw[exc.start]:02x}) text; save the file as 'CSV UTF-8' in Excel",
        ) from None


def _undecodable(name: str, line: int, message: str) -> InputError:
    return InputError([InputProblem(name, None, None, f"line {line}: {message}")])


def detect_delimiter(text: str) -> str:
    header = next((line for line in text.splitlines() if line.strip()), "")
    widths = {d: len(next(csv.reader([header], delimiter=d), [])) for d in DELIMITERS}
    return max(DELIMITERS, key=lambda d: widths[d])  # max keeps the first of equals: ',' wins ties


def delimiter_name(delimiter: str) -> str:
    return "tab" if delimiter == "\t" else repr(delimiter)

"""Rows written as they arrive, so an interrupted run leaves the rows that finished.

A long sweep (hundreds of solves) must not lose an hour's work to Ctrl-C, a lost connection or
a crash: each finished task is one JSON line, flushed to the operating system at once (a killed
process loses nothing written; only a power cut may lose the last lines). Tables and charts are
made from the rows at the end, or later from the file (`read_rows`)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import IO, Any


class RowsLog:
    def __init__(self, handle: IO[str]):
        self._handle = handle

    def write(self, row: dict[str, Any]) -> None:
        self._handle.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
        self._handle.flush()


@contextmanager
def rows_log(path: Path) -> Iterator[RowsLog]:
    """A new log at `path` (an older one there is replaced: a fresh run starts empty)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        yield RowsLog(handle)


def maybe_rows_log(path: Path | None) -> AbstractContextManager[RowsLog | None]:
    """`rows_log(path)`, or nothing to write to without a path (a run kept in memory only)."""
    return rows_log(path) if path is not None else nullcontext()


def read_rows(path: Path) -> list[dict[str, Any]]:
    """The rows of a log; a last line cut short by a crash is skipped."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return rows


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)

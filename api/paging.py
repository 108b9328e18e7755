"""Bounds for list pages and stored numbers, so a request can name nothing the database cannot
hold (SQLite integers are 64-bit; an offset past that was a 500)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

# Far beyond any real list, far below a 64-bit integer.
MAX_OFFSET = 1_000_000_000
# Versions are numbered from 1; a column of 32-bit integers holds them.
MAX_VERSION = 2**31 - 1

Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="rows to skip")]
VersionNumber = Annotated[int, Path(ge=1, le=MAX_VERSION, description="version number, from 1")]


def clamp_offset(offset: int) -> int:
    """For callers whose own schema does not bound it: a page past the end is empty anyway."""
    return min(max(offset, 0), MAX_OFFSET)

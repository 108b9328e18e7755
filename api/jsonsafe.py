"""JSON has no Infinity or NaN: PostgreSQL's json type rejects them and so does Starlette's
response encoder. The library reports e.g. an infinite max/min hours ratio when a manager holds
nothing; over the API such a number is null."""

from __future__ import annotations

import math
from typing import Any


def finite(obj: Any) -> Any:
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [finite(v) for v in obj]
    return obj

"""Server settings, read once from the environment so tests can build as many apps as they like."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from api.auth import ApiKey, parse_keys

DEFAULT_DB_FILE = "planner.db"


@dataclass(frozen=True)
class Settings:
    # SQLite file by default so a first run needs no set-up; PostgreSQL when the URL says so.
    database_url: str = f"sqlite:///{DEFAULT_DB_FILE}"
    api_keys: tuple[ApiKey, ...] = field(default_factory=tuple)
    max_body_bytes: int = 20 * 1024 * 1024
    # Solves are CPU-bound; on a small machine one worker keeps the API itself responsive.
    solve_workers: int = 1
    # Events are answered synchronously: loading, applying and re-planning (planner.replan) fit
    # in this; storing the new version and plan comes after.
    event_time_limit_seconds: float = 0.7
    # When that leaves accounts uncovered that a manager may serve, the re-plan runs again with
    # twice the time, while the whole answer stays within this (an event that names its own
    # time_limit_seconds gets exactly that, once).
    event_max_seconds: float = 5.0

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        keys: list[ApiKey] = []
        if env.get("PLANNER_API_KEYS"):
            keys += parse_keys(env["PLANNER_API_KEYS"].replace(",", "\n"), "PLANNER_API_KEYS")
        if env.get("PLANNER_API_KEYS_FILE"):
            path = Path(env["PLANNER_API_KEYS_FILE"])
            keys += parse_keys(path.read_text(encoding="utf-8"), str(path))
        return cls(
            database_url=env.get("DATABASE_URL") or f"sqlite:///{DEFAULT_DB_FILE}",
            api_keys=tuple(keys),
            max_body_bytes=int(_number(env, "PLANNER_MAX_BODY_BYTES", 20 * 1024 * 1024, int)),
            solve_workers=int(_number(env, "PLANNER_SOLVE_WORKERS", 1, int)),
            event_time_limit_seconds=float(_number(env, "PLANNER_EVENT_TIME_LIMIT", 0.7, float)),
            event_max_seconds=float(_number(env, "PLANNER_EVENT_MAX_SECONDS", 5.0, float)),
        )


def _number(env: dict[str, str], name: str, default: float, kind: type[int] | type[float]) -> float:
    raw = env.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        return kind(raw)
    except ValueError:
        raise ValueError(f"{name}: expected a number, got {raw!r}") from None

"""Calendar settings: the policy numbers `planner calendar` needs beyond the tier rules.

They live in an optional `calendar:` section of the policy YAML:

    calendar:
      hours_per_day: 8          # working time per day, travel included
      day_start: "09:00"        # when the manager leaves home
      working_weekdays: [mon, tue, wed, thu, fri]
      timezone: Asia/Shanghai   # IANA name written into the .ics files; blank = floating local time

Until `Policy` embeds this model as `Policy.calendar`, `load_policies` splits the section off
the YAML before the rest is validated as a `Policy`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from planner.errors import InputError, InputProblem
from planner.models import Policy

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAY_NAMES = {
    **{w: i for i, w in enumerate(WEEKDAYS)},
    **{
        name: i
        for i, name in enumerate(
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        )
    },
}


def parse_weekdays(text: str) -> frozenset[int]:
    """'mon;tue;thu' (also ',' or spaces, full names, any case) -> {0, 1, 3}. Raises ValueError."""
    tokens = [t.strip().lower() for t in text.replace(",", ";").replace(" ", ";").split(";") if t.strip()]
    unknown = [t for t in tokens if t not in _WEEKDAY_NAMES]
    if unknown:
        raise ValueError(
            f"unknown weekday(s) {', '.join(map(repr, unknown))}; use mon, tue, wed, thu, fri, sat, sun"
        )
    if not tokens:
        raise ValueError("no weekday given")
    return frozenset(_WEEKDAY_NAMES[t] for t in tokens)


def parse_clock(text: str) -> int:
    """'09:30' -> 570 minutes after midnight. Raises ValueError."""
    try:
        hours, minutes = text.strip().split(":")
        value = int(hours) * 60 + int(minutes)
    except ValueError:
        raise ValueError(f"time {text!r} is not HH:MM") from None
    if not (0 <= int(hours) <= 24 and 0 <= int(minutes) < 60 and value <= 24 * 60):
        raise ValueError(f"time {text!r} is not a time of day")
    return value


def format_clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


class CalendarPolicy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    hours_per_day: float = Field(default=8.0, gt=0, le=24)
    day_start: str = "09:00"
    working_weekdays: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
    timezone: str | None = None

    @field_validator("day_start")
    @classmethod
    def _clock(cls, value: str) -> str:
        parse_clock(value)
        return value

    @field_validator("working_weekdays")
    @classmethod
    def _weekdays(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        parse_weekdays(";".join(value))
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(
                    f"unknown time zone {value!r} (use an IANA name such as Asia/Shanghai)"
                ) from None
        return value or None

    @property
    def day_start_minutes(self) -> int:
        return parse_clock(self.day_start)

    @property
    def minutes_per_day(self) -> int:
        return round(self.hours_per_day * 60)

    @property
    def weekday_set(self) -> frozenset[int]:
        return parse_weekdays(";".join(self.working_weekdays))

    def day_start_time(self) -> dt.time:
        m = self.day_start_minutes
        return dt.time(m // 60 % 24, m % 60)


def load_policies(path: Path | None) -> tuple[Policy, CalendarPolicy]:
    """The policy and its calendar section from one YAML file (defaults without a file)."""
    if path is None:
        return Policy(), CalendarPolicy()
    path = Path(path)
    if not path.exists():
        raise InputError([InputProblem(str(path), None, None, "file not found")])
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputError([InputProblem(path.name, None, None, f"not valid YAML ({exc})")]) from None
    if not isinstance(data, dict):
        raise InputError([InputProblem(path.name, None, None, "must be a mapping of policy fields")])
    embedded = "calendar" in Policy.model_fields
    section = data.get("calendar") or {}
    rest = data if embedded else {k: v for k, v in data.items() if k != "calendar"}
    policy = _validate(Policy, rest, path.name, "")
    if embedded:
        calendar = getattr(policy, "calendar", None)
        if isinstance(calendar, CalendarPolicy):
            return policy, calendar
    return policy, _validate(CalendarPolicy, section, path.name, "calendar.")


def _validate(model: Any, data: Any, name: str, prefix: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InputError(
            [
                InputProblem(name, None, prefix + ".".join(str(p) for p in e["loc"]) or None, str(e["msg"]))
                for e in exc.errors()
            ]
        ) from None

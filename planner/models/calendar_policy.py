"""Calendar settings: the policy numbers `planner calendar` needs beyond the tier rules.

They live in an optional `calendar:` section of the policy YAML:

    calendar:
      hours_per_day: 8          # working time per day, travel included
      day_start: "09:00"        # when the manager leaves home
      working_weekdays: [mon, tue, wed, thu, fri]
      timezone: Asia/Shanghai   # IANA name written into the .ics files; blank = floating local time

A domain model like the rest of `planner.models` (pydantic only): `Policy.calendar` embeds
`CalendarPolicy`, and `planner.calendar` reads it from there.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

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

    @property
    def hours_per_month(self) -> float:
        """Working time a month holds by this calendar before holidays and leave: working days a
        week x 52/12 weeks x hours a day (5 x 8 h: 173.3 h)."""
        return len(self.weekday_set) * 52 / 12 * self.hours_per_day

    def day_start_time(self) -> dt.time:
        m = self.day_start_minutes
        return dt.time(m // 60 % 24, m % 60)

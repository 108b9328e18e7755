"""Request and response bodies of the visit-calendar routes. The request mirrors the options of
`planner calendar` (--start, --weeks, --country, --leave, --availability, the policy's
`calendar:` section, --time-limit, --seed); the answer holds what it writes (visits.csv,
summary.json; the .ics files have their own route)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import holidays
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from planner.calendar.policy import CalendarPolicy, parse_clock, parse_weekdays

# The holiday tables and the date arithmetic of the horizon need a plausible year.
EARLIEST_START = dt.date(2000, 1, 1)
LATEST_START = dt.date(2099, 12, 31)
MAX_WEEKS = 53
MAX_TIME_LIMIT_SECONDS = 600.0


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LeaveIn(_In):
    """A manager away from `start` to `end` (inclusive; one day without `end`), as in leave.csv."""

    manager_id: str = Field(min_length=1, max_length=100)
    start: dt.date
    end: dt.date | None = None

    @field_validator("end")
    @classmethod
    def _ordered(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        start = info.data.get("start")
        if value is not None and start is not None and value < start:
            raise ValueError(f"end {value} is before start {start}")
        return value


class AvailabilityIn(_In):
    """When an account can be visited, as in availability.csv."""

    account_id: str = Field(min_length=1, max_length=100)
    weekdays: list[str] | None = Field(default=None, description="e.g. [mon, tue, thu]; default any day")
    window_start: str | None = Field(default=None, description="HH:MM; the visit starts no earlier")
    window_end: str | None = Field(default=None, description="HH:MM; the visit ends no later")

    @field_validator("weekdays")
    @classmethod
    def _weekdays(cls, value: list[str] | None) -> list[str] | None:
        if value is not None:
            parse_weekdays(";".join(value))
        return value

    @field_validator("window_start")
    @classmethod
    def _clock(cls, value: str | None) -> str | None:
        if value:
            parse_clock(value)
        return value or None

    @field_validator("window_end")
    @classmethod
    def _window(cls, value: str | None, info: ValidationInfo) -> str | None:
        if not value:
            return None
        hi = parse_clock(value)
        if "window_start" in info.data and hi <= parse_clock(info.data["window_start"] or "00:00"):
            raise ValueError(f"window ends ({value}) before it starts ({info.data['window_start']})")
        return value


class CalendarIn(_In):
    start: dt.date = Field(description="first day of the calendar")
    weeks: int = Field(ge=1, le=MAX_WEEKS, description="length of the calendar in weeks")
    country: str | None = Field(
        default=None,
        description="ISO 3166 code for public holidays and make-up working days, e.g. CN; none: weekdays only",
    )
    leave: list[LeaveIn] = Field(default_factory=list)
    availability: list[AvailabilityIn] = Field(default_factory=list)
    settings: CalendarPolicy | None = Field(
        default=None,
        description="hours_per_day, day_start, working_weekdays, timezone; default: the `calendar` "
        "section of the data set's policy",
    )
    time_limit_seconds: float = Field(default=30.0, gt=0, le=MAX_TIME_LIMIT_SECONDS, allow_inf_nan=False)
    seed: int = Field(default=0, ge=0, le=2**31 - 1)

    @field_validator("start")
    @classmethod
    def _plausible(cls, value: dt.date) -> dt.date:
        if not EARLIEST_START <= value <= LATEST_START:
            raise ValueError(f"{value} is outside {EARLIEST_START} .. {LATEST_START}")
        return value

    @field_validator("country")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        code = value.strip().upper() if value else None
        if code and code not in holidays.list_supported_countries():
            raise ValueError(f"unknown country code {value!r} (use ISO 3166 alpha-2, e.g. CN)")
        return code


CalendarStatus = Literal["queued", "running", "succeeded", "failed", "cancelled"]


class VisitOut(BaseModel):
    """One line of visits.csv."""

    manager_id: str
    date: dt.date
    start: str  # HH:MM
    end: str
    account_id: str
    sequence: int  # 1-based order within the manager's day
    travel_minutes_before: int
    # The night after this day is spent away from home, near the day's last visit (an overnight
    # trip to accounts too far for a day trip); the next day starts there.
    night_away: bool = False
    # A team plan's calendar only (account teams, #19); absent otherwise.
    role: str | None = Field(
        default=None,
        exclude_if=lambda v: v is None,
        description="a team plan's calendar: the person's role on the account (account_manager or a "
        "team role); absent in a calendar of a plan without teams",
    )
    joint_with: str | None = Field(
        default=None,
        exclude_if=lambda v: v is None,
        description="a joint visit: the other person there, who starts it on the same day at the same "
        "time; absent on every other visit",
    )


class JointVisitOut(BaseModel):
    """A joint visit placed: the account manager and the team role's holder on one day, one start."""

    account_id: str
    manager_id: str = Field(description="the account manager")
    partner_id: str | None = Field(description="the holder of `role` on the account")
    role: str = Field(description="the partner's role, e.g. technical_support")
    date: dt.date
    start: str  # HH:MM


class JointVisitMissOut(BaseModel):
    """A joint visit the policy asks for that the calendar could not place, and why."""

    account_id: str
    manager_id: str
    partner_id: str | None = Field(description="null: the plan leaves the role's slot unfilled")
    role: str
    window_start: dt.date = Field(description="first day of the window the visit was due in")
    window_end: dt.date
    reason: str | None = Field(description="why, in words")


class JointVisitsOut(BaseModel):
    """Joint visits (policy teams.joint_visits) over the horizon: asked, placed, and not placed with why."""

    asked: int
    placed: int
    visits: list[JointVisitOut]
    not_placed: list[JointVisitMissOut]


class DayOffOut(BaseModel):
    date: dt.date
    reason: str  # "holiday: <name>", "not a working weekday (sat)", "leave", "manager inactive"


class CalendarManagerOut(BaseModel):
    manager_id: str
    accounts: int
    working_days: int
    required_visits: int
    planned_visits: int
    missed_visits: int
    missed_hours: float
    travel_hours: float
    visit_hours: float
    # Overnight trips to accounts too far for a day trip (planner.calendar.trips); 0 in calendars
    # built before trips.
    trips: int = 0
    nights_away: int = 0
    remote_accounts: list[str] = Field(
        default_factory=list, description="accounts visited on overnight trips"
    )
    ics: str = Field(description="path of the manager's .ics file")
    own_days_off: list[DayOffOut] = Field(
        default_factory=list, description="days off of this manager alone (leave), beside `days_off`"
    )


class ShortfallOut(BaseModel):
    """An account with fewer visits than its tier asks for, and why (see planner.calendar.summary)."""

    account_id: str
    manager_id: str
    tier: str
    required: int
    planned: int
    missing: int
    reason: str
    # The plan's service level the visits are due at: "full" or a reduced level's name.
    level: str = "full"
    role: str | None = Field(
        default=None,
        description="a team plan's calendar: the role of the person whose visits fall short "
        "(account_manager or a team role); absent in a calendar of a plan without teams",
    )


class CalendarOut(BaseModel):
    id: str
    plan_id: str
    dataset_id: str
    status: CalendarStatus
    request: dict[str, Any]
    error: str | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    created_by: str
    # Filled once the calendar has succeeded:
    managers: list[CalendarManagerOut] = Field(default_factory=list)
    shortfall: list[ShortfallOut] = Field(default_factory=list)
    visits: list[VisitOut] = Field(default_factory=list)
    days_off: list[DayOffOut] = Field(
        default_factory=list, description="days of the horizon nobody works (holidays, weekends), with why"
    )
    extra_working_days: list[dt.date] = Field(
        default_factory=list, description="weekend days worked because the country moved a working day there"
    )
    summary: dict[str, Any] | None = Field(
        default=None, description="summary.json as `planner calendar` writes it"
    )
    joint_visits: JointVisitsOut | None = Field(
        default=None,
        exclude_if=lambda v: v is None,
        description="a team plan's calendar whose policy asks for joint visits (summary.joint_visits); "
        "absent otherwise",
    )

"""Which dates are working days: weekdays, minus public holidays, plus official make-up days.

Countries such as China move working days onto weekends around long holidays (调休): a
Saturday can be a working day and a weekday a holiday. The `holidays` package knows both:
`HolidayBase.is_working_day` answers True for a listed make-up weekend day
(`weekend_workdays`) and False for a (substituted) holiday. A manager's own working weekdays
come from the calendar policy; a make-up day counts even when it falls outside them.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from functools import cached_property

import holidays

from planner.errors import InputError, InputProblem
from planner.models.calendar_policy import WEEKDAYS

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Horizon:
    start: dt.date
    weeks: int

    @property
    def n_days(self) -> int:
        return 7 * self.weeks

    @property
    def end(self) -> dt.date:
        """Last day of the horizon (inclusive)."""
        return self.start + dt.timedelta(days=self.n_days - 1)

    def date(self, day: int) -> dt.date:
        return self.start + dt.timedelta(days=day)

    def day(self, date: dt.date) -> int:
        return (date - self.start).days

    def contains(self, date: dt.date) -> bool:
        return 0 <= self.day(date) < self.n_days


@dataclass(frozen=True)
class WorkCalendar:
    """Working days of the horizon for everybody (leave is per manager, applied elsewhere)."""

    horizon: Horizon
    country: str | None
    weekdays: frozenset[int]

    @cached_property
    def _holidays(self) -> holidays.HolidayBase | None:
        if not self.country:
            return None
        years = range(self.horizon.start.year, self.horizon.end.year + 1)
        return holidays.country_holidays(self.country, years=years)

    def holiday_gaps(self) -> list[str]:
        """Years of the horizon the installed `holidays` package does not cover, in words.

        Without this the calendar would plan straight through a holiday it does not know of.
        Two kinds of gap: a year outside the country's known range, and, for countries that move
        holidays and working days by yearly decree (China's 调休), a year past the last decree
        the package holds: there only the fixed-date holidays are known, no make-up days."""
        hol = self._holidays
        if hol is None:
            return []
        years = list(range(self.horizon.start.year, self.horizon.end.year + 1))
        version = getattr(holidays, "__version__", "?")
        first, last = getattr(hol, "start_year", None), getattr(hol, "end_year", None)
        outside = [y for y in years if (first and y < first) or (last and y > last)]
        out = []
        if outside:
            out.append(
                f"holidays {version} has no {self.country} public holidays for {', '.join(map(str, outside))}; "
                "those days are planned as ordinary working days"
            )
        decreed = getattr(hol, "special_public_holidays", None) or {}
        if getattr(hol, "has_substituted_holidays", False) and decreed:
            newest = max(decreed)
            late = [y for y in years if y > newest and y not in outside]
            if late:
                out.append(
                    f"holidays {version} has {self.country}'s official holiday schedule up to {newest}; "
                    f"{', '.join(map(str, late))} is planned with the fixed-date holidays only, without the "
                    "moved holidays and make-up working days (upgrade: pip install -U holidays)"
                )
        return out

    def is_working(self, date: dt.date) -> bool:
        return self.reason_off(date) is None

    def reason_off(self, date: dt.date) -> str | None:
        """None on a working day; otherwise why not: 'holiday: <name>' or 'weekend'."""
        hol = self._holidays
        if hol is not None:
            if date in hol.weekend_workdays:
                return None  # make-up working day
            if date in hol:
                return f"holiday: {hol.get(date)}"
        if date.weekday() not in self.weekdays:
            return f"not a working weekday ({WEEKDAYS[date.weekday()]})"
        return None

    def extra_working_days(self) -> list[str]:
        """Days of the horizon worked only because the country moved a working day there
        (make-up days, 调休), as ISO dates."""
        hol = self._holidays
        if hol is None:
            return []
        dates = (self.horizon.date(d) for d in range(self.horizon.n_days))
        return [
            d.isoformat() for d in dates if d in hol.weekend_workdays and d.weekday() not in self.weekdays
        ]

    def days_off(self) -> list[dict[str, str]]:
        """Every day of the horizon nobody works, with why: for calendars people read."""
        out = []
        for d in range(self.horizon.n_days):
            date = self.horizon.date(d)
            reason = self.reason_off(date)
            if reason is not None:
                out.append({"date": date.isoformat(), "reason": reason})
        return out

    @cached_property
    def working(self) -> tuple[bool, ...]:
        """Per horizon day: a working day for everybody?"""
        return tuple(self.is_working(self.horizon.date(d)) for d in range(self.horizon.n_days))


def make_calendar(start: str, weeks: int, country: str | None, weekdays: frozenset[int]) -> WorkCalendar:
    """Validate the command-line horizon and country; errors name the option."""
    problems: list[InputProblem] = []
    try:
        first = dt.date.fromisoformat(start)
    except (TypeError, ValueError):
        problems.append(InputProblem("--start", None, None, f"{start!r} is not a date (YYYY-MM-DD)"))
        first = dt.date(2000, 1, 3)
    if weeks < 1:
        problems.append(InputProblem("--weeks", None, None, f"must be at least 1 (got {weeks})"))
    code = country.strip().upper() if country else None
    if code and code not in holidays.list_supported_countries():
        problems.append(
            InputProblem(
                "--country", None, None, f"unknown country code {country!r} (use ISO 3166 alpha-2, e.g. CN)"
            )
        )
    if problems:
        raise InputError(problems)
    work = WorkCalendar(Horizon(first, weeks), code, weekdays)
    for gap in work.holiday_gaps():
        log.warning("%s", gap)
    return work

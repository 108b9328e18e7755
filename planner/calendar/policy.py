"""The calendar policy, re-exported: the model lives in `planner.models.calendar_policy`.

Kept so that `from planner.calendar.policy import CalendarPolicy` (the API's schemas, older
code) still works; new code imports from `planner.models.calendar_policy`.
"""

from planner.models.calendar_policy import (
    WEEKDAYS,
    CalendarPolicy,
    format_clock,
    parse_clock,
    parse_weekdays,
)

__all__ = ["WEEKDAYS", "CalendarPolicy", "format_clock", "parse_clock", "parse_weekdays"]

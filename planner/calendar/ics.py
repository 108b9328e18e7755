"""One iCalendar file (RFC 5545) per manager, one event per visit, for Outlook or Google.

Events carry a stable UID (manager, account, date, sequence), so re-importing an updated
calendar replaces events instead of duplicating them. Times are floating local times unless
the calendar policy names a time zone, in which case they carry a TZID and the file embeds
the VTIMEZONE definition.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from planner.calendar.visits import Visit
from planner.models import Dataset

PRODID = "-//keyaccount-planner//planner calendar//EN"


def ics_filename(manager_id: str) -> str:
    """A file name safe on every system; distinct ids stay distinct except for odd characters."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", manager_id) + ".ics"


def ics_stamp(start: dt.date) -> dt.datetime:
    """DTSTAMP from the horizon start, not the clock: the same plan gives the same files."""
    return dt.datetime.combine(start, dt.time(), tzinfo=dt.UTC)


def manager_calendar(
    manager_id: str, visits: list[Visit], dataset: Dataset, timezone: str | None, stamp: dt.datetime
) -> Calendar:
    zone = ZoneInfo(timezone) if timezone else None
    manager = dataset.manager_by_id.get(manager_id)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"Visits {manager.name or manager_id}" if manager else f"Visits {manager_id}")
    for v in visits:
        account = dataset.account_by_id.get(v.account_id)
        name = account.name if account and account.name else v.account_id
        event = Event()
        event.add("uid", f"{manager_id}-{v.account_id}-{v.date.isoformat()}-{v.sequence}@keyaccount-planner")
        event.add("dtstamp", stamp)
        event.add("dtstart", _at(v.date, v.start, zone))
        event.add("dtend", _at(v.date, v.end, zone))
        event.add("summary", f"Visit {name}")
        event.add(
            "description",
            f"Account {v.account_id}; visit {v.sequence} of the day; {v.travel_minutes_before} min travel before",
        )
        if account and account.lat is not None and account.lon is not None:
            event.add("geo", (account.lat, account.lon))
            event.add("location", f"{account.lat:.5f},{account.lon:.5f}")
        event.add("transp", "OPAQUE")
        cal.add_component(event)
    if zone is not None:
        cal.add_missing_timezones()
    return cal


def write_ics(
    directory: Path,
    visits: list[Visit],
    dataset: Dataset,
    managers: list[str],
    timezone: str | None,
    stamp: dt.datetime,
) -> list[Path]:
    by_manager: dict[str, list[Visit]] = {m: [] for m in managers}
    for v in visits:
        by_manager.setdefault(v.manager_id, []).append(v)
    written = []
    for manager_id, own in by_manager.items():
        path = Path(directory) / ics_filename(manager_id)
        path.write_bytes(manager_calendar(manager_id, own, dataset, timezone, stamp).to_ical())
        written.append(path)
    return written


def _at(date: dt.date, minutes: int, zone: ZoneInfo | None) -> dt.datetime:
    moment = dt.datetime.combine(date, dt.time()) + dt.timedelta(minutes=minutes)
    return moment.replace(tzinfo=zone) if zone else moment

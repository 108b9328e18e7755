"""One iCalendar file (RFC 5545) per manager, one event per visit, for Outlook or Google.

Events carry a stable UID (manager, account, date; a second visit of the same account on the
same day gets a suffix), so re-publishing a calendar in which a visit keeps its day updates the
event instead of duplicating it, even when other visits of that day moved. Times carry a TZID
and the file embeds the VTIMEZONE definition: the calendar policy's time zone, or else the
principal zone of the calendar's country (zone.tab's first for it: Asia/Shanghai for CN); with
neither they are floating local times.
"""

from __future__ import annotations

import datetime as dt
import importlib.resources
import re
import zoneinfo
from functools import cache
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from planner.calendar.visits import Visit
from planner.models import Dataset

PRODID = "-//keyaccount-planner//planner calendar//EN"


def ics_filename(manager_id: str) -> str:
    """A file name safe on every system; distinct ids stay distinct except for odd characters."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", manager_id) + ".ics"


def ics_content_disposition(manager_id: str) -> str:
    """RFC 6266: an ASCII fallback name for old clients and the real one, UTF-8 and percent-encoded
    (RFC 8187), so that 张伟's file is 张伟.ics and not __.ics."""
    real = re.sub(r'[\x00-\x1f\x7f/\\:*?"<>|]', "_", manager_id) + ".ics"
    return f"attachment; filename=\"{ics_filename(manager_id)}\"; filename*=UTF-8''{quote(real, safe='')}"


def calendar_zone(timezone: str | None, country: str | None) -> str | None:
    """The time zone a calendar's times are in: the policy's, else the country's principal zone."""
    if timezone:
        return timezone
    return _principal_zones().get(country.upper()) if country else None


@cache
def _principal_zones() -> dict[str, str]:
    """Country code -> its first zone in zone.tab, which lists the most populous zone first."""
    text = None
    try:
        text = importlib.resources.files("tzdata").joinpath("zoneinfo/zone.tab").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        for folder in zoneinfo.TZPATH:
            path = Path(folder) / "zone.tab"
            if path.is_file():
                text = path.read_text(encoding="utf-8")
                break
    zones: dict[str, str] = {}
    for line in (text or "").splitlines():
        if line and not line.startswith("#"):
            fields = line.split("\t")
            if len(fields) >= 3:
                zones.setdefault(fields[0], fields[2])
    return zones


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
    seen: dict[str, int] = {}
    for v in sorted(visits, key=lambda v: (v.date, v.start, v.account_id)):
        account = dataset.account_by_id.get(v.account_id)
        name = account.name if account and account.name else v.account_id
        event = Event()
        # Not the visit's place in the day: another visit moving would change it.
        uid = f"{manager_id}-{v.account_id}-{v.date.isoformat()}"
        seen[uid] = seen.get(uid, 0) + 1
        suffix = "" if seen[uid] == 1 else f"-{seen[uid]}"
        event.add("uid", f"{uid}{suffix}@keyaccount-planner")
        event.add("dtstamp", stamp)
        event.add("dtstart", _at(v.date, v.start, zone))
        event.add("dtend", _at(v.date, v.end, zone))
        partner = dataset.manager_by_id.get(v.joint_with) if v.joint_with else None
        with_ = (
            f" with {partner.name or v.joint_with}"
            if partner
            else (f" with {v.joint_with}" if v.joint_with else "")
        )
        event.add("summary", f"{'Joint visit' if v.joint_with else 'Visit'} {name}{with_}")
        as_role = f" as {v.role.replace('_', ' ')}" if v.role else ""
        event.add(
            "description",
            f"Account {v.account_id}{as_role}; visit {v.sequence} of the day; "
            f"{v.travel_minutes_before} min travel before",
        )
        if account and account.lat is not None and account.lon is not None:
            event.add("geo", (account.lat, account.lon))
            event.add("location", f"{account.lat:.5f},{account.lon:.5f}")
        event.add("transp", "OPAQUE")
        cal.add_component(event)
    for v in _last_before_nights(visits):
        # A night away (an overnight trip): from the day's last visit to the next morning, near it.
        account = dataset.account_by_id.get(v.account_id)
        name = account.name if account and account.name else v.account_id
        night = Event()
        night.add("uid", f"{manager_id}-night-{v.date.isoformat()}@keyaccount-planner")
        night.add("dtstamp", stamp)
        night.add("dtstart", _at(v.date, v.end, zone))
        night.add("dtend", _at(v.date + dt.timedelta(days=1), 0, zone))
        night.add("summary", f"Night away near {name}")
        night.add("description", f"Overnight trip: the next day starts near account {v.account_id}")
        if account and account.lat is not None and account.lon is not None:
            night.add("geo", (account.lat, account.lon))
        night.add("transp", "TRANSPARENT")
        cal.add_component(night)
    if zone is not None:
        cal.add_missing_timezones()
    return cal


def _last_before_nights(visits: list[Visit]) -> list[Visit]:
    """The last visit of each day after which the manager stays away overnight."""
    last: dict[dt.date, Visit] = {}
    for v in visits:
        if v.night_away and (v.date not in last or v.sequence > last[v.date].sequence):
            last[v.date] = v
    return [last[d] for d in sorted(last)]


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

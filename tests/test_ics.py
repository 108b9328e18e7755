"""The .ics files a calendar app subscribes to or imports (#16): UTF-8 file names (RFC 6266),
the time zone's VTIMEZONE, and UIDs that stay the same when a visit is published again."""

from __future__ import annotations

import datetime as dt
from urllib.parse import unquote

from planner.calendar.ics import calendar_zone, ics_content_disposition, manager_calendar
from planner.calendar.visits import Visit
from planner.models import Account, Dataset, Manager, Policy

DAY = dt.date(2024, 3, 4)
STAMP = dt.datetime(2024, 3, 4, tzinfo=dt.UTC)
DATASET = Dataset(
    managers=(Manager(manager_id="张伟", name="张伟", capacity_hours=100),),
    accounts=tuple(Account(account_id=a, name=f"Account {a}") for a in ("A1", "A2", "A3")),
    policy=Policy(),
)


def visit(account: str, start: int, sequence: int, date: dt.date = DAY) -> Visit:
    return Visit("张伟", date, start, start + 60, account, sequence, 0)


def uids(visits: list[Visit], timezone: str | None = None) -> dict[str, tuple[dt.datetime, str]]:
    cal = manager_calendar("张伟", visits, DATASET, timezone, STAMP)
    return {str(e["uid"]): (e.decoded("dtstart"), str(e["summary"])) for e in cal.walk("VEVENT")}


def test_a_chinese_manager_id_downloads_under_its_own_name() -> None:
    header = ics_content_disposition("张伟")
    # Old clients take the ASCII fallback; RFC 6266 clients the UTF-8 name.
    assert header.startswith('attachment; filename="__.ics"; ')
    encoded = header.split("filename*=UTF-8''")[1]
    assert encoded.isascii() and unquote(encoded) == "张伟.ics"
    assert unquote(ics_content_disposition('a/b"c').split("''")[1]) == "a_b_c.ics"  # no path, no quote


def test_times_carry_the_calendar_time_zone_with_its_definition() -> None:
    assert calendar_zone("Europe/Berlin", "CN") == "Europe/Berlin"  # the policy's zone wins
    assert calendar_zone(None, "CN") == "Asia/Shanghai"
    assert calendar_zone(None, None) is None
    text = manager_calendar("张伟", [visit("A1", 9 * 60, 1)], DATASET, "Asia/Shanghai", STAMP).to_ical()
    assert b"BEGIN:VTIMEZONE" in text and b"TZID:Asia/Shanghai" in text
    assert b"DTSTART;TZID=Asia/Shanghai:20240304T090000" in text


def test_a_visit_published_again_keeps_its_uid() -> None:
    first = uids([visit("A1", 9 * 60, 1), visit("A2", 11 * 60, 2)])
    # Re-published after a change: A3 now comes first that day, A2 moved later, A1 is second.
    again = uids([visit("A3", 9 * 60, 1), visit("A1", 10 * 60 + 30, 2), visit("A2", 13 * 60, 3)])
    for uid, (_, summary) in first.items():
        assert uid in again and again[uid][1] == summary  # the same event, updated in place
    assert len(again) == 3 and len(set(again)) == 3
    # The same account twice in a day: two events, two UIDs, stable too.
    twice = uids([visit("A1", 9 * 60, 1), visit("A1", 14 * 60, 2)])
    assert len(twice) == 2 and twice.keys() == uids([visit("A1", 14 * 60, 2), visit("A1", 9 * 60, 1)]).keys()

"""`check-calendar` catches each kind of broken rule, named, with manager, account and date.

A valid calendar is planned once for the toy of test_calendar.py; each test breaks one rule
by editing the visits, as a person editing visits.csv would.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from test_calendar import plan_toy, write_toy

from planner.calendar.check import check_calendar
from planner.calendar.visits import Visit, plan_visits


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    folder = tmp_path_factory.mktemp("check")
    paths = write_toy(
        folder,
        leave=[("M2", "2024-02-05", "2024-02-09")],
        availability=[("A5", "sun", "", ""), ("A2", "", "10:00", "16:00")],
    )
    inputs, plan = plan_toy(paths)
    visits = plan_visits(plan)
    assert check_calendar(inputs, visits) == []
    return inputs, visits


def _one(visits: list[Visit], account: str) -> Visit:
    return next(v for v in visits if v.account_id == account)


def _replace(visits: list[Visit], old: Visit, **changes) -> list[Visit]:
    return [dataclasses.replace(v, **changes) if v is old else v for v in visits]


def _rules(inputs, visits) -> dict[str, list]:
    out: dict[str, list] = {}
    for v in check_calendar(inputs, visits):
        out.setdefault(v.rule, []).append(v)
    return out


def _move(visits: list[Visit], account: str, date: dt.date) -> list[Visit]:
    """Move a visit to another date, alone on that day, at a plausible time."""
    v = _one(visits, account)
    others = [x for x in visits if x is not v and (x.manager_id, x.date) != (v.manager_id, date)]
    length = v.end - v.start
    return [*others, dataclasses.replace(v, date=date, start=11 * 60, end=11 * 60 + length, sequence=1)]


@pytest.mark.parametrize(
    ("account", "date", "rule"),
    [
        ("A1", dt.date(2024, 2, 12), "holiday"),  # Spring Festival
        ("A1", dt.date(2024, 2, 3), "not_working_day"),  # plain Saturday
        ("A3", dt.date(2024, 2, 7), "leave"),  # M2's leave
        ("A1", dt.date(2024, 3, 5), "outside_horizon"),
        ("A5", dt.date(2024, 2, 20), "availability"),  # A5 only on Sundays
    ],
)
def test_days_off_and_availability(planned, account, date, rule):
    inputs, visits = planned
    found = _rules(inputs, _move(visits, account, date))
    assert rule in found
    v = found[rule][0]
    assert v.account_id == account and v.date == date and v.manager_id in ("M1", "M2")


def test_missing_and_extra_visits_break_frequency(planned):
    inputs, visits = planned
    a2 = _one(visits, "A2")
    found = _rules(inputs, [v for v in visits if v is not a2])
    assert [(v.rule, v.account_id) for v in found["frequency"]] == [("frequency", "A2")]
    extra = dataclasses.replace(
        a2, date=a2.date + dt.timedelta(days=7 if a2.date.day < 20 else -7), sequence=9
    )
    found = _rules(inputs, [*visits, extra])
    assert "frequency" in found or "spacing" in found


def test_spacing(planned):
    inputs, visits = planned
    a1 = _one(visits, "A1")
    others = [
        v
        for v in visits
        if v.account_id != "A1"
        and (v.manager_id, v.date) not in {("M1", dt.date(2024, 2, 2)), ("M1", dt.date(2024, 2, 5))}
    ]
    close = [
        dataclasses.replace(a1, date=dt.date(2024, 2, d), start=11 * 60, end=14 * 60, sequence=1)
        for d in (2, 5)
    ]
    found = _rules(inputs, others + close)
    assert [(v.account_id, v.date) for v in found["spacing"]] == [("A1", dt.date(2024, 2, 5))]
    assert {v.account_id for v in found["frequency"]} == {
        "A1"
    }  # two in the first fortnight, none in the second


def test_duplicate_visit_same_day(planned):
    inputs, visits = planned
    a1 = _one(visits, "A1")
    twin = dataclasses.replace(
        a1, start=a1.end + 60, end=a1.end + 60 + (a1.end - a1.start), sequence=a1.sequence + 10
    )
    found = _rules(inputs, [*visits, twin])
    assert found["duplicate_visit"][0].account_id == "A1"


def test_clock_rules(planned):
    inputs, visits = planned
    a1 = _one(visits, "A1")
    found = _rules(inputs, _replace(visits, a1, end=a1.end - 30))
    assert found["visit_duration"][0].account_id == "A1"
    found = _rules(inputs, _replace(visits, a1, start=8 * 60, end=8 * 60 + (a1.end - a1.start)))
    assert found["timing"][0].account_id == "A1"  # before the day starts
    a2 = _one(visits, "A2")
    found = _rules(inputs, _replace(visits, a2, start=16 * 60 - 60, end=16 * 60 + 60))
    assert found["time_window"][0].account_id == "A2"


def test_daily_hours(planned):
    inputs, visits = planned
    a1 = _one(visits, "A1")
    late = dataclasses.replace(a1, start=15 * 60, end=18 * 60)
    found = _rules(inputs, _replace(visits, a1, start=late.start, end=late.end))
    assert found["daily_hours"][0].manager_id == "M1" and found["daily_hours"][0].date == a1.date
    # Four long visits on one day cannot fit eight hours even driven perfectly.
    day = dt.date(2024, 2, 20)
    crowd = [v for v in visits if not (v.manager_id == "M1" and v.date == day)]
    crowd = [v for v in crowd if v.account_id not in ("A1", "A2", "A6")]
    stack = [
        Visit("M1", day, 9 * 60 + 30 + 190 * i, 9 * 60 + 30 + 190 * i + 180, a, i + 1, 10)
        for i, a in enumerate(("A1", "A2", "A6"))
    ]
    found = _rules(inputs, crowd + stack)
    assert "daily_hours" in found


def test_ids(planned):
    inputs, visits = planned
    a1 = _one(visits, "A1")
    assert "wrong_manager" in _rules(inputs, _replace(visits, a1, manager_id="M2"))
    assert "unknown_manager" in _rules(inputs, _replace(visits, a1, manager_id="M9"))
    assert "unknown_account" in _rules(inputs, _replace(visits, a1, account_id="Z9"))

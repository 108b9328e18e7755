"""Overnight trips (#13 item 3, planner/calendar/trips.py): accounts too far for a day trip are
visited on trips of consecutive working days, nights away near the day's last visit, home before
a day off; the check follows the nights as visits.csv writes them.

The toy (by road only, the toys' default): a manager in Hangzhou; two strategic accounts in
Shanghai, 214 road km = 3.6 h away (a 3-hour visit and the road both ways: 10.1 h, over an 8-hour
day), one key account next door.
Four weeks from Monday 4 January 2027, Monday to Friday, no holidays."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
from toys import acc, dataset, mgr

from planner.calendar.build import make_inputs
from planner.calendar.check import check_calendar
from planner.calendar.ics import manager_calendar
from planner.calendar.inputs import Assignment
from planner.calendar.solve import plan_calendar
from planner.calendar.summary import build_summary
from planner.calendar.trips import plan_trips
from planner.calendar.visits import Visit, plan_visits, read_visits, write_visits
from planner.calendar.workdays import make_calendar
from planner.pvrp.problem import PeriodicProblem, WindowRule

HANGZHOU = {"home_lat": 30.27, "home_lon": 120.15}


def _inputs(*far: tuple[float, float]):  # type: ignore[no-untyped-def]
    accounts = [acc("K1", tier="key", lat=30.28, lon=120.16)]
    accounts += [acc(f"S{k}", tier="strategic", lat=lat, lon=lon) for k, (lat, lon) in enumerate(far, 1)]
    ds = dataset([mgr("M1", seniority="principal", **HANGZHOU)], accounts)
    work = make_calendar("2027-01-04", 4, None, frozenset(range(5)))
    owner = {a.account_id: "M1" for a in accounts}
    return make_inputs(ds, Assignment(manager_of=owner, tier_of={}, unassigned=()), work, {}, {})


def test_far_accounts_are_visited_on_overnight_trips_that_the_check_accepts(tmp_path: Path) -> None:
    inputs = _inputs((31.23, 121.47), (31.20, 121.44))
    plan = plan_calendar(inputs, time_limit_s=2, seed=1, workers=1)
    visits = plan_visits(plan)
    assert check_calendar(inputs, visits) == []
    summary = build_summary(plan, visits, [])
    # Strategic every 13/6 weeks over 4 weeks: 2 visits each; key monthly: 1.
    assert summary["visits"]["required"] == summary["visits"]["planned"] == 5
    (m,) = summary["managers"]
    assert m["remote_accounts"] == ["S1", "S2"] and m["trips"] >= 1 and m["nights_away"] >= 1
    nights = {v.date for v in visits if v.night_away}
    # Every night away is followed by a working day (never a Friday night), and the two Shanghai
    # accounts share their trips' days: one trip serves the city.
    assert nights and all(d.weekday() < 4 for d in nights)
    far_days = {v.date for v in visits if v.account_id in ("S1", "S2")}
    assert len(far_days) <= 2 * m["trips"]
    # visits.csv keeps the nights; the .ics shows them.
    write_visits(tmp_path / "visits.csv", visits)
    assert [v.night_away for v in read_visits(tmp_path)] == [v.night_away for v in visits]
    ics = manager_calendar("M1", visits, inputs.dataset, None, dt.datetime(2027, 1, 1)).to_ical().decode()
    assert ics.count("SUMMARY:Night away near") == len(nights)


def test_a_night_away_before_a_weekend_or_with_no_flag_is_refused() -> None:
    inputs = _inputs((31.23, 121.47))
    visits = plan_visits(plan_calendar(inputs, time_limit_s=2, seed=1, workers=1))
    trip = [v for v in visits if v.account_id == "S1"]
    assert trip
    # The same visit moved to a Friday with a night away after it: the manager must be home.
    friday = dt.date(2027, 1, 8)
    moved = [v for v in visits if v.date != friday and v is not trip[0]]
    moved.append(
        Visit("M1", friday, trip[0].start, trip[0].end, "S1", 1, trip[0].travel_minutes_before, None, True)
    )
    rules = {v.rule for v in check_calendar(inputs, moved)}
    assert "night_away" in rules
    # Without its night away flag the trip day must get home: it cannot.
    unflagged = [Visit(**{**v.__dict__, "night_away": False}) for v in visits]
    assert "daily_hours" in {v.rule for v in check_calendar(inputs, unflagged)}


def test_an_account_beyond_a_day_even_one_way_is_a_shortfall_in_words() -> None:
    # Beijing from Hangzhou: about 1,640 road km, 27 h one way.
    inputs = _inputs((39.90, 116.40))
    plan = plan_calendar(inputs, time_limit_s=2, seed=1, workers=1)
    summary = build_summary(plan, plan_visits(plan), [])
    reasons = {a["account_id"]: a["reason"] for a in summary["shortfall"]["accounts"]}
    assert reasons == {"S1": "longer than a day"}


def test_a_trip_never_has_a_day_away_without_a_visit() -> None:
    """Every day of a trip but the last has a visit: a night away is written on a visit."""
    inputs = _inputs((31.23, 121.47), (31.20, 121.44), (31.25, 121.50))
    plan = plan_calendar(inputs, time_limit_s=2, seed=1, workers=1)
    for m in plan.managers:
        trips = m.built.trips
        assert trips is not None
        for d in trips.nights:
            assert trips.routes[d], f"day {d} is away from home with no visit"


def test_one_trip_serves_a_city_it_would_otherwise_take_two_trips_to() -> None:
    # Home and three accounts of one city, 4 h away and 30 min apart, a 3-hour visit each, one
    # visit due this week: a 2-day trip holds two of them (out and a visit; a visit and home),
    # so the shortest trip for the first sent the manager home and out again for the third.
    # Three days away hold all three (the last day only the road home): fewer days, less road.
    travel = np.full((4, 4), 30.0)
    travel[0, 1:] = travel[1:, 0] = 240.0
    np.fill_diagonal(travel, 0.0)
    days = 5
    problem = PeriodicProblem(
        name="M1",
        travel=travel,
        service=np.array([0.0, 180.0, 180.0, 180.0]),
        demand=np.zeros(4),
        vehicles=np.ones(days, dtype=np.int64),
        capacity=np.full(days, np.inf),
        max_duration=np.full(days, 480.0),
        rules=tuple(WindowRule(((0, days - 1),), 0, np.ones(days, dtype=bool)) for _ in range(3)),
        miss_cost=np.array([0.0, 3e4, 2e4, 1e4]),
    )
    trips = plan_trips(problem)
    assert trips.remote == {1, 2, 3}
    assert sorted(trips.routes) == [0, 1, 2] and trips.nights == {0, 1}
    assert sorted(c for route in trips.routes.values() for c in route) == [1, 2, 3]

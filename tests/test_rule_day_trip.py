"""visit_fits_a_day (planner/rules/day_trip.py): without overnight trips, a pair whose visit and
road there and back exceed a working day is not allowed. Hangzhou to Shanghai is 165 km great
circle, 214 km by road (x 1.3), 3.6 h at 60 km/h: a 3-hour strategic visit needs 10.1 h, a 1.5-hour
standard one 8.6 h, both over an 8-hour day; a manager in Shanghai needs minutes."""

from __future__ import annotations

from toys import acc, context, mgr, solve

from planner.compile import compile_problem
from planner.diagnose import presolve_diagnosis
from planner.rules import failed_pair_rules

HANGZHOU = {"home_lat": 30.27, "home_lon": 120.15}
SHANGHAI = {"lat": 31.23, "lon": 121.47}


def test_a_pair_beyond_a_day_trip_is_allowed_with_overnight_trips_and_not_without() -> None:
    managers = [mgr("M1", seniority="principal", **HANGZHOU)]
    accounts = [acc("A1", tier="strategic", **SHANGHAI)]
    assert failed_pair_rules(context(managers, accounts), 0, 0) == []  # the default: overnight: true
    ctx = context(managers, accounts, overnight=False)
    assert failed_pair_rules(ctx, 0, 0) == ["visit_fits_a_day"]
    # A longer working day makes it a day trip again: 10.1 h fits in 11.
    longer = context(managers, accounts, overnight=False, calendar={"hours_per_day": 11})
    assert failed_pair_rules(longer, 0, 0) == []


def test_the_plan_goes_to_the_manager_within_a_day_and_the_diagnosis_says_why_not() -> None:
    managers = [
        mgr("M1", seniority="principal", **HANGZHOU),
        mgr("M2", seniority="principal", home_lat=31.2, home_lon=121.4),
    ]
    accounts = [acc("A1", tier="strategic", industry="x", **SHANGHAI)]
    hz_knows = [mgr("M1", seniority="principal", industries={"x"}, **HANGZHOU), managers[1]]
    # Without overnight trips only M2 may serve it, whatever the match would prefer.
    assert solve(context(hz_knows, accounts, overnight=False)).plan.manager_of("A1") == "M2"
    reasons = presolve_diagnosis(compile_problem(context(managers[:1], accounts, overnight=False)))
    assert reasons == [
        "1 account are too far from every eligible manager for a day trip (the road there and back plus the "
        "visit exceed a 8-hour working day); allow overnight trips (policy overnight: true) or hire nearer (A1)"
    ]


def test_with_overnight_trips_the_road_one_way_plus_the_visit_must_fit_a_day() -> None:
    # Beijing from Hangzhou by road: about 1,640 road km, 27 h one way; no night away helps.
    managers = [mgr("M1", seniority="principal", **HANGZHOU)]
    accounts = [acc("A1", tier="strategic", lat=39.90, lon=116.40)]
    assert failed_pair_rules(context(managers, accounts), 0, 0) == ["visit_fits_a_day"]
    reasons = presolve_diagnosis(compile_problem(context(managers, accounts)))
    assert reasons == [
        "1 account are too far from every eligible manager even with a night away (the road one way plus "
        "the visit exceed a 8-hour working day); hire nearer, or give travel times (travel.matrix_file) (A1)"
    ]

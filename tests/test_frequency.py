"""One frequency (#13): a tier's or an account's visit frequency, written as visits per month or
as every so many weeks, is the one figure behind the assignment's hours and the calendar's visits.
A month is 52/12 weeks throughout."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from toys import acc, context, mgr, plan

from planner.calendar.build import build_manager, make_inputs
from planner.calendar.frequency import required_visits, windows_after
from planner.calendar.inputs import Assignment
from planner.calendar.workdays import make_calendar
from planner.evaluate import evaluate
from planner.io.cells import convert
from planner.models import Policy, Tier
from planner.objective import pair_metrics

WEEKS_PER_MONTH = 52 / 12


def test_either_way_of_writing_gives_the_other() -> None:
    by_visits = Policy.model_validate({"tiers": {"key": {"visits_per_month": 2}}}).tiers[Tier.key]
    by_weeks = Policy.model_validate({"tiers": {"key": {"visit_every_weeks": 2}}}).tiers[Tier.key]
    assert by_visits.visit_every_weeks == pytest.approx(WEEKS_PER_MONTH / 2)
    assert by_weeks.visits_per_month == pytest.approx(WEEKS_PER_MONTH / 2)
    # The defaults: strategic twice a month, key monthly, standard quarterly (every 13 weeks).
    tiers = Policy().tiers
    assert [tiers[t].visit_every_weeks for t in Tier] == pytest.approx([13 / 6, 13 / 3, 13.0])


def test_two_frequencies_that_disagree_are_refused_in_words() -> None:
    with pytest.raises(ValueError, match=r"every 2 weeks is 2\.17 visits per month"):
        Policy.model_validate({"tiers": {"strategic": {"visits_per_month": 2, "visit_every_weeks": 2}}})
    # Rounding is not disagreement: quarterly written both ways.
    Policy.model_validate({"tiers": {"standard": {"visits_per_month": 0.333, "visit_every_weeks": 13}}})


def test_an_accounts_own_frequency_sets_its_hours_and_has_no_reduced_level() -> None:
    # A standard account on a contract of a visit every 2 weeks: 52/12/2 visits x 1.5 h a month.
    ctx = context([mgr("M1")], [acc("A1"), acc("A2", visit_every_weeks=2)], allow_unassigned=True)
    hours = pair_metrics(ctx, np.array([0, 1]), np.array([0, 0])).hours_ch
    assert hours.tolist() == [50, round(WEEKS_PER_MONTH / 2 * 1.5 * 100)]
    # Its contract frequency is kept or not served, never thinned to the tier's 26 weeks.
    assert [v.rule for v in evaluate(ctx, plan(A1="M1", A2="M1")).violations] == []
    reduced = evaluate(ctx, plan(A1="M1", A2="M1").model_copy(update={"service": {"A2": "every 26 weeks"}}))
    assert [v.rule for v in reduced.violations] == ["service_level"]


def test_windows_count_from_the_last_visit() -> None:
    # Every 2 weeks (14 days), last visited 3 days before the start: due by day 11, then 25, 39;
    # the first no sooner than 7 days (min spacing) after the last visit.
    assert windows_after(42, 2, -3, 7) == ((4, 11), (12, 25), (26, 39))
    # Overdue (last visit 30 days ago): due within the first half period, then every 14 days.
    assert windows_after(28, 2, -30, 7) == ((0, 6), (7, 20), (21, 27))
    # Quarterly, visited 2 weeks before the start: not due in a 4-week calendar.
    assert windows_after(28, 13, -14, 28) == ()
    assert windows_after(28, None, -14, 28) == () and required_visits(13, None) == 0


def test_the_calendar_asks_for_the_accounts_own_frequency_from_its_last_visit() -> None:
    ctx = context(
        [mgr("M1", home_lat=31.2, home_lon=121.4)],
        [
            acc("A1", lat=31.2, lon=121.4, visit_every_weeks=1),
            acc("A2", lat=31.2, lon=121.4, tier="strategic", last_visit_date=dt.date(2027, 1, 1)),
        ],
    )
    work = make_calendar("2027-01-04", 4, None, frozenset(range(5)))
    assignment = Assignment(manager_of={"A1": "M1", "A2": "M1"}, tier_of={}, unassigned=())
    inputs = make_inputs(ctx.dataset, assignment, work, {}, {})
    assert inputs.visit_every_weeks("A1") == 1
    rules = build_manager(inputs, "M1").problem.rules
    assert rules[0].required == 4  # weekly over 4 weeks
    # Strategic, every 13/6 weeks = 15 days from 1 Jan: due by 16 Jan (day 12) and 31 Jan (day 27).
    assert rules[1].windows == ((4, 12), (13, 27))


@pytest.mark.parametrize(
    ("text", "iso"),
    [("2026-11-02", "2026-11-02"), ("2026/11/2", "2026-11-02"), ("2026年11月2日", "2026-11-02"),
     ("2026.11.02 00:00:00", "2026-11-02"), ("２０２６/１１/２", "2026-11-02")],
)  # fmt: skip
def test_dates_as_crm_exports_write_them(text: str, iso: str) -> None:
    assert convert("last_visit_date", text) == iso


def test_a_crm_export_with_chinese_headers_gives_both_columns(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from planner.io.loader import load_dataset

    (tmp_path / "managers.csv").write_text(
        "manager_id,seniority,region,capacity_hours\nM1,senior,east,120\n", encoding="utf-8"
    )
    (tmp_path / "accounts.csv").write_text(
        "客户编号,区域,拜访周期(周),最近拜访日期\nA1,east,2,2026/11/2\nA2,east,,\n", encoding="utf-8"
    )
    ds = load_dataset(tmp_path / "accounts.csv", tmp_path / "managers.csv")
    assert [(a.visit_every_weeks, a.last_visit_date) for a in ds.accounts] == [
        (2.0, dt.date(2026, 11, 2)),
        (None, None),
    ]


def test_capacity_above_the_working_calendar_is_warned_about(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from planner.io.loader import read_dataset

    (tmp_path / "managers.csv").write_text(
        "manager_id,seniority,region,capacity_hours\nM1,senior,east,120\nM2,senior,east,200\n",
        encoding="utf-8",
    )
    (tmp_path / "accounts.csv").write_text("account_id,region\nA1,east\n", encoding="utf-8")
    warnings = read_dataset(tmp_path / "accounts.csv", tmp_path / "managers.csv").warnings
    # 5 days x 8 h x 52/12 = 173 h a month: M2's 200 h cannot all be placed in a calendar.
    assert [w for w in warnings if "working calendar" in w] == [
        "1 manager(s) have more capacity_hours than the working calendar holds (5 days a week x 8 h = 173 h a "
        "month, before holidays and leave): M2 (200 h). The assignment counts those hours; the visit calendar "
        "cannot place them (lower capacity_hours, or change calendar.hours_per_day / working_weekdays)"
    ]


def test_long_trips_go_by_train_or_plane_where_faster() -> None:
    from planner.models.policy import TravelModel

    travel = TravelModel()
    # 10 km across town: 13 road km at 60 km/h; 600 km (Hangzhou to Wuhan): 1 h access + 780 km at 200 km/h.
    assert float(travel.hours(10.0)) == pytest.approx(13 / 60)
    assert float(travel.hours(600.0)) == pytest.approx(1 + 780 / 200)
    assert float(TravelModel(long_distance_speed_kmh=None).hours(600.0)) == pytest.approx(13.0)

"""Visit calendars: frequencies, spacing, holidays (incl. a Chinese make-up working day), leave,
daily hours, the .ics files, shortfalls and bad input. Small toys; the whole file runs in seconds."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar
from typer.testing import CliRunner

import planner.cli.calendar  # noqa: F401  (registers the commands on the app)
from planner.budget import Budget
from planner.calendar.build import build_manager, load_inputs
from planner.calendar.check import check_calendar
from planner.calendar.frequency import required_visits, visit_windows
from planner.calendar.output import write_calendar
from planner.calendar.solve import plan_calendar
from planner.calendar.visits import plan_visits, read_visits
from planner.calendar.workdays import make_calendar
from planner.cli.app import app
from planner.errors import Cancelled, InputError
from planner.io.outdir import MARKER
from planner.io.plan_dir import PLAN_COLUMNS
from planner.pvrp.problem import INF, WindowRule

START = "2024-02-01"  # Thursday; Spring Festival 10-17 Feb; Sunday 4 Feb and Sunday 18 Feb are make-up working days
SHANGHAI = (31.2304, 121.4737)


def _near(km_north: float, km_east: float) -> tuple[float, float]:
    lat = SHANGHAI[0] + km_north / 111.32
    lon = SHANGHAI[1] + km_east / (111.32 * np.cos(np.radians(SHANGHAI[0])))
    return round(lat, 6), round(lon, 6)


def write_toy(
    folder: Path,
    *,
    accounts: list[tuple[str, str, str, tuple[float, float]]] | None = None,
    leave: list[tuple[str, str, str]] | None = None,
    availability: list[tuple[str, str, str, str]] | None = None,
    policy: str | None = None,
) -> dict[str, Path]:
    """Two managers in Shanghai and a handful of accounts (id, tier, manager, (km north, km east))."""
    folder.mkdir(parents=True, exist_ok=True)
    if accounts is None:
        accounts = [
            ("A1", "strategic", "M1", (3, 2)),
            ("A2", "key", "M1", (4, 3)),
            ("A3", "strategic", "M2", (-5, 1)),
            ("A4", "key", "M2", (-6, -2)),
            ("A5", "key", "M1", (1, 8)),
            ("A6", "standard", "M1", (-2, 6)),
        ]
    paths = {}
    with (folder / "managers.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["manager_id", "name", "seniority", "home_lat", "home_lon", "capacity_hours", "region"])
        for mid, (north, east) in (("M1", (0, 0)), ("M2", (-8, 0))):
            w.writerow([mid, f"Manager {mid}", "principal", *_near(north, east), 140, "east"])
    with (folder / "accounts.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["account_id", "name", "lat", "lon", "tier", "region", "current_manager_id"])
        for aid, tier, mid, (north, east) in accounts:
            w.writerow([aid, f"Account {aid}", *_near(north, east), tier, "east", mid])
    (folder / "plan").mkdir(exist_ok=True)
    with (folder / "plan" / "plan.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(PLAN_COLUMNS)
        for aid, tier, mid, _ in accounts:
            row = {"account_id": aid, "manager_id": mid, "tier": tier, "previous_manager_id": mid}
            row.update(moved="false", workload_hours="10", travel_hours="1", match_score="0.8")
            w.writerow([row.get(column, "") for column in PLAN_COLUMNS])
    paths.update(accounts=folder / "accounts.csv", managers=folder / "managers.csv", plan=folder / "plan")
    if leave is not None:
        with (folder / "leave.csv").open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["manager_id", "start", "end"])
            w.writerows(leave)
        paths["leave"] = folder / "leave.csv"
    if availability is not None:
        with (folder / "availability.csv").open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["account_id", "weekdays", "window_start", "window_end"])
            w.writerows(availability)
        paths["availability"] = folder / "availability.csv"
    if policy is not None:
        (folder / "policy.yaml").write_text(policy)
        paths["policy"] = folder / "policy.yaml"
    return paths


def plan_toy(paths: dict[str, Path], weeks: int = 4, country: str | None = "CN", seconds: float = 1.0):
    inputs = load_inputs(start=START, weeks=weeks, country=country, **paths)
    return inputs, plan_calendar(inputs, time_limit_s=seconds, seed=1, workers=1)


# --- frequency rule ------------------------------------------------------------------------------
def test_required_visits_over_a_quarter():
    # 13 weeks: strategic every 2 weeks -> 6.5 rounds half up to 7; key every 4 -> 3; standard -> 1.
    assert [required_visits(13, e) for e in (2, 4, 13)] == [7, 3, 1]
    # A quarterly account is not due in a four-week calendar.
    assert required_visits(4, 13) == 0


def test_windows_cover_the_horizon_without_overlap():
    windows = visit_windows(91, 7)
    assert windows[0][0] == 0 and windows[-1][1] == 90
    assert all(b[0] == a[1] + 1 for a, b in itertools.pairwise(windows))
    assert {hi - lo + 1 for lo, hi in windows} == {13}


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_window_rule_picks_the_cheapest_allowed_days(data):
    """The dynamic programme agrees with brute force over every day choice (and skipping)."""
    import itertools

    n_days = data.draw(st.integers(4, 12))
    k = data.draw(st.integers(1, 3))
    cuts = sorted(
        data.draw(st.lists(st.integers(1, n_days - 1), min_size=k - 1, max_size=k - 1, unique=True))
    )
    bounds = [0, *cuts, n_days]
    windows = tuple((bounds[i], bounds[i + 1] - 1) for i in range(k))
    spacing = data.draw(st.integers(0, 4))
    allowed = np.array(data.draw(st.lists(st.booleans(), min_size=n_days, max_size=n_days)))
    cost = np.array(
        data.draw(st.lists(st.sampled_from([0.0, 1.0, 3.0, 7.0, INF]), min_size=n_days, max_size=n_days))
    )
    miss = data.draw(st.sampled_from([2.0, 5.0, 50.0]))
    rule = WindowRule(windows, spacing, allowed)
    total, days = rule.cheapest(cost, miss)
    best = INF
    for choice in itertools.product(*[[None, *range(lo, hi + 1)] for lo, hi in windows]):
        picked = [d for d in choice if d is not None]
        if any(b - a < spacing for a, b in itertools.pairwise(picked)):
            continue
        best = min(best, sum(miss if d is None else (cost[d] if allowed[d] else INF) for d in choice))
    assert total == pytest.approx(best)
    problems, missing = rule.problems(days)
    assert not problems and missing == k - len(days)


# --- working days --------------------------------------------------------------------------------
def test_chinese_holidays_and_make_up_day():
    cal = make_calendar(START, 4, "CN", frozenset(range(5)))
    assert cal.is_working(dt.date(2024, 2, 4))  # Sunday, official make-up working day
    assert not cal.is_working(dt.date(2024, 2, 3))  # ordinary Saturday
    assert not cal.is_working(dt.date(2024, 2, 12))  # Spring Festival
    assert cal.reason_off(dt.date(2024, 2, 15)).startswith("holiday")  # weekday swapped off
    assert make_calendar(START, 4, None, frozenset(range(5))).is_working(dt.date(2024, 2, 12))


# --- planning ------------------------------------------------------------------------------------
def test_calendar_keeps_frequency_spacing_holidays_leave_and_hours(tmp_path):
    paths = write_toy(
        tmp_path, leave=[("M2", "2024-02-05", "2024-02-09")], availability=[("A5", "sun", "", "")]
    )
    _inputs, plan = plan_toy(paths)
    visits, violations, summary = write_calendar(plan, tmp_path / "out")
    assert violations == []
    assert summary["days_over_capacity"] == 0
    # 4 weeks: strategic twice (one per 14-day window), key once, standard not due.
    count = {a: sum(v.account_id == a for v in visits) for a in ("A1", "A2", "A3", "A4", "A5", "A6")}
    assert count == {"A1": 2, "A2": 1, "A3": 2, "A4": 1, "A5": 1, "A6": 0}
    a1 = sorted(v.date for v in visits if v.account_id == "A1")
    assert (a1[1] - a1[0]).days >= 7  # strategic min_spacing_days
    assert a1[0] < dt.date(2024, 2, 15) <= a1[1]
    holidays = {dt.date(2024, 2, d) for d in range(10, 18)}
    assert not any(v.date in holidays for v in visits)
    assert not any(
        v.manager_id == "M2" and dt.date(2024, 2, 5) <= v.date <= dt.date(2024, 2, 9) for v in visits
    )
    # A5 is only available on Sundays: only the make-up Sundays (4 or 18 Feb) can take it.
    a5 = [v.date for v in visits if v.account_id == "A5"]
    assert a5 and a5[0] in (dt.date(2024, 2, 4), dt.date(2024, 2, 18))
    # Every day: leave home at 09:00, back by 17:00, with travel counted.
    for v in visits:
        assert v.start >= 9 * 60 + v.travel_minutes_before and v.end <= 17 * 60


def test_daily_hours_never_exceeded_when_time_is_short(tmp_path):
    """Four 3-hour strategic visits per fortnight for one manager, 8-hour days: at most two a day."""
    accounts = [(f"S{i}", "strategic", "M1", (i, 2 * i)) for i in range(1, 9)]
    paths = write_toy(tmp_path, accounts=accounts)
    _inputs, plan = plan_toy(paths, weeks=2)
    visits, violations, summary = write_calendar(plan, tmp_path / "out")
    assert violations == [] and summary["days_over_capacity"] == 0
    per_day: dict[tuple[str, dt.date], list] = {}
    for v in visits:
        per_day.setdefault((v.manager_id, v.date), []).append(v)
    for day in per_day.values():
        assert len(day) <= 2
        assert max(v.end for v in day) <= 17 * 60
    assert summary["visits"]["planned"] == 8


def test_shortfall_is_reported_most_valuable_first(tmp_path):
    """One manager on leave for all but two days cannot do everything: strategic visits are kept."""
    accounts = [
        ("S1", "strategic", "M1", (2, 1)),
        ("K1", "key", "M1", (1, 3)),
        ("K2", "key", "M1", (-1, 2)),
        ("K3", "key", "M1", (3, 3)),
    ]
    paths = write_toy(
        tmp_path,
        accounts=accounts,
        leave=[("M1", "2024-02-01", "2024-02-01"), ("M1", "2024-02-05", "2024-02-28")],
    )
    policy = "tiers:\n  strategic: {hours_per_visit: 5, admin_hours_per_month: 0, visit_every_weeks: 4, min_spacing_days: 7}\n  key: {hours_per_visit: 5, admin_hours_per_month: 0, visit_every_weeks: 4, min_spacing_days: 7}\n  standard: {visits_per_month: 1, hours_per_visit: 1, admin_hours_per_month: 0}\n"
    (tmp_path / "policy.yaml").write_text(policy)
    paths["policy"] = tmp_path / "policy.yaml"
    _inputs, plan = plan_toy(paths, weeks=4)
    visits, violations, summary = write_calendar(plan, tmp_path / "out")
    # Working days left: Fri 2 Feb and Sun 4 Feb (make-up day); one 5-hour visit fits a day.
    assert "S1" in {v.account_id for v in visits}
    assert len(visits) == 2
    short = summary["shortfall"]
    assert short["managers"] == [
        {
            "manager_id": "M1",
            "required_visits": 4,
            "planned_visits": 2,
            "missed_visits": 2,
            "missed_hours": pytest.approx(short["managers"][0]["missed_hours"]),
        }
    ]
    assert {a["account_id"] for a in short["accounts"]} <= {"K1", "K2", "K3"}
    assert all(a["reason"] == "not enough time" for a in short["accounts"])
    assert {v.rule for v in violations} == {"frequency"}  # the checker lists the missing visits


def test_calendar_policy_section_sets_day_start_and_hours(tmp_path):
    paths = write_toy(
        tmp_path, policy="calendar:\n  hours_per_day: 6\n  day_start: '08:30'\n  timezone: Asia/Shanghai\n"
    )
    inputs, plan = plan_toy(paths)
    assert inputs.calendar.minutes_per_day == 360
    visits, violations, _ = write_calendar(plan, tmp_path / "out")
    assert violations == []
    assert min(v.start - v.travel_minutes_before for v in visits) >= 8 * 60 + 30
    assert max(v.end for v in visits) <= 14 * 60 + 30
    ics = (tmp_path / "out" / "M1.ics").read_text()
    assert "TZID=Asia/Shanghai" in ics and "BEGIN:VTIMEZONE" in ics


def test_time_windows_are_kept(tmp_path):
    paths = write_toy(
        tmp_path,
        availability=[("A1", "", "13:00", "16:30"), ("A2", "mon;tue", "", ""), ("A3", "", "14:00", "17:00")],
    )
    _inputs, plan = plan_toy(paths)
    visits, violations, summary = write_calendar(plan, tmp_path / "out")
    # A3's 3-hour visit would end at 17:00 sharp, leaving no time to drive home by 17:00.
    assert {(v.rule, v.account_id) for v in violations} == {("frequency", "A3")}
    assert {a["reason"] for a in summary["shortfall"]["accounts"]} == {"longer than a day"}
    for v in visits:
        if v.account_id == "A1":
            assert v.start >= 13 * 60 and v.end <= 16 * 60 + 30
        if v.account_id == "A2":
            assert v.date.weekday() in (0, 1)


# --- output files --------------------------------------------------------------------------------
def test_ics_parses_back_to_the_visits(tmp_path):
    paths = write_toy(tmp_path)
    _, plan = plan_toy(paths)
    write_calendar(plan, tmp_path / "out")
    visits = read_visits(tmp_path / "out")
    from_ics = set()
    for manager in ("M1", "M2"):
        cal = Calendar.from_ical((tmp_path / "out" / f"{manager}.ics").read_bytes())
        assert str(cal.get("version")) == "2.0" and cal.get("prodid")
        for event in cal.walk("VEVENT"):
            start, end = event.decoded("dtstart"), event.decoded("dtend")
            account = str(event.get("uid")).split("-")[1]
            from_ics.add(
                (manager, start.date(), start.hour * 60 + start.minute, end.hour * 60 + end.minute, account)
            )
    assert from_ics == {(v.manager_id, v.date, v.start, v.end, v.account_id) for v in visits}
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["visits"]["planned"] == len(visits)


def test_output_directory_is_replaced_whole(tmp_path):
    paths = write_toy(tmp_path)
    out = tmp_path / "out"
    _, plan = plan_toy(paths)
    write_calendar(plan, out)
    # As if the previous calendar had had a third manager: its file is listed in the marker.
    marker = json.loads((out / MARKER).read_text())
    (out / MARKER).write_text(json.dumps({**marker, "files": [*marker["files"], "M3.ics"]}))
    (out / "M3.ics").write_text("old")
    write_calendar(plan, out)
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "M1.ics", "M2.ics", "summary.json", "visits.csv"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


def test_output_directory_with_foreign_files_is_refused(tmp_path):
    paths = write_toy(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "stale.txt").write_text("mine")
    _, plan = plan_toy(paths)
    with pytest.raises(InputError, match=r"stale\.txt"):
        write_calendar(plan, out)
    assert sorted(p.name for p in out.iterdir()) == ["stale.txt"]


# --- command line --------------------------------------------------------------------------------
def _args(paths: dict[str, Path], *extra: str) -> list[str]:
    args = [
        "--plan",
        str(paths["plan"]),
        "--accounts",
        str(paths["accounts"]),
        "--managers",
        str(paths["managers"]),
    ]
    args += ["--start", START, "--weeks", "4", "--country", "CN"]
    for key in ("leave", "availability", "policy"):
        if key in paths:
            args += [f"--{key}", str(paths[key])]
    return args + list(extra)


def test_cli_calendar_then_check(tmp_path):
    paths = write_toy(tmp_path, leave=[("M2", "2024-02-05", "2024-02-09")])
    runner = CliRunner()
    done = runner.invoke(
        app,
        ["calendar", *_args(paths, "--out", str(tmp_path / "cal"), "--time-limit", "2", "--workers", "1")],
    )
    assert done.exit_code == 0, done.output
    assert (tmp_path / "cal" / "visits.csv").exists()
    checked = runner.invoke(app, ["check-calendar", "--visits", str(tmp_path / "cal"), *_args(paths)])
    assert checked.exit_code == 0, checked.output
    # A visit moved onto Spring Festival is caught, with exit code 1.
    rows = (tmp_path / "cal" / "visits.csv").read_text().splitlines()
    header, first = rows[0], rows[1].split(",")
    first[1] = "2024-02-12"
    (tmp_path / "cal" / "visits.csv").write_text("\n".join([header, ",".join(first), *rows[2:]]) + "\n")
    checked = runner.invoke(
        app, ["check-calendar", "--visits", str(tmp_path / "cal"), *_args(paths), "--json"]
    )
    assert checked.exit_code == 1
    rules = {v["rule"] for v in json.loads(checked.output)["violations"]}
    assert "holiday" in rules


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"start": "2024-13-01"}, "--start"),
        (
            {"leave": [("M9", "2024-02-05", "2024-02-06")]},
            "leave.csv row 2, column 'manager_id': unknown manager_id 'M9'",
        ),
        ({"leave": [("M1", "2024-02-05", "5 Feb")]}, "leave.csv row 2, column 'end'"),
        ({"availability": [("A1", "mon;funday", "", "")]}, "availability.csv row 2, column 'weekdays'"),
        ({"country": "XX"}, "--country"),
        ({"plan": "missing"}, "file not found"),
    ],
)
def test_cli_bad_input_exit_2(tmp_path, change, expected):
    paths = write_toy(tmp_path, leave=change.get("leave"), availability=change.get("availability"))
    args = _args(paths, "--out", str(tmp_path / "cal"))
    if "start" in change:
        args[args.index("--start") + 1] = change["start"]
    if "country" in change:
        args[args.index("--country") + 1] = change["country"]
    if "plan" in change:
        args[args.index("--plan") + 1] = str(tmp_path / "nowhere" / "plan.csv")
    done = CliRunner().invoke(app, ["calendar", *args])
    assert done.exit_code == 2, done.output
    assert expected in " ".join(done.output.split())
    assert not (tmp_path / "cal").exists()


def test_unknown_account_in_plan_is_bad_input(tmp_path):
    paths = write_toy(tmp_path)
    with (paths["plan"] / "plan.csv").open("a", newline="") as fh:
        csv.writer(fh).writerow(["A99", "M1", "key", "", "false", "1", "0", "0.5"])
    with pytest.raises(
        InputError, match=re.escape("plan.csv row 8, column 'account_id': unknown account_id 'A99'")
    ):
        load_inputs(start=START, weeks=4, country="CN", **paths)


def test_manager_problem_travel_counts_road_factor(tmp_path):
    paths = write_toy(tmp_path)
    inputs = load_inputs(start=START, weeks=4, country="CN", **paths)
    built = build_manager(inputs, "M1")
    # A1 is ~3.6 km from home: x1.3 road factor at 60 km/h is 4.7 min, rounded up to 5.
    assert built.problem.travel[0, built.node_of("A1")] == 5
    assert check_calendar(inputs, []) != []  # nothing planned: frequency violations


def test_policy_with_an_embedded_calendar_section_is_read_the_same(tmp_path, monkeypatch):
    """Once `Policy` gains `calendar: CalendarPolicy`, the same YAML must still load."""
    from pydantic import Field

    import planner.calendar.settings as settings
    from planner.models import Policy
    from planner.models.calendar_policy import CalendarPolicy

    class Embedded(Policy):
        calendar: CalendarPolicy = Field(default_factory=CalendarPolicy)

    path = tmp_path / "policy.yaml"
    path.write_text("calendar:\n  hours_per_day: 7.5\nallow_unassigned: true\n")
    before = settings.load_policies(path)
    monkeypatch.setattr(settings, "Policy", Embedded)
    after = settings.load_policies(path)
    assert before[1] == after[1] and after[1].minutes_per_day == 450
    assert after[0].allow_unassigned and before[0].allow_unassigned
    path.write_text("calendar:\n  day_start: '25:00'\n")
    with pytest.raises(InputError, match=re.escape("calendar.day_start")):
        settings.load_policies(path)


# --- cancellation --------------------------------------------------------------------------------
@pytest.mark.parametrize("workers", [1, 2])
def test_a_cancelled_build_raises_cancelled_and_frees_its_core(tmp_path: Path, workers: int) -> None:
    inputs = load_inputs(start=START, weeks=4, country="CN", **write_toy(tmp_path))
    # Cancelled before it starts: one process sees it in its first search round, a pool
    # before its first manager comes back; either way long before the 600 s limit.
    budget = Budget(600.0)
    budget.cancel()
    with pytest.raises(Cancelled):
        plan_calendar(inputs, seed=1, workers=workers, budget=budget)
    # A build never cancelled plans every manager.
    done = plan_calendar(inputs, seed=1, workers=workers, budget=Budget(1.0))
    assert len(done.managers) == 2


def test_the_calendar_reads_the_assignments_travel_matrix(tmp_path):
    """One travel model (#13): a manager-to-account time in the policy's travel matrix replaces
    the great-circle formula in the calendar, as it does in the assignment."""
    (tmp_path / "travel.csv").write_text("manager_id,account_id,minutes\nM1,A1,150\n")
    paths = write_toy(tmp_path, policy="travel:\n  matrix_file: travel.csv\n")
    _inputs, plan = plan_toy(paths, weeks=2)
    first = [v for v in plan_visits(plan) if v.account_id == "A1" and v.sequence == 1]
    assert first and all(v.travel_minutes_before == 150 for v in first)
    # The formula's few minutes still hold for the pair the matrix does not name.
    assert all(
        v.travel_minutes_before < 30 for v in plan_visits(plan) if v.account_id == "A2" and v.sequence == 1
    )

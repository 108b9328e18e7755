"""Visit calendars under scarcity: each account is planned at the service level its plan chose.

Under the default policy a key account is due every 4 weeks (13 weeks: floor(13/4 + 1/2) = 3
visits) and at its reduced level "every 2 months" every 8 weeks (floor(13/8 + 1/2) = 2); a
standard account every 13 weeks (1 visit) and at "every 26 weeks" floor(13/26 + 1/2) = 1. An
account the plan leaves unserved (no manager) is due no visit, so it is no shortfall either.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

import pytest
from api_conftest import POLL_SECONDS, READ, WRITE, settings_for, wait_for_job
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import planner.cli.assign  # registers the commands on the app, as does the next line
import planner.cli.calendar  # noqa: F401
from api.app import create_app
from api.schemas_calendar import CalendarIn
from api.services.calendars import calendar_inputs
from planner.calendar.build import build_manager, load_inputs
from planner.calendar.check import check_calendar
from planner.calendar.solve import plan_calendar
from planner.calendar.summary import build_summary
from planner.calendar.visits import Visit, plan_visits
from planner.cli.app import app
from planner.errors import InputError
from planner.io.plan_dir import PLAN_COLUMNS
from planner.models import Account, Dataset, Manager, Policy

START = "2024-03-04"  # a Monday; no country: weekdays only, so the toys need no holiday table
WEEKS = 13
HOME = (31.2304, 121.4737)
# (account, tier, manager, service); M1 serves them all from Shanghai, a few km apart.
ROWS = [
    ("K1", "key", "M1", "full"),
    ("K2", "key", "M1", "every 2 months"),
    ("S1", "standard", "M1", "full"),
    ("S2", "standard", "", "unserved"),
]


def write_files(folder: Path, rows: list[tuple[str, str, str, str]] = ROWS, capacity: float = 140) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "managers.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["manager_id", "seniority", "home_lat", "home_lon", "capacity_hours", "region"])
        w.writerow(["M1", "principal", *HOME, capacity, "east"])
    with (folder / "accounts.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["account_id", "name", "lat", "lon", "tier", "region", "current_manager_id"])
        for k, (aid, tier, *_) in enumerate(rows):
            w.writerow([aid, f"Account {aid}", HOME[0] + 0.01 * (k + 1), HOME[1] + 0.01, tier, "east", "M1"])
    (folder / "plan").mkdir(exist_ok=True)
    with (folder / "plan" / "plan.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(PLAN_COLUMNS)
        for aid, tier, mid, service in rows:
            row = {"account_id": aid, "manager_id": mid, "tier": tier, "service": service}
            w.writerow([row.get(column, "") for column in PLAN_COLUMNS])
    return {"accounts": folder / "accounts.csv", "managers": folder / "managers.csv", "plan": folder / "plan"}


def windows_of(inputs: Any, account: str) -> int:
    built = build_manager(inputs, inputs.assignment.manager_of[account])
    return len(built.problem.rules[built.node_of(account) - 1].windows)


def test_a_reduced_account_is_visited_at_its_level_and_the_check_accepts_it(tmp_path: Path) -> None:
    paths = write_files(tmp_path)
    inputs = load_inputs(start=START, weeks=WEEKS, **paths)
    assert windows_of(inputs, "K1") == 3 and windows_of(inputs, "K2") == 2  # full: 3; every 8 weeks: 2
    planned = plan_calendar(inputs, time_limit_s=2, seed=1, workers=1)
    visits = plan_visits(planned)
    days = sorted(v.date for v in visits if v.account_id == "K2")
    assert len(days) == 2 and (days[1] - days[0]).days >= 14  # the key tier's min_spacing_days
    assert sum(v.account_id == "K1" for v in visits) == 3
    assert check_calendar(inputs, visits) == []

    summary = build_summary(planned, visits, [])
    assert summary["visits"]["required_by_level"] == {"full": 4, "every 2 months": 2, "every 26 weeks": 0}
    assert summary["visits"]["planned_by_level"] == summary["visits"]["required_by_level"]
    assert [
        (a["account_id"], a["level"], a["visit_every_weeks"], a["required"])
        for a in summary["reduced_accounts"]
    ] == [("K2", "every 2 months", 52 / 12 / 0.5, 2)]  # 0.5 visits a month: every 8.67 weeks
    assert summary["shortfall"]["accounts"] == []

    # The same visits judged against full service: K2 misses a window of the tier's frequency.
    full = write_files(tmp_path / "full", [(a, t, m, "full" if m else s) for a, t, m, s in ROWS])
    found = check_calendar(load_inputs(start=START, weeks=WEEKS, **full), visits)
    assert {(v.rule, v.account_id) for v in found} == {("frequency", "K2")}


def test_check_calendar_cli_checks_the_level_not_the_tier(tmp_path: Path) -> None:
    paths = write_files(tmp_path)
    args = [
        "--plan",
        str(paths["plan"]),
        "--accounts",
        str(paths["accounts"]),
        "--managers",
        str(paths["managers"]),
    ]
    args += ["--start", START, "--weeks", str(WEEKS)]
    runner = CliRunner()
    done = runner.invoke(app, ["calendar", *args, "--out", str(tmp_path / "cal"), "--time-limit", "2", "-q"])
    assert done.exit_code == 0, done.output
    checked = runner.invoke(app, ["check-calendar", "--visits", str(tmp_path / "cal"), *args])
    assert checked.exit_code == 0, checked.output
    # A third K2 visit is one too many in a window at its level.
    with (tmp_path / "cal" / "visits.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    k2 = [r for r in rows if r["account_id"] == "K2"]
    assert len(k2) == 2
    taken = {dt.date.fromisoformat(r["date"]) for r in rows}
    k2_days = [dt.date.fromisoformat(r["date"]) for r in k2]
    first = dt.date.fromisoformat(START)
    extra_day = next(
        d
        for d in (first + dt.timedelta(days=n) for n in range(7 * WEEKS))
        if d.weekday() < 5 and d not in taken and all(abs((d - k).days) > 14 for k in k2_days)
    )
    rows.append({**k2[0], "date": extra_day.isoformat(), "sequence": "1"})
    with (tmp_path / "cal" / "visits.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    checked = runner.invoke(app, ["check-calendar", "--visits", str(tmp_path / "cal"), *args, "--json"])
    assert checked.exit_code == 1, checked.output
    assert json.loads(checked.output)["by_rule"] == {"frequency": 1}


def test_an_unserved_account_gets_no_visit_and_no_shortfall(tmp_path: Path) -> None:
    paths = write_files(tmp_path)
    inputs = load_inputs(start=START, weeks=WEEKS, **paths)
    assert inputs.level_of("S2") == "unserved"
    planned = plan_calendar(inputs, time_limit_s=2, seed=1, workers=1)
    visits = plan_visits(planned)
    assert not [v for v in visits if v.account_id == "S2"]
    summary = build_summary(planned, visits, check_calendar(inputs, visits))
    assert summary["unassigned_accounts"] == ["S2"]
    assert summary["shortfall"] == {"managers": [], "accounts": []}
    assert summary["check"]["violations"] == 0
    # A visit to it by hand is a visit the plan did not ask for.
    stray = Visit("M1", visits[0].date, 15 * 60, 16 * 60 + 30, "S2", 9, 0)
    found = check_calendar(inputs, [*visits, stray])
    assert [(v.rule, v.account_id, v.detail) for v in found] == [
        ("wrong_manager", "S2", "the plan leaves this account unserved (no manager)")
    ]


def test_an_unknown_service_level_is_bad_input_naming_the_row(tmp_path: Path) -> None:
    rows = [*ROWS[:1], ("K2", "key", "M1", "every 26 weeks"), *ROWS[2:]]  # a standard tier's level
    paths = write_files(tmp_path, rows)
    with pytest.raises(InputError, match=r"plan\.csv row 3, column 'service'.*'every 26 weeks' for tier key"):
        load_inputs(start=START, weeks=WEEKS, **paths)


def test_a_plan_assign_writes_under_scarcity_goes_through_the_calendar(tmp_path: Path) -> None:
    # 6 h a month for two key accounts (3 h each in full, about 2 h reduced) and two standard
    # ones (0.5 h each), travel included: not everything fits in full.
    paths = write_files(tmp_path, [(a, t, "M1", "") for a, t, _, _ in ROWS], capacity=6)
    runner = CliRunner()
    data = ["--accounts", str(paths["accounts"]), "--managers", str(paths["managers"])]
    plan_dir = tmp_path / "assigned"
    done = runner.invoke(
        app,
        [
            "assign",
            *data,
            "--out",
            str(plan_dir),
            "--allow-unassigned",
            "--deterministic",
            "--time-limit",
            "5",
        ],
    )
    assert done.exit_code == 0, done.output
    with (plan_dir / "plan.csv").open(newline="") as fh:
        plan = {r["account_id"]: r for r in csv.DictReader(fh)}
    reduced = {a for a, r in plan.items() if r["manager_id"] and r["service"] != "full"}
    unserved = {a for a, r in plan.items() if not r["manager_id"]}
    assert reduced and unserved and all(plan[a]["service"] == "unserved" for a in unserved)

    args = ["--plan", str(plan_dir), "--start", START, "--weeks", str(WEEKS)]
    done = runner.invoke(app, ["calendar", *args, "--out", str(tmp_path / "cal"), "--time-limit", "2"])
    assert done.exit_code == 0, done.output
    summary = json.loads((tmp_path / "cal" / "summary.json").read_text())
    assert {a["account_id"] for a in summary["reduced_accounts"]} == reduced
    assert set(summary["unassigned_accounts"]) == unserved
    with (tmp_path / "cal" / "visits.csv").open(newline="") as fh:
        visited = {r["account_id"] for r in csv.DictReader(fh)}
    assert not visited & unserved
    assert not {a["account_id"] for a in summary["shortfall"]["accounts"]} & unserved
    checked = runner.invoke(app, ["check-calendar", "--visits", str(tmp_path / "cal"), *args])
    assert checked.exit_code == 0, checked.output


# --- the API: a stored plan keeps its levels, and its calendar follows them ----------------------
def _dataset(capacity: float) -> Dataset:
    managers = [
        Manager(
            manager_id="M1",
            seniority="principal",
            capacity_hours=capacity,
            region="east",
            home_lat=HOME[0],
            home_lon=HOME[1],
        )
    ]
    accounts = [
        Account(
            account_id=aid,
            tier=tier,
            region="east",
            lat=HOME[0] + 0.01 * (k + 1),
            lon=HOME[1] + 0.01,
            current_manager_id="M1",
        )
        for k, (aid, tier, *_) in enumerate(ROWS)
    ]
    return Dataset(managers=tuple(managers), accounts=tuple(accounts), policy=Policy(allow_unassigned=True))


def test_calendar_inputs_of_a_stored_plan_take_its_levels() -> None:
    assignment = {a: (m or None) for a, _, m, _ in ROWS}
    spec = CalendarIn.model_validate({"start": START, "weeks": WEEKS})
    inputs = calendar_inputs(_dataset(140), assignment, spec, {"K2": "every 2 months"})
    assert inputs.level_of("K2") == "every 2 months" and inputs.level_of("S2") == "unserved"
    assert windows_of(inputs, "K2") == 2
    # Plans stored before service levels existed: full service.
    assert windows_of(calendar_inputs(_dataset(140), assignment, spec), "K2") == 3


def test_api_plan_keeps_its_service_levels_through_the_calendar(tmp_path: Path) -> None:
    ds = _dataset(6)
    body = {
        "name": "scarce",
        "managers": [m.model_dump(mode="json") for m in ds.managers],
        "accounts": [a.model_dump(mode="json") for a in ds.accounts],
        "policy": {"allow_unassigned": True},
    }
    with TestClient(create_app(settings_for(f"sqlite:///{tmp_path / 'planner.db'}"))) as client:
        r = client.post("/api/v1/datasets", headers=WRITE, json=body)
        assert r.status_code == 201, r.text
        r = client.post(
            "/api/v1/jobs",
            headers=WRITE,
            json={
                "dataset_id": r.json()["id"],
                "solver": {"name": "cpsat", "time_limit_seconds": 5, "seed": 0},
            },
        )
        assert r.status_code == 202, r.text
        job = wait_for_job(client, r.json()["id"])
        assert job["status"] == "succeeded", job
        plan_id = job["plan_id"]
        rows = client.get(f"/api/v1/plans/{plan_id}/assignments", headers=READ).json()
        service = {r["account_id"]: r["service"] for r in rows}
        reduced = {a for a, s in service.items() if s not in ("full", "unserved")}
        unserved = {a for a, s in service.items() if s == "unserved"}
        assert reduced and unserved

        r = client.post(
            f"/api/v1/plans/{plan_id}/calendar",
            headers=WRITE,
            json={"start": START, "weeks": WEEKS, "time_limit_seconds": 2, "seed": 1},
        )
        assert r.status_code == 202, r.text
        for _ in range(round(120 / POLL_SECONDS)):  # at most two minutes, as before
            cal = client.get(f"/api/v1/plans/{plan_id}/calendar", headers=READ).json()
            if cal["status"] not in ("queued", "running"):
                break
            time.sleep(POLL_SECONDS)
        assert cal["status"] == "succeeded", cal
        summary = cal["summary"]
        assert {a["account_id"]: a["level"] for a in summary["reduced_accounts"]} == {
            a: service[a] for a in reduced
        }
        assert set(summary["unassigned_accounts"]) == unserved
        assert not {v["account_id"] for v in cal["visits"]} & unserved
        assert cal["shortfall"] == [] and summary["check"]["violations"] == 0

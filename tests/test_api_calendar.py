"""Visit calendars over the API, in-process against SQLite and, when reachable, PostgreSQL: a
small generated data set is uploaded, solved, and its calendar built once per database; the
visits are checked against the plan, the Chinese holiday calendar and the leave, and by the
same checker `planner check-calendar` runs; the .ics files parse back to the visits."""

from __future__ import annotations

import csv
import datetime as dt
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import holidays
import pytest
from api_conftest import POLL_SECONDS, READ, WRITE, database_url_for, settings_for, wait_for_job
from fastapi.testclient import TestClient
from icalendar import Calendar
from typer.testing import CliRunner

import planner.cli.calendar  # noqa: F401  (registers check-calendar on the app)
from api.app import create_app
from api.db import PlanRow
from planner.calendar.visits import VISIT_COLUMNS
from planner.cli.app import app as cli
from planner.generator import generate, write_csv

START = dt.date(
    2024, 2, 1
)  # Thursday; Spring Festival 10-17 Feb; Sun 4 and Sun 18 Feb are make-up working days
WEEKS = 4
END = START + dt.timedelta(days=7 * WEEKS - 1)
# The manager with most strategic accounts is away for the whole first fortnight: each of their
# strategic accounts (one visit per 14-day window) must miss the first window, "no working day".
LEAVE_START, LEAVE_END = dt.date(2024, 2, 1), dt.date(2024, 2, 16)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def client(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    url = database_url_for(request.param, tmp_path_factory.mktemp("db"))
    with TestClient(create_app(settings_for(url))) as c:
        yield c


@pytest.fixture(scope="module")
def built(client: TestClient, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """60 accounts and 5 managers uploaded as CSV, solved, and a 4-week calendar built."""
    folder = tmp_path_factory.mktemp("calendar")
    write_csv(generate(60, 5, seed=5), folder)
    files = {k: (f"{k}.csv", (folder / f"{k}.csv").read_bytes()) for k in ("accounts", "managers")}
    r = client.post("/api/v1/datasets/upload", headers=WRITE, data={"name": "calendar"}, files=files)
    assert r.status_code == 201, r.text
    r = client.post(
        "/api/v1/jobs",
        headers=WRITE,
        json={"dataset_id": r.json()["id"], "solver": {"time_limit_seconds": 10}},
    )
    job = wait_for_job(client, r.json()["id"])
    assert job["status"] == "succeeded", job
    plan_id = job["plan_id"]
    rows = client.get(f"/api/v1/plans/{plan_id}/assignments", headers=READ).json()
    strategic: dict[str, set[str]] = {}
    for row in rows:
        if row["tier"] == "strategic" and row["manager_id"]:
            strategic.setdefault(row["manager_id"], set()).add(row["account_id"])
    away = max(sorted(strategic), key=lambda m: len(strategic[m]))
    assert client.get(f"/api/v1/plans/{plan_id}/calendar", headers=READ).status_code == 404  # none yet

    request = {
        "start": START.isoformat(),
        "weeks": WEEKS,
        "country": "CN",
        "leave": [{"manager_id": away, "start": LEAVE_START.isoformat(), "end": LEAVE_END.isoformat()}],
        "time_limit_seconds": 1,
        "seed": 1,
    }
    r = client.post(f"/api/v1/plans/{plan_id}/calendar", headers=WRITE, json=request)
    assert r.status_code == 202, r.text
    assert r.json()["status"] == "queued" and r.json()["visits"] == []
    assert r.headers["location"] == f"/api/v1/plans/{plan_id}/calendar"
    body = wait_for_calendar(client, plan_id)
    assert body["status"] == "succeeded", body
    return {
        "folder": folder,
        "plan_id": plan_id,
        "manager_of": {row["account_id"]: row["manager_id"] for row in rows},
        "rows": rows,
        "away": away,
        "away_strategic": strategic[away],
        "request": request,
        "body": body,
    }


def wait_for_calendar(client: TestClient, plan_id: str, timeout_s: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        body = client.get(f"/api/v1/plans/{plan_id}/calendar", headers=READ).json()
        if body["status"] not in ("queued", "running"):
            return body
        time.sleep(POLL_SECONDS)
    raise AssertionError(f"calendar of plan {plan_id} still {body['status']} after {timeout_s} s")


def test_visits_keep_the_plan_working_days_and_leave(built: dict[str, Any]) -> None:
    body = built["body"]
    visits = body["visits"]
    assert visits and body["created_by"] == "writer" and body["request"]["country"] == "CN"
    cn = holidays.country_holidays("CN", years=2024)
    for v in visits:
        day = dt.date.fromisoformat(v["date"])
        assert v["manager_id"] == built["manager_of"][v["account_id"]], v
        assert START <= day <= END, v
        assert day not in cn or day in cn.weekend_workdays, v  # no public holiday
        assert day.weekday() < 5 or day in cn.weekend_workdays, v  # a weekend only when made a working day
        assert not (v["manager_id"] == built["away"] and LEAVE_START <= day <= LEAVE_END), v
        start, end = (int(t[:2]) * 60 + int(t[3:]) for t in (v["start"], v["end"]))
        assert start - v["travel_minutes_before"] >= 9 * 60 and end <= 17 * 60, v  # default 8 h from 09:00
    assert body["summary"]["visits"]["planned"] == len(visits)
    assert sum(m["planned_visits"] for m in body["managers"]) == len(visits)
    assert {m["manager_id"] for m in body["managers"]} == {m for m in built["manager_of"].values() if m}
    # The manager on leave misses the first visit of each strategic account for want of a working
    # day; nobody else lacks a day (other shortfalls are accounts too far for one day's round trip).
    short = {s["account_id"]: s for s in body["shortfall"]}
    for account in built["away_strategic"]:
        assert short[account]["missing"] >= 1 and "no working day" in short[account]["reason"], short[account]
    assert all(s["manager_id"] == built["away"] for s in short.values() if "no working day" in s["reason"])
    reasons = {"no working day", "not available", "longer than a day", "not enough time"}
    assert all(set(s["reason"].split("; ")) <= reasons for s in short.values())
    for m in body["managers"]:
        assert m["missed_visits"] == sum(
            s["missing"] for s in short.values() if s["manager_id"] == m["manager_id"]
        )


def test_check_calendar_finds_only_the_reported_shortfall(built: dict[str, Any], tmp_path: Path) -> None:
    """The visits and the plan written as files and checked by `planner check-calendar`."""
    folder = built["folder"]
    with (tmp_path / "plan.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["account_id", "manager_id", "tier"])
        w.writerows([r["account_id"], r["manager_id"] or "", r["tier"]] for r in built["rows"])
    with (tmp_path / "visits.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(VISIT_COLUMNS)
        w.writerows([v[c] for c in VISIT_COLUMNS] for v in built["body"]["visits"])
    (tmp_path / "leave.csv").write_text(f"manager_id,start,end\n{built['away']},{LEAVE_START},{LEAVE_END}\n")
    args: list[object] = [
        "--plan",
        tmp_path,
        "--accounts",
        folder / "accounts.csv",
        "--managers",
        folder / "managers.csv",
    ]
    args += ["--start", START, "--weeks", WEEKS, "--country", "CN", "--leave", tmp_path / "leave.csv"]
    args += ["--visits", tmp_path, "--json"]
    done = CliRunner().invoke(cli, ["check-calendar", *map(str, args)])
    assert done.exit_code == 1, done.output  # the shortfall is a frequency violation
    found = json.loads(done.output)["violations"]
    assert {v["rule"] for v in found} == {"frequency"}
    assert {v["account_id"] for v in found} == {s["account_id"] for s in built["body"]["shortfall"]}


def test_ics_per_manager_parses_back_to_the_visits(client: TestClient, built: dict[str, Any]) -> None:
    body = built["body"]
    for manager in body["managers"]:
        r = client.get(manager["ics"], headers=READ)
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith("text/calendar")
        assert f'filename="{manager["manager_id"]}.ics"' in r.headers["content-disposition"]
        assert f"filename*=UTF-8''{manager['manager_id']}.ics" in r.headers["content-disposition"]
        # The request names CN and no time zone: times are China's, with its VTIMEZONE (#16).
        assert b"BEGIN:VTIMEZONE" in r.content and b"DTSTART;TZID=Asia/Shanghai:" in r.content
        cal = Calendar.from_ical(r.content)
        assert str(cal.get("version")) == "2.0" and cal.get("prodid")
        events = set()
        nights = 0
        for event in cal.walk("VEVENT"):
            if "-night-" in str(event.get("uid")):
                nights += 1  # a night away on an overnight trip, not a visit
                continue
            start, end = event.decoded("dtstart"), event.decoded("dtend")
            account = str(event.get("uid")).split("-")[1]
            events.add((start.date().isoformat(), f"{start:%H:%M}", f"{end:%H:%M}", account))
        own = {
            (v["date"], v["start"], v["end"], v["account_id"])
            for v in body["visits"]
            if v["manager_id"] == manager["manager_id"]
        }
        assert events == own and len(events) == manager["planned_visits"]
        away = {
            v["date"] for v in body["visits"] if v["manager_id"] == manager["manager_id"] and v["night_away"]
        }
        assert nights == len(away)
        assert client.get(manager["ics"], headers=READ).content == r.content  # stable DTSTAMP and UIDs
    plan = built["plan_id"]
    assert client.get(f"/api/v1/plans/{plan}/calendar/NOBODY.ics", headers=READ).status_code == 404


def test_scopes(client: TestClient, built: dict[str, Any]) -> None:
    base = f"/api/v1/plans/{built['plan_id']}/calendar"
    ics = built["body"]["managers"][0]["ics"]
    assert client.post(base, json=built["request"]).status_code == 401
    assert client.post(base, headers={"X-API-Key": "nope"}, json=built["request"]).status_code == 401
    forbidden = client.post(base, headers=READ, json=built["request"])
    assert forbidden.status_code == 403 and "write" in forbidden.json()["detail"]
    assert client.delete(base, headers=READ).status_code == 403
    assert client.get(base).status_code == 401
    assert client.get(ics).status_code == 401
    assert client.get(base, headers=READ).status_code == 200
    assert client.get(ics, headers=READ).status_code == 200


def test_unknown_plan_is_404(client: TestClient, built: dict[str, Any]) -> None:
    base = "/api/v1/plans/no-such-plan/calendar"
    r = client.post(base, headers=WRITE, json=built["request"])
    assert r.status_code == 404 and "no-such-plan" in r.json()["detail"]
    assert client.get(base, headers=READ).status_code == 404
    assert client.delete(base, headers=WRITE).status_code == 404
    assert client.get(f"{base}/{built['away']}.ics", headers=READ).status_code == 404


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"start": "2024-13-01"}, ["body", "start"]),
        ({"start": "1900-01-01"}, ["body", "start"]),
        ({"weeks": 0}, ["body", "weeks"]),
        ({"country": "XX"}, ["body", "country"]),
        (
            {"leave": [{"manager_id": "M001", "start": "2024-02-09", "end": "2024-02-05"}]},
            ["body", "leave", 0, "end"],
        ),
        (
            {"availability": [{"account_id": "A0001", "weekdays": ["funday"]}]},
            ["body", "availability", 0, "weekdays"],
        ),
        ({"settings": {"day_start": "25:00"}}, ["body", "settings", "day_start"]),
        ({"time_limit_seconds": 0}, ["body", "time_limit_seconds"]),
        ({"workers": 4}, ["body", "workers"]),
        ({"leave": [{"manager_id": "NOBODY", "start": "2024-02-05"}]}, "leave[0].manager_id"),
        ({"availability": [{"account_id": "NOPE", "weekdays": ["mon"]}]}, "availability[0].account_id"),
    ],
)
def test_bad_input_is_422_naming_the_field(
    client: TestClient, built: dict[str, Any], change: dict[str, Any], where: list[Any] | str
) -> None:
    base = f"/api/v1/plans/{built['plan_id']}/calendar"
    r = client.post(base, headers=WRITE, json={**built["request"], **change})
    assert r.status_code == 422, r.text
    if isinstance(where, list):  # the request's shape, checked by its schema
        assert where in [e["loc"] for e in r.json()["detail"]]
    else:  # ids checked against the plan's data
        assert r.json()["problems"][0]["column"] == where
    assert client.get(base, headers=READ).json()["id"] == built["body"]["id"]  # nothing was queued


def _second_plan(client: TestClient, built: dict[str, Any]) -> str:
    """Another stored plan of the same data, written directly: no second solve needed."""
    store = client.app.state.services.store  # type: ignore[attr-defined]
    first = store.plan(built["plan_id"], workspace=None)
    with store.session() as s:
        return store.add_plan(
            s,
            PlanRow(
                dataset_id=first.dataset_id,
                dataset_version=first.dataset_version,
                name="copy",
                assignment=first.assignment,
                summary={},
                created_by="test",
            ),
            make_current=False,
        )


def test_one_build_at_a_time_and_cancel(client: TestClient, built: dict[str, Any]) -> None:
    plan = _second_plan(client, built)
    base = f"/api/v1/plans/{plan}/calendar"
    ics = f"{base}/{built['away']}.ics"
    assert client.get(base, headers=READ).status_code == 404
    # A build that is queued (stored, never handed to a worker, so it stays queued).
    store = client.app.state.services.store  # type: ignore[attr-defined]
    queued = store.create_calendar(plan, built["request"], "writer", workspace="default")
    r = client.post(base, headers=WRITE, json=built["request"])
    assert r.status_code == 409 and "already queued" in r.json()["detail"]
    assert client.get(ics, headers=READ).status_code == 409  # no calendar finished yet
    r = client.delete(base, headers=WRITE)
    assert r.status_code == 200 and r.json()["id"] == queued.id
    assert r.json()["status"] == "cancelled" and r.json()["error"] == "cancelled by request"
    assert client.get(ics, headers=READ).status_code == 404  # nothing is being built any more
    assert client.delete(base, headers=WRITE).json()["status"] == "cancelled"  # nothing left to cancel


def test_the_answer_says_which_days_are_off_and_why(built: dict[str, Any]) -> None:
    """Holidays, weekends and make-up days of the horizon, and each manager's own leave, so a
    reader can tell a holiday from a day with nothing planned."""
    body = built["body"]
    cn = holidays.country_holidays("CN", years=2024)
    days = [START + dt.timedelta(days=d) for d in range(7 * WEEKS)]
    working = {d for d in days if (d.weekday() < 5 and d not in cn) or d in cn.weekend_workdays}
    off = {dt.date.fromisoformat(d["date"]): d["reason"] for d in body["days_off"]}
    assert set(off) == set(days) - working
    assert off[dt.date(2024, 2, 12)].startswith("holiday: ")  # Spring Festival, a Monday
    assert off[dt.date(2024, 2, 3)] == "not a working weekday (sat)"
    assert (
        [dt.date.fromisoformat(d) for d in body["extra_working_days"]]
        == sorted(d for d in days if d in cn.weekend_workdays)
        == [dt.date(2024, 2, 4), dt.date(2024, 2, 18)]
    )
    for m in body["managers"]:
        own = {dt.date.fromisoformat(d["date"]): d["reason"] for d in m["own_days_off"]}
        if m["manager_id"] == built["away"]:
            leave = {d for d in working if LEAVE_START <= d <= LEAVE_END}
            assert own == dict.fromkeys(leave, "leave")
        else:
            assert own == {}


def test_a_cancel_stops_the_running_search(
    client: TestClient, built: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker, run here in-process: the cancel lands once the build is running, and the
    search stops at its next look at the row instead of running out its 600 s."""
    from api.services import calendar_worker

    store = client.app.state.services.store  # type: ignore[attr-defined]
    plan = _second_plan(client, built)
    row = store.create_calendar(
        plan, {**built["request"], "time_limit_seconds": 600}, "writer", workspace="default"
    )
    real = calendar_worker.plan_calendar
    seen: list[BaseException] = []

    def cancel_then_plan(*args: Any, **kwargs: Any) -> Any:
        assert client.delete(f"/api/v1/plans/{plan}/calendar", headers=WRITE).json()["status"] == "cancelled"
        try:
            return real(*args, **kwargs)
        except BaseException as exc:
            seen.append(exc)
            raise

    monkeypatch.setattr(calendar_worker, "plan_calendar", cancel_then_plan)
    monkeypatch.setattr(calendar_worker, "CHECK_SECONDS", 0.0)
    assert calendar_worker._run(store, row.id) == "cancelled"
    assert [type(e).__name__ for e in seen] == ["Cancelled"]
    stored = store.calendar(row.id, workspace=None)
    assert stored.status == "cancelled" and not stored.visits


def test_calendars_survive_a_restart(client: TestClient, built: dict[str, Any]) -> None:
    """A second app on the same database: the finished calendar is there, an unfinished one failed."""
    plan = built["plan_id"]
    base = f"/api/v1/plans/{plan}/calendar"
    services = client.app.state.services  # type: ignore[attr-defined]
    services.store.create_calendar(plan, built["request"], "writer", workspace="default")
    with TestClient(create_app(settings_for(services.settings.database_url))) as again:
        latest = again.get(base, headers=READ).json()
        assert latest["status"] == "failed" and "server stopped" in latest["error"]
        kept = again.get(base, headers=READ, params={"status": "succeeded"}).json()
        assert kept["id"] == built["body"]["id"] and kept["visits"] == built["body"]["visits"]
        manager = built["body"]["managers"][0]
        r = again.get(manager["ics"], headers=READ)  # the .ics still comes from the finished one
        assert r.status_code == 200 and r.content == client.get(manager["ics"], headers=READ).content


def test_a_feed_serves_the_plan_in_force_at_a_secret_url_until_revoked(
    client: TestClient, built: dict[str, Any]
) -> None:
    """#16 item 4: a calendar app subscribes without an API key; the URL's token is the key."""
    plan_id = built["plan_id"]
    dataset_id = client.get(f"/api/v1/plans/{plan_id}", headers=READ).json()["dataset_id"]
    manager = built["body"]["managers"][0]
    base = f"/api/v1/datasets/{dataset_id}/calendar-feeds"
    mine = {"manager_id": manager["manager_id"]}
    assert client.post(base, json=mine).status_code == 401
    assert client.post(base, headers=READ, json=mine).status_code == 403
    unknown = client.post(base, headers=WRITE, json={"manager_id": "NOBODY"})
    assert unknown.status_code == 422 and "NOBODY" in unknown.text
    r = client.post(base, headers=WRITE, json=mine)
    assert r.status_code == 201, r.text
    made = r.json()
    url, token = made["url"], made["url"].removeprefix("/feeds/").removesuffix(".ics")
    assert url.startswith("/feeds/") and len(token) >= 40
    # No key: the same calendar as the key-protected .ics of the plan in force.
    feed = client.get(url)
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    assert feed.content == client.get(manager["ics"], headers=READ).content
    # Neither the list nor the database holds the token.
    listed = client.get(base, headers=READ).json()
    assert made["id"] in {f["id"] for f in listed} and token not in str(listed)
    store = client.app.state.services.store  # type: ignore[attr-defined]
    from api.db import CalendarFeedRow

    with store.session() as s:
        stored = s.get(CalendarFeedRow, made["id"])
        assert stored is not None and token not in str(vars(stored))
    # It follows the plan in force: a plan adopted without a calendar has nothing to serve yet.
    other = _second_plan(client, built)
    assert (
        client.put(
            f"/api/v1/datasets/{dataset_id}/current-plan", headers=WRITE, json={"plan_id": other}
        ).status_code
        == 200
    )
    assert client.get(url).status_code == 404
    client.put(f"/api/v1/datasets/{dataset_id}/current-plan", headers=WRITE, json={"plan_id": plan_id})
    assert client.get(url).status_code == 200
    # Revoked: 404, as for a token that never existed; revoking again changes nothing.
    assert client.delete(f"{base}/{made['id']}", headers=READ).status_code == 403
    gone = client.delete(f"{base}/{made['id']}", headers=WRITE)
    assert gone.status_code == 200 and gone.json()["revoked_at"]
    assert (
        client.delete(f"{base}/{made['id']}", headers=WRITE).json()["revoked_at"] == gone.json()["revoked_at"]
    )
    assert client.get(url).status_code == 404
    assert client.get("/feeds/" + "A" * len(token) + ".ics").status_code == 404
    assert client.delete(f"{base}/nofeed", headers=WRITE).status_code == 404

"""Workspaces: two keys in two workspaces, in-process against SQLite and, when reachable,
PostgreSQL. North makes one of every kind of object (data set and its versions, solve job, plan,
staff-change event, visit calendar, hire advice); every operation that names one of them, asked
with the south key, answers 404 as for an id that does not exist, and every list leaves them out.
North itself reads all of them, and the south key works in its own workspace."""

from __future__ import annotations

import shlex
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from api_conftest import POLL_SECONDS, ROOT, Server, database_url_for
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import digest, find_key, parse_keys
from api.settings import Settings
from planner.generator import generate, write_csv

KEYS = "north-crm:north-key:read|write:north,south-crm:south-key:write:south,legacy:legacy-key:read"
NORTH = {"X-API-Key": "north-key"}
SOUTH = {"X-API-Key": "south-key"}
LEGACY = {"X-API-Key": "legacy-key"}  # no workspace field: workspace "default"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def client(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    url = database_url_for(request.param, tmp_path_factory.mktemp("db"))
    settings = Settings(
        database_url=url,
        api_keys=tuple(parse_keys(KEYS.replace(",", "\n"), "test")),
        event_time_limit_seconds=1,
    )
    with TestClient(create_app(settings)) as c:
        yield c


def _wait(client: TestClient, path: str, headers: dict[str, str], timeout_s: float = 90) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        body = client.get(path, headers=headers).json()
        if body["status"] not in ("queued", "running"):
            return body
        time.sleep(POLL_SECONDS)
    raise AssertionError(f"{path} still {body['status']} after {timeout_s} s")


def _make_everything(client: TestClient, headers: dict[str, str], folder: Path) -> dict[str, Any]:
    """One object of every kind in the key's workspace: their ids."""
    write_csv(generate(30, 3, seed=5), folder)
    files = {k: (f"{k}.csv", (folder / f"{k}.csv").read_bytes()) for k in ("accounts", "managers")}
    r = client.post("/api/v1/datasets/upload", headers=headers, data={"name": "north data"}, files=files)
    assert r.status_code == 201, r.text
    dataset_id = r.json()["id"]
    body = {"dataset_id": dataset_id, "solver": {"time_limit_seconds": 10, "threads": 1}}
    r = client.post("/api/v1/jobs", headers=headers, json=body)
    assert r.status_code == 202, r.text
    job = _wait(client, f"/api/v1/jobs/{r.json()['id']}", headers)
    assert job["status"] == "succeeded", job
    plan_id = job["plan_id"]
    rows = client.get(f"/api/v1/plans/{plan_id}/assignments", headers=headers).json()
    manager_id = next(r["manager_id"] for r in rows if r["manager_id"])
    calendar = {"start": "2024-03-04", "weeks": 2, "country": "CN", "time_limit_seconds": 1, "seed": 1}
    r = client.post(f"/api/v1/plans/{plan_id}/calendar", headers=headers, json=calendar)
    assert r.status_code == 202, r.text
    assert _wait(client, f"/api/v1/plans/{plan_id}/calendar", headers)["status"] == "succeeded"
    advice = {"solver": {"time_limit_seconds": 2, "threads": 1}, "budget_seconds": 10}
    r = client.post(f"/api/v1/datasets/{dataset_id}/advise-hires", headers=headers, json=advice)
    assert r.status_code == 202, r.text
    advice_id = r.json()["id"]
    _wait(client, f"/api/v1/advice/{advice_id}", headers)
    event = {
        "type": "capacity_changed",
        "idempotency_key": "north-1",
        "manager_id": manager_id,
        "capacity_hours": 150,
    }
    r = client.post(f"/api/v1/datasets/{dataset_id}/events", headers=headers, json=event)
    assert r.status_code == 200, r.text
    feed = client.post(
        f"/api/v1/datasets/{dataset_id}/calendar-feeds", headers=headers, json={"manager_id": manager_id}
    )
    assert feed.status_code == 201, feed.text
    return {
        "feed_id": feed.json()["id"],
        "dataset_id": dataset_id,
        "job_id": job["id"],
        "plan_id": plan_id,
        "event_plan_id": r.json()["plan_id"],
        "event": event,
        "event_id": r.json()["event_id"],
        "manager_id": manager_id,
        "account_id": rows[0]["account_id"],
        "calendar": calendar,
        "advice_id": advice_id,
        "advice": advice,
    }


@pytest.fixture(scope="module")
def north(client: TestClient, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _make_everything(client, NORTH, tmp_path_factory.mktemp("north"))


def _lookups(ids: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path, request) of every operation naming one of `ids`' objects."""
    ds, job, plan, plan2 = ids["dataset_id"], ids["job_id"], ids["plan_id"], ids["event_plan_id"]
    tiny = {
        "managers": [{"manager_id": "M1", "capacity_hours": 100, "region": "r"}],
        "accounts": [{"account_id": "A1", "region": "r"}],
    }
    return [
        ("GET", f"/api/v1/datasets/{ds}", {}),
        ("GET", f"/api/v1/datasets/{ds}/versions", {}),
        ("GET", f"/api/v1/datasets/{ds}/versions/1", {}),
        ("POST", f"/api/v1/datasets/{ds}/versions", {"json": tiny}),
        ("GET", f"/api/v1/datasets/{ds}/current-plan", {}),
        ("PUT", f"/api/v1/datasets/{ds}/current-plan", {"json": {"plan_id": plan}}),
        ("GET", f"/api/v1/datasets/{ds}/events", {}),
        # The same idempotency key: no replay of north's answer, no 409 saying the key was used.
        ("POST", f"/api/v1/datasets/{ds}/events", {"json": ids["event"]}),
        ("POST", f"/api/v1/datasets/{ds}/events", {"json": {**ids["event"], "idempotency_key": "south-1"}}),
        ("POST", f"/api/v1/datasets/{ds}/advise-hires", {"json": ids["advice"]}),
        ("POST", "/api/v1/jobs", {"json": {"dataset_id": ds, "solver": {"time_limit_seconds": 1}}}),
        ("GET", f"/api/v1/jobs/{job}", {}),
        ("GET", f"/api/v1/jobs/{job}/result", {}),
        ("DELETE", f"/api/v1/jobs/{job}", {}),
        ("GET", f"/api/v1/plans/{plan}", {}),
        ("GET", f"/api/v1/plans/{plan}/assignments", {}),
        ("GET", f"/api/v1/plans/{plan}/accounts/{ids['account_id']}/explain", {}),
        ("GET", f"/api/v1/plans/{plan}/fairness", {}),
        ("GET", f"/api/v1/plans/{plan}/export.csv", {}),
        ("GET", f"/api/v1/plans/{plan}/export.xlsx", {}),
        ("GET", f"/api/v1/plans/{plan}/fairness/export.csv", {}),
        ("GET", f"/api/v1/plans/{plan}/fairness/export.xlsx", {}),
        ("POST", "/api/v1/compare", {"json": {"plan_ids": [plan, plan2]}}),
        ("GET", "/api/v1/compare/export.csv", {"params": {"plan_ids": [plan, plan2]}}),
        ("GET", "/api/v1/compare/export.xlsx", {"params": {"plan_ids": [plan, plan2]}}),
        ("POST", f"/api/v1/plans/{plan}/calendar", {"json": ids["calendar"]}),
        ("GET", f"/api/v1/plans/{plan}/calendar", {}),
        ("GET", f"/api/v1/plans/{plan}/calendar", {"params": {"status": "succeeded"}}),
        ("GET", f"/api/v1/plans/{plan}/calendar/{ids['manager_id']}.ics", {}),
        ("GET", f"/api/v1/datasets/{ds}/calendar-feeds", {}),
        ("POST", f"/api/v1/datasets/{ds}/calendar-feeds", {"json": {"manager_id": ids["manager_id"]}}),
        ("DELETE", f"/api/v1/datasets/{ds}/calendar-feeds/{ids['feed_id']}", {}),
        ("DELETE", f"/api/v1/plans/{plan}/calendar", {}),
        ("GET", f"/api/v1/advice/{ids['advice_id']}", {}),
        ("GET", f"/api/v1/advice/{ids['advice_id']}/result", {}),
        ("DELETE", f"/api/v1/advice/{ids['advice_id']}", {}),
    ]


def _listed(client: TestClient, headers: dict[str, str], ids: dict[str, Any]) -> dict[str, set[str]]:
    ds = ids["dataset_id"]
    return {
        "datasets": {d["id"] for d in client.get("/api/v1/datasets", headers=headers).json()},
        "jobs": {j["id"] for j in client.get("/api/v1/jobs", headers=headers).json()},
        "plans": {p["id"] for p in client.get("/api/v1/plans", headers=headers).json()},
        "plans of the data set": {
            p["id"] for p in client.get("/api/v1/plans", headers=headers, params={"dataset_id": ds}).json()
        },
    }


def test_another_workspace_sees_none_of_the_objects(client: TestClient, north: dict[str, Any]) -> None:
    before = client.get(f"/api/v1/datasets/{north['dataset_id']}/versions", headers=NORTH).json()
    answers = {
        (method, path, str(kwargs)): client.request(method, path, headers=SOUTH, **kwargs)
        for method, path, kwargs in _lookups(north)
    }
    wrong = {what: (r.status_code, r.text[:200]) for what, r in answers.items() if r.status_code != 404}
    assert not wrong
    for key in (SOUTH, LEGACY):
        listed = _listed(client, key, north)
        assert all(not ids for ids in listed.values()), listed
    # Nothing south asked changed anything of north's: no version, event, job or calendar added,
    # nothing cancelled, the current plan still the event's.
    after = client.get(f"/api/v1/datasets/{north['dataset_id']}/versions", headers=NORTH).json()
    assert after == before
    events = client.get(f"/api/v1/datasets/{north['dataset_id']}/events", headers=NORTH).json()
    assert [e["event_id"] for e in events] == [north["event_id"]]
    current = client.get(f"/api/v1/datasets/{north['dataset_id']}/current-plan", headers=NORTH).json()
    assert current["id"] == north["event_plan_id"]
    assert client.get(f"/api/v1/jobs/{north['job_id']}", headers=NORTH).json()["status"] == "succeeded"
    assert len(client.get("/api/v1/jobs", headers=NORTH).json()) == 1
    calendar = client.get(f"/api/v1/plans/{north['plan_id']}/calendar", headers=NORTH).json()
    assert calendar["status"] == "succeeded"
    feeds = client.get(f"/api/v1/datasets/{north['dataset_id']}/calendar-feeds", headers=NORTH).json()
    assert [(f["id"], f["revoked_at"]) for f in feeds] == [(north["feed_id"], None)]


def test_the_owner_sees_every_object(client: TestClient, north: dict[str, Any]) -> None:
    for method, path, kwargs in _lookups(north):
        if method != "GET":
            continue  # the writes are the other test's; here only that each object is there
        r = client.request(method, path, headers=NORTH, **kwargs)
        assert r.status_code == 200, (path, r.status_code, r.text[:200])
    listed = _listed(client, NORTH, north)
    assert listed["datasets"] == {north["dataset_id"]}
    assert listed["jobs"] == {north["job_id"]}
    assert listed["plans"] == listed["plans of the data set"] == {north["plan_id"], north["event_plan_id"]}


def test_each_workspace_works_on_its_own_objects(client: TestClient, north: dict[str, Any]) -> None:
    tiny = {
        "name": "south data",
        "managers": [{"manager_id": "M1", "capacity_hours": 100, "region": "r"}],
        "accounts": [{"account_id": "A1", "region": "r"}],
    }
    r = client.post("/api/v1/datasets", headers=SOUTH, json=tiny)
    assert r.status_code == 201, r.text
    south_ds = r.json()["id"]
    assert [d["id"] for d in client.get("/api/v1/datasets", headers=SOUTH).json()] == [south_ds]
    assert client.get(f"/api/v1/datasets/{south_ds}", headers=NORTH).status_code == 404
    # Ids of two workspaces do not mix: south may not adopt north's plan for its data set.
    r = client.put(
        f"/api/v1/datasets/{south_ds}/current-plan", headers=SOUTH, json={"plan_id": north["plan_id"]}
    )
    assert r.status_code == 404
    # An idempotency key is the data set's: south uses north's key on its own data set freely.
    event = {
        "type": "capacity_changed",
        "idempotency_key": "north-1",
        "manager_id": "M1",
        "capacity_hours": 90,
    }
    r = client.post(f"/api/v1/datasets/{south_ds}/events", headers=SOUTH, json=event)
    assert r.status_code == 200 and not r.json()["replayed"], r.text
    r = client.post(
        "/api/v1/compare", headers=SOUTH, json={"plan_ids": [r.json()["plan_id"], north["plan_id"]]}
    )
    assert r.status_code == 404


def _readme_example() -> str:
    """The PLANNER_API_KEYS value of the README's `... planner serve` example, as written."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    api_section = readme[readme.index("## HTTP API") :]
    line = next(x for x in api_section.splitlines() if x.startswith("PLANNER_API_KEYS="))
    assignment, *command = shlex.split(line)
    assert command == ["planner", "serve"]
    return assignment.removeprefix("PLANNER_API_KEYS=")


def test_planner_serve_takes_the_readme_workspace_example(tmp_path: Path) -> None:
    keys = _readme_example()
    srv = Server(f"sqlite:///{tmp_path / 'readme.db'}", tmp_path / "server.log", keys=keys)
    srv.start()
    try:
        with srv.client() as c:
            north, south, auditor = (
                {"X-API-Key": k} for k in ("north-secret", "south-secret", "audit-secret")
            )
            tiny = {
                "name": "tiny",
                "managers": [{"manager_id": "M1", "capacity_hours": 100, "region": "r"}],
                "accounts": [{"account_id": "A1", "region": "r"}],
            }
            r = c.post("/api/v1/datasets", headers=north, json=tiny)
            assert r.status_code == 201 and r.json()["created_by"] == "crm-north", r.text
            ds = r.json()["id"]
            assert c.get(f"/api/v1/datasets/{ds}", headers=north).status_code == 200
            for other in (south, auditor):
                assert c.get(f"/api/v1/datasets/{ds}", headers=other).status_code == 404
                assert c.get("/api/v1/datasets", headers=other).json() == []
            assert c.post("/api/v1/datasets", headers=south, json=tiny).status_code == 201  # write alone
            assert c.post("/api/v1/datasets", headers=auditor, json=tiny).status_code == 403
            assert [d["id"] for d in c.get("/api/v1/datasets", headers=north).json()] == [ds]
    finally:
        srv.stop()


def test_a_keys_file_takes_the_same_entries(tmp_path: Path) -> None:
    """The README's entries one a line in PLANNER_API_KEYS_FILE, one key by its SHA-256."""
    entries = _readme_example().split(",")
    name, secret, rest = entries[1].split(":", 2)
    entries[1] = f"{name}:sha256={digest(secret)}:{rest}"
    path = tmp_path / "keys.txt"
    path.write_text("# CRM connectors\n" + "\n".join(entries) + "\n", encoding="utf-8")
    keys = Settings.from_env({"PLANNER_API_KEYS_FILE": str(path)}).api_keys
    assert [(k.name, k.scope, k.workspace) for k in keys] == [
        ("crm-north", "write", "north"),
        ("crm-south", "write", "south"),
        ("auditor", "read", "default"),
    ]
    assert find_key(keys, "south-secret") == keys[1]


@pytest.mark.parametrize(
    ("entry", "named"),
    [
        ("crm:leaky-secret:write:", True),  # an empty workspace
        ("crm:leaky-secret:write:north:extra", False),  # five fields
        ("crm:leaky-secret:write:no,comma", True),
        ("crm:leaky-secret:write:-north", True),
        ("crm:leaky-secret:write:" + "w" * 101, True),
        ("leaky-secret:write:north", False),  # the name left out: the key must not be shown as one
    ],
)
def test_a_bad_workspace_field_is_refused_without_the_key(entry: str, named: bool) -> None:
    with pytest.raises(ValueError, match="expected name:key:scope or name:key:scope:workspace") as err:
        parse_keys(entry, "PLANNER_API_KEYS")
    assert "leaky-secret" not in str(err.value)
    assert ("(key named 'crm')" in str(err.value)) is named

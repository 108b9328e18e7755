"""What the fuzzer found, one request each (#16): numbers the domain bounds, offsets and version
numbers past what the database holds, cross-entity errors naming their field, time stamps with a
time zone, and not-found only for a missing resource. In-process, SQLite."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from api_conftest import READ, WRITE, settings_for, upload_demo
from fastapi.testclient import TestClient

from api.app import create_app
from planner.errors import InputError
from planner.models import Account, Dataset, Manager, Policy
from planner.scenario.changes import apply_changes
from planner.scenario.spec import SetCapacity

TINY = {
    "name": "tiny",
    "managers": [{"manager_id": "M1", "capacity_hours": 100, "region": "r"}],
    "accounts": [{"account_id": "A1", "region": "r"}],
}


def client(tmp_path: Path) -> TestClient:
    return TestClient(
        create_app(settings_for(f"sqlite:///{tmp_path / 'bounds.db'}")), raise_server_exceptions=False
    )


def problems(r: object) -> list[tuple[str | None, str]]:
    body = r.json()  # type: ignore[attr-defined]
    return [(p["column"], p["message"]) for p in body["problems"]]


def test_json_upload_refuses_what_the_csv_loader_refuses(tmp_path: Path) -> None:
    with client(tmp_path) as c:
        # Python's JSON reader takes Infinity; echoing it back in the 422 was a 500.
        raw = json.dumps(TINY).replace('"capacity_hours": 100', '"capacity_hours": Infinity')
        r = c.post("/api/v1/datasets", headers={**WRITE, "content-type": "application/json"}, content=raw)
        assert r.status_code == 422, r.text
        assert r.json()["detail"][0]["loc"] == ["body", "managers", 0, "capacity_hours"]
        r = c.post(
            "/api/v1/datasets",
            headers=WRITE,
            json={**TINY, "managers": [{**TINY["managers"][0], "capacity_hours": 1e20}]},
        )  # type: ignore[dict-item]
        assert r.status_code == 422 and "744" in r.text
        # Cross-entity errors name the field they are about.
        accounts = [
            {"account_id": "A1", "region": "r", "current_manager_id": "GHOST"},
            {"account_id": "A2", "region": "r", "parent_id": "A3"},
            {"account_id": "A3", "region": "r", "parent_id": "A2"},
        ]
        r = c.post("/api/v1/datasets", headers=WRITE, json={**TINY, "accounts": accounts})
        assert r.status_code == 422, r.text
        assert problems(r) == [
            ("current_manager_id", "account 'A1': unknown current_manager_id 'GHOST'"),
            ("parent_id", "parent_id links go round in a circle: A2 -> A3 -> A2"),
        ]


def test_events_bound_numbers_and_name_the_field(tmp_path: Path) -> None:
    with client(tmp_path) as c:
        ds = upload_demo(c)
        url = f"/api/v1/datasets/{ds}/events"
        for hours in (1e20, 1e308, 745):
            event = {
                "type": "capacity_changed",
                "idempotency_key": f"c{hours}",
                "manager_id": "M001",
                "capacity_hours": hours,
            }
            r = c.post(url, headers=WRITE, json=event)
            assert r.status_code == 422, r.text
            assert r.json()["detail"][0]["loc"][-1] == "capacity_hours"
        # A parent that closes a circle is bad input naming fields.parent_id, never a 404.
        for key, account, parent in (
            ("p1", "A0001", "A0001"),
            ("p2", "A0002", "A0003"),
            ("p3", "A0003", "A0002"),
        ):
            event = {
                "type": "account_changed",
                "idempotency_key": key,
                "account_id": account,
                "fields": {"parent_id": parent},
            }
            r = c.post(url, headers=WRITE, json=event)
            if key == "p2":
                assert r.status_code == 200, r.text
                continue
            assert r.status_code == 422, r.text
            assert [column for column, _ in problems(r)] == ["fields.parent_id"]
        event = {
            "type": "account_changed",
            "idempotency_key": "m1",
            "account_id": "A0001",
            "fields": {"current_manager_id": "GHOST"},
        }
        r = c.post(url, headers=WRITE, json=event)
        assert r.status_code == 422 and [col for col, _ in problems(r)] == ["fields.current_manager_id"]


def test_pages_and_versions_past_the_database_are_not_server_errors(tmp_path: Path) -> None:
    with client(tmp_path) as c:
        ds = upload_demo(c)
        for path in ("/api/v1/datasets", "/api/v1/jobs", f"/api/v1/datasets/{ds}/events"):
            assert c.get(path, headers=READ, params={"offset": 10**9}).json() == []
            r = c.get(path, headers=READ, params={"offset": 2**63})
            assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "offset"]
        assert c.get(f"/api/v1/datasets/{ds}/versions/{2**31}", headers=READ).status_code == 422
        assert c.get(f"/api/v1/datasets/{ds}/versions/{2**31 - 1}", headers=READ).status_code == 404
        # Time stamps carry their zone (SQLite keeps none): a JSON Schema date-time needs it.
        created = c.get(f"/api/v1/datasets/{ds}", headers=READ).json()["created_at"]
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|\+00:00)", created), created


def test_not_found_only_for_a_missing_resource(tmp_path: Path) -> None:
    app = create_app(settings_for(f"sqlite:///{tmp_path / 'bounds.db'}"))

    @app.get("/boom")
    def boom() -> None:
        raise KeyError("GHOST")  # a bug deep down, not an unknown id

    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/boom")
        assert r.status_code == 500 and "GHOST" not in r.text
        assert c.get("/api/v1/datasets/nope", headers=READ).status_code == 404


def test_every_operation_documents_auth_and_its_422_shapes(tmp_path: Path) -> None:
    doc = create_app(settings_for(f"sqlite:///{tmp_path / 'bounds.db'}")).openapi()
    for path, item in doc["paths"].items():
        if not path.startswith("/api/v1"):
            continue
        for method, op in item.items():
            assert "401" in op["responses"], (method, path)
            if method in ("post", "put", "delete") and path != "/api/v1/compare":  # compare only reads
                assert "403" in op["responses"], (method, path)
            if "422" in op["responses"]:
                ref = op["responses"]["422"]["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith("/UnprocessableOut"), (method, path)


def test_hires_and_capacity_changes_stay_within_a_month(tmp_path: Path) -> None:
    """A hire's capacity is bounded like a managers.csv row (1.35e308 in manager_joined was a
    500), and a capacity factor may not take anyone past 744 h (the solve overflowed later)."""
    with client(tmp_path) as c:
        ds = upload_demo(c)
        hire = {"manager_id": "M900", "capacity_hours": 1.35e308, "region": "south"}
        event = {"type": "manager_joined", "idempotency_key": "j1", "manager": hire}
        r = c.post(f"/api/v1/datasets/{ds}/events", headers=WRITE, json=event)
        assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "capacity_hours", r.text
        # A scenario's hire may be several people of one profile; an event is one person.
        hire = {"manager_id": "M900", "capacity_hours": 120, "region": "south", "count": 2}
        event = {"type": "manager_joined", "idempotency_key": "j2", "manager": hire}
        r = c.post(f"/api/v1/datasets/{ds}/events", headers=WRITE, json=event)
        assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "count", r.text
    dataset = Dataset(
        managers=(Manager(manager_id="M1", capacity_hours=100),),
        accounts=(Account(account_id="A1"),),
        policy=Policy(),
    )
    with pytest.raises(InputError) as err:
        apply_changes(dataset, [SetCapacity(kind="set_capacity", factor=10)], source="scenario")
    [problem] = err.value.problems
    assert problem.column == "changes[0].factor" and "1000 h a month, more than 744" in problem.message


def test_a_reused_idempotency_key_answers_the_documented_409(tmp_path: Path) -> None:
    """Found by schemathesis at 5,041 cases: the 409 for a key used by another event is
    `{"detail": ...}`, which the document did not allow (it said EventOut only)."""
    app = create_app(settings_for(f"sqlite:///{tmp_path / 'bounds.db'}"))
    with TestClient(app) as c:
        ds = upload_demo(c)
        url = f"/api/v1/datasets/{ds}/events"
        first = {
            "type": "capacity_changed",
            "idempotency_key": "k",
            "manager_id": "M001",
            "capacity_hours": 150,
        }
        assert c.post(url, headers=WRITE, json=first).status_code == 200
        r = c.post(url, headers=WRITE, json={**first, "capacity_hours": 140})
        assert r.status_code == 409 and "already used" in r.json()["detail"], r.text
        doc = app.openapi()
    conflict = doc["paths"]["/api/v1/datasets/{dataset_id}/events"]["post"]["responses"]["409"]
    ref = conflict["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
    shapes = {s["$ref"].split("/")[-1] for s in doc["components"]["schemas"][ref]["anyOf"]}
    assert shapes == {"EventOut", "DetailOut"}
